"""``tqconsole init``: create what is missing, alter nothing, report differences.

Drift: when the site migrates, its tables and the console's models part ways.
``drift`` lists the differences (``tqconsole check``); ``live_table`` is what the
browser reads of a table: columns the table lacks are left out with a note,
columns the model lacks are shown read-only, and a create that would leave an
unknown NOT NULL column empty is refused.
"""

from __future__ import annotations

import threading
import weakref
from dataclasses import dataclass, field

import peewee as pw

from tqconsole.models import ALL_MODELS, database, is_console_table
from tqconsole.services.db.audit import audited

SITE_MARKER = "django_migrations"  # a database the site's Django migrated

# Hooks of later features that create what they own (buckets, queue tables…):
# "module:function" taking the Backends and returning a list of lines to report.
INIT_HOOKS: list[str] = [
    "tqconsole.services.storage.buckets:create_buckets",
    "tqconsole.services.cache.table:init_hook",
    "tqconsole.services.mail.template_seed:init_hook",
]


@dataclass
class InitReport:
    created: list[str] = field(default_factory=list)
    existing: list[str] = field(default_factory=list)
    mismatches: list[str] = field(default_factory=list)
    extra: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        out = []
        if self.created:
            out.append(f"created {len(self.created)} tables: {', '.join(self.created)}")
        if self.existing and not self.created:
            out.append(f"all {len(self.existing)} tables exist already; nothing changed")
        elif self.existing:
            out.append(f"{len(self.existing)} tables existed already (left as they are)")
        out.extend(self.mismatches)
        out.extend(self.extra)
        return out


def column_mismatches(db, model) -> list[str]:
    """Columns the model expects that the existing table lacks (never altered)."""
    table = model._meta.table_name
    have = {c.name for c in db.get_columns(table)}
    want = [f.column_name for f in model._meta.sorted_fields]
    missing = [c for c in want if c not in have]
    if missing:
        return [f"{table}: exists without column(s) {', '.join(missing)} — reported, not altered"]
    return []


def init(backends) -> InitReport:
    import importlib

    db = backends.database
    report = InitReport()
    existing = set(db.get_tables())
    missing = [m for m in ALL_MODELS if m._meta.table_name not in existing]
    if SITE_MARKER in existing:  # the site's database: its tables are the site's to migrate
        for model in missing:
            if not is_console_table(model._meta.table_name):
                report.mismatches.append(
                    f"{model._meta.table_name}: missing in the site's database — not created"
                )
        missing = [m for m in missing if is_console_table(m._meta.table_name)]
    for model in ALL_MODELS:
        if model._meta.table_name in existing:
            report.existing.append(model._meta.table_name)
            report.mismatches.extend(column_mismatches(db, model))
    if missing:
        with database.atomic():
            database.create_tables(missing, safe=True)
            report.created = [m._meta.table_name for m in missing]
            with audited("init", "", summary={"created": report.created}):
                pass
        forget_live(db)
    for hook in INIT_HOOKS:
        module, _, name = hook.partition(":")
        report.extra.extend(getattr(importlib.import_module(module), name)(backends))
    return report


# --- drift: the models against the live tables
TYPE_FAMILIES = (
    ("datetime", ("timestamp", "datetime")),
    ("date", ("date",)),
    ("time", ("time",)),
    ("bool", ("bool",)),
    ("decimal", ("numeric", "decimal")),
    ("float", ("double", "real", "float")),
    ("int", ("int", "serial", "auto")),
    ("text", ("char", "text", "clob")),
    ("blob", ("bytea", "blob")),
    ("uuid", ("uuid",)),
)
SAME_FAMILY = {frozenset({"bool", "int"})}  # SQLite stores booleans as integers
FIELD_CLASSES = {
    "datetime": pw.DateTimeField,
    "date": pw.DateField,
    "time": pw.TimeField,
    "bool": pw.BooleanField,
    "decimal": pw.DecimalField,
    "float": pw.FloatField,
    "int": pw.BigIntegerField,
    "blob": pw.BlobField,
    "uuid": pw.UUIDField,
}


def type_family(name: str) -> str:
    lowered = name.lower()
    for family, needles in TYPE_FAMILIES:
        if any(n in lowered for n in needles):
            return family
    return "text"


def field_family(field: pw.Field) -> str:
    while isinstance(field, pw.ForeignKeyField):
        field = field.rel_field
    return type_family(field.field_type)


@dataclass
class Drift:
    """How one modelled table differs from the model: what a screen must step around."""

    table: str
    absent: bool = False  # the table itself is missing
    missing: list[str] = field(default_factory=list)  # model fields the table lacks
    extra: list = field(default_factory=list)  # ColumnMetadata the model lacks
    types: list[str] = field(default_factory=list)  # "column: model int, table text"

    @property
    def required_extra(self) -> list[str]:
        """Extra columns a new row must fill but the console cannot (NOT NULL, no default)."""
        return [c.name for c in self.extra if not c.null and c.default is None]

    def lines(self) -> list[str]:
        if self.absent:
            return [f"{self.table}: table missing in the database"]
        out = [f"{self.table}: missing column {c} (left out)" for c in self.missing]
        out += [
            f"{self.table}: extra column {c.name} {c.data_type} (read-only)" for c in self.extra
        ]
        out += [f"{self.table}: type of {t}" for t in self.types]
        return out


def drift(db, model) -> Drift:
    table = model._meta.table_name
    report = Drift(table)
    if table not in db.get_tables():
        report.absent = True
        return report
    live = {c.name: c for c in db.get_columns(table)}
    known = set()
    for f in model._meta.sorted_fields:
        known.add(f.column_name)
        column = live.get(f.column_name)
        if column is None:
            report.missing.append(f.name)
            continue
        want, have = field_family(f), type_family(column.data_type)
        if want != have and frozenset({want, have}) not in SAME_FAMILY:
            report.types.append(f"{f.column_name}: model {want}, table {column.data_type}")
    report.extra = [c for name, c in live.items() if name not in known]
    return report


def schema_drift(db) -> list[Drift]:
    """Every modelled table that differs from its model (``tqconsole check``)."""
    out = []
    for model in ALL_MODELS:
        report = drift(db, model)
        if report.lines():
            out.append(report)
    return out


@dataclass
class LiveTable:
    """What the console reads and writes of one modelled table in this database."""

    fields: list  # stored fields present in the table, then extra columns, then translations
    writable: list  # the model's fields the table has
    drift: Drift

    def notes(self) -> list[str]:
        return self.drift.lines()


_live: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_live_lock = threading.Lock()


def live_table(model) -> LiveTable:
    """The model as this database has it (cached per database; see ``Drift``)."""
    db = model._meta.database
    db = getattr(db, "obj", db)
    with _live_lock:
        per_db = _live.setdefault(db, {})
        if model not in per_db:
            per_db[model] = build_live(db, model)
        return per_db[model]


def forget_live(db) -> None:
    """Read the tables' columns again next time (after ``init`` or a migration)."""
    with _live_lock:
        _live.pop(getattr(db, "obj", db), None)


def build_live(db, model) -> LiveTable:
    report = drift(db, model)
    absent = set(report.missing)
    writable = [f for f in model._meta.sorted_fields if f.name not in absent]
    extra = []
    for column in report.extra:
        cls = FIELD_CLASSES.get(type_family(column.data_type), pw.TextField)
        extra_field = cls(null=True, column_name=column.name)
        extra_field.bind(model, column.name, set_attribute=False)
        extra.append(extra_field)
    translated = list(getattr(model, "translated", {}).values())
    translation = getattr(model._meta, "translation", None)
    if translation is not None and translation._meta.table_name not in db.get_tables():
        translated = []
    return LiveTable([*writable, *extra, *translated], writable, report)
