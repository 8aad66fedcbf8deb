"""The tasks this process registered on its Huey instance, and when the periodic ones
run next."""

from __future__ import annotations

import inspect
import sys
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta

from tqconsole.errors import InvalidInput
from tqconsole.services.tasks.filter import local_now, utc_to_local


def registry(queue) -> dict[str, type]:
    """Short name -> task class, for the tasks this process registered."""
    return {cls.__name__: cls for cls in queue.huey._registry._registry.values()}  # noqa: SLF001


def full_name(queue, name: str) -> str:
    """``payment_match`` -> ``tqconsole.tasks.payment_match``; full names pass through."""
    if "." in name:
        return name
    cls = registry(queue).get(name)
    if cls is None:
        known = ", ".join(sorted(registry(queue))) or "none"
        raise InvalidInput(f"unknown task {name!r} (registered: {known})")
    return f"{cls.__module__}.{cls.__name__}"


@dataclass
class TaskInfo:
    name: str
    signature: str
    doc: str
    retries: int
    periodic: str = ""
    next_run: datetime | None = None
    site_task: str = ""  # the site's Celery task that does this work (site configured)
    stands_down: str = ""  # why the periodic run does not happen here

    def as_dict(self) -> dict:
        return asdict(self)


def declared_in(cls):
    """The module that declared a registered task: its function, its ``PERIODIC`` table.

    The registry comes with the queue handed down; nothing here imports the tasks."""
    return sys.modules.get(cls.__module__)


def registered_tasks(queue, now: datetime | None = None) -> list[TaskInfo]:
    out = []
    for name, cls in sorted(registry(queue).items()):
        func = getattr(declared_in(cls), name, None)
        signature = str(inspect.signature(func)) if func else ""
        doc = (inspect.getdoc(func) or "").split("\n")[0] if func else ""
        cron = getattr(declared_in(cls), "PERIODIC", {}).get(name)
        info = TaskInfo(name, signature, doc, cls.default_retries)
        info.site_task, info.stands_down = getattr(queue, "site_work", {}).get(name, ("", ""))
        if cron:
            info.periodic = " ".join(cron)
            if not info.stands_down:
                info.next_run = next_run(cls, now or local_now())
        out.append(info)
    return out


def next_run(cls, now: datetime, horizon_minutes: int = 366 * 24 * 60) -> datetime | None:
    """The next minute at which a periodic task's crontab matches (Huey checks in UTC)."""
    utc = now.astimezone(UTC).replace(tzinfo=None, second=0, microsecond=0)
    task = cls()
    for step in range(1, horizon_minutes + 1):
        candidate = utc + timedelta(minutes=step)
        if task.validate_datetime(candidate):
            return utc_to_local(candidate)
    return None
