"""``tqconsole init``: create what is missing, alter nothing, report differences."""

from __future__ import annotations

from dataclasses import dataclass, field

from tqconsole.models import ALL_MODELS, database
from tqconsole.services.audit import audited

# Hooks of later features that create what they own (buckets, queue tables…):
# "module:function" taking the Backends and returning a list of lines to report.
INIT_HOOKS: list[str] = [
    "tqconsole.services.buckets:create_buckets",
    "tqconsole.services.cache_table:init_hook",
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
    for hook in INIT_HOOKS:
        module, _, name = hook.partition(":")
        report.extra.extend(getattr(importlib.import_module(module), name)(backends))
    return report
