"""How commands print: aligned plain tables, one JSON document, confirmations.

Whatever a command writes to stdout or stderr passes through ``VisibleStream``
(installed by ``visible_output`` around the whole command line): a control
character from data never reaches the terminal raw, whichever print wrote it.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, TextIO

from tqconsole.errors import ConsoleError
from tqconsole.visible_text import json_text, one_line, visible


class VisibleStream:
    """A text stream that shows the control characters of what is written (newlines
    and tabs kept); every other attribute is the wrapped stream's."""

    def __init__(self, raw: TextIO) -> None:
        self.raw = raw

    def write(self, text: str) -> int:
        self.raw.write(visible(text, keep="\n\t"))
        return len(text)

    def writelines(self, lines: Iterable[str]) -> None:
        for line in lines:
            self.write(line)

    def __getattr__(self, name: str):
        return getattr(self.raw, name)


@contextlib.contextmanager
def visible_output() -> Iterator[None]:
    """stdout and stderr through ``VisibleStream`` while the block runs."""
    saved = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = VisibleStream(sys.stdout), VisibleStream(sys.stderr)
    try:
        yield
    finally:
        sys.stdout, sys.stderr = saved


def status_line(text: str) -> None:
    """Redraw the one status line on stderr (a terminal): ``text``, then clear the rest."""
    raw = getattr(sys.stderr, "raw", sys.stderr)
    raw.write(f"\r{visible(text)}\033[K")
    raw.flush()


def add_json_flag(parser) -> None:
    parser.add_argument("--json", action="store_true", help="print one JSON document")


def print_json(data: Any) -> None:
    sys.stdout.write(json_text(data, indent=2, default=str) + "\n")


def cell(value: Any, width: int = 60) -> str:
    text = one_line("" if value is None else str(value))
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
    # input() writes its prompt to the terminal itself, past VisibleStream
    answer = input(f"{visible(question)} [y/N] ").strip().lower()
    if answer not in ("y", "yes"):
        raise ConsoleError("cancelled")
