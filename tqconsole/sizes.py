"""Sizes in bytes as people read them: ``512 B``, ``1.5 KB``, ``11.0 MB``.

The one byte formatter of the console (buckets, cache, transfers, the dashboard).
Units are of 1024, written as the buckets' size filter reads them back (``>1MB``).
"""

from __future__ import annotations


def human_size(n: int | float | None, unknown: str = "") -> str:
    """``n`` bytes in the largest unit below 1024 of it; ``unknown`` when not known."""
    if n is None:
        return unknown
    size = float(n)
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if abs(size) < 1024 or unit == "TB":
            break
        size /= 1024
    return f"{size:.0f} B" if unit == "B" else f"{size:.1f} {unit}"
