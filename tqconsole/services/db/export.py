"""Streaming a table view to CSV or JSON: page by page, in constant memory.

``export(query, out, fmt)`` writes every row of a TableQuery (its filter and
sort) with the full cell values; ``progress(done, total)`` is called after each
page and may return False to stop.  ``course_participants`` writes the accepted
subscriptions of one course for the course admins.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import IO

from peewee import JOIN

from tqconsole.errors import ConsoleError, InvalidInput
from tqconsole.services.db.field_values import display
from tqconsole.visible_text import json_text

FORMATS = ("csv", "json")
EXISTS = "export exists:"  # starts the refusal to replace a file, for callers that ask
Progress = Callable[[int, int], bool | None]


def format_for(path: str, fmt: str | None = None) -> str:
    fmt = (fmt or path.rsplit(".", 1)[-1]).lower()
    if fmt not in FORMATS:
        raise InvalidInput(f"unknown export format {fmt!r} (csv or json)")
    return fmt


def json_value(value):
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes | memoryview):
        return bytes(value).hex()
    return value


class Cancelled(ConsoleError):
    pass


def export(query, out: IO[str], fmt: str, total: int = 0, progress: Progress | None = None) -> int:
    """Write every row of ``query`` to ``out``; returns the number of rows written."""
    headers = [f.column_name for f in query.fields]
    width = len(headers)
    written = 0
    writer = csv.writer(out) if fmt == "csv" else None
    if writer:
        writer.writerow(headers)
    else:
        out.write("[")
    for page in query.iter_pages():
        for row in page:
            values = row[:width]
            if writer:
                writer.writerow(["" if v is None else display(v) for v in values])
            else:
                out.write(",\n " if written else "\n ")
                record = {h: json_value(v) for h, v in zip(headers, values, strict=True)}
                out.write(json_text(record, default=str))
            written += 1
        if progress is not None and progress(written, max(total, written)) is False:
            raise Cancelled(f"export cancelled after {written:,} rows")
    if not writer:
        out.write("\n]\n" if written else "]\n")
    return written


def export_to_file(
    data_dir: Path,
    name: str,
    query,
    total: int = 0,
    progress: Progress | None = None,
    overwrite: bool = False,
) -> tuple[Path, int]:
    """Write the view into ``<data dir>/exports/`` (an absolute ``name`` is kept as given);
    returns the path and the rows written. An existing file raises InvalidInput starting
    with ``EXISTS`` unless ``overwrite``; a cancelled or failed export leaves no file."""
    path = Path(name).expanduser()
    if not path.is_absolute():
        path = Path(data_dir) / "exports" / path
    fmt = format_for(path.name)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with open(path, "w" if overwrite else "x", newline="", encoding="utf-8") as out:
            return path, export(query, out, fmt, total, progress)
    except FileExistsError:  # only open() raises it: the file is not ours to remove
        raise InvalidInput(f"{EXISTS} {path}") from None
    except BaseException:
        path.unlink(missing_ok=True)
        raise


def course_participants(course_id: int, out: IO[str]) -> int:
    """CSV of the accepted (confirmed, paid, completed) participants of a course."""
    from tqconsole.models import Course, Subscribe, User
    from tqconsole.models.choices import SubscribeState

    course = Course.get_or_none(Course.id == course_id)
    if course is None:
        raise InvalidInput(f"no course with id {course_id}")
    partner = User.alias()
    rows = (
        Subscribe.select(
            User.first_name,
            User.last_name,
            User.email,
            Subscribe.usi,
            Subscribe.state,
            partner.first_name,
            partner.last_name,
            Subscribe.price_to_pay,
            Subscribe.paymentmethod,
        )
        .join(User, on=Subscribe.user == User.id)
        .switch(Subscribe)
        .join(partner, JOIN.LEFT_OUTER, on=Subscribe.partner == partner.id)
        .where(Subscribe.course == course_id, Subscribe.state.in_(SubscribeState.ACCEPTED))
        .order_by(User.last_name, User.first_name, Subscribe.id)
        .tuples()
    )
    writer = csv.writer(out)
    writer.writerow(
        ["first_name", "last_name", "email", "usi", "state", "partner", "price", "paymentmethod"]
    )
    n = 0
    for first, last, email, usi, state, p_first, p_last, price, method in rows.iterator():
        partner_name = f"{p_first or ''} {p_last or ''}".strip()
        writer.writerow([first, last, email, usi, state, partner_name, price, method or ""])
        n += 1
    return n
