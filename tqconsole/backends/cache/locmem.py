"""LocMemCache: a process-local dict of pickles, per LOCATION name, as Django's."""

from __future__ import annotations

import pickle
import threading
import time
from collections import OrderedDict
from typing import Any

from tqconsole.backends.cache.base import DEFAULT_TIMEOUT, BaseCache, KeyInfo, RawValue
from tqconsole.backends.cache.patterns import glob_regex
from tqconsole.errors import NotFound

_stores: dict[str, tuple[OrderedDict, dict, threading.Lock]] = {}


class LocMemCache(BaseCache):
    scheme = "locmem"

    def __init__(self, name: str = "", **params):
        super().__init__(name or "default", **params)
        store = _stores.setdefault(self.location, (OrderedDict(), {}, threading.Lock()))
        self._cache, self._expire_info, self._lock = store

    def _expired(self, key: str) -> bool:
        exp = self._expire_info.get(key, -1)
        return exp is not None and exp <= time.time()

    def _set(self, key: str, pickled: bytes, timeout) -> None:
        if len(self._cache) >= self._max_entries and key not in self._cache:
            self._cull()
        self._cache[key] = pickled
        self._cache.move_to_end(key, last=False)
        self._expire_info[key] = self.get_backend_timeout(timeout)

    def _cull(self) -> None:
        if self._cull_frequency == 0:
            self._cache.clear()
            self._expire_info.clear()
            return
        for _ in range(len(self._cache) // self._cull_frequency):
            key, _ = self._cache.popitem()
            self._expire_info.pop(key, None)

    def _delete(self, key: str) -> bool:
        self._expire_info.pop(key, None)
        return self._cache.pop(key, None) is not None

    def get(self, key, default=None, version=None):
        key = self.make_and_validate_key(key, version)
        with self._lock:
            if self._expired(key):
                self._delete(key)
                return default
            pickled = self._cache[key]
            self._cache.move_to_end(key, last=False)
        return pickle.loads(pickled)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None) -> None:
        self.check_writable()
        key = self.make_and_validate_key(key, version)
        pickled = pickle.dumps(value, pickle.HIGHEST_PROTOCOL)
        with self._lock:
            self._set(key, pickled, timeout)

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None) -> bool:
        self.check_writable()
        key = self.make_and_validate_key(key, version)
        pickled = pickle.dumps(value, pickle.HIGHEST_PROTOCOL)
        with self._lock:
            if not self._expired(key):
                return False
            self._set(key, pickled, timeout)
            return True

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None) -> bool:
        self.check_writable()
        key = self.make_and_validate_key(key, version)
        with self._lock:
            if self._expired(key):
                return False
            self._expire_info[key] = self.get_backend_timeout(timeout)
            return True

    def incr(self, key, delta=1, version=None):
        self.check_writable()
        stored = self.make_and_validate_key(key, version)
        with self._lock:
            if self._expired(stored):
                self._delete(stored)
                raise ValueError(f"Key '{key}' not found")
            value = pickle.loads(self._cache[stored]) + delta
            self._cache[stored] = pickle.dumps(value, pickle.HIGHEST_PROTOCOL)
            self._cache.move_to_end(stored, last=False)
        return value

    def has_key(self, key, version=None) -> bool:
        key = self.make_and_validate_key(key, version)
        with self._lock:
            if self._expired(key):
                self._delete(key)
                return False
            return True

    def delete(self, key, version=None) -> bool:
        self.check_writable("delete")
        key = self.make_and_validate_key(key, version)
        with self._lock:
            return self._delete(key)

    def clear(self) -> None:
        self.raw_flush()

    # --- the inspector's primitives
    def raw_count(self) -> int:
        return len(self._cache)

    def raw_scan(self, pattern: str, cursor: Any, count: int) -> tuple[list[str], Any]:
        with self._lock:
            keys = sorted(self._cache)
        start = cursor or 0
        match = glob_regex(pattern).match
        page = [k for k in keys[start : start + count] if match(k)]
        return page, (start + count if start + count < len(keys) else None)

    def _ttl(self, key: str) -> float | None:
        if key not in self._cache:
            return -2
        exp = self._expire_info.get(key)
        return None if exp is None else exp - time.time()

    def raw_describe(self, keys: list[str], memory: bool = False) -> list[KeyInfo]:
        with self._lock:
            return [
                KeyInfo(k, "string", self._ttl(k), len(self._cache[k]))
                if k in self._cache
                else KeyInfo(k, "none", -2, None)
                for k in keys
            ]

    def raw_read(self, key: str, limit: int) -> RawValue:
        with self._lock:
            if key not in self._cache:
                raise NotFound(f"no key {key!r} in the local-memory cache")
            data = self._cache[key]
            ttl = self._ttl(key)
        return RawValue(key, "string", ttl, len(data), data[:limit], len(data) > limit, "pickle")

    def raw_delete(self, keys: list[str]) -> int:
        self.check_writable("delete")
        with self._lock:
            return sum(self._delete(k) for k in keys)

    def raw_expire(self, key: str, seconds: float | None) -> bool:
        self.check_writable("ttl change")
        with self._lock:
            if key not in self._cache:
                return False
            self._expire_info[key] = None if seconds is None else time.time() + seconds
            return True

    def raw_clear(self, pattern, progress=None, cancelled=None, only=None) -> int:
        self.check_writable("clear")
        match = glob_regex(pattern).match
        with self._lock:
            doomed = [k for k in self._cache if match(k) and (only is None or only.match(k))]
            for key in doomed:
                self._delete(key)
        if progress:
            progress(len(doomed))
        return len(doomed)

    def raw_flush(self) -> int:
        self.check_writable("clear")
        with self._lock:
            count = len(self._cache)
            self._cache.clear()
            self._expire_info.clear()
        return count

    def stats(self) -> dict[str, Any]:
        with self._lock:
            expired = sum(1 for k in self._cache if self._expired(k))
            size = sum(len(v) for v in self._cache.values())
        return {
            "backend": "locmem",
            "name": self.location,
            "entries": len(self._cache),
            "expired": expired,
            "stored_bytes": size,
        }
