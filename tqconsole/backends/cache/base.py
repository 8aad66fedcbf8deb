"""The cache interface: Django's ``BaseCache`` semantics, plus what the inspector needs.

Keys are ``KEY_PREFIX:VERSION:key`` (Django's default key function); a timeout
omitted means the backend default (300 s), ``None`` never expires and ``0``
expires at once.  Keys that memcached would refuse give Django's
``CacheKeyWarning``.  The ``raw_*`` methods work on stored keys as they are
(whatever wrote them) and serve the inspector.
"""

from __future__ import annotations

import re
import time
import warnings
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from tqconsole.backends.cache.patterns import escape
from tqconsole.errors import ReadOnlyError

DEFAULT_TIMEOUT = object()
MEMCACHE_MAX_KEY_LENGTH = 250
_MEMCACHE_BAD_CHARS = re.compile(r"[\x00-\x20\x7f]")


class CacheKeyWarning(RuntimeWarning):
    """A key that memcached would refuse (too long, control characters or spaces)."""


def memcache_key_warnings(key: str) -> Iterable[str]:
    if len(key) > MEMCACHE_MAX_KEY_LENGTH:
        yield (
            f"Cache key will cause errors if used with memcached: {key!r} "
            f"(longer than {MEMCACHE_MAX_KEY_LENGTH})"
        )
    if _MEMCACHE_BAD_CHARS.search(key):
        yield f"Cache key contains characters that will cause errors if used with memcached: {key!r}"


def int_option(value: Any, default: int | None) -> int | None:
    if value is None or value == "":
        return default
    if isinstance(value, str) and value.lower() == "none":
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


@dataclass
class KeyInfo:
    """One stored key as the inspector lists it.  ``ttl``: seconds, None = never, -2 = gone."""

    key: str
    type: str = ""
    ttl: float | None = None
    size: int | None = None
    owner: str = ""  # "broker": the Celery broker's key in a shared db, not a cache entry

    def as_dict(self) -> dict:
        return {
            "key": self.key,
            "type": self.type,
            "ttl": self.ttl,
            "size": self.size,
            "owner": self.owner or "cache",
        }


@dataclass
class RawValue:
    """A stored value's first bytes (or first items of a collection) and its full size."""

    key: str
    type: str
    ttl: float | None
    size: int
    data: bytes | list | None  # bytes for strings, a list of items for collections
    truncated: bool = False
    encoding: str = ""  # the server's encoding (Redis OBJECT ENCODING), if any


class BaseCache:
    """Django's cache API.  Subclasses implement the storage primitives."""

    scheme = ""
    flush_word = "EMPTY"  # what removing every key of the db/table is called here

    def __init__(self, location: str = "", read_only: bool = False, **params: Any) -> None:
        params = {k.upper(): v for k, v in params.items()}
        self.location = location
        self.read_only = read_only
        self.default_timeout = int_option(params.get("TIMEOUT", 300), 300)
        self._max_entries = int_option(params.get("MAX_ENTRIES"), 300) or 300
        self._cull_frequency = int_option(params.get("CULL_FREQUENCY"), 3)
        self.key_prefix = str(params.get("KEY_PREFIX") or "")
        self.version = int_option(params.get("VERSION"), 1)

    # --- keys and timeouts, as Django makes them
    def make_key(self, key: str, version: int | None = None) -> str:
        return f"{self.key_prefix}:{self.version if version is None else version}:{key}"

    def validate_key(self, key: str) -> None:
        for warning in memcache_key_warnings(key):
            warnings.warn(warning, CacheKeyWarning, stacklevel=3)

    def entry_glob(self) -> str:
        """A pattern that matches every entry of this cache (and maybe more: see entry_regex)."""
        return escape(self.key_prefix) + ":*"

    def entry_regex(self) -> re.Pattern:
        """This cache's own keys, ``KEY_PREFIX:VERSION:key`` of any version; a db shared with
        other programs (the site's Celery broker: ``celery``, ``_kombu.*``, ``unacked``) holds more."""
        return re.compile(re.escape(self.key_prefix) + r":-?\d+:")

    def make_and_validate_key(self, key: str, version: int | None = None) -> str:
        key = self.make_key(key, version)
        self.validate_key(key)
        return key

    def get_backend_timeout(self, timeout: Any = DEFAULT_TIMEOUT) -> float | None:
        """The absolute expiry time (epoch seconds), or None for never."""
        if timeout is DEFAULT_TIMEOUT:
            timeout = self.default_timeout
        elif timeout == 0:
            timeout = -1  # Django's ticket 21147: expired, whatever the clock's precision
        return None if timeout is None else time.time() + timeout

    def check_writable(self, what: str = "write") -> None:
        if self.read_only:
            raise ReadOnlyError(f"read-only mode: cache {what} refused")

    # --- Django's API; the generic forms mirror django.core.cache.backends.base
    def get(self, key, default=None, version=None):
        raise NotImplementedError

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None) -> None:
        raise NotImplementedError

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None) -> bool:
        raise NotImplementedError

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None) -> bool:
        raise NotImplementedError

    def delete(self, key, version=None) -> bool:
        raise NotImplementedError

    def clear(self) -> None:
        raise NotImplementedError

    _missing = object()

    def get_many(self, keys, version=None) -> dict:
        found = {}
        for k in keys:
            value = self.get(k, self._missing, version=version)
            if value is not self._missing:
                found[k] = value
        return found

    def set_many(self, data: dict, timeout=DEFAULT_TIMEOUT, version=None) -> list:
        for key, value in data.items():
            self.set(key, value, timeout=timeout, version=version)
        return []

    def delete_many(self, keys, version=None) -> None:
        for key in keys:
            self.delete(key, version=version)

    def has_key(self, key, version=None) -> bool:
        return self.get(key, self._missing, version=version) is not self._missing

    def __contains__(self, key) -> bool:
        return self.has_key(key)

    def incr(self, key, delta=1, version=None):
        value = self.get(key, self._missing, version=version)
        if value is self._missing:
            raise ValueError(f"Key '{key}' not found")
        new_value = value + delta
        self.set(key, new_value, version=version)
        return new_value

    def decr(self, key, delta=1, version=None):
        return self.incr(key, -delta, version=version)

    def get_or_set(self, key, default, timeout=DEFAULT_TIMEOUT, version=None):
        value = self.get(key, self._missing, version=version)
        if value is self._missing:
            if callable(default):
                default = default()
            self.add(key, default, timeout=timeout, version=version)
            return self.get(key, default, version=version)
        return value

    def incr_version(self, key, delta=1, version=None) -> int:
        version = self.version if version is None else version
        value = self.get(key, self._missing, version=version)
        if value is self._missing:
            raise ValueError(f"Key '{key}' not found")
        self.set(key, value, version=version + delta)
        self.delete(key, version=version)
        return version + delta

    def decr_version(self, key, delta=1, version=None) -> int:
        return self.incr_version(key, -delta, version)

    def close(self, **kwargs) -> None:
        pass

    # --- what the inspector needs, on stored keys as they are
    @property
    def name(self) -> str:
        """What the user types to confirm clearing everything (the db or table name)."""
        return self.location or self.scheme

    def version_string(self) -> str:
        return self.scheme

    def ping(self) -> None:
        pass

    def raw_count(self) -> int:
        raise NotImplementedError

    def raw_scan(self, pattern: str, cursor: Any, count: int) -> tuple[list[str], Any]:
        """A page of stored keys matching the glob ``pattern``; the next cursor (None: done)."""
        raise NotImplementedError

    def raw_describe(self, keys: list[str], memory: bool = False) -> list[KeyInfo]:
        raise NotImplementedError

    def raw_sample(self, n: int) -> list[str]:
        """Up to ``n`` stored keys, spread over the keyspace (SCAN's hash order is)."""
        keys: list[str] = []
        cursor = None
        while len(keys) < n:
            page, cursor = self.raw_scan("*", cursor, 1000)
            keys.extend(page)
            if cursor is None:
                break
        return keys[:n]

    def raw_scan_describe(self, pattern: str, cursor: Any, count: int) -> tuple[list[KeyInfo], Any]:
        """One page of ``raw_scan`` with type and TTL (Redis does both in one round trip)."""
        keys, cursor = self.raw_scan(pattern, cursor, count)
        return (self.raw_describe(keys) if keys else []), cursor

    def raw_read(self, key: str, limit: int) -> RawValue:
        """Type, TTL, size and the first ``limit`` bytes (items) of a stored value."""
        raise NotImplementedError

    def raw_delete(self, keys: list[str]) -> int:
        raise NotImplementedError

    def raw_expire(self, key: str, seconds: float | None) -> bool:
        """Set (seconds) or remove (None) a stored key's time to live."""
        raise NotImplementedError

    def raw_clear(
        self,
        pattern: str,
        progress: Callable[[int], None] | None = None,
        cancelled: Callable[[], bool] | None = None,
        only: re.Pattern | None = None,
    ) -> int:
        """Remove every stored key matching ``pattern`` (and ``only``, a regex matched at
        the start, when given); returns how many were removed."""
        raise NotImplementedError

    def raw_flush(self) -> int:
        """Remove every key of the db/table, whatever wrote it (Redis: FLUSHDB)."""
        raise NotImplementedError

    def stats(self) -> dict[str, Any]:
        return {"keys": self.raw_count()}

    def cull_expired(self) -> int:
        return 0
