"""A preview of an object: its first 64 KB as text, a CSV table or pretty JSON."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field

from tqconsole.backends.storage.base import Storage
from tqconsole.backends.storage.results import ObjectInfo

PREVIEW_BYTES = 64 * 1024


@dataclass
class Preview:
    kind: str  # text, csv, json, binary, empty
    text: str = ""
    rows: list[list[str]] = field(default_factory=list)
    truncated: bool = False


def decode(data: bytes) -> str | None:
    """Text from UTF-8 (with or without BOM) or Windows-1252 (bank exports); None if binary."""
    if b"\x00" in data[:4096]:
        return None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        if exc.start >= len(data) - 3:  # a character cut at the 64 KB boundary
            return data[: exc.start].decode("utf-8-sig")
    return data.decode("cp1252", errors="replace")


def preview(storage: Storage, key: str, info: ObjectInfo | None = None) -> Preview:
    """The first 64 KB as text, a CSV table or pretty JSON."""
    info = info or storage.stat(key)
    if info.size == 0:
        return Preview("empty")
    data = storage.read(key, 0, PREVIEW_BYTES)
    truncated = info.size > len(data)
    text = decode(data)
    if text is None:
        return Preview("binary", truncated=truncated)
    kind = info.content_type or ""
    lower = key.lower()
    if lower.endswith((".csv", ".tsv")) or "csv" in kind:
        lines = text.splitlines()
        if truncated and len(lines) > 1:
            lines = lines[:-1]  # the last line may be cut
        try:
            dialect = csv.Sniffer().sniff("\n".join(lines[:20]), delimiters=";,\t|")
        except csv.Error:
            dialect = csv.excel
        rows = list(csv.reader(io.StringIO("\n".join(lines)), dialect))
        return Preview("csv", text=text, rows=rows, truncated=truncated)
    if (lower.endswith(".json") or "json" in kind) and not truncated:
        try:
            return Preview("json", text=json.dumps(json.loads(text), indent=2, ensure_ascii=False))
        except ValueError:
            pass
    return Preview("text", text=text, truncated=truncated)
