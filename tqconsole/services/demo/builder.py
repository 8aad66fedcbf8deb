"""The demo database builder: rows inserted in bulk with explicit ids, section by section."""

from __future__ import annotations

import random
from datetime import date, datetime, time

from tqconsole.models import database
from tqconsole.services.demo.courses import add_courses, add_lessons
from tqconsole.services.demo.events import add_events
from tqconsole.services.demo.payments import (
    add_payments,
    add_payrexx_and_course_payments,
    add_vouchers_and_reductions,
)
from tqconsole.services.demo.people import add_people
from tqconsole.services.demo.reference import add_reference_data
from tqconsole.services.demo.subscriptions import add_subscriptions

SEED = 20_040_101


def bulk_insert(model, rows: list[dict], counts: dict[str, int]) -> None:
    """Insert ``rows`` (dicts by field name) through the backend's bulk loader.

    Fields a row leaves out get the model's default, as the site's columns have
    none in the database.
    """
    if not rows:
        return
    names = list(rows[0])
    defaults = {
        f.name: f.default
        for f in model._meta.sorted_fields
        if f.name not in rows[0] and f.default is not None
    }
    fields = [model._meta.fields[name] for name in (*names, *defaults)]
    columns = [f.column_name for f in fields]

    def values(row):
        out = [row[n] for n in names]
        out += [d() if callable(d) else d for d in defaults.values()]
        return [f.db_value(v) for f, v in zip(fields, out, strict=True)]

    database.obj.bulk_insert(model._meta.table_name, columns, (values(row) for row in rows))
    counts[model._meta.table_name] = counts.get(model._meta.table_name, 0) + len(rows)


def next_id(model) -> int:
    from peewee import fn

    pk = model._meta.primary_key
    return (model.select(fn.MAX(pk)).scalar() or 0) + 1


def reset_sequences(models) -> None:
    """After explicit ids, move PostgreSQL's sequences past them (SQLite needs nothing)."""
    db = database.obj
    if getattr(db, "vendor", "") != "postgresql":
        return
    for model in models:
        table = model._meta.table_name
        pk = model._meta.primary_key
        if getattr(pk, "field_type", "") != "AUTO":
            continue
        db.execute_sql(
            "SELECT setval(pg_get_serial_sequence(%s, %s), "
            f"COALESCE((SELECT MAX({db.quote_name(pk.column_name)}) "
            f"FROM {db.quote_name(table)}), 0) + 1, false)",
            (db.quote_name(table), pk.column_name),
        )


class DemoBuilder:
    def __init__(self, scale: int, today: date, rng: random.Random):
        self.scale = scale
        self.today = today
        self.now = datetime.combine(today, time(9))
        self.rng = rng
        self.counts: dict[str, int] = {}

    def ids(self, model, n: int) -> list[int]:
        first = next_id(model)
        return list(range(first, first + n))

    def build(self) -> dict[str, int]:
        add_reference_data(self)
        add_people(self)
        add_courses(self)
        add_subscriptions(self)
        add_payments(self)
        add_vouchers_and_reductions(self)
        add_events(self)
        # a generator of its own: the rows above stay what they were before lessons existed
        add_lessons(self, random.Random(f"{SEED}:lessons"))
        add_payrexx_and_course_payments(self, random.Random(f"{SEED}:payrexx"))
        return self.counts

    def translate(self, model, master_ids: list[int], values: list[dict]) -> None:
        """Translation rows (de and en) of ``master_ids``: ``values`` maps field → {lang: text}."""
        rows = []
        for master, fields in zip(master_ids, values, strict=True):
            for code in ("de", "en"):
                rows.append(
                    {"master": master, "language_code": code}
                    | {name: texts[code] for name, texts in fields.items()}
                )
        self.insert(model, rows)

    def insert(self, model, rows: list[dict], ids_given: bool = False) -> list[int]:
        """Insert rows with explicit ids (unless given) and return the ids."""
        if not ids_given and model._meta.primary_key.name == "id":
            first = next_id(model)
            for i, row in enumerate(rows):
                row["id"] = first + i
        bulk_insert(model, rows, self.counts)
        return [row.get("id") for row in rows]
