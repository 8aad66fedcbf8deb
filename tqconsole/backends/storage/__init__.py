"""Storage backends: a local folder (embedded default) or an S3-compatible server.

``from_url(url, buckets=…, read_only=…)`` picks the implementation by scheme:
``file:///abs/path`` (one folder per bucket) or
``s3://KEY:SECRET@host:port?secure=0&region=…`` (path-style addressing; http
when ``secure=0``).  ``open(settings)`` gives the backend with the named storages
``media``, ``static`` (public) and ``finance`` (private) bound to the buckets of
``settings.bucket(name)``: ``backends.get("storage").storage("finance")``.  A storage
with a URL of its own (``settings.storage_url(name)``) is served from there.
The interface is described in ``base.py``.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from tqconsole.backends.storage.base import Storage, StorageBackend
from tqconsole.backends.storage.errors import (
    AccessDenied,
    BadCredentials,
    Cancelled,
    ObjectExists,
    SuspiciousKey,
)
from tqconsole.backends.storage.results import (
    DeleteResult,
    ObjectInfo,
    Page,
    TransferResult,
    UploadInfo,
)
from tqconsole.errors import ConfigError

if TYPE_CHECKING:
    from tqconsole.backends.health import Health
    from tqconsole.settings import Settings

__all__ = [
    "AccessDenied",
    "BadCredentials",
    "Cancelled",
    "DeleteResult",
    "ObjectExists",
    "ObjectInfo",
    "Page",
    "Storage",
    "StorageBackend",
    "SuspiciousKey",
    "TransferResult",
    "UploadInfo",
    "from_url",
    "open",
    "probe",
]

BACKENDS = {
    "file": "tqconsole.backends.storage.filesystem:FileSystemBackend",
    "s3": "tqconsole.backends.storage.s3:S3Backend",
}
PRIVATE_STORAGES = frozenset({"finance"})


def from_url(url: str, **options) -> StorageBackend:
    scheme = url.split(":", 1)[0].lower()
    if scheme not in BACKENDS:
        raise ConfigError(f"unknown storage scheme {scheme!r} (use file:// or s3://)")
    module, _, name = BACKENDS[scheme].partition(":")
    return getattr(importlib.import_module(module), name)(url, **options)


def open(settings: Settings) -> StorageBackend:  # noqa: A001 - the family interface
    """The backend of ``TQ_STORAGE_URL``; a storage with a URL of its own (the site's
    ``TQ_S3_<STORAGE>_*``) is served by a backend of its own behind it."""
    from tqconsole.settings import STORAGES

    def backend(url: str, names) -> StorageBackend:
        return from_url(
            url,
            buckets={name: settings.bucket(name) for name in names},
            private=PRIVATE_STORAGES,
            read_only=settings.read_only,
            custom_domains={name: settings.custom_domain(name) for name in names},
        )

    main_url = settings.url("storage")
    urls = {name: settings.storage_url(name) for name in STORAGES}
    main = backend(main_url, STORAGES)
    try:
        for url in dict.fromkeys(u for u in urls.values() if u != main_url):
            other = backend(url, [name for name, u in urls.items() if u == url])
            main.endpoints.update(dict.fromkeys(other.buckets, other))
    except BaseException:
        main.close()
        raise
    return main


def probe(backend: StorageBackend, health: Health) -> None:
    """Reachable, and whether each named storage's bucket exists."""
    health.version = backend.version()
    health.figures = backend.details()
    states = backend.bucket_states()
    for name, bucket in backend.buckets.items():
        access = "private" if name in backend.private else "public"
        where = f" at {backend.where(name)}" if name in backend.endpoints else ""
        health.figures.append((name, f"{bucket} ({access}, {states[name]}){where}"))
    missing = [backend.buckets[name] for name, state in states.items() if state == "missing"]
    if missing:
        health.error = f"missing bucket(s) {', '.join(missing)} — run tqconsole init"
