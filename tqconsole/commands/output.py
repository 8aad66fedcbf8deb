"""How commands print: aligned plain tables, one JSON document, confirmations."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from tqconsole.errors import ConsoleError


def add_json_flag(parser) -> None:
    parser.add_argument("--json", action="store_true", help="print one JSON document")


def print_json(data: Any) -> None:
    json.dump(data, sys.stdout, indent=2, default=str, ensure_ascii=False)
    sys.stdout.write("\n")


def cell(value: Any, width: int = 60) -> str:
    text = "" if value is None else str(value)
    text = text.replace("\n", "⏎").replace("\t", " ")
    return text if len(text) <= width else text[: width - 1] + "…"


def print_table(rows: Iterable[Sequence[Any]], headers: Sequence[str]) -> None:
    rows = [
        [cell(v, 60 if i < len(headers) - 1 else 400) for i, v in enumerate(row)] for row in rows
    ]
    widths = [len(h) for h in headers]
    for row in rows:
        widths = [max(w, len(v)) for w, v in zip(widths, row, strict=False)]
    line = "  ".join(h.upper().ljust(w) for h, w in zip(headers, widths, strict=False))
    print(line.rstrip())
    for row in rows:
        print("  ".join(v.ljust(w) for v, w in zip(row, widths, strict=False)).rstrip())


def print_result(as_json: bool, data: Any, text: str) -> None:
    """A command's result: ``data`` as JSON with ``--json``, else the line ``text``."""
    if as_json:
        print_json(data)
    else:
        print(text)


def print_records(
    as_json: bool,
    records: Iterable[Any],
    headers: Sequence[str],
    row: Callable[[Any], Sequence[Any]],
    as_dict: Callable[[Any], Any] = lambda record: record.as_dict(),
) -> None:
    """A listing: ``as_dict`` of each record as one JSON list with ``--json``, else a
    table of ``row`` of each under ``headers``."""
    if as_json:
        print_json([as_dict(r) for r in records])
    else:
        print_table((row(r) for r in records), headers)


def confirm(question: str, yes: bool) -> None:
    """Ask on a terminal; without one, refuse unless ``--yes`` was given."""
    if yes:
        return
    if not sys.stdin.isatty():
        raise ConsoleError(f"{question} — not a terminal: pass --yes to confirm")
    answer = input(f"{question} [y/N] ").strip().lower()
    if answer not in ("y", "yes"):
        raise ConsoleError("cancelled")
