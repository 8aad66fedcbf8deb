"""RedisCache on Django's wire format: exact ints stored raw (so INCRBY works), the rest pickled.

``clear()`` removes only this cache's keys (``KEY_PREFIX:VERSION:…``), by SCAN
and UNLINK, so a broker sharing the db keeps its queues; ``clear(flush_db=True)``
is Django's FLUSHDB.  The broker's keys (``broker_keys``) are listed with
``owner="broker"``; deleting them or changing their TTL is refused, and pattern
clears skip them.  Stored keys are bytes;
they become ``str`` with surrogate escapes, so any key (not UTF-8, control
characters) round-trips to the server unchanged.
"""

from __future__ import annotations

import pickle
import re
from collections.abc import Callable
from typing import Any

import redis

from tqconsole.backends.cache.base import DEFAULT_TIMEOUT, BaseCache, KeyInfo, RawValue
from tqconsole.backends.cache.broker_keys import BROKER_NAME, QUEUE_TYPE, is_broker_key, refusal
from tqconsole.backends.redis_connect import checked_connect
from tqconsole.errors import BackendUnavailable, NotFound
from tqconsole.settings import mask_url

SCAN_COUNT = 1000
COLLECTION_ITEMS = 200
# One SCAN step with the TYPE and PTTL of what it found, in one round trip (read-only).
SCAN_DESCRIBE = """
local found = redis.call('SCAN', ARGV[1], 'MATCH', ARGV[2], 'COUNT', ARGV[3])
local keys, types, ttls = found[2], {}, {}
for i, key in ipairs(keys) do
    types[i] = redis.call('TYPE', key)['ok']
    ttls[i] = redis.call('PTTL', key)
end
return {found[1], keys, types, ttls}
"""
# UNLINK each key unless it is a queue list (the broker's, in a db shared with Celery).
UNLINK_UNLESS_QUEUE = """
local gone = {}
for _, key in ipairs(KEYS) do
    if redis.call('TYPE', key)['ok'] ~= ARGV[1] then gone[#gone + 1] = key end
end
if #gone == 0 then return 0 end
return redis.call('UNLINK', unpack(gone))
"""


def dumps(value: Any) -> bytes | int:
    if type(value) is int:  # not bool, not int subclasses: as Django's RedisSerializer
        return value
    return pickle.dumps(value, pickle.HIGHEST_PROTOCOL)


def loads(data: bytes) -> Any:
    try:
        return int(data)
    except ValueError:
        return pickle.loads(data)


def key_text(key: bytes) -> str:
    return key.decode("utf-8", "surrogateescape")


def key_bytes(key: str) -> bytes:
    return key.encode("utf-8", "surrogateescape")


def translate_errors(fn):
    """Connection trouble becomes BackendUnavailable (one line) for the screen and CLI."""

    def wrapper(self, *args, **kwargs):
        try:
            return fn(self, *args, **kwargs)
        except (redis.ConnectionError, redis.TimeoutError) as exc:
            raise BackendUnavailable(f"Redis {mask_url(self.url)} unavailable: {exc}") from None

    wrapper.__name__ = fn.__name__
    wrapper.__doc__ = fn.__doc__
    return wrapper


class RedisCache(BaseCache):
    scheme = "redis"
    flush_word = "FLUSHDB"

    def __init__(self, url: str, **params):
        super().__init__(url, **params)
        self.url = url
        self.client = redis.Redis.from_url(
            url,
            redis_connect_func=checked_connect,
            socket_connect_timeout=3,
            socket_timeout=10,
            health_check_interval=15,
            retry_on_timeout=False,
        )
        self.db_number = self.client.connection_pool.connection_kwargs.get("db", 0)
        self._scan_describe = None
        self._unlink_script = None
        self._scripts: bool | None = None  # False: the server refuses scripts (ACL)

    @property
    def name(self) -> str:
        return f"db{self.db_number}"

    def _key(self, key, version) -> bytes:
        return key_bytes(self.make_and_validate_key(key, version))

    def get_backend_timeout(self, timeout=DEFAULT_TIMEOUT) -> int | None:
        """Seconds for EX (None: persistent); 0 or less means delete."""
        if timeout is DEFAULT_TIMEOUT:
            timeout = self.default_timeout
        return None if timeout is None else max(0, int(timeout))

    # --- Django's API
    @translate_errors
    def get(self, key, default=None, version=None):
        data = self.client.get(self._key(key, version))
        return default if data is None else loads(data)

    @translate_errors
    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None) -> None:
        self.check_writable()
        key, timeout = self._key(key, version), self.get_backend_timeout(timeout)
        if timeout == 0:
            self.client.delete(key)
        else:
            self.client.set(key, dumps(value), ex=timeout)

    @translate_errors
    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None) -> bool:
        self.check_writable()
        key, timeout = self._key(key, version), self.get_backend_timeout(timeout)
        if timeout == 0:
            added = bool(self.client.set(key, dumps(value), nx=True))
            if added:
                self.client.delete(key)
            return added
        return bool(self.client.set(key, dumps(value), ex=timeout, nx=True))

    @translate_errors
    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None) -> bool:
        self.check_writable()
        key, timeout = self._key(key, version), self.get_backend_timeout(timeout)
        if timeout is None:
            return bool(self.client.persist(key))
        return bool(self.client.expire(key, timeout))

    @translate_errors
    def delete(self, key, version=None) -> bool:
        self.check_writable("delete")
        return bool(self.client.delete(self._key(key, version)))

    @translate_errors
    def get_many(self, keys, version=None) -> dict:
        keys = list(keys)
        if not keys:
            return {}
        values = self.client.mget([self._key(k, version) for k in keys])
        return {k: loads(v) for k, v in zip(keys, values, strict=True) if v is not None}

    @translate_errors
    def set_many(self, data: dict, timeout=DEFAULT_TIMEOUT, version=None) -> list:
        if not data:
            return []
        self.check_writable()
        timeout = self.get_backend_timeout(timeout)
        pipe = self.client.pipeline()
        pipe.mset({self._key(k, version): dumps(v) for k, v in data.items()})
        if timeout is not None:
            for key in data:
                pipe.expire(self._key(key, version), timeout)
        pipe.execute()
        return []

    @translate_errors
    def delete_many(self, keys, version=None) -> None:
        keys = [self._key(k, version) for k in keys]
        if keys:
            self.check_writable("delete")
            self.client.delete(*keys)

    @translate_errors
    def has_key(self, key, version=None) -> bool:
        return bool(self.client.exists(self._key(key, version)))

    @translate_errors
    def incr(self, key, delta=1, version=None):
        self.check_writable()
        stored = self._key(key, version)
        if not self.client.exists(stored):
            raise ValueError(f"Key '{key}' not found")
        return self.client.incrby(stored, delta)

    @translate_errors
    def clear(self, flush_db: bool = False) -> None:
        """Remove this cache's keys (its KEY_PREFIX); ``flush_db`` empties the whole db."""
        if flush_db:
            self.raw_flush()
        else:
            self.raw_clear(self.entry_glob(), only=self.entry_regex())

    def close(self, **kwargs) -> None:
        self.client.close()

    # --- the inspector's primitives
    @translate_errors
    def version_string(self) -> str:
        return f"Redis {self.client.info('server').get('redis_version', '?')}"

    @translate_errors
    def ping(self) -> None:
        self.client.ping()

    @translate_errors
    def raw_count(self) -> int:
        return self.client.dbsize()

    @translate_errors
    def raw_scan(self, pattern: str, cursor: Any, count: int = 0) -> tuple[list[str], Any]:
        """One SCAN call of ``count`` (default SCAN_COUNT) keys; MATCH filters after the
        scan, so a page may be empty."""
        count = count or SCAN_COUNT
        cursor, keys = self.client.scan(cursor or 0, match=key_bytes(pattern), count=count)
        return [key_text(k) for k in keys], (cursor or None)

    @translate_errors
    def raw_scan_describe(self, pattern: str, cursor: Any, count: int = 0):
        """One SCAN step of ``count`` (default SCAN_COUNT) keys and their type and TTL,
        computed on the server."""
        count = count or SCAN_COUNT
        if self._scan_describe is None:
            self._scan_describe = self.client.register_script(SCAN_DESCRIBE)
        try:
            next_cursor, keys, types, ttls = self._scan_describe(
                args=[cursor or 0, key_bytes(pattern), count]
            )
        except redis.ResponseError:  # scripting refused (ACL): SCAN, then a pipeline
            return super().raw_scan_describe(pattern, cursor, count)
        infos = [
            KeyInfo(
                k.decode("utf-8", "surrogateescape"),
                t.decode(),
                None if ms == -1 else (-2 if ms == -2 else ms / 1000),
            )
            for k, t, ms in zip(keys, types, ttls, strict=True)
        ]
        return self._owned(infos), (int(next_cursor) or None)

    def _owned(self, infos: list[KeyInfo]) -> list[KeyInfo]:
        """``infos`` with the broker's keys marked ``owner="broker"``."""
        entry = self.entry_regex()
        for info in infos:
            if is_broker_key(info.key, info.type, entry):
                info.owner = "broker"
        return infos

    def _broker_among(self, keys: list[bytes]) -> dict[bytes, str]:
        """Those of ``keys`` that are the broker's, with their types (one TYPE pipeline for
        the keys that are not cache entries)."""
        entry = self.entry_regex()
        others = [k for k in keys if not entry.match(key_text(k))]
        if not others:
            return {}
        pipe = self.client.pipeline(transaction=False)
        for key in others:
            pipe.type(key)
        kinds = [t.decode() if isinstance(t, bytes) else "" for t in pipe.execute()]
        return {
            k: t for k, t in zip(others, kinds, strict=True) if is_broker_key(key_text(k), t, entry)
        }

    def _refuse_broker_keys(self, keys: list[bytes]) -> None:
        found = self._broker_among(keys)
        if found:
            raise refusal([(key_text(k), t) for k, t in sorted(found.items())])

    @translate_errors
    def raw_describe(self, keys: list[str], memory: bool = False) -> list[KeyInfo]:
        """TYPE, PTTL (and MEMORY USAGE) of ``keys`` in one pipeline."""
        if not keys:
            return []
        pipe = self.client.pipeline(transaction=False)
        for key in keys:
            raw = key_bytes(key)
            pipe.type(raw)
            pipe.pttl(raw)
            if memory:
                pipe.memory_usage(raw, samples=0)
        replies = pipe.execute(raise_on_error=False)
        step = 3 if memory else 2
        infos = []
        for i, key in enumerate(keys):
            kind, pttl = replies[i * step], replies[i * step + 1]
            size = replies[i * step + 2] if memory else None
            infos.append(
                KeyInfo(
                    key,
                    kind.decode() if isinstance(kind, bytes) else str(kind),
                    ttl_seconds(pttl),
                    size if isinstance(size, int) else None,
                )
            )
        return self._owned(infos)

    @translate_errors
    def raw_read(self, key: str, limit: int) -> RawValue:
        raw = key_bytes(key)
        pipe = self.client.pipeline(transaction=False)
        pipe.type(raw)
        pipe.pttl(raw)
        pipe.object("encoding", raw)
        kind, pttl, encoding = pipe.execute(raise_on_error=False)
        kind = kind.decode()
        if kind == "none":
            raise NotFound(f"no key {key!r} in Redis {self.name}")
        encoding = encoding.decode() if isinstance(encoding, bytes) else ""
        ttl = ttl_seconds(pttl)
        client = self.client
        n = COLLECTION_ITEMS
        if kind == "string":
            size = client.strlen(raw)
            data = client.getrange(raw, 0, limit - 1) if size > limit else client.get(raw) or b""
            return RawValue(key, kind, ttl, size, data, size > limit, encoding)
        if kind == "hash":
            size = client.hlen(raw)
            _, items = client.hscan(raw, 0, count=n)
            data = list(items.items())[:n]
        elif kind == "list":
            size = client.llen(raw)
            data = client.lrange(raw, 0, n - 1)
        elif kind == "set":
            size = client.scard(raw)
            data = client.sscan(raw, 0, count=n)[1][:n]
        elif kind == "zset":
            size = client.zcard(raw)
            data = client.zrange(raw, 0, n - 1, withscores=True)
        elif kind == "stream":
            size = client.xlen(raw)
            data = client.xrange(raw, count=n)
        else:
            size, data = 0, None
        return RawValue(key, kind, ttl, size, data, size > n, encoding)

    @translate_errors
    def raw_delete(self, keys: list[str]) -> int:
        self.check_writable("delete")
        raw = [key_bytes(k) for k in keys]
        for start in range(0, len(raw), SCAN_COUNT):
            self._refuse_broker_keys(raw[start : start + SCAN_COUNT])
        removed = 0
        for start in range(0, len(raw), SCAN_COUNT):
            removed += self.client.unlink(*raw[start : start + SCAN_COUNT])
        return removed

    @translate_errors
    def raw_expire(self, key: str, seconds: float | None) -> bool:
        self.check_writable("ttl change")
        raw = key_bytes(key)
        self._refuse_broker_keys([raw])
        if seconds is None:
            return bool(self.client.persist(raw)) or bool(self.client.exists(raw))
        return bool(self.client.pexpire(raw, int(seconds * 1000)))

    @translate_errors
    def raw_clear(
        self,
        pattern: str,
        progress: Callable[[int], None] | None = None,
        cancelled: Callable[[], bool] | None = None,
        only: re.Pattern | None = None,
    ) -> int:
        """SCAN MATCH + UNLINK: each round trip unlinks the last batch and scans the next.

        Only keys SCAN returned for ``pattern`` (and that ``only`` matches) are
        unlinked, so a key outside them is never removed, whatever other clients
        write meanwhile; the broker's keys among them are skipped.
        """
        self.check_writable("clear")
        match = key_bytes(pattern)
        entry = self.entry_regex()
        removed, cursor, first = 0, 0, True
        entries: list[bytes] = []  # cache entries: unlinked as they are
        others: list[bytes] = []  # other keys: unlinked unless they are a queue (on the server)
        while True:
            if cancelled and cancelled():
                return removed
            scan = first or cursor != 0
            if not entries and not others and not scan:
                return removed
            pipe = self.client.pipeline(transaction=False)
            unlinks = 0  # commands on the pipe that answer how many keys went
            if entries:
                pipe.unlink(*entries)
                unlinks += 1
            if others:
                unlinks += self._unlink_unless_queue(others, pipe)
            if scan:
                pipe.scan(cursor, match=match, count=SCAN_COUNT)
            try:
                replies = pipe.execute()
            except redis.ResponseError:  # scripting refused (ACL): TYPE, then UNLINK
                if not others or self._scripts is False:
                    raise
                self._scripts = False
                continue
            if entries or others:
                removed += sum(replies[:unlinks])
                if progress:
                    progress(removed)
            if not scan:
                return removed
            (cursor, batch), first = replies[-1], False
            if only is not None:
                batch = [k for k in batch if only.match(key_text(k))]
            entries = [k for k in batch if entry.match(key_text(k))]
            others = [
                k
                for k in batch
                if not entry.match(key_text(k)) and not BROKER_NAME.match(key_text(k))
            ]

    def _unlink_unless_queue(self, keys: list[bytes], pipe) -> int:
        """Queue on ``pipe`` the UNLINK of those ``keys`` that are not lists (the broker's
        queues): checked on the server in one call; without scripting, TYPE first.
        Returns how many commands it queued (0 or 1)."""
        if self._scripts is not False:
            if self._unlink_script is None:
                self._unlink_script = self.client.register_script(UNLINK_UNLESS_QUEUE)
            self._unlink_script(keys=keys, args=[QUEUE_TYPE], client=pipe)
            return 1
        broker = self._broker_among(keys)
        keep = [k for k in keys if k not in broker]
        if keep:
            pipe.unlink(*keep)
        return len(keep) and 1

    @translate_errors
    def raw_flush(self) -> int:
        self.check_writable("clear")
        count = self.client.dbsize()
        self.client.flushdb(asynchronous=True)
        return count

    @translate_errors
    def stats(self) -> dict[str, Any]:
        info = self.client.info()
        hits, misses = info.get("keyspace_hits", 0), info.get("keyspace_misses", 0)
        keyspace = {
            name: {k: v for k, v in value.items() if k in ("keys", "expires")}
            for name, value in info.items()
            if name.startswith("db") and isinstance(value, dict)
        }
        return {
            "backend": "redis",
            "version": info.get("redis_version", ""),
            "db": self.db_number,
            "keys": keyspace.get(self.name, {}).get("keys", 0),
            "used_memory": info.get("used_memory", 0),
            "peak_memory": info.get("used_memory_peak", 0),
            "max_memory": info.get("maxmemory", 0),
            "hit_rate": hits / (hits + misses) if hits + misses else None,
            "ops_per_sec": info.get("instantaneous_ops_per_sec", 0),
            "evicted_keys": info.get("evicted_keys", 0),
            "clients": info.get("connected_clients", 0),
            "keyspace": keyspace,
        }


def ttl_seconds(pttl: Any) -> float | None:
    """PTTL → seconds; -1 (no expiry) → None; -2 (gone) stays -2."""
    if not isinstance(pttl, int) or pttl == -1:
        return None
    return -2 if pttl == -2 else pttl / 1000
