"""gzip and zlib data inflated up to a limit: a 2 MB bomb never becomes 2 GiB in memory."""

from __future__ import annotations

import zlib
from dataclasses import dataclass


@dataclass
class Inflated:
    data: bytes
    complete: bool  # False: the data inflates to more than the limit; ``data`` is its start


def compression(data: bytes) -> str:
    """``gzip``, ``zlib`` or "" as the first bytes say (a zlib header carries a checksum)."""
    if data[:2] == b"\x1f\x8b":
        return "gzip"
    if len(data) >= 2 and data[0] == 0x78 and (data[0] * 256 + data[1]) % 31 == 0:
        return "zlib"
    return ""


def inflate(data: bytes, kind: str, limit: int) -> Inflated:
    """At most ``limit`` bytes of ``data`` inflated (every member of a gzip); zlib.error if damaged."""
    wbits = 16 + zlib.MAX_WBITS if kind == "gzip" else zlib.MAX_WBITS
    out = bytearray()
    rest = data
    while True:
        inflater = zlib.decompressobj(wbits)
        out += inflater.decompress(rest, limit - len(out))
        if inflater.unconsumed_tail:
            return Inflated(bytes(out), False)
        rest = inflater.unused_data
        if kind != "gzip" or not rest or not inflater.eof:
            return Inflated(bytes(out), True)
        if len(out) >= limit:
            return Inflated(bytes(out), False)
