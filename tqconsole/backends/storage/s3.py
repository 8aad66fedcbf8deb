"""S3Storage on boto3: MinIO, AWS, moto — anything that speaks S3 with path-style addressing.

URL: ``s3://KEY:SECRET@host:port?secure=0&region=eu-central-1`` (``secure=0``
means http; without a host, AWS and the default credential chain).  Optional
query values: ``concurrency`` (parallel requests, default 10) and
``multipart_mb`` (threshold and part size, default 8).

Uploads, downloads and copies go through s3transfer's TransferManager:
multipart above the threshold, parts and files in parallel, progress through
subscribers, and a failed or cancelled multipart upload is aborted by the
manager's failure cleanup, so no half-written object ever appears.  Only the
small files of a many-file upload skip it: one plain PUT each, in parallel.
When the server is gone, that abort fails too and the parts would stay:
s3_uploads.py remembers the uploads begun and aborts them again once the
server answers (after the next transfer, and at the end of a many-file upload).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import UTC, datetime
from io import BytesIO
from pathlib import Path
from typing import IO
from urllib.parse import parse_qs, quote, unquote, urlsplit

import boto3
from boto3.s3.transfer import TransferConfig, create_transfer_manager
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError
from botocore.exceptions import ConnectionError as BotoConnectionError
from s3transfer.exceptions import CancelledError
from s3transfer.subscribers import BaseSubscriber

from tqconsole.backends.storage import s3_uploads
from tqconsole.backends.storage.base import Storage, StorageBackend
from tqconsole.backends.storage.checks import guess_content_type
from tqconsole.backends.storage.errors import AccessDenied, BadCredentials, Cancelled, ObjectExists
from tqconsole.backends.storage.results import (
    MISSING,
    BucketInfo,
    DeleteResult,
    ObjectInfo,
    Page,
    TransferResult,
    UploadInfo,
)
from tqconsole.backends.storage.transfers import record, run_many
from tqconsole.errors import BackendUnavailable, ConfigError, ConsoleError, NotFound
from tqconsole.settings import mask_url

DELETE_BATCH = 1000  # the most keys one DeleteObjects request may carry
SMALL_FILE = 1024 * 1024  # save_many puts files up to this size in one request
HEAD_AT_MOST = 50  # up to this many keys to delete are looked up one by one
MB = 1024 * 1024
NOT_FOUND = {"NoSuchKey", "404", "NotFound"}
DENIED = {"AccessDenied", "403", "Forbidden", "AllAccessDisabled"}
BAD_CREDENTIALS = {"InvalidAccessKeyId", "SignatureDoesNotMatch", "InvalidToken", "ExpiredToken"}


class _Progress(BaseSubscriber):
    """Feeds a transfer's byte increments to ``report``."""

    def __init__(self, report):
        self.report = report

    def on_progress(self, future, bytes_transferred, **kwargs):
        self.report(bytes_transferred)


def _send_at_once(params, **kwargs) -> None:
    """No ``Expect: 100-continue`` on a body from memory (save_many's small files).

    botocore asks the server's go for every file-like body and waits a round trip
    for it: as long as the request itself for a small one.
    """
    if isinstance(params.get("body"), BytesIO):
        params["headers"].pop("Expect", None)


class S3Storage(Storage):
    backend: S3Backend

    @property
    def client(self):
        return self.backend.client

    @contextmanager
    def errors(self, what: str) -> Iterator[None]:
        with self.backend.errors(what, bucket=self.bucket):
            yield

    # --- reads
    def _list(self, prefix: str, delimiter: str, page_size: int, token: str | None) -> Page:
        kwargs = {"Bucket": self.bucket, "Prefix": prefix, "MaxKeys": page_size}
        if delimiter:
            kwargs["Delimiter"] = delimiter
        if token:
            kwargs["ContinuationToken"] = token
        with self.errors(f"listing {self.name}/{prefix}"):
            resp = self.client.list_objects_v2(**kwargs)
        objects = [
            ObjectInfo(
                key=item["Key"],
                size=item["Size"],
                modified=item["LastModified"].astimezone(UTC),
                etag=item.get("ETag", "").strip('"'),
            )
            for item in resp.get("Contents", [])
        ]
        prefixes = [p["Prefix"] for p in resp.get("CommonPrefixes", [])]
        token = resp.get("NextContinuationToken") if resp.get("IsTruncated") else None
        return Page(objects, prefixes, token)

    def _stat(self, key: str) -> ObjectInfo:
        with self.errors(f"{self.name}/{key}"):
            resp = self.client.head_object(Bucket=self.bucket, Key=key)
        return self._info(key, resp)

    @staticmethod
    def _info(key: str, resp: dict) -> ObjectInfo:
        return ObjectInfo(
            key=key,
            size=resp["ContentLength"],
            modified=resp["LastModified"].astimezone(UTC),
            etag=resp.get("ETag", "").strip('"'),
            content_type=resp.get("ContentType", ""),
            metadata=dict(resp.get("Metadata") or {}),
        )

    def _read(self, key: str, start: int | None, end: int | None) -> bytes:
        kwargs = {"Bucket": self.bucket, "Key": key}
        if start is not None or end is not None:
            kwargs["Range"] = f"bytes={start or 0}-{'' if end is None else end - 1}"
        try:
            with self.errors(f"{self.name}/{key}"):
                resp = self.client.get_object(**kwargs)
                with resp["Body"] as body:
                    return body.read()
        except ConsoleError as exc:
            if "InvalidRange" in str(exc):  # a range starting past the end: nothing there
                return b""
            raise

    def _open(self, key: str) -> IO[bytes]:
        with self.errors(f"{self.name}/{key}"):
            return self.client.get_object(Bucket=self.bucket, Key=key)["Body"]

    def _url(self, key: str, expires: int) -> str:
        if self.public and self.custom_domain:  # as the site's storages link
            return f"{self.backend.scheme}://{self.custom_domain}/{quote(key)}"
        if self.public:
            return f"{self.backend.public_base}/{quote(self.bucket)}/{quote(key)}"
        with self.errors(f"presigning {self.name}/{key}"):
            return self.client.generate_presigned_url(
                "get_object", Params={"Bucket": self.bucket, "Key": key}, ExpiresIn=expires
            )

    def _download(self, key: str, dest: Path, report) -> None:
        self._stat(key)  # a clear NotFound before any local file is touched
        with self.errors(f"downloading {self.name}/{key}"):
            self.backend.transfer(
                lambda m, s: m.download(self.bucket, key, str(dest), subscribers=s),
                report,
                self.bucket,
                key,
            )

    # --- writes
    def _save(self, key, data, content_type, metadata, report) -> ObjectInfo:
        source = str(data) if isinstance(data, Path) else data
        if isinstance(source, bytes | bytearray | memoryview):
            source = BytesIO(bytes(source))
        extra = {"ContentType": content_type}
        if metadata:
            extra["Metadata"] = metadata
        try:
            self._upload(source, key, extra, report)
        except ConsoleError as exc:
            if key in self.backend.multipart.left_over(self.bucket):
                raise type(exc)(
                    f"{exc}; its parts stay on the server until aborted "
                    f"(tqconsole storage uploads {self.name} --abort)"
                ) from None
            raise
        return self._stat(key)

    def _upload(self, source, key: str, extra: dict, report) -> None:
        with self.errors(f"uploading {self.name}/{key}"):
            self.backend.transfer(
                lambda m, s: m.upload(source, self.bucket, key, extra_args=extra, subscribers=s),
                report,
                self.bucket,
                key,
            )

    def _save_many(self, items, report, cancel, overwrite, on_file, concurrency) -> TransferResult:
        """``concurrency`` files at a time, no HEAD after each.

        A small file goes up in one PUT from memory: no ``Expect: 100-continue``
        round trip (botocore sends it for file bodies) and no transfer-manager
        bookkeeping, which costs more CPU than the request itself; larger files go
        through the transfer manager (multipart, aborted on failure or cancel).
        """
        result = TransferResult()
        if not overwrite:
            with ThreadPoolExecutor(max_workers=max(1, concurrency)) as pool:
                found = list(pool.map(lambda item: self.exists(item[1]), items))
            for (path, key), exists in zip(items, found, strict=True):
                if exists:
                    error = ObjectExists(f"{self.name}/{key} exists already")
                    record(result, path, key, error, 0, on_file)
            items = [item for item, exists in zip(items, found, strict=True) if not exists]

        def one(path: Path, key: str) -> int:
            extra = {"ContentType": guess_content_type(key)}
            try:
                size = path.stat().st_size
                body = path.read_bytes() if size <= SMALL_FILE else None
            except OSError as exc:
                raise ConsoleError(f"{exc.filename}: {exc.strerror}") from None
            if body is None:
                self._upload(str(path), key, extra, lambda n: report(key, n))
                return size
            with self.errors(f"uploading {self.name}/{key}"):
                report(key, size)  # also where a cancel stops it before it is sent
                self.client.put_object(Bucket=self.bucket, Key=key, Body=body, **extra)
            return size

        ran = run_many(one, items, cancel, on_file, concurrency, key_of=lambda item: item[1])
        result.done = sorted(result.done + ran.done)
        result.errors.update(ran.errors)
        result.bytes += ran.bytes
        result.cancelled = result.cancelled or ran.cancelled
        self.backend.multipart.retry(self.client)  # the server may be back by now
        result.incomplete = self.backend.multipart.left_over(self.bucket)
        return result

    def _delete(self, keys: list[str]) -> DeleteResult:
        result = DeleteResult()
        for start in range(0, len(keys), DELETE_BATCH):
            batch = keys[start : start + DELETE_BATCH]
            try:
                with self.errors(f"deleting in {self.name}"):
                    present = self._present(batch)
                    resp = self.client.delete_objects(
                        Bucket=self.bucket,
                        Delete={"Objects": [{"Key": k} for k in batch], "Quiet": False},
                    )
            except BackendUnavailable:
                raise
            except ConsoleError as exc:
                result.errors.update(dict.fromkeys(batch, str(exc)))
                continue
            for deleted in resp.get("Deleted", []):
                if deleted["Key"] in present:
                    result.deleted.append(deleted["Key"])
                else:
                    result.errors[deleted["Key"]] = MISSING
            for error in resp.get("Errors", []):
                result.errors[error["Key"]] = f"{error.get('Code')}: {error.get('Message')}"
        return result

    def _present(self, keys: list[str]) -> set[str]:
        """Which of ``keys`` exist (DeleteObjects calls a missing key deleted).

        A few keys are asked one by one, in parallel; more are listed over the key
        range they span, as a folder's keys are: one request per thousand.
        """
        if len(keys) <= HEAD_AT_MOST:
            with ThreadPoolExecutor(max_workers=self.backend.concurrency) as pool:
                there = list(pool.map(self._there, keys))
            return {key for key, yes in zip(keys, there, strict=True) if yes}
        wanted, first, last = set(keys), min(keys), max(keys)
        kwargs = {"Bucket": self.bucket, "Prefix": os.path.commonprefix([first, last])}
        if first[:-1]:
            kwargs["StartAfter"] = first[:-1]  # before ``first``: the listing includes it
        found: set[str] = set()
        while True:
            resp = self.client.list_objects_v2(**kwargs)
            for item in resp.get("Contents", []):
                if item["Key"] > last:
                    return found
                if item["Key"] in wanted:
                    found.add(item["Key"])
            if not resp.get("IsTruncated"):
                return found
            kwargs["ContinuationToken"] = resp["NextContinuationToken"]

    def _there(self, key: str) -> bool:
        try:
            self.client.head_object(Bucket=self.bucket, Key=key)
        except ClientError as exc:
            if str(exc.response.get("Error", {}).get("Code")) in NOT_FOUND:
                return False
            raise
        return True

    def _copy(self, src: str, dst: str) -> ObjectInfo:
        source = {"Bucket": self.bucket, "Key": src}
        with self.errors(f"copying {self.name}/{src}"):
            self.backend.transfer(
                lambda m, s: m.copy(source, self.bucket, dst, subscribers=s),
                lambda n: None,
                self.bucket,
                dst,
            )
        return self._stat(dst)

    # --- incomplete multipart uploads
    def _uploads(self, prefix: str) -> list[UploadInfo]:
        with self.errors(f"listing incomplete uploads in {self.name}/{prefix}"):
            pages = self.client.get_paginator("list_multipart_uploads").paginate(
                Bucket=self.bucket, Prefix=prefix
            )
            found = [upload for page in pages for upload in page.get("Uploads", [])]
            if not found:
                return []
            with ThreadPoolExecutor(max_workers=self.backend.concurrency) as pool:
                parts = list(pool.map(self._parts, found))
        uploads = [
            UploadInfo(
                key=upload["Key"],
                upload_id=upload["UploadId"],
                initiated=upload["Initiated"].astimezone(UTC) if "Initiated" in upload else None,
                size=size,
                parts=count,
            )
            for upload, (size, count) in zip(found, parts, strict=True)
        ]
        return sorted(
            uploads, key=lambda u: (u.key, u.initiated or datetime.min.replace(tzinfo=UTC))
        )

    def _parts(self, upload: dict) -> tuple[int, int]:
        """(bytes, count) of the parts of an upload; (0, 0) when it is gone meanwhile."""
        size = count = 0
        pages = self.client.get_paginator("list_parts").paginate(
            Bucket=self.bucket, Key=upload["Key"], UploadId=upload["UploadId"]
        )
        try:
            for page in pages:
                parts = page.get("Parts", [])
                size += sum(part["Size"] for part in parts)
                count += len(parts)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") != "NoSuchUpload":
                raise
        return size, count

    def _abort_upload(self, key: str, upload_id: str) -> bool:
        with self.errors(f"aborting the upload of {self.name}/{key}"):
            return self.backend.abort(self.bucket, key, upload_id)


class S3Backend(StorageBackend):
    storage_class = S3Storage

    def __init__(self, url: str, **kwargs):
        super().__init__(url, **kwargs)
        parts = urlsplit(url)
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        try:
            host = parts.hostname
            port = parts.port
        except ValueError:
            # never echo the URL: a secret with a bare / or @ is what breaks it
            raise ConfigError(
                "TQ_STORAGE_URL: cannot read host and port; percent-encode / @ : in the "
                "access key and secret (/ as %2F, @ as %40, : as %3A)"
            ) from None
        secure = query.get("secure", "1").lower() not in ("0", "false", "no", "off")
        self.endpoint = None
        if host:
            netloc = f"[{host}]" if ":" in host else host
            self.endpoint = (
                f"{'https' if secure else 'http'}://{netloc}{f':{port}' if port else ''}"
            )
        self.scheme = "https" if secure else "http"
        self.region = query.get("region", "us-east-1")
        self.access_key = unquote(parts.username) if parts.username else None
        self.secret_key = unquote(parts.password) if parts.password else None
        try:
            self.concurrency = int(query.get("concurrency", 10))
            self.multipart_bytes = int(float(query.get("multipart_mb", 8)) * MB)
        except ValueError:
            raise ConfigError(
                f"storage URL {mask_url(url)}: concurrency and multipart_mb are numbers"
            ) from None
        self._client = None
        self._manager = None
        self._lock = threading.Lock()
        self.multipart = s3_uploads.UploadTracker()

    @property
    def client(self):
        if self._client is None:
            with self._lock:
                if self._client is None:
                    client = boto3.session.Session().client(
                        "s3",
                        endpoint_url=self.endpoint,
                        aws_access_key_id=self.access_key,
                        aws_secret_access_key=self.secret_key,
                        region_name=self.region,
                        config=Config(
                            s3={"addressing_style": "path"},
                            signature_version="s3v4",
                            connect_timeout=5,
                            read_timeout=60,
                            retries={"max_attempts": 2, "mode": "standard"},
                            max_pool_connections=max(10, self.concurrency * 2),
                            # plain Content-MD5-free requests, as MinIO and older servers expect
                            request_checksum_calculation="when_required",
                            response_checksum_validation="when_required",
                        ),
                    )
                    client.meta.events.register_last("before-call.s3", _send_at_once)
                    self.multipart.watch(client)
                    self._client = client
        return self._client

    @property
    def public_base(self) -> str:
        return self.endpoint or f"https://s3.{self.region}.amazonaws.com"

    def transfer_config(self) -> TransferConfig:
        return TransferConfig(
            multipart_threshold=self.multipart_bytes,
            multipart_chunksize=self.multipart_bytes,
            max_concurrency=self.concurrency,
        )

    @property
    def manager(self):
        """One transfer manager shared by single transfers (its threads live as long as we do).

        The client is made before the lock is taken: ``client`` takes the same lock.
        """
        if self._manager is None:
            client = self.client
            with self._lock:
                if self._manager is None:
                    self._manager = create_transfer_manager(client, self.transfer_config())
        return self._manager

    def transfer(self, submit, report, bucket: str, key: str) -> None:
        """Run one transfer (``submit(manager, subscribers)``) to ``bucket/key`` to its
        end or first error; a multipart upload it began is aborted when it fails."""
        future = submit(self.manager, [_Progress(report)])
        try:
            future.result()
        except BaseException as exc:
            self.multipart.failed(self.client, bucket, key)
            if isinstance(exc, CancelledError):
                raise Cancelled("cancelled") from None
            raise
        self.multipart.finished(bucket, key)
        if self.multipart.pending:
            self.multipart.retry(self.client)  # the server answers again

    def abort(self, bucket: str, key: str, upload_id: str) -> bool:
        """Abort one multipart upload; False when it was gone already."""
        gone = s3_uploads.abort(self.client, bucket, key, upload_id)
        self.multipart.forget(bucket, key, upload_id)
        return gone

    @contextmanager
    def errors(self, what: str, bucket: str = "") -> Iterator[None]:
        """botocore's errors as the console's, in one line naming ``what``."""
        try:
            yield
        except ClientError as exc:
            error = exc.response.get("Error", {})
            code = str(error.get("Code", ""))
            message = error.get("Message") or code
            if code == "NoSuchBucket":
                raise NotFound(
                    f"bucket {bucket or '?'} does not exist (run tqconsole init)"
                ) from None
            if code in NOT_FOUND:
                raise NotFound(f"{what} does not exist") from None
            if code in BAD_CREDENTIALS:
                raise BadCredentials(
                    f"{what}: the server refused the credentials ({code})"
                ) from None
            if code in DENIED:
                raise AccessDenied(f"{what}: access denied") from None
            raise ConsoleError(f"{what}: {code}: {message}") from None
        except NoCredentialsError:
            raise ConfigError("no S3 credentials: put KEY:SECRET@ in TQ_STORAGE_URL") from None
        except BotoConnectionError:
            raise BackendUnavailable(
                f"{what}: S3 endpoint {self.endpoint or 'AWS'} unreachable "
                "(connection refused, reset or timed out)"
            ) from None
        except BotoCoreError as exc:
            raise BackendUnavailable(
                f"{what}: S3 endpoint {self.endpoint or 'AWS'}: {exc}"
            ) from None

    def describe(self) -> str:
        return f"S3 {self.endpoint or 'AWS'} ({self.region})"

    def details(self) -> list[tuple[str, str]]:
        return [("region", self.region), ("addressing", "path-style")]

    def version(self) -> str:
        """``S3`` and the server's name (MinIO, AWS…) if listing buckets is allowed."""
        try:
            with self.errors("S3"):
                resp = self.client.list_buckets()
        except BadCredentials:
            raise
        except AccessDenied:
            return "S3"
        server = resp["ResponseMetadata"].get("HTTPHeaders", {}).get("server", "")
        return f"S3 {server}".strip()

    def list_buckets(self) -> list[BucketInfo]:
        with self.errors("listing buckets"):
            resp = self.client.list_buckets()
        return [BucketInfo(b["Name"], b.get("CreationDate")) for b in resp.get("Buckets", [])]

    def bucket_exists(self, bucket: str) -> bool:
        try:
            with self.errors(f"bucket {bucket}", bucket=bucket):
                self.client.head_bucket(Bucket=bucket)
        except NotFound:
            return False
        return True

    def _create_bucket(self, bucket: str) -> bool:
        """Asked first: in us-east-1, S3 answers 200 to creating a bucket one owns already."""
        if self.bucket_exists(bucket):
            return False
        kwargs = {"Bucket": bucket}
        if self.region != "us-east-1":
            kwargs["CreateBucketConfiguration"] = {"LocationConstraint": self.region}
        try:
            with self.errors(f"creating bucket {bucket}"):
                self.client.create_bucket(**kwargs)
        except ConsoleError as exc:
            if "BucketAlreadyOwnedByYou" in str(exc):
                return False
            raise
        return True

    def close(self) -> None:
        if self._manager is not None:
            self._manager.shutdown()
            self._manager = None
        if self._client is not None:
            self._client.close()
            self._client = None
        super().close()
