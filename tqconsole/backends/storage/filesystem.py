"""FileSystemStorage: the embedded default, one folder per bucket under a root folder.

``file:///srv/tq/storage`` keeps bucket ``media`` in ``/srv/tq/storage/media``.
Beside the buckets, ``.tqmeta/<bucket>/<key>.json`` holds what a file system
does not (content type, ETag = MD5, user metadata) and ``.tqtmp/`` the temp
files of writes in progress: a write lands with one ``os.replace`` or not at all.
In ``.tqmeta`` a folder whose name ends in ``.json`` or ``.d`` gets ``.d``
appended, so the metadata of ``m`` (file ``m.json``) and of ``m.json/b`` (in
folder ``m.json.d``) never meet.
Files put there by other tools are served too (content type guessed from the name).
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import IO
from urllib.parse import unquote, urlsplit

from tqconsole.backends.storage.base import Storage, StorageBackend
from tqconsole.backends.storage.checks import guess_content_type
from tqconsole.backends.storage.errors import SuspiciousKey
from tqconsole.backends.storage.results import MISSING, BucketInfo, DeleteResult, ObjectInfo, Page
from tqconsole.backends.storage.transfers import Data, Progress
from tqconsole.errors import ConfigError, ConsoleError, InvalidInput, NotFound

CHUNK = 1024 * 1024
META_DIR = ".tqmeta"
TMP_DIR = ".tqtmp"
NAME_MAX = 255  # bytes of one path segment on Linux file systems
META_SUFFIX = ".json"
SEGMENT_MAX = NAME_MAX - len(META_SUFFIX)  # a key's segment, with room for the suffix


class FileSystemStorage(Storage):
    backend: FileSystemBackend

    @property
    def root(self) -> Path:
        return self.backend.root / self.bucket

    def _root_checked(self) -> Path:
        root = self.root
        if not root.is_dir():
            raise NotFound(
                f"bucket {self.bucket} does not exist in {self.backend.root} (run tqconsole init)"
            )
        return root

    def _path(self, key: str) -> Path:
        """The file of ``key``; SuspiciousKey when it resolves outside the bucket (symlinks)."""
        root = self._root_checked()
        if any(len(part.encode()) > SEGMENT_MAX for part in key.split("/")):
            raise InvalidInput(
                f"key {key[:40]!r}…: a folder or file name over {SEGMENT_MAX} bytes "
                "cannot be stored in a local folder"
            )
        path = root / key
        real_root = os.path.realpath(root)
        real = os.path.realpath(path)
        if real != real_root and not real.startswith(real_root + os.sep):
            raise SuspiciousKey(f"key {key!r} resolves outside bucket {self.bucket}")
        return path

    def _meta_path(self, key: str) -> Path:
        *folders, name = key.split("/")
        folders = [f"{f}.d" if f.endswith((META_SUFFIX, ".d")) else f for f in folders]
        return self.backend.root.joinpath(META_DIR, self.bucket, *folders, name + META_SUFFIX)

    def _read_meta(self, key: str) -> dict:
        try:
            return json.loads(self._meta_path(key).read_text("utf-8"))
        except (OSError, ValueError):
            return {}

    def _info(self, key: str, st: os.stat_result, meta: dict | None = None) -> ObjectInfo:
        meta = self._read_meta(key) if meta is None else meta
        etag = meta.get("etag") if meta.get("mtime_ns") == st.st_mtime_ns else None
        return ObjectInfo(
            key=key,
            size=st.st_size,
            modified=datetime.fromtimestamp(st.st_mtime, UTC),
            etag=etag or f"{st.st_mtime_ns:x}-{st.st_size:x}",
            content_type=meta.get("content_type") or guess_content_type(key),
            metadata=dict(meta.get("metadata") or {}),
        )

    # --- listing
    def _list(self, prefix: str, delimiter: str, page_size: int, token: str | None) -> Page:
        root = self._root_checked()
        if delimiter not in ("", "/"):
            raise InvalidInput("the file backend lists with delimiter '/' or none")
        folder, _, start = prefix.rpartition("/")
        base = self._path(folder) if folder else root  # SuspiciousKey through a symlink out
        objects: list[ObjectInfo] = []
        prefixes: list[str] = []
        entries = self._walk(base, f"{folder}/" if folder else "", start, bool(delimiter), token)
        for key, entry in entries:
            if len(objects) + len(prefixes) == page_size:
                return Page(objects, prefixes, next_token=self._last(objects, prefixes))
            if entry is None:
                prefixes.append(key)
            else:
                objects.append(self._info(key, entry.stat(), meta=None))
        return Page(objects, prefixes, None)

    @staticmethod
    def _last(objects: list[ObjectInfo], prefixes: list[str]) -> str:
        return max([*(o.key for o in objects[-1:]), *prefixes[-1:]])

    def _walk(self, folder: Path, key_prefix: str, start: str, fold: bool, after: str | None):
        """(key, DirEntry) for files and (prefix, None) for folded folders, in key order.

        Folders whose keys all sort at or before ``after`` are skipped without reading them.
        """
        try:
            with os.scandir(folder) as it:
                entries = [e for e in it if e.name.startswith(start)]
        except (FileNotFoundError, NotADirectoryError):
            return
        items = []
        for entry in entries:
            try:
                is_dir = entry.is_dir(follow_symlinks=False)
                if entry.is_symlink() and not self._inside(entry.path):
                    continue
            except OSError:
                continue
            items.append((key_prefix + entry.name + ("/" if is_dir else ""), is_dir, entry))
        items.sort(key=lambda item: item[0])
        for key, is_dir, entry in items:
            if is_dir:
                if after is not None and key <= after and not after.startswith(key):
                    continue
                if fold:
                    if after is None or key > after:
                        yield key, None
                else:
                    yield from self._walk(Path(entry.path), key, "", False, after)
            elif after is None or key > after:
                yield key, entry

    def _inside(self, path: str) -> bool:
        real_root = os.path.realpath(self.root)
        real = os.path.realpath(path)
        return real.startswith(real_root + os.sep)

    # --- reads
    def _stat(self, key: str) -> ObjectInfo:
        path = self._path(key)
        try:
            st = path.stat()
        except (FileNotFoundError, NotADirectoryError):
            raise NotFound(f"{self.name}/{key} does not exist") from None
        if not path.is_file():
            raise NotFound(f"{self.name}/{key} is a folder, not an object")
        return self._info(key, st)

    def _open(self, key: str) -> IO[bytes]:
        path = self._path(key)
        try:
            return path.open("rb")
        except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
            raise NotFound(f"{self.name}/{key} does not exist") from None

    def _read(self, key: str, start: int | None, end: int | None) -> bytes:
        with self._open(key) as fh:
            if start:
                fh.seek(start)
            return fh.read() if end is None else fh.read(end - (start or 0))

    def _url(self, key: str, expires: int) -> str:
        return self._path(key).absolute().as_uri()

    def _download(self, key: str, dest: Path, report: Progress) -> None:
        with self._open(key) as src:
            write_atomically(dest, src, report, tmp_dir=dest.parent)

    # --- writes
    def _save(self, key, data: Data, content_type, metadata, report) -> ObjectInfo:
        path = self._path(key)
        self._make_parents(path, key)
        if isinstance(data, Path):
            with data.open("rb") as fh:
                md5 = write_atomically(path, fh, report, self.backend.tmp_dir)
        elif isinstance(data, bytes | bytearray | memoryview):
            md5 = write_atomically(path, io.BytesIO(data), report, self.backend.tmp_dir)
        else:
            md5 = write_atomically(path, data, report, self.backend.tmp_dir)
        st = path.stat()
        meta = {
            "content_type": content_type,
            "etag": md5,
            "mtime_ns": st.st_mtime_ns,
            "metadata": metadata,
        }
        self._write_meta(key, meta)
        return self._info(key, st, meta)

    def _make_parents(self, path: Path, key: str) -> None:
        """The folders of ``key``'s metadata and file, before anything is written."""
        if path.is_dir():
            raise InvalidInput(f"cannot store {key!r}: it is a folder in {self.name}")
        meta = self._meta_path(key).parent
        try:
            meta.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ConsoleError(
                f"cannot store {key!r}: its metadata folder {meta}: {exc.strerror}"
            ) from None
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except (FileExistsError, NotADirectoryError):
            raise InvalidInput(
                f"cannot store {key!r}: a part of its folder path is an object in {self.name}"
            ) from None

    def _write_meta(self, key: str, meta: dict) -> None:
        data = json.dumps(meta).encode()
        write_atomically(
            self._meta_path(key), io.BytesIO(data), lambda n: None, self.backend.tmp_dir
        )

    def _delete(self, keys: list[str]) -> DeleteResult:
        result = DeleteResult()
        for key in keys:
            try:
                path = self._path(key)
                if path.is_dir() and not path.is_symlink():
                    raise InvalidInput("is a folder")
                try:
                    path.unlink()
                except FileNotFoundError:
                    result.errors[key] = MISSING
                    continue
                self._meta_path(key).unlink(missing_ok=True)
                self._prune(path.parent, self.root)
                self._prune(self._meta_path(key).parent, self.backend.root / META_DIR / self.bucket)
            except (ConsoleError, OSError) as exc:
                result.errors[key] = getattr(exc, "strerror", None) or str(exc)
            else:
                result.deleted.append(key)
        return result

    @staticmethod
    def _prune(folder: Path, stop: Path) -> None:
        """Remove folders left empty up to ``stop`` (S3 has no empty folders)."""
        while folder != stop and stop in folder.parents:
            try:
                folder.rmdir()
            except OSError:
                return
            folder = folder.parent

    def _copy(self, src: str, dst: str) -> ObjectInfo:
        info = self._stat(src)
        target = self._path(dst)
        self._make_parents(target, dst)
        with self._open(src) as fh:
            write_atomically(target, fh, lambda n: None, self.backend.tmp_dir)
        st = target.stat()
        meta = self._read_meta(src) or {"content_type": info.content_type}
        meta = {**meta, "mtime_ns": st.st_mtime_ns, "etag": meta.get("etag") or info.etag}
        self._write_meta(dst, meta)
        return self._info(dst, st, meta)


def write_atomically(target: Path, src, report: Progress, tmp_dir: Path) -> str:
    """Stream ``src`` to a temp file in ``tmp_dir``, then rename it to ``target``; MD5 hex."""
    tmp_dir.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=tmp_dir, prefix=".tq-")
    md5 = hashlib.md5(usedforsecurity=False)
    try:
        with os.fdopen(fd, "wb") as out:
            while chunk := src.read(CHUNK):
                out.write(chunk)
                md5.update(chunk)
                report(len(chunk))
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    return md5.hexdigest()


class FileSystemBackend(StorageBackend):
    storage_class = FileSystemStorage

    def __init__(self, url: str, **kwargs):
        super().__init__(url, **kwargs)
        parts = urlsplit(url)
        if parts.netloc not in ("", "localhost"):
            raise ConfigError(f"storage URL {url!r}: use file:///absolute/path (no host)")
        path = unquote(parts.path)
        if not path.startswith("/"):
            raise ConfigError(f"storage URL {url!r}: the folder must be an absolute path")
        self.root = Path(path)

    @property
    def tmp_dir(self) -> Path:
        return self.root / TMP_DIR

    def describe(self) -> str:
        return f"folder {self.root}"

    def ping(self) -> None:
        if not self.root.is_dir():
            raise NotFound(f"storage folder {self.root} does not exist (run tqconsole init)")

    def version(self) -> str:
        return "local folder"

    def list_buckets(self) -> list[BucketInfo]:
        self.ping()
        return [
            BucketInfo(p.name, datetime.fromtimestamp(p.stat().st_mtime, UTC))
            for p in sorted(self.root.iterdir())
            if p.is_dir() and not p.name.startswith(".")
        ]

    def bucket_exists(self, bucket: str) -> bool:
        return (self.root / bucket).is_dir()

    def _create_bucket(self, bucket: str) -> bool:
        path = self.root / bucket
        if path.is_dir():
            return False
        try:
            path.mkdir(parents=True)
        except OSError as exc:
            raise ConsoleError(f"cannot create bucket folder {path}: {exc.strerror}") from None
        return True
