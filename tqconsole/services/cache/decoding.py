"""What a stored cache value most likely is, shown safely.

Pickles go through ``safe_unpickle``; gzip/zlib are inflated up to a bound;
otherwise integer, JSON, text or a hex dump.  Collections (Redis hashes, lists, …)
are decoded item by item within one time budget.
"""

from __future__ import annotations

import json
import re
import time
import zlib
from dataclasses import dataclass
from typing import Any

from tqconsole.backends.cache.base import RawValue
from tqconsole.backends.inflate import compression, inflate
from tqconsole.sizes import human_size

PREVIEW_BYTES = 256 * 1024
HEX_BYTES = 4096
COLLECTION_TIME = 0.5  # seconds for decoding the items of one collection
LINE_CHARS = 2000  # of one collection item
_PROTOCOL0_STARTS = frozenset(bytes([c]) for c in b"(cdl]}SVIFLNTGKJM")


@dataclass
class Decoded:
    kind: str  # integer, pickle, json, text, hex, collection, … ("gzip → json")
    text: str
    note: str = ""


def decode_bytes(data: bytes, truncated: bool = False, depth: int = 0) -> Decoded:
    """What ``data`` most likely is, shown safely and within the unpickler's budget."""
    from tqconsole.backends.safe_unpickle import DecodeLimit, looks_like_pickle, render, safe_load

    if re.fullmatch(rb"-?\d{1,30}", data):
        return Decoded("integer", data.decode())
    loaded = None
    if looks_like_pickle(data):
        try:
            loaded = safe_load(data)
        except DecodeLimit as exc:
            return Decoded("pickle", hexdump(data), f"not decoded: {exc}; shown as hex")
        except Exception as exc:  # a truncated or damaged pickle: show its bytes
            why = "truncated" if truncated else f"undecodable: {type(exc).__name__}"
            return Decoded("pickle", hexdump(data), f"pickle {why}; shown as hex")
    elif data[:1] in _PROTOCOL0_STARTS and data.endswith(b".") and not truncated:
        try:  # protocols 0 and 1 have no header: a text that unpickles is a pickle
            loaded = safe_load(data)
        except Exception:
            pass
    if loaded is not None:
        cut = "cut: " + "; ".join(loaded.cuts) if loaded.cuts else ""
        value = loaded.value
        if isinstance(value, str):
            return Decoded("pickle → text", value, cut)
        if isinstance(value, bytes) and depth < 2:
            inner = decode_bytes(value, depth=depth + 1)
            return Decoded(f"pickle → bytes → {inner.kind}", inner.text, inner.note)
        return Decoded("pickle", render(value), cut)
    kind = compression(data) if depth < 2 else ""
    if kind:
        return _inflate(data, kind, depth)
    text = _utf8(data, truncated)
    if text is not None:
        stripped = text.lstrip()
        if stripped[:1] in ("{", "[") and not truncated:
            try:
                return Decoded("json", json.dumps(json.loads(text), indent=2, ensure_ascii=False))
            except (ValueError, RecursionError):
                pass
        return Decoded("text", text)
    return Decoded("hex", hexdump(data))


def _inflate(data: bytes, kind: str, depth: int) -> Decoded:
    try:
        inflated = inflate(data, kind, PREVIEW_BYTES)
    except zlib.error as exc:
        return Decoded("hex", hexdump(data), f"{kind} header but not {kind}: {exc}")
    more = not inflated.complete
    decoded = decode_bytes(inflated.data, truncated=more, depth=2)
    decoded.kind = f"{kind} → {decoded.kind}"
    if more:
        cut = f"first {human_size(len(inflated.data))} inflated"
        decoded.note = f"{cut}; {decoded.note}" if decoded.note else cut
    return decoded


def _utf8(data: bytes, truncated: bool) -> str | None:
    for cut in range(4 if truncated else 1):
        try:
            text = data[: len(data) - cut].decode("utf-8")
        except UnicodeDecodeError:
            continue
        printable = sum(ch.isprintable() or ch in "\n\r\t" for ch in text[:4096])
        return text if printable >= 0.95 * min(len(text), 4096) else None
    return None


def hexdump(data: bytes, limit: int = HEX_BYTES) -> str:
    lines = []
    for offset in range(0, min(len(data), limit), 16):
        chunk = data[offset : offset + 16]
        hexes = " ".join(f"{b:02x}" for b in chunk)
        text = "".join(chr(b) if 32 <= b < 127 else "." for b in chunk)
        lines.append(f"{offset:08x}  {hexes:<47}  {text}")
    if len(data) > limit:
        lines.append(f"… {len(data) - limit:,} more bytes")
    return "\n".join(lines)


def decode_collection(raw: RawValue) -> Decoded:
    """A Redis hash, list, set, zset or stream: its first items, each decoded.

    All items share one time budget (COLLECTION_TIME); items after it are shown raw.
    """
    deadline = time.monotonic() + COLLECTION_TIME
    raw_from: list[int] = []

    def one(value: Any) -> str:
        if not isinstance(value, bytes):
            text = str(value)
        elif time.monotonic() < deadline:
            text = decode_bytes(value).text
        else:
            raw_from.append(len(lines))
            text = repr(value[:LINE_CHARS])
        text = text.replace("\n", " ")
        return text if len(text) <= LINE_CHARS else text[:LINE_CHARS] + "…"

    lines: list[str] = []
    for item in raw.data or []:
        if isinstance(item, tuple) and len(item) == 2:
            lines.append(f"{one(item[0])}: {one(item[1])}")
        else:
            lines.append(one(item))
    note = f"items from {raw_from[0] + 1} shown raw: decoding took too long" if raw_from else ""
    return Decoded(raw.type, "\n".join(lines), note)
