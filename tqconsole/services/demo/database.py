"""``tqconsole demo``: deterministic, realistic data for trying the console.

A fixed seed and dates anchored on the current semester make every run with the
same ``today`` produce the same rows.  Rows are inserted in bulk with explicit
ids (offset past any existing ones), so scale 100 (~1.5 M rows) loads in about a
minute on PostgreSQL.  A second run finds the audit marker and adds nothing.
"""

from __future__ import annotations

import importlib
import random
from dataclasses import dataclass, field
from datetime import date

from tqconsole.errors import ConsoleError
from tqconsole.models import ALL_MODELS, AuditEntry, Course, User
from tqconsole.services.db.audit import audited
from tqconsole.services.demo.builder import SEED, DemoBuilder, reset_sequences

# Later features add their own demo content (cache entries, bucket files, …):
# part -> "module:function" called with (backends, scale, rng), returning report lines.
# Each part's generator is seeded by its name, so moving a module keeps its data.
DEMO_HOOKS: dict[str, str] = {
    "buckets": "tqconsole.services.demo.buckets:fill",
    "cache": "tqconsole.services.demo.cache:fill",
    "mail": "tqconsole.services.demo.mail:fill",
    "tasks": "tqconsole.tasks.demo:fill",
}


@dataclass
class DemoReport:
    counts: dict[str, int] = field(default_factory=dict)
    extra: list[str] = field(default_factory=list)
    skipped: str = ""

    def lines(self) -> list[str]:
        if self.skipped:
            return [self.skipped]
        total = sum(self.counts.values())
        out = [f"inserted {total:,} rows"]
        out += [f"  {table}: {n:,}" for table, n in self.counts.items()]
        return out + self.extra


def demo_marker() -> AuditEntry | None:
    return AuditEntry.select().where(AuditEntry.action == "demo").first()


def load_demo(
    backends, scale: int = 1, today: date | None = None, force: bool = False
) -> DemoReport:
    if scale < 1:
        raise ConsoleError("--scale must be 1 or more")
    today = today or date.today()
    marker = demo_marker()
    if marker is not None:
        return DemoReport(skipped=f"demo data is already loaded ({marker.summary}); nothing added")
    if not force and (User.select().exists() or Course.select().exists()):
        raise ConsoleError(
            "the database already holds data that the demo did not write; "
            "refusing to mix demo rows into it (use --force to add them anyway)"
        )
    rng = random.Random(SEED)
    builder = DemoBuilder(scale, today, rng)
    with audited("demo", "", summary={"scale": scale}) as write:
        counts = builder.build()
        reset_sequences(ALL_MODELS)
        write.summary = {"scale": scale, "rows": sum(counts.values())}
    report = DemoReport(counts=counts)
    for part, hook in DEMO_HOOKS.items():
        # a generator of its own, so what one part makes never depends on the others
        module, _, name = hook.partition(":")
        fill = getattr(importlib.import_module(module), name)
        report.extra.extend(fill(backends, scale, random.Random(f"{SEED}:{part}")))
    return report
