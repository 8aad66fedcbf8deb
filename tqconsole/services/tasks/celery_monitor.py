"""The site's Celery as the console shows it: results and beat schedules from the
site's tables, and the actions on them (enable/disable, run now, retry).

Writes go through the database backend (which refuses them in read-only mode)
and the broker backend (which refuses sending, revoking, terminating); the
checks here only make the refusal one clear line before any work is done.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any

from peewee import JOIN

from tqconsole.errors import InvalidInput, NotFound, ReadOnlyError
from tqconsole.models.celery import (
    ClockedSchedule,
    CrontabSchedule,
    IntervalSchedule,
    PeriodicTask,
    PeriodicTasks,
    TaskResult,
)
from tqconsole.services.tasks.celery_crontab import next_run

STATES = ("PENDING", "RECEIVED", "STARTED", "SUCCESS", "FAILURE", "RETRY", "REVOKED")
PERIOD_SECONDS = {"days": 86400, "hours": 3600, "minutes": 60, "seconds": 1, "microseconds": 1e-6}


@dataclass
class ResultRow:
    task_id: str
    task: str
    state: str
    done: datetime
    started: datetime | None
    worker: str
    args: str
    kwargs: str
    result: str
    traceback: str

    def as_dict(self) -> dict:
        return asdict(self)

    @property
    def summary(self) -> str:
        return self.result if self.state == "FAILURE" else self.args or self.result


def open_broker(settings):
    """The site's Celery broker of ``settings`` (``TQ_CELERY_BROKER_URL``)."""
    from tqconsole.backends import celery

    return celery.open(settings)


def _row(r: TaskResult) -> ResultRow:
    return ResultRow(
        task_id=r.task_id,
        task=r.task_name or r.periodic_task_name or "",
        state=r.status,
        done=r.date_done,
        started=r.date_started,
        worker=r.worker or "",
        args=r.task_args or "",
        kwargs=r.task_kwargs or "",
        result=r.result or "",
        traceback=r.traceback or "",
    )


def results(db, state: str = "", task: str = "", limit: int = 50, offset: int = 0):
    """Results newest first, filtered by state (exact, any case) and task name (a part)."""
    query = TaskResult.select().order_by(TaskResult.date_done.desc(), TaskResult.id.desc())
    if state:
        query = query.where(TaskResult.status == state.upper())
    if task:
        query = query.where(
            TaskResult.task_name.contains(task) | TaskResult.periodic_task_name.contains(task)
        )
    return [_row(r) for r in query.offset(max(offset, 0)).limit(max(limit, 0))]


def result(db, task_id: str) -> ResultRow:
    row = TaskResult.get_or_none(TaskResult.task_id == task_id.strip())
    if row is None:
        raise NotFound(f"no Celery result with id {task_id!r}")
    return _row(row)


# --- beat
@dataclass
class BeatRow:
    name: str
    task: str
    kind: str  # interval, crontab, clocked, solar
    schedule: str
    enabled: bool
    one_off: bool
    last_run: datetime | None
    next_run: datetime | None
    runs: int
    args: str
    kwargs: str

    def as_dict(self) -> dict:
        return asdict(self)


def _local(value: datetime | None) -> datetime | None:
    """Naive local time (the console's convention) of an aware or naive-local value."""
    if value is None or value.tzinfo is None:
        return value
    return value.astimezone().replace(tzinfo=None)


def _schedule(t: PeriodicTask, now: datetime) -> tuple[str, str, datetime | None]:
    """(kind, label, next run) of a beat entry; times naive local."""
    since = t.last_run_at or t.start_time or now
    if t.interval_id is not None:
        i = t.interval
        label = f"every {i.every} {i.period}"
        step = timedelta(seconds=i.every * PERIOD_SECONDS.get(i.period, 1))
        return "interval", label, max(since + step, now) if t.last_run_at else now
    if t.crontab_id is not None:
        c = t.crontab
        label = (
            f"{c.minute} {c.hour} {c.day_of_month} {c.month_of_year} {c.day_of_week} ({c.timezone})"
        )
        try:
            at = next_run(
                c.minute,
                c.hour,
                c.day_of_week,
                c.day_of_month,
                c.month_of_year,
                c.timezone,
                since.astimezone(),
            )
        except InvalidInput:
            return "crontab", label, None
        return "crontab", label, _local(at) and max(_local(at), now)
    if t.clocked_id is not None:
        at = t.clocked.clocked_time
        return "clocked", f"once at {at:%Y-%m-%d %H:%M}", None if t.last_run_at else at
    return "solar", "solar event", None


def beat(db, now: datetime | None = None) -> list[BeatRow]:
    now = now or datetime.now()
    query = (
        PeriodicTask.select(PeriodicTask, IntervalSchedule, CrontabSchedule, ClockedSchedule)
        .join_from(PeriodicTask, IntervalSchedule, join_type=JOIN.LEFT_OUTER)
        .join_from(PeriodicTask, CrontabSchedule, join_type=JOIN.LEFT_OUTER)
        .join_from(PeriodicTask, ClockedSchedule, join_type=JOIN.LEFT_OUTER)
        .order_by(PeriodicTask.name)
    )
    rows = []
    for t in query:
        kind, label, nxt = _schedule(t, now)
        rows.append(
            BeatRow(
                t.name,
                t.task,
                kind,
                label,
                t.enabled,
                t.one_off,
                t.last_run_at,
                nxt if t.enabled else None,
                t.total_run_count,
                t.args,
                t.kwargs,
            )
        )
    return rows


def _periodic(name: str) -> PeriodicTask:
    task = PeriodicTask.get_or_none(PeriodicTask.name == name)
    if task is None:
        raise NotFound(f"no beat schedule named {name!r}")
    return task


def set_enabled(db, name: str, enabled: bool) -> bool:
    """Enable or disable a beat entry as the site's admin does: the row and the
    ``PeriodicTasks`` marker that makes the running beat re-read its schedule.
    Returns whether anything changed."""
    if getattr(db, "read_only", False):
        raise ReadOnlyError(
            f"read-only mode: {'enabling' if enabled else 'disabling'} {name} refused"
        )
    from datetime import UTC

    now = datetime.now(UTC)
    with db.atomic():
        task = _periodic(name)
        if task.enabled == enabled:
            return False
        PeriodicTask.update(enabled=enabled, date_changed=now).where(
            PeriodicTask.id == task.id
        ).execute()
        changed = PeriodicTasks.update(last_update=now).where(PeriodicTasks.ident == 1).execute()
        if not changed:
            PeriodicTasks.insert(ident=1, last_update=now).execute()
    return True


def _json_field(text: str | None, what: str, kind: type) -> Any:
    try:
        value = json.loads(text) if text else kind()
    except ValueError:
        raise InvalidInput(f"{what} {text!r} is not JSON") from None
    if isinstance(value, tuple | list) and kind is list:
        return list(value)
    if not isinstance(value, kind):
        raise InvalidInput(f"{what} {text!r} is not a JSON {kind.__name__}")
    return value


def run_beat_now(db, broker, name: str) -> str:
    """Send a beat entry's task with its stored arguments now; returns the task id."""
    broker.check_writable(f"running {name}")
    task = _periodic(name)
    args = _json_field(task.args, "args", list)
    kwargs = _json_field(task.kwargs, "kwargs", dict)
    return broker.send(task.task, args, kwargs)


def retry(db, broker, task_id: str) -> str:
    """Send a finished task again with the name and arguments its result recorded."""
    broker.check_writable("retrying a task")
    row = result(db, task_id)
    if not row.task or not row.args:
        raise InvalidInput(
            f"result {row.task_id} has no recorded task name and arguments "
            "(the site's result_extended setting is off); use `celery run NAME [JSON]`"
        )
    args = _parse_recorded(row.args, list)
    kwargs = _parse_recorded(row.kwargs, dict) if row.kwargs else {}
    return broker.send(row.task, args, kwargs)


def _parse_recorded(text: str, kind: type):
    """django-celery-results stores args as JSON, or as a Python repr (``argsrepr``) —
    read with ``ast.literal_eval``, never ``eval``."""
    import ast

    try:
        value = json.loads(text)
    except ValueError:
        try:
            value = ast.literal_eval(text)
        except (ValueError, SyntaxError, MemoryError, RecursionError):
            raise InvalidInput(f"recorded arguments {text[:80]!r} cannot be read") from None
    if isinstance(value, str):  # stored twice encoded, as the results backend does
        return _parse_recorded(value, kind)
    if kind is list and isinstance(value, tuple | list):
        return list(value)
    if not isinstance(value, kind):
        raise InvalidInput(f"recorded arguments {text[:80]!r} are not a {kind.__name__}")
    return value
