"""The multipart uploads an S3 backend begins, so that a failed transfer leaves no parts.

s3transfer aborts a failed multipart upload itself, but that abort fails when
the server is gone at that moment, and it never learns of an upload whose
CreateMultipartUpload reached the server while the answer was lost (botocore
then asks again, or gives up).  The tracker notes the uploads begun and the
begins whose outcome is unknown; when the transfer fails it aborts the first
and, for the second, every incomplete upload of that key; what the server did
not hear is kept to try again.
"""

from __future__ import annotations

import threading

from botocore.exceptions import BotoCoreError, ClientError


def abort(client, bucket: str, key: str, upload_id: str) -> bool:
    """Abort one multipart upload; False when it was gone already."""
    try:
        client.abort_multipart_upload(Bucket=bucket, Key=key, UploadId=upload_id)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") != "NoSuchUpload":
            raise
        return False
    return True


def abort_all_of(client, bucket: str, key: str) -> None:
    """Abort every incomplete upload of exactly ``key``."""
    pages = client.get_paginator("list_multipart_uploads").paginate(Bucket=bucket, Prefix=key)
    for page in pages:
        for upload in page.get("Uploads", []):
            if upload["Key"] == key:
                abort(client, bucket, key, upload["UploadId"])


class UploadTracker:
    def __init__(self) -> None:
        self._begun: dict[tuple[str, str], list[str]] = {}  # (bucket, key) -> upload ids
        self._unknown: dict[tuple[str, str], int] = {}  # begins not (or not once) answered
        # (bucket, key, upload id), or None for every upload of the key
        self._left_over: list[tuple[str, str, str | None]] = []
        self._lock = threading.Lock()

    def watch(self, client) -> None:
        events = client.meta.events
        events.register("before-parameter-build.s3.CreateMultipartUpload", self._asking)
        events.register("after-call.s3.CreateMultipartUpload", self._answered)

    def _asking(self, params, context, **kwargs) -> None:
        target = context["tq_upload"] = (params.get("Bucket"), params.get("Key"))
        with self._lock:
            self._unknown[target] = self._unknown.get(target, 0) + 1

    def _answered(self, http_response, parsed, context, **kwargs) -> None:
        """An upload id, or an error status, answering the first attempt: the outcome is
        known (a cut answer without either leaves it unknown)."""
        target = context.get("tq_upload")
        upload_id = parsed.get("UploadId")
        with self._lock:
            if upload_id:
                self._begun.setdefault(target, []).append(upload_id)
            known = upload_id or http_response.status_code >= 300
            if known and context.get("retries", {}).get("attempt", 1) == 1:
                self._unknown[target] = self._unknown.get(target, 1) - 1

    def finished(self, bucket: str, key: str) -> None:
        with self._lock:
            self._begun.pop((bucket, key), None)
            self._unknown.pop((bucket, key), None)

    def failed(self, client, bucket: str, key: str) -> None:
        """Abort what the failed transfer to ``bucket/key`` began; keep what did not get through."""
        with self._lock:
            pending = [(bucket, key, upload_id) for upload_id in self._begun.pop((bucket, key), [])]
            if self._unknown.pop((bucket, key), 0) > 0:
                pending.append((bucket, key, None))
        self._try(client, pending)

    def retry(self, client) -> None:
        """Try again to abort what the server did not hear before."""
        with self._lock:
            pending, self._left_over = self._left_over, []
        self._try(client, pending)

    def _try(self, client, pending) -> None:
        for bucket, key, upload_id in pending:
            try:
                if upload_id is None:
                    abort_all_of(client, bucket, key)
                else:
                    abort(client, bucket, key, upload_id)
            except (BotoCoreError, ClientError):
                with self._lock:
                    self._left_over.append((bucket, key, upload_id))

    @property
    def pending(self) -> bool:
        return bool(self._left_over)

    def left_over(self, bucket: str) -> list[str]:
        """Keys in ``bucket`` of failed uploads whose parts may still be on the server."""
        with self._lock:
            return sorted({key for b, key, _ in self._left_over if b == bucket})

    def forget(self, bucket: str, key: str, upload_id: str) -> None:
        """An upload aborted by hand is no longer left over."""
        with self._lock:
            self._left_over = [u for u in self._left_over if u != (bucket, key, upload_id)]
