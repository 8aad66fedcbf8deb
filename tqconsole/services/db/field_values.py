"""Typed values from the text a user typed, for one model field.

The filter language and the edit form share ``convert``: the same field accepts
the same spellings in both places, and a bad value is an ``InvalidInput`` that
names the field and what it expects.
"""

from __future__ import annotations

import math
import uuid
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation

import peewee as pw

from tqconsole.errors import InvalidInput

TRUE_WORDS = frozenset({"true", "t", "yes", "y", "1", "on"})
FALSE_WORDS = frozenset({"false", "f", "no", "n", "0", "off"})
INT_RANGES = {
    pw.SmallIntegerField: 2**15,
    pw.BigIntegerField: 2**63,
    pw.BigAutoField: 2**63,
}


# Decimal places and digits before the point that PostgreSQL's numeric holds.
DECIMAL_DIGITS = (-16383, 131072)


def target_field(field: pw.Field) -> pw.Field:
    """The field whose type a value must have (a foreign key takes the related key's)."""
    while isinstance(field, pw.ForeignKeyField):
        field = field.rel_field
    return field


def kind(field: pw.Field) -> str:
    """A short name of the value type: text, int, float, decimal, bool, date, datetime, time, uuid."""
    field = target_field(field)
    for cls, name in (
        (pw.BooleanField, "bool"),
        (pw.DecimalField, "decimal"),
        (pw.FloatField, "float"),
        (pw.IntegerField, "int"),
        (pw.AutoField, "int"),
        (pw.DateTimeField, "datetime"),
        (pw.DateField, "date"),
        (pw.TimeField, "time"),
        (pw.UUIDField, "uuid"),
    ):
        if isinstance(field, cls):
            return name
    return "text"


def int_limit(field: pw.Field) -> int:
    field = target_field(field)
    for cls, limit in INT_RANGES.items():
        if isinstance(field, cls):
            return limit
    return 2**31


def convert(field: pw.Field, text: str):
    """``text`` as a value of ``field``'s type, or InvalidInput saying what is expected."""
    name = field.name
    what = kind(field)
    if "\x00" in text:
        raise InvalidInput(f"{name}: a NUL character cannot be stored")
    try:
        if what == "text":
            return text
        value = text.strip()
        if what == "bool":
            if value.lower() in TRUE_WORDS:
                return True
            if value.lower() in FALSE_WORDS:
                return False
            raise ValueError
        if what == "int":
            number = int(value)
            limit = int_limit(field)
            if not -limit <= number < limit:
                raise InvalidInput(f"{name}: {value} is out of range for an integer column")
            return number
        if what == "float":
            number = float(value)
            if not math.isfinite(number):
                raise ValueError
            return number
        if what == "decimal":
            number = Decimal(value)
            if not number.is_finite():
                raise ValueError
            lowest, highest = DECIMAL_DIGITS
            if number.as_tuple().exponent < lowest or number.adjusted() >= highest:
                raise InvalidInput(f"{name}: {value} is out of range for a decimal column")
            return number
        if what == "datetime":
            return datetime.fromisoformat(value)
        if what == "date":
            return date.fromisoformat(value)
        if what == "time":
            return time.fromisoformat(value)
        if what == "uuid":
            return uuid.UUID(value)
    except (ValueError, InvalidOperation, OverflowError):
        pass
    examples = {
        "bool": "true or false",
        "int": "a whole number",
        "float": "a number",
        "decimal": "a decimal number like 20.50",
        "datetime": "a date and time like 2026-03-01 18:30",
        "date": "a date like 2026-03-01",
        "time": "a time like 18:30",
        "uuid": "a UUID",
    }
    raise InvalidInput(f"{name}: {text!r} is not {examples[what]}")


def check_decimal(field: pw.DecimalField, value: Decimal) -> str | None:
    """Why ``value`` does not fit the column's digits, or None."""
    _, digits, exponent = value.as_tuple()
    places = max(0, -exponent)
    whole = len(digits) + exponent
    if field.decimal_places is not None and places > field.decimal_places:
        return f"at most {field.decimal_places} decimal places"
    digits_allowed = (field.max_digits or 0) - (field.decimal_places or 0)
    if field.max_digits is not None and whole > digits_allowed:
        return f"at most {digits_allowed} digits before the point"
    return None


def display(value) -> str | None:
    """A value as text for a table cell (None stays None).

    The exact text: exports, the edit form and copies use it too; whatever draws
    it on a terminal shows its control characters (``tqconsole.visible_text``).
    """
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.isoformat(" ", timespec="seconds")
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, bytes | memoryview):
        return f"<{len(value)} bytes>"
    return str(value)
