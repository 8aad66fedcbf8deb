"""The storage interface: a server (folder or S3 endpoint) with buckets, and a Storage per bucket.

Other parts of the console (payment matching, exports, mail attachments) use a
named ``Storage`` — ``backends.get("storage").storage("finance")`` — and rely on
exactly these methods:

``list(prefix="", delimiter="/", page_size=1000, token=None) -> Page``
    One page of keys under ``prefix`` in key order (UTF-8 byte order, as S3).
    With a delimiter, keys below the next delimiter are folded into
    ``Page.prefixes`` ("folders", ending in the delimiter); ``delimiter=""``
    lists every key below.  ``Page.next_token`` is passed back as ``token`` for
    the next page and is ``None`` on the last one.  Never lists more than a page.
``stat(key) -> ObjectInfo``
    Size, modified time (aware, UTC), ETag, content type, user metadata;
    ``NotFound`` when missing.
``read(key, start=None, end=None) -> bytes``
    The whole object or the byte range ``[start, end)``.
``open(key)``
    A binary file-like object for streaming reads (close it; usable in ``with``).
``save(key, data, content_type=None, overwrite=True, progress=None) -> ObjectInfo``
    ``data`` is bytes, a binary file object or a local ``Path``.  The content
    type is guessed from the key when not given.  ``overwrite=False`` raises
    ``ObjectExists`` when the key exists.  ``progress(n)`` is called with byte
    increments; ``cancel`` (a ``threading.Event``) aborts with ``Cancelled``.
    An object is written whole or not at all.
``delete(keys) -> DeleteResult(deleted, errors)``
    Many keys at once; per-key failures land in ``errors`` (key -> message), a
    key that is not there as ``MISSING`` (S3 itself would call it deleted).
``copy(src, dst)``, ``move(src, dst)`` -> ObjectInfo of ``dst``.
``url(key, expires=3600) -> str``
    A public URL for public storages (media, static), a presigned one with
    ``expires`` seconds (1 s … 7 days) for private ones (finance); the file
    backend gives a ``file://`` URL.
``exists(key) -> bool``.
``uploads(prefix="") -> list[UploadInfo]``, ``abort_upload(key, upload_id) -> bool``
    Multipart uploads begun and neither completed nor aborted (their parts take
    space on the server but are no object); aborting one frees its parts, False
    when it was gone already.  The file backend has none (writes are renames).

Keys are validated the same way by every backend: not empty, at most 1,024
bytes of UTF-8, no leading ``/``, no ``.``/``..`` or empty segments, no control
characters.  A key that would escape the bucket raises ``SuspiciousKey`` (like
Django's SuspiciousFileOperation).  In read-only mode every write raises
``ReadOnlyError`` here, before anything reaches the server.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO

from tqconsole.backends.storage.checks import (
    check_bucket_name,
    check_expires,
    check_key,
    check_prefix,
    guess_content_type,
)
from tqconsole.backends.storage.errors import AccessDenied, ObjectExists
from tqconsole.backends.storage.results import (
    BucketInfo,
    DeleteResult,
    ObjectInfo,
    Page,
    TransferResult,
    UploadInfo,
)
from tqconsole.backends.storage.transfers import Data, FileProgress, Progress, cancellable, run_many
from tqconsole.errors import ConsoleError, InvalidInput, NotFound, ReadOnlyError

MAX_PAGE_SIZE = 1000


class Storage:
    """One bucket.  Subclasses implement the ``_``-prefixed primitives; this class
    validates keys, refuses writes in read-only mode and builds the rest on them."""

    def __init__(self, backend: StorageBackend, bucket: str, name: str = "", public: bool = True):
        self.backend = backend
        self.bucket = bucket
        self.name = name or bucket
        self.public = public
        self.custom_domain = ""  # links of a public storage point there (the site's CDN)

    @property
    def read_only(self) -> bool:
        return self.backend.read_only

    def _writable(self, what: str) -> None:
        if self.read_only:
            raise ReadOnlyError(f"read-only mode: {what} in {self.name} refused")

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name} bucket={self.bucket}>"

    # --- reads
    def list(
        self,
        prefix: str = "",
        delimiter: str = "/",
        page_size: int = 1000,
        token: str | None = None,
    ) -> Page:
        check_prefix(prefix)
        page_size = max(1, min(int(page_size), MAX_PAGE_SIZE))
        return self._list(prefix, delimiter, page_size, token)

    def iter_objects(self, prefix: str = "", page_size: int = 1000) -> Iterator[ObjectInfo]:
        """Every object below ``prefix``, page by page (for usage, folder delete/download)."""
        token = None
        while True:
            page = self.list(prefix, delimiter="", page_size=page_size, token=token)
            yield from page.objects
            token = page.next_token
            if token is None:
                return

    def stat(self, key: str) -> ObjectInfo:
        return self._stat(check_key(key))

    def exists(self, key: str) -> bool:
        try:
            self.stat(key)
        except NotFound:
            return False
        return True

    def read(self, key: str, start: int | None = None, end: int | None = None) -> bytes:
        if start is not None and start < 0 or end is not None and end < (start or 0):
            raise InvalidInput(f"bad byte range {start}..{end}")
        if end is not None and end == (start or 0):
            self.stat(key)
            return b""
        return self._read(check_key(key), start, end)

    def open(self, key: str) -> IO[bytes]:
        return self._open(check_key(key))

    def url(self, key: str, expires: int = 3600) -> str:
        return self._url(check_key(key), check_expires(expires))

    def download(
        self,
        key: str,
        dest: Path,
        progress: Progress | None = None,
        cancel: threading.Event | None = None,
    ) -> Path:
        """Write the object to the local file ``dest`` (atomically: a temp file, then rename)."""
        key = check_key(key)
        dest = Path(dest)
        if dest.is_dir():
            dest = dest / key.rsplit("/", 1)[-1]
        dest.parent.mkdir(parents=True, exist_ok=True)
        self._download(key, dest, cancellable(progress, cancel))
        return dest

    # --- writes
    def save(
        self,
        key: str,
        data: Data,
        content_type: str | None = None,
        overwrite: bool = True,
        progress: Progress | None = None,
        cancel: threading.Event | None = None,
        metadata: dict[str, str] | None = None,
    ) -> ObjectInfo:
        key = check_key(key)
        self._writable(f"writing {key}")
        if isinstance(data, str):
            raise InvalidInput("data must be bytes, a binary file or a Path, not str")
        if isinstance(data, Path) and not data.is_file():
            raise NotFound(f"local file {data} does not exist or is not a file")
        if not overwrite and self.exists(key):
            raise ObjectExists(f"{self.name}/{key} exists already (overwrite is off)")
        content_type = content_type or guess_content_type(key)
        return self._save(key, data, content_type, metadata or {}, cancellable(progress, cancel))

    def save_many(
        self,
        items: list[tuple[Path, str]],
        progress: FileProgress | None = None,
        cancel: threading.Event | None = None,
        overwrite: bool = True,
        on_file: Callable[[str, str | None], None] | None = None,
        concurrency: int | None = None,
    ) -> TransferResult:
        """Upload many local files ``(path, key)``, ``concurrency`` (default: the
        backend's) at a time.

        ``progress(key, n)`` gets byte increments per file, ``on_file(key, error)``
        is called as each file finishes.  After ``cancel`` no new file starts and
        running ones are aborted; finished files stay.
        """
        self._writable("upload")
        for _, key in items:
            check_key(key)
        return self._save_many(
            items,
            cancellable(progress, cancel),
            cancel,
            overwrite,
            on_file,
            concurrency or self.backend.concurrency,
        )

    def _save_many(self, items, report, cancel, overwrite, on_file, concurrency) -> TransferResult:
        def one(path: Path, key: str) -> int:
            info = self.save(key, path, overwrite=overwrite, progress=lambda n: report(key, n))
            return info.size

        return run_many(one, items, cancel, on_file, concurrency, key_of=lambda item: item[1])

    def download_many(
        self,
        items: list[tuple[str, Path]],
        progress: FileProgress | None = None,
        cancel: threading.Event | None = None,
        on_file: Callable[[str, str | None], None] | None = None,
        concurrency: int = 10,
    ) -> TransferResult:
        """Download ``(key, local path)`` pairs concurrently; like ``save_many``."""
        report = cancellable(progress, cancel)

        def one(key: str, dest: Path) -> int:
            self.download(key, dest, progress=lambda n: report(key, n))
            return dest.stat().st_size

        return run_many(one, items, cancel, on_file, concurrency, key_of=lambda item: item[0])

    def delete(self, keys: list[str]) -> DeleteResult:
        if isinstance(keys, str):
            keys = [keys]
        keys = [check_key(k, marker=True) for k in keys]
        self._writable(f"deleting {len(keys)} object(s)")
        if not keys:
            return DeleteResult()
        return self._delete(list(dict.fromkeys(keys)))

    def copy(self, src: str, dst: str) -> ObjectInfo:
        src, dst = check_key(src, "source key"), check_key(dst, "target key")
        self._writable(f"copying {src} to {dst}")
        if src == dst:
            raise InvalidInput("source and target are the same key")
        return self._copy(src, dst)

    def move(self, src: str, dst: str) -> ObjectInfo:
        """Copy, then delete the source (S3 has no rename); the target is complete first."""
        info = self.copy(src, dst)
        result = self._delete([src])
        if result.errors:
            raise ConsoleError(f"copied to {dst} but could not delete {src}: {result.errors[src]}")
        return info

    def uploads(self, prefix: str = "") -> list[UploadInfo]:
        """Incomplete multipart uploads below ``prefix``, in key order."""
        return self._uploads(check_prefix(prefix))

    def abort_upload(self, key: str, upload_id: str) -> bool:
        """Free the parts of an incomplete upload; False when it was gone already."""
        key = check_key(key)
        self._writable(f"aborting the upload of {key}")
        return self._abort_upload(key, upload_id)

    def _uploads(self, prefix: str) -> list[UploadInfo]:
        return []  # a backend without multipart uploads

    def _abort_upload(self, key: str, upload_id: str) -> bool:
        return False

    # --- primitives of an implementation
    def _list(self, prefix: str, delimiter: str, page_size: int, token: str | None) -> Page:
        raise NotImplementedError

    def _stat(self, key: str) -> ObjectInfo:
        raise NotImplementedError

    def _read(self, key: str, start: int | None, end: int | None) -> bytes:
        raise NotImplementedError

    def _open(self, key: str) -> IO[bytes]:
        raise NotImplementedError

    def _url(self, key: str, expires: int) -> str:
        raise NotImplementedError

    def _download(self, key: str, dest: Path, report: Progress) -> None:
        raise NotImplementedError

    def _save(
        self, key: str, data: Data, content_type: str, metadata: dict[str, str], report: Progress
    ) -> ObjectInfo:
        raise NotImplementedError

    def _delete(self, keys: list[str]) -> DeleteResult:
        raise NotImplementedError

    def _copy(self, src: str, dst: str) -> ObjectInfo:
        raise NotImplementedError


class StorageBackend:
    """A storage server: its buckets, and the named storages bound to them.

    ``buckets`` maps storage names (media, static, finance) to bucket names;
    ``private`` names the storages reached only through presigned URLs;
    ``custom_domains`` the domains links of a public storage point at.
    ``endpoints`` holds the servers of storages that live elsewhere (the site gives
    each storage its own endpoint and keys): their names stay in ``buckets`` and
    everything about them is asked of that server.
    """

    storage_class: type[Storage] = Storage
    concurrency = 10  # files transferred at once by the many-file methods

    def __init__(
        self,
        url: str,
        buckets: dict[str, str] | None = None,
        private: frozenset[str] = frozenset({"finance"}),
        read_only: bool = False,
        custom_domains: dict[str, str] | None = None,
    ):
        self.url = url
        self.buckets = dict(buckets or {})
        self.private = private
        self.read_only = read_only
        self.custom_domains = dict(custom_domains or {})
        self.endpoints: dict[str, StorageBackend] = {}
        self._storages: dict[str, Storage] = {}

    @property
    def names(self) -> list[str]:
        return list(self.buckets)

    def storage(self, name: str) -> Storage:
        """The named storage (media, static, finance) bound to its configured bucket."""
        if name not in self.buckets:
            known = ", ".join(self.buckets)
            raise NotFound(f"unknown storage {name!r} (known: {known})")
        if name in self.endpoints:
            return self.endpoints[name].storage(name)
        storage = self._storages.get(name)
        if storage is None:
            storage = self.bucket(self.buckets[name], name=name, public=name not in self.private)
            if storage.public:
                storage.custom_domain = self.custom_domains.get(name, "")
            self._storages[name] = storage
        return storage

    def serving(self, name: str) -> StorageBackend:
        """The server of named storage ``name``."""
        return self.endpoints.get(name, self)

    def serving_bucket(self, bucket: str) -> StorageBackend:
        """The server of a configured bucket; this one for any other bucket name."""
        for name, other in self.endpoints.items():
            if self.buckets.get(name) == bucket:
                return other
        return self

    def bucket(self, bucket: str, name: str = "", public: bool = False) -> Storage:
        return self.storage_class(self, bucket, name=name, public=public)

    def create_bucket(self, bucket: str) -> bool:
        """Create ``bucket``; False when it exists already."""
        check_bucket_name(bucket)
        if self.read_only:
            raise ReadOnlyError(f"read-only mode: creating bucket {bucket} refused")
        return self.serving_bucket(bucket)._create_bucket(bucket)

    def list_buckets(self) -> list[BucketInfo]:
        raise NotImplementedError

    def bucket_states(self) -> dict[str, str]:
        """``ok``, ``missing`` or ``no access`` for each named storage's bucket.

        Asked bucket by bucket, so credentials limited to these buckets suffice
        (listing all buckets needs a permission production keys may lack).
        """
        states = {}
        for name, bucket in self.buckets.items():
            try:
                states[name] = "ok" if self.serving(name).bucket_exists(bucket) else "missing"
            except AccessDenied:
                states[name] = "no access"
        return states

    def bucket_exists(self, bucket: str) -> bool:
        raise NotImplementedError

    def describe(self) -> str:
        """Where the storage lives, in a few words (``tqconsole init`` reports it)."""
        raise NotImplementedError

    def details(self) -> list[tuple[str, str]]:
        """Settings worth showing beside the URL on the dashboard and in ``check``."""
        return []

    def where(self, name: str) -> str:
        """Where named storage ``name`` lives, in a few words."""
        return self.serving(name).describe()

    def _create_bucket(self, bucket: str) -> bool:
        raise NotImplementedError

    def close(self) -> None:
        for other in self.endpoints.values():
            other.close()
