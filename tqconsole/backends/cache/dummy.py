"""DummyCache: implements the interface and stores nothing, as Django's."""

from __future__ import annotations

from typing import Any

from tqconsole.backends.cache.base import DEFAULT_TIMEOUT, BaseCache, KeyInfo, RawValue
from tqconsole.errors import NotFound


class DummyCache(BaseCache):
    scheme = "dummy"

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None) -> bool:
        self.make_and_validate_key(key, version)
        return True

    def get(self, key, default=None, version=None):
        self.make_and_validate_key(key, version)
        return default

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None) -> None:
        self.make_and_validate_key(key, version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None) -> bool:
        self.make_and_validate_key(key, version)
        return False

    def delete(self, key, version=None) -> bool:
        self.make_and_validate_key(key, version)
        return False

    def has_key(self, key, version=None) -> bool:
        self.make_and_validate_key(key, version)
        return False

    def clear(self) -> None:
        pass

    def raw_count(self) -> int:
        return 0

    def raw_scan(self, pattern: str, cursor: Any, count: int) -> tuple[list[str], Any]:
        return [], None

    def raw_describe(self, keys: list[str], memory: bool = False) -> list[KeyInfo]:
        return [KeyInfo(k, "none", -2, None) for k in keys]

    def raw_read(self, key: str, limit: int) -> RawValue:
        raise NotFound(f"no key {key!r}: the dummy cache stores nothing")

    def raw_delete(self, keys: list[str]) -> int:
        return 0

    def raw_expire(self, key: str, seconds: float | None) -> bool:
        return False

    def raw_clear(self, pattern, progress=None, cancelled=None, only=None) -> int:
        return 0

    def raw_flush(self) -> int:
        return 0

    def stats(self) -> dict[str, Any]:
        return {"backend": "dummy", "entries": 0}
