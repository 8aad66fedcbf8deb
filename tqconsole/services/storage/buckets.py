"""Staff operations on the media, static and finance storages.

The buckets screen and ``tqconsole storage`` call these same functions: targets
like ``media/img/a.png``, the listing of a prefix, the storages and their buckets,
deletes, moves (with an audit note) and URLs.  Screens read storage only through
``tqconsole.services`` (``AccessDenied``, ``Storage`` and ``guess_content_type`` are
imported from here).  Usage, transfers and previews have modules of their own
(bucket_usage, bucket_transfers, object_preview).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from tqconsole.backends.storage.base import Storage
from tqconsole.backends.storage.checks import check_bucket_name, guess_content_type
from tqconsole.backends.storage.errors import AccessDenied
from tqconsole.backends.storage.results import DeleteResult, ObjectInfo, UploadInfo
from tqconsole.errors import BackendUnavailable, ConsoleError, InvalidInput, ReadOnlyError
from tqconsole.sizes import human_size

DELETE_STEP = 1000  # keys per step of a delete the screen shows progress of
SIZE_UNITS = {"": 1, "b": 1, "kb": 1024, "mb": 1024**2, "gb": 1024**3, "tb": 1024**4}


def shown_content_type(key: str, content_type: str | None) -> str:
    """The object's content type, else the one its name suggests."""
    return content_type or guess_content_type(key)


def name_filter(text: str) -> Callable[[str, int | None, datetime | None], bool]:
    """A test of (name, size, modified) from what the user typed.

    ``>1MB`` / ``<10KB``: size (folders never match); ``@2026-11``: modified on a
    date starting so (UTC); anything else: part of the name, any case.
    """
    text = text.strip()
    if text[:1] in "<>" and len(text) > 1:
        match = re.fullmatch(r"([<>])\s*(\d+(?:\.\d+)?)\s*([kmgt]?b?)", text.lower())
        if not match:
            raise InvalidInput(f"size filter {text!r}: use e.g. >1MB or <500KB")
        op, number, unit = match.groups()
        limit = float(number) * SIZE_UNITS[unit if unit in SIZE_UNITS else unit + "b"]
        if op == ">":
            return lambda name, size, modified: size is not None and size > limit
        return lambda name, size, modified: size is not None and size < limit
    if text.startswith("@"):
        day = text[1:]
        return lambda name, size, modified: (
            modified is not None and modified.strftime("%Y-%m-%d %H:%M").startswith(day)
        )
    needle = text.lower()
    return lambda name, size, modified: needle in name.lower()


def storage_backend(backends):
    return backends.get("storage")


def split_target(backends, target: str) -> tuple[Storage, str]:
    """``media/img/a.png`` -> (the media storage, ``img/a.png``); the rest may be empty."""
    text = (target or "").strip()
    if not text:
        raise InvalidInput("name a storage: media, static or finance (e.g. media/img/a.png)")
    name, _, rest = text.lstrip("/").partition("/")
    return storage_backend(backends).storage(name), rest


def where(storage: Storage, key: str = "") -> str:
    """Where on the server a transfer reads or writes: ``media/img/ (bucket tq-media on
    s3://KEY:***@host:9000)`` (the secret masked)."""
    from tqconsole.settings import mask_url

    return f"{storage.name}/{key} (bucket {storage.bucket} on {mask_url(storage.backend.url)})"


# --- the folders and objects of a prefix
@dataclass
class Entry:
    """A folder (``key`` a prefix ending in ``/``) or an object, below a listed prefix."""

    key: str
    name: str  # the part below the listed prefix
    folder: bool
    info: ObjectInfo | None = None  # an object's size, modified time, type

    @property
    def size(self) -> int | None:
        return self.info.size if self.info else None

    @property
    def modified(self) -> datetime | None:
        return self.info.modified if self.info else None

    @property
    def content_type(self) -> str:
        if self.info is None:
            return "folder"
        return self.info.content_type or guess_content_type(self.key)

    def as_dict(self) -> dict:
        if self.info is None:
            return {"key": self.key, "folder": True}
        return {**self.info.as_dict(), "folder": False}


def list_page(
    storage: Storage, prefix: str, size: int = 1000, token: str | None = None, recursive=False
) -> tuple[list[Entry], str | None]:
    """One page of the folders and objects below ``prefix`` (every object, no folders, when
    ``recursive``), in key order, and the token of the next page (None at the end)."""
    page = storage.list(prefix, "" if recursive else "/", size, token)
    cut = len(prefix)
    entries = [Entry(p, p[cut:], True) for p in page.prefixes]
    entries += [
        Entry(o.key, o.key[cut:], False, o)
        for o in page.objects
        if o.key != prefix  # the empty "folder" object some S3 tools create
    ]
    entries.sort(key=lambda e: e.key)
    return entries, page.next_token


def list_all(storage: Storage, prefix: str, recursive: bool = False) -> list[Entry]:
    """Every page of :func:`list_page`."""
    entries, token = list_page(storage, prefix, recursive=recursive)
    while token is not None:
        more, token = list_page(storage, prefix, token=token, recursive=recursive)
        entries += more
    return entries


def note(backends, action: str, storage: Storage | None, pk: str, summary: dict) -> None:
    """An audit entry for a storage write (the database is opened for it if it can be)."""
    from tqconsole.services.db.audit import note as audit_note

    try:
        backends.database  # noqa: B018 - binds the models so the note can be written
    except Exception:
        return
    target = "storage"
    if storage is not None:
        target = f"storage:{storage.name}"
        summary = {"bucket": storage.bucket, **summary}
    audit_note(action, target, pk, summary)


# --- the storages and their buckets
@dataclass
class StorageRow:
    name: str
    bucket: str
    public: bool
    state: str  # ok, missing, no access
    uploads: list[UploadInfo] | None = None  # incomplete uploads, when asked for and allowed

    @property
    def exists(self) -> bool:
        return self.state != "missing"

    def as_dict(self) -> dict:
        out = {
            "storage": self.name,
            "bucket": self.bucket,
            "access": "public" if self.public else "private",
            "state": self.state,
        }
        if self.uploads is not None:
            out["incomplete_uploads"] = len(self.uploads)
            out["incomplete_bytes"] = sum(u.size for u in self.uploads)
        return out


def storages(backends, uploads: bool = False) -> list[StorageRow]:
    """The named storages and their buckets' state; with ``uploads``, their incomplete uploads."""
    backend = storage_backend(backends)
    states = backend.bucket_states()
    rows = [
        StorageRow(name, bucket, name not in backend.private, states[name])
        for name, bucket in backend.buckets.items()
    ]
    for row in rows:
        if uploads and row.state == "ok":
            try:
                row.uploads = incomplete_uploads(backend.storage(row.name))
            except AccessDenied:
                pass
    return rows


def uploads_summary(uploads: list[UploadInfo] | None) -> str:
    """``2 (11.0 MB)``, ``0``, or ``?`` when they could not be listed."""
    if uploads is None:
        return "?"
    if not uploads:
        return "0"
    return f"{len(uploads)} ({human_size(sum(u.size for u in uploads))})"


def create_bucket(backends, bucket: str) -> bool:
    backend = storage_backend(backends)
    created = backend.create_bucket(check_bucket_name(bucket.strip()))
    if created:
        note(backends, "storage.create_bucket", None, bucket, {})
    return created


def create_buckets(backends) -> list[str]:
    """``tqconsole init``: create the configured buckets that are missing."""
    backend = storage_backend(backends)
    created = [bucket for bucket in backend.buckets.values() if create_bucket(backends, bucket)]
    existing = [bucket for bucket in backend.buckets.values() if bucket not in created]
    lines = [f"created bucket(s) {', '.join(created)} in {backend.describe()}"] if created else []
    if existing:
        lines.append(f"bucket(s) {', '.join(existing)} exist already")
    return lines


# --- deletes, moves, URLs
def expand(storage: Storage, keys: list[str]) -> list[str]:
    """Keys, with folder prefixes (ending in ``/``) replaced by every object below them."""
    out: list[str] = []
    for key in keys:
        if key.endswith("/"):
            out.extend(info.key for info in storage.iter_objects(key))
        else:
            out.append(key)
    return list(dict.fromkeys(out))


def delete(
    backends,
    storage: Storage,
    keys: list[str],
    on_file: Callable[[str, str | None], None] | None = None,
    cancel: threading.Event | None = None,
) -> DeleteResult:
    """Delete objects (folder prefixes expanded) a thousand at a time.

    ``on_file(key, error)`` follows each key; ``cancel`` stops before the next thousand.
    """
    keys = expand(storage, keys)
    result = DeleteResult()
    for start in range(0, len(keys), DELETE_STEP):
        if cancel is not None and cancel.is_set():
            break
        step = storage.delete(keys[start : start + DELETE_STEP])
        result.deleted.extend(step.deleted)
        result.errors.update(step.errors)
        if on_file is not None:
            for key in step.deleted:
                on_file(key, None)
            for key, error in step.errors.items():
                on_file(key, error)
    if result.deleted:
        note(
            backends,
            "storage.rm",
            storage,
            result.deleted[0],
            {"objects": len(result.deleted), "keys": result.deleted[:20]},
        )
    return result


def move(backends, storage: Storage, src: str, dst: str) -> ObjectInfo:
    if dst.endswith("/"):
        dst += src.rsplit("/", 1)[-1]
    info = storage.move(src, dst)
    note(backends, "storage.mv", storage, dst, {"from": src, "to": dst})
    return info


# --- incomplete multipart uploads (parts on the server that are no object)
def incomplete_uploads(storage: Storage, prefix: str = "") -> list[UploadInfo]:
    """The incomplete uploads below ``prefix``, with the bytes their parts take."""
    return storage.uploads(prefix)


def abort_uploads(
    backends,
    storage: Storage,
    uploads: list[UploadInfo],
    on_file: Callable[[str, str | None], None] | None = None,
) -> DeleteResult:
    """Abort ``uploads`` (their parts are freed); ``deleted`` holds the keys of the aborted."""
    result = DeleteResult()
    freed = 0
    for upload in uploads:
        try:
            storage.abort_upload(upload.key, upload.upload_id)
        except (BackendUnavailable, ReadOnlyError):
            raise  # the same for every upload: one clear error
        except ConsoleError as exc:
            result.errors[upload.key] = str(exc)
        else:
            result.deleted.append(upload.key)
            freed += upload.size
        if on_file is not None:
            on_file(upload.key, result.errors.get(upload.key))
    if result.deleted:
        note(
            backends,
            "storage.abort_uploads",
            storage,
            result.deleted[0],
            {"uploads": len(result.deleted), "bytes": freed, "keys": result.deleted[:20]},
        )
    return result


EXPIRY_CHOICES = {"1 hour": 3600, "1 day": 86400, "7 days": 7 * 86400}


def url(storage: Storage, key: str, expires: int = 3600) -> str:
    """The public URL of an object, or a presigned one valid ``expires`` seconds (private
    storages); a missing object is an error: a URL of nothing helps no one."""
    url = storage.url(key, expires)  # checks the key and the expiry first
    storage.stat(key)
    return url
