"""The cache inspector: list, read, delete, expire and clear stored keys; stats.

Used by the cache screen and by ``tqconsole cache``.  Works on stored keys as
they are (``:1:user_ical_5`` as Django wrote it), on every cache backend, with
Redis glob patterns.  Values are decoded without trusting them (``decoding``).
"""

from __future__ import annotations

import heapq
import math
import queue
import re
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from tqconsole.backends.cache.base import KeyInfo, RawValue
from tqconsole.backends.cache.patterns import escape, exact_filter, site_form
from tqconsole.errors import InvalidInput, NotFound
from tqconsole.services.cache.decoding import (
    PREVIEW_BYTES,
    Decoded,
    decode_bytes,
    decode_collection,
)
from tqconsole.services.db.audit import note
from tqconsole.sizes import human_size

PAGE_TIME = 0.5  # seconds one page of a sparse SCAN may take before it returns what it has
NAMESPACE_SAMPLE = 20_000
MEMORY_SAMPLE = 2_000
_CONTROL = re.compile(r"[\x00-\x1f\x7f]|[\udc80-\udcff]")


def cache_names(settings) -> list[str]:
    """The site's caches the console shows (``default``, and ``db`` when it is another)."""
    from tqconsole.backends.cache import cache_names as configured

    return configured(settings)


def display_key(key: str) -> str:
    """A key with control characters and undecodable bytes shown as escapes."""

    def esc(m: re.Match) -> str:
        ch = m.group()
        code = ord(ch) - 0xDC00 if ch >= "\udc80" else ord(ch)
        return f"\\x{code:02x}"

    return _CONTROL.sub(esc, key)


def text_key(key: str) -> str:
    """``key`` for JSON output: as it is when it is valid UTF-8, else with ``\\xNN`` escapes."""
    try:
        key.encode("utf-8")
    except UnicodeEncodeError:
        return display_key(key)
    return key


def human_ttl(ttl: float | None) -> str:
    if ttl is None:
        return "never"
    if ttl == -2:
        return "gone"
    if ttl < 0:
        return "expired"
    seconds = math.ceil(ttl)
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days}d {hours}h" if hours else f"{days}d"
    if hours:
        return f"{hours}h {minutes}m" if minutes else f"{hours}h"
    if minutes:
        return f"{minutes}m {secs}s" if secs else f"{minutes}m"
    return f"{secs}s"


def parse_ttl(text: str) -> float | None:
    """``none`` (no expiry) or seconds (``90``, ``15m``, ``2h``, ``1d``)."""
    value = text.strip().lower()
    if value in ("none", "never", "persist"):
        return None
    m = re.fullmatch(r"(\d+(?:\.\d+)?)\s*([smhd]?)", value)
    if not m:
        raise InvalidInput(f"TTL {text!r}: give seconds (90, 15m, 2h, 1d) or 'none'")
    seconds = float(m.group(1)) * {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}[m.group(2)]
    if seconds <= 0:
        raise InvalidInput("a TTL must be positive (delete the key to remove it)")
    return seconds


def check_pattern(pattern: str | None) -> str:
    pattern = "*" if pattern is None or pattern == "" else pattern
    if len(pattern) > 1024 or "\x00" in pattern:
        raise InvalidInput("the pattern is too long or holds a NUL character")
    return pattern


def stored_pattern(cache, pattern: str) -> str:
    """``user_ical_*`` as the site's keys are stored under any KEY_PREFIX and VERSION
    (``*:[0-9]*:user_ical_*``: finds ``:1:user_ical_5``, ``:2:…``, ``tqsite:3:…``), or ""
    if ``pattern`` is in the stored form already.

    Patterns match keys as stored; staff think in the names the site's code uses.
    """
    return site_form(pattern)


# --- listing
@dataclass
class KeyPage:
    keys: list[KeyInfo]
    cursor: Any  # None: the scan is complete


def list_keys(
    cache, pattern: str = "*", cursor: Any = None, want: int = 200, memory: bool = False
) -> KeyPage:
    """At least ``want`` keys matching ``pattern`` (fewer at the end or after PAGE_TIME).

    Type, TTL (and memory) are read for the returned keys only, in one pipeline.
    """
    pattern = check_pattern(pattern)
    exact = exact_filter(pattern)
    keys: list[str] = []
    deadline = time.monotonic() + PAGE_TIME
    while True:
        page, cursor = cache.raw_scan(pattern, cursor, 1000)
        keys.extend(k for k in page if exact is None or exact.match(k))
        if cursor is None or len(keys) >= want or time.monotonic() > deadline:
            break
    return KeyPage(cache.raw_describe(keys, memory=memory), cursor)


def iter_keys(cache, pattern: str = "*", batch: int = 1000) -> Iterator[KeyInfo]:
    """Every key matching ``pattern`` with its type and TTL, one SCAN batch at a time.

    The next batch is fetched in a thread while the caller handles this one, so
    the server's work and the caller's overlap.
    """
    pattern = check_pattern(pattern)
    exact = exact_filter(pattern)
    pages: queue.Queue = queue.Queue(maxsize=2)
    stop = threading.Event()

    def fetch() -> None:
        cursor = None
        try:
            while not stop.is_set():
                infos, cursor = cache.raw_scan_describe(pattern, cursor, batch)
                pages.put((infos, None))
                if cursor is None:
                    break
        except Exception as exc:  # handed to the caller's thread
            pages.put(([], exc))
        pages.put((None, None))

    thread = threading.Thread(target=fetch, name="cache-iter-keys", daemon=True)
    thread.start()
    try:
        while True:
            infos, error = pages.get()
            if error is not None:
                raise error
            if infos is None:
                return
            yield from (i for i in infos if exact is None or exact.match(i.key))
    finally:
        stop.set()
        while thread.is_alive():  # unblock a producer waiting on a full queue
            try:
                pages.get_nowait()
            except queue.Empty:
                thread.join(0.01)


# --- one key
@dataclass
class KeyDetail:
    key: str
    type: str
    ttl: float | None
    size: int
    encoding: str
    decoded: Decoded
    truncated: bool = False

    def as_dict(self) -> dict:
        return {
            "key": text_key(self.key),
            "type": self.type,
            "ttl": self.ttl,
            "size": self.size,
            "encoding": self.encoding,
            "kind": self.decoded.kind,
            "value": self.decoded.text,
            "note": self.decoded.note,
            "truncated": self.truncated,
        }


def key_detail(cache, key: str, limit: int = PREVIEW_BYTES) -> KeyDetail:
    raw: RawValue = cache.raw_read(key, limit)
    if isinstance(raw.data, list):
        decoded = decode_collection(raw)
    else:
        decoded = decode_bytes(raw.data or b"", truncated=raw.truncated)
    if raw.truncated:
        shown = (
            f"first {human_size(limit)}" if raw.type == "string" else f"first {len(raw.data)} items"
        )
        decoded.note = f"{shown} of {human_size(raw.size) if raw.type == 'string' else f'{raw.size:,}'}; {decoded.note}".strip(
            "; "
        )
    return KeyDetail(raw.key, raw.type, raw.ttl, raw.size, raw.encoding, decoded, raw.truncated)


# --- changes (every one refused in read-only mode by the backend)
def delete_keys(cache, keys: list[str]) -> int:
    if not keys:
        return 0
    removed = cache.raw_delete(keys)
    note(
        "cache.delete",
        cache.name,
        keys[0] if len(keys) == 1 else "",
        {"keys": keys[:100], "removed": removed},
    )
    return removed


def set_ttl(cache, key: str, seconds: float | None) -> None:
    if not cache.raw_expire(key, seconds):
        raise NotFound(f"no key {display_key(key)!r}")
    note("cache.ttl", cache.name, key, {"ttl": seconds})


def clear_pattern(
    cache,
    pattern: str,
    progress: Callable[[int], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> int:
    """Remove the keys matching ``pattern`` (SCAN + UNLINK in batches); how many went.

    The Celery broker's keys in a shared Redis db are skipped by the backend."""
    pattern = check_pattern(pattern)
    removed = cache.raw_clear(pattern, progress, cancelled, only=exact_filter(pattern))
    note("cache.clear", cache.name, pattern, {"pattern": pattern, "removed": removed})
    return removed


@dataclass
class ClearResult:
    """What a clear of every entry removed, and what else the db holds (kept)."""

    removed: int
    others: int = 0  # keys that are not this cache's entries
    other_keys: list[KeyInfo] = field(default_factory=list)  # the first few of them

    def as_dict(self) -> dict:
        return {
            "removed": self.removed,
            "others": self.others,
            "other_keys": [{"key": text_key(i.key), "type": i.type} for i in self.other_keys],
        }

    def others_text(self) -> str:
        """``11 other keys (not this cache's entries): celery (list), unacked (hash), …``"""
        shown = ", ".join(f"{display_key(i.key)} ({i.type})" for i in self.other_keys)
        more = ", …" if self.others > len(self.other_keys) else ""
        return f"{self.others:,} other key(s) (not this cache's entries): {shown}{more}"


OTHERS_SHOWN = 8


def other_keys(cache) -> tuple[int, list[KeyInfo]]:
    """How many stored keys are not entries of this cache (a broker's queues …); the first
    few by name."""
    entry = cache.entry_regex()
    count = 0

    def others() -> Iterator[KeyInfo]:
        nonlocal count
        for info in iter_keys(cache, "*"):
            if not entry.match(info.key):
                count += 1
                yield info

    first = heapq.nsmallest(OTHERS_SHOWN, others(), key=lambda info: info.key)
    return count, first


def clear_all(
    cache,
    typed_name: str,
    progress: Callable[[int], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> ClearResult:
    """Remove every entry of this cache (``KEY_PREFIX:VERSION:key``) and nothing else.

    ``typed_name`` must be the db/table name, as the user typed it.  Other keys in
    the db (a Celery broker's ``celery`` list, ``_kombu.*``, ``unacked``) are kept
    and counted in the result; ``flush`` removes them too.
    """
    if typed_name.strip() != cache.name:
        raise InvalidInput(f"type {cache.name!r} to clear everything (got {typed_name!r})")
    removed = cache.raw_clear(cache.entry_glob(), progress, cancelled, only=cache.entry_regex())
    note("cache.clear_all", cache.name, "", {"removed": removed})
    return ClearResult(removed, *other_keys(cache))


def flush_phrase(cache) -> str:
    """What the user types to remove every key of the db/table: ``FLUSHDB db14``."""
    return f"{cache.flush_word} {cache.name}"


def flush(cache, typed: str) -> int:
    """Remove every key of the db/table, cache entry or not; ``typed`` must be ``flush_phrase``."""
    if " ".join(typed.split()) != flush_phrase(cache):
        raise InvalidInput(f"type {flush_phrase(cache)!r} to remove every key (got {typed!r})")
    removed = cache.raw_flush()
    note("cache.flush", cache.name, "", {"removed": removed})
    return removed


def cull_expired(cache) -> int:
    removed = cache.cull_expired()
    note("cache.cull", cache.name, "", {"removed": removed})
    return removed


# --- namespaces
LEAF_ID = re.compile(r"(\d+|[a-z0-9]{32})$")


@dataclass
class Namespace:
    prefix: str  # the stored-key prefix ("" is the root)
    keys: int = 0
    bytes: int = 0
    children: dict[str, Namespace] = field(default_factory=dict)

    @property
    def pattern(self) -> str:
        return escape(self.prefix) + "*"


@dataclass
class Namespaces:
    root: Namespace
    total: int  # keys in the db/table
    sampled: int  # keys looked at
    memory_sampled: int
    broker: int = 0  # the Celery broker's keys among them (a shared Redis db), scaled

    @property
    def is_sample(self) -> bool:
        return self.sampled < self.total


def namespaces(
    cache, sample: int = NAMESPACE_SAMPLE, memory_sample: int = MEMORY_SAMPLE
) -> Namespaces:
    """Keys grouped by ``:`` (and a trailing id: ``user_ical_*``), counts and memory, and
    how many are the Celery broker's.

    On a large keyspace only ``sample`` keys are looked at and counts are scaled;
    memory is measured on the first ``memory_sample`` of them and scaled too.
    """
    total = cache.raw_count()
    keys = cache.raw_sample(sample)
    described = cache.raw_describe(keys[:memory_sample], memory=True)
    sizes = {i.key: i.size or 0 for i in described}
    broker = sum(i.owner == "broker" for i in described)
    scale_count = max(total, len(keys)) / len(keys) if keys else 1.0
    scale_mem = len(keys) / len(sizes) if sizes else 0.0
    root = Namespace("")
    for key in keys:
        node = root
        node.keys += 1
        parts = key.split(":")
        prefix = ""
        for part in parts[:-1][:4]:
            prefix += part + ":"
            node = node.children.setdefault(prefix, Namespace(prefix))
            node.keys += 1
        leaf = LEAF_ID.sub("", parts[-1]) if len(parts) <= 5 else ""
        if leaf and leaf != parts[-1]:
            node = node.children.setdefault(prefix + leaf, Namespace(prefix + leaf))
            node.keys += 1
    for key, size in sizes.items():
        for node in _path(root, key):
            node.bytes += size
    _scale(root, scale_count, scale_mem)
    return Namespaces(
        root, max(total, len(keys)), len(keys), len(sizes), round(broker * scale_mem * scale_count)
    )


def _path(root: Namespace, key: str) -> list[Namespace]:
    nodes, node = [root], root
    while True:
        child = next((c for p, c in node.children.items() if key.startswith(p)), None)
        if child is None:
            return nodes
        nodes.append(child)
        node = child


def _scale(node: Namespace, count: float, memory: float) -> None:
    node.keys = round(node.keys * count)
    node.bytes = round(node.bytes * memory * count)
    for child in node.children.values():
        _scale(child, count, memory)


# --- stats
def stats(cache) -> dict[str, Any]:
    return cache.stats()


def stats_lines(data: dict[str, Any]) -> list[tuple[str, str]]:
    """The stats as (label, value) rows for the screen and ``cache stats``."""
    if data["backend"] == "redis":
        rows = [
            ("backend", f"Redis {data['version']} db{data['db']}"),
            ("keys", f"{data['keys']:,}"),
            (
                "memory",
                f"{human_size(data['used_memory'], '?')} (peak {human_size(data['peak_memory'], '?')})",
            ),
            ("max memory", human_size(data["max_memory"]) if data["max_memory"] else "no limit"),
            ("hit rate", "–" if data["hit_rate"] is None else f"{data['hit_rate']:.1%}"),
            ("ops/s", f"{data['ops_per_sec']:,}"),
            ("evictions", f"{data['evicted_keys']:,}"),
            ("clients", f"{data['clients']:,}"),
        ]
        rows += [
            (db, f"{v.get('keys', 0):,} keys, {v.get('expires', 0):,} with TTL")
            for db, v in sorted(data["keyspace"].items(), key=lambda kv: int(kv[0][2:]))
        ]
        return rows
    rows = [("backend", data["backend"] + (f" table {data['table']}" if "table" in data else ""))]
    rows.append(
        (
            "entries",
            f"{data.get('entries', 0):,}"
            + ("" if data.get("entries_exact", True) else " (estimate)"),
        )
    )
    if "expired" in data:
        rows.append(("expired", f"{data['expired']:,}"))
    size = data.get("table_bytes", data.get("stored_bytes"))
    if size is not None:
        rows.append(("size", human_size(size)))
    return rows
