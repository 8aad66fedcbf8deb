"""The task monitor's reads and actions: what the tasks screen and ``tqconsole tasks`` share.

Counts are O(1) on the queue (LLEN/ZCARD/COUNT) plus indexed counts on the
history; lists read only their window (raw messages decoded by
``backends.queue.messages``, never Huey's ``pending()``).  Results are peeked,
never popped, so the console does not steal them from the application.
"""

from __future__ import annotations

import inspect
import json
import re
import sys
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta

from peewee import fn

from tqconsole.backends.queue.messages import decode, encode, peek_value
from tqconsole.errors import InvalidInput, NotFound
from tqconsole.models import ConsumerBeat, TaskRecord
from tqconsole.services.audit import audited, note

FAILED_STATES = ("failed", "timeout", "interrupted")
RUNNING = "executing"
LOST = "lost"
RETRYABLE = (*FAILED_STATES, LOST, "error", "expired", "revoked", "canceled", "locked")
SPARK_MINUTES = 30


def local_now() -> datetime:
    return datetime.now()


def utc_to_local(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone().replace(tzinfo=None)


# --- consumers
@dataclass
class ConsumerInfo:
    consumer_id: str
    host: str
    pid: int
    workers: int
    worker_type: str
    started_at: datetime
    beat_at: datetime
    interval: float
    tasks_done: int
    alive: bool
    stopped: bool
    lost: int = 0

    @property
    def label(self) -> str:
        return f"{self.host}:{self.pid}"

    @property
    def status(self) -> str:
        return "alive" if self.alive else "stopped" if self.stopped else "DEAD"

    def as_dict(self) -> dict:
        data = asdict(self)
        data["status"] = self.status
        return data


def consumers(queue, now: datetime | None = None, limit: int = 20) -> list[ConsumerInfo]:
    """Consumers seen in the last day, alive first; dead = no heartbeat for two intervals."""
    now = now or local_now()
    rows = (
        ConsumerBeat.select()
        .where(
            (ConsumerBeat.queue == queue.name) & (ConsumerBeat.beat_at > now - timedelta(days=1))
        )
        .order_by(ConsumerBeat.beat_at.desc())
        .limit(limit)
    )
    result = []
    for row in rows:
        stopped = row.stopped_at is not None
        alive = not stopped and row.beat_at + timedelta(seconds=2 * row.interval) > now
        result.append(
            ConsumerInfo(
                row.consumer_id,
                row.host,
                row.pid,
                row.workers,
                row.worker_type,
                row.started_at,
                row.beat_at,
                row.interval,
                row.tasks_done,
                alive,
                stopped,
            )
        )
    lost = dict(
        TaskRecord.select(TaskRecord.consumer, fn.COUNT(TaskRecord.task_id))
        .where(
            (TaskRecord.queue == queue.name)
            & (TaskRecord.state == RUNNING)
            & TaskRecord.consumer.in_([c.consumer_id for c in result if not c.alive])
        )
        .group_by(TaskRecord.consumer)
        .tuples()
    )
    for c in result:
        c.lost = lost.get(c.consumer_id, 0)
    result.sort(key=lambda c: (not c.alive, c.stopped))
    return result


def alive_ids(infos: list[ConsumerInfo]) -> list[str]:
    return [c.consumer_id for c in infos if c.alive]


def lost_condition(alive: list[str]):
    """Executing on a consumer that is not alive (a consumer id of "" is unknown: not lost)."""
    return (
        (TaskRecord.state == RUNNING)
        & TaskRecord.consumer.is_null(False)
        & (TaskRecord.consumer != "")
        & TaskRecord.consumer.not_in(alive or [""])
    )


# --- counts and sparklines
@dataclass
class Counts:
    pending: int
    scheduled: int
    running: int
    failed: int
    lost: int
    done_per_minute: int

    def as_dict(self) -> dict:
        return asdict(self)


def counts(queue, infos: list[ConsumerInfo] | None = None, now: datetime | None = None) -> Counts:
    now = now or local_now()
    infos = consumers(queue, now) if infos is None else infos
    mine = TaskRecord.queue == queue.name
    lost_q = mine & lost_condition(alive_ids(infos))
    lost = TaskRecord.select().where(lost_q).count()
    executing = TaskRecord.select().where(mine & (TaskRecord.state == RUNNING)).count()
    failed = TaskRecord.select().where(mine & TaskRecord.state.in_(FAILED_STATES)).count()
    done = (
        TaskRecord.select()
        .where(
            mine
            & (TaskRecord.updated_at >= now - timedelta(seconds=60))
            & (TaskRecord.state == "complete")
        )
        .count()
    )
    return Counts(
        pending=queue.pending_count(),
        scheduled=queue.scheduled_count(),
        running=executing - lost,
        failed=failed + lost,
        lost=lost,
        done_per_minute=done,
    )


def throughput(queue, minutes: int = SPARK_MINUTES, now: datetime | None = None):
    """(completed, failed) per minute for the last ``minutes`` minutes, oldest first."""
    now = now or local_now()
    now_minute = int(now.timestamp() // 60)
    first = now_minute - minutes + 1
    done, errors = [0] * minutes, [0] * minutes
    rows = (
        TaskRecord.select(TaskRecord.minute, TaskRecord.state, fn.COUNT(TaskRecord.task_id))
        .where(
            (TaskRecord.queue == queue.name)
            & (TaskRecord.updated_at >= now - timedelta(minutes=minutes))
            & (TaskRecord.minute >= first)
        )
        .group_by(TaskRecord.minute, TaskRecord.state)
        .tuples()
    )
    for minute, state, n in rows:
        slot = minute - first
        if 0 <= slot < minutes:
            if state == "complete":
                done[slot] += n
            elif state != RUNNING:
                errors[slot] += n
    return done, errors


def dashboard_figures(queue) -> list[tuple[str, str]]:
    infos = consumers(queue)
    alive = sum(1 for c in infos if c.alive)
    dead = sum(1 for c in infos if not c.alive and not c.stopped)
    since = local_now() - timedelta(hours=1)
    failed_hour = (
        TaskRecord.select()
        .where(
            (TaskRecord.queue == queue.name)
            & TaskRecord.state.in_(FAILED_STATES)
            & (TaskRecord.updated_at >= since)
        )
        .count()
    )
    consumers_text = f"{alive} alive" + (f", {dead} DEAD" if dead else "")
    if not infos and queue.embedded:
        consumers_text = "none (the TUI runs one in-process)"
    return [
        ("consumers", consumers_text),
        ("pending", f"{queue.pending_count():,}"),
        ("failed last hour", f"{failed_hour:,}"),
    ]


# --- the queue's own lists
@dataclass
class QueueItem:
    position: int
    task_id: str
    name: str
    args: str
    eta: datetime | None  # local time
    due: bool
    revoked: bool
    retries: int
    priority: int | None
    problem: str
    size: int

    def as_dict(self) -> dict:
        return asdict(self)


def _items(queue, raws: list[bytes], offset: int, etas=None) -> list[QueueItem]:
    decoded = [decode(raw) for raw in raws]
    revoked = queue.revoked_ids([d.id for d in decoded if d.id])
    names_revoked = queue.revoked_names(sorted({d.name for d in decoded if d.name}))
    utc_now = datetime.now(UTC).replace(tzinfo=None)
    items = []
    for i, d in enumerate(decoded):
        eta = d.eta or (etas[i] if etas else None)
        items.append(
            QueueItem(
                position=offset + i + 1,
                task_id=d.id,
                name=d.label,
                args=d.args_text(),
                eta=utc_to_local(eta),
                due=d.is_due(utc_now) if d.eta else True,
                revoked=d.id in revoked or d.name in names_revoked,
                retries=d.retries,
                priority=d.priority,
                problem=d.problem,
                size=d.size,
            )
        )
    return items


def pending_page(queue, offset: int = 0, limit: int = 50) -> list[QueueItem]:
    return _items(queue, queue.pending_window(offset, limit), offset)


def scheduled_page(queue, offset: int = 0, limit: int = 50) -> list[QueueItem]:
    window = queue.scheduled_window(offset, limit)
    etas = [datetime.fromtimestamp(item.eta) if item.eta else None for item in window]
    return _items(queue, [item.data for item in window], offset, etas)


# --- the history
@dataclass
class HistoryFilter:
    name: str = ""
    state: str = ""
    text: str = ""
    since: datetime | None = None
    until: datetime | None = None


DURATION_RE = re.compile(r"^(\d+(?:\.\d+)?)([smhd])$")
UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_time(text: str, now: datetime | None = None) -> datetime:
    """``30m``, ``2h``, ``1d`` ago, or an ISO date/time."""
    text = text.strip()
    match = DURATION_RE.match(text)
    if match:
        return (now or local_now()) - timedelta(seconds=float(match[1]) * UNITS[match[2]])
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        raise InvalidInput(
            f"{text!r} is not a time (use 30m, 2h, 1d or 2026-11-21T10:00)"
        ) from None


def parse_filter(text: str, now: datetime | None = None) -> HistoryFilter:
    """``name:payment state:failed since:2h until:… words`` (words search args and errors)."""
    flt = HistoryFilter()
    words = []
    for token in text.split():
        key, sep, value = token.partition(":")
        if sep and key in ("name", "state") and value:
            setattr(flt, key, value)
        elif sep and key in ("since", "until") and value:
            setattr(flt, key, parse_time(value, now))
        else:
            words.append(token)
    flt.text = " ".join(words)
    return flt


@dataclass
class TaskRow:
    task_id: str
    name: str
    state: str
    updated_at: datetime
    enqueued_at: datetime | None
    started_at: datetime | None
    finished_at: datetime | None
    duration: float | None
    consumer: str
    host: str
    pid: int | None
    worker: str
    retries: int | None
    args: str
    error: str
    limit: float | None = None  # the task's declared time limit, seconds

    @property
    def short_name(self) -> str:
        return self.name.rsplit(".", 1)[-1]

    def over_limit(self, now: datetime) -> str:
        """``running 12m, over its 5m limit`` for a task still running past its limit."""
        if self.state != RUNNING or not self.limit or self.started_at is None:
            return ""
        elapsed = (now - self.started_at).total_seconds()
        if elapsed <= self.limit:
            return ""
        return f"running {span_text(elapsed)}, over its {span_text(self.limit)} limit"

    def limit_text(self, now: datetime) -> str:
        if not self.limit:
            return ""
        over = self.over_limit(now)
        return f"{span_text(self.limit)} ({over})" if over else span_text(self.limit)

    def as_dict(self) -> dict:
        return asdict(self)


def _row(record: TaskRecord, lost_ids: set[str]) -> TaskRow:
    state = record.state
    if state == RUNNING and record.consumer and record.consumer in lost_ids:
        state = LOST
    return TaskRow(
        task_id=record.task_id,
        name=record.name,
        state=state,
        updated_at=record.updated_at,
        enqueued_at=record.enqueued_at,
        started_at=record.started_at,
        finished_at=record.finished_at,
        duration=record.duration,
        consumer=record.consumer or "",
        host=record.host or "",
        pid=record.pid,
        worker=record.worker or "",
        retries=record.retries,
        args=record.args or "",
        error=record.error or "",
    )


def span_text(seconds: float) -> str:
    """``45s``, ``12m``, ``3h``: a duration to a glance's precision."""
    seconds = max(0, int(seconds))
    if seconds < 120:
        return f"{seconds}s"
    if seconds < 7200:
        return f"{seconds // 60}m"
    return f"{seconds // 3600}h"


def time_limits(queue) -> dict[str, float]:
    """Registry name -> declared time limit (seconds) of the tasks this process registered."""
    registered = queue.huey._registry._registry.items()  # noqa: SLF001
    return {name: cls.default_timeout for name, cls in registered if cls.default_timeout}


def _with_limits(queue, rows: list[TaskRow]) -> list[TaskRow]:
    limits = time_limits(queue)
    for row in rows:
        row.limit = limits.get(row.name)
    return rows


def _not_alive_ids(queue, infos=None) -> set[str]:
    infos = consumers(queue) if infos is None else infos
    alive = set(alive_ids(infos))
    rows = (
        TaskRecord.select(TaskRecord.consumer)
        .where((TaskRecord.queue == queue.name) & (TaskRecord.state == RUNNING))
        .distinct()
        .tuples()
    )
    return {c for (c,) in rows if c and c not in alive}


COLUMNS = (
    TaskRecord.task_id,
    TaskRecord.name,
    TaskRecord.state,
    TaskRecord.updated_at,
    TaskRecord.enqueued_at,
    TaskRecord.started_at,
    TaskRecord.finished_at,
    TaskRecord.duration,
    TaskRecord.consumer,
    TaskRecord.host,
    TaskRecord.pid,
    TaskRecord.worker,
    TaskRecord.retries,
    TaskRecord.args,
    TaskRecord.error,
)


def history(
    queue, flt: HistoryFilter | None = None, limit: int = 50, offset: int = 0, infos=None
) -> list[TaskRow]:
    """Tasks newest first, each with its current state (``lost`` when its consumer died)."""
    flt = flt or HistoryFilter()
    infos = consumers(queue) if infos is None else infos
    alive = alive_ids(infos)
    where = TaskRecord.queue == queue.name
    if flt.name:
        where &= TaskRecord.name.contains(flt.name)
    state = flt.state.lower()
    if state == LOST:
        where &= lost_condition(alive)
    elif state in ("failed-set", "failures"):
        where &= TaskRecord.state.in_(FAILED_STATES) | lost_condition(alive)
    elif state in ("running", RUNNING):
        where &= (TaskRecord.state == RUNNING) & ~lost_condition(alive)
    elif state:
        where &= TaskRecord.state == state
    if flt.text:
        where &= TaskRecord.args.contains(flt.text) | TaskRecord.error.contains(flt.text)
    if flt.since:
        where &= TaskRecord.updated_at >= flt.since
    if flt.until:
        where &= TaskRecord.updated_at <= flt.until
    query = (
        TaskRecord.select(*COLUMNS)
        .where(where)
        .order_by(TaskRecord.updated_at.desc(), TaskRecord.task_id)
        .limit(limit)
        .offset(offset)
    )
    lost_ids = _not_alive_ids(queue, infos)
    return [_row(r, lost_ids) for r in query]


def failed(queue, limit: int = 50, offset: int = 0, infos=None) -> list[TaskRow]:
    return history(queue, HistoryFilter(state="failed-set"), limit, offset, infos)


def running(queue, infos=None, now: datetime | None = None) -> list[TaskRow]:
    infos = consumers(queue) if infos is None else infos
    lost_ids = _not_alive_ids(queue, infos)
    query = (
        TaskRecord.select(*COLUMNS)
        .where((TaskRecord.queue == queue.name) & (TaskRecord.state == RUNNING))
        .order_by(TaskRecord.started_at)
        .limit(200)
    )
    return _with_limits(queue, [_row(r, lost_ids) for r in query])


@dataclass
class TaskDetail:
    row: TaskRow
    traceback: str
    result: str | None
    events: list[dict] = field(default_factory=list)
    retryable: bool = False

    def as_dict(self) -> dict:
        data = self.row.as_dict()
        data.update(traceback=self.traceback, result=self.result, events=self.events)
        data["retryable"] = self.retryable
        return data


def detail(queue, task_id: str) -> TaskDetail:
    record = TaskRecord.get_or_none(
        (TaskRecord.task_id == task_id) & (TaskRecord.queue == queue.name)
    )
    if record is None:
        return _queued_detail(queue, task_id)
    [row] = _with_limits(queue, [_row(record, _not_alive_ids(queue))])
    raw = queue.peek_result(task_id)
    from tqconsole.services.task_recorder import parse_timeline

    events = parse_timeline(record.timeline)
    return TaskDetail(
        row=row,
        traceback=record.traceback or "",
        result=None if raw is None else peek_value(raw),
        events=events,
        retryable=record.message is not None and row.state in RETRYABLE,
    )


def _queued_detail(queue, task_id: str) -> TaskDetail:
    """A task with no history row (enqueued by another program, or pruned): from its message."""
    found = next((m for m in _queued_messages(queue) if m[0].id == task_id), None)
    if found is None:
        raise NotFound(
            f"no task {task_id!r} in queue {queue.name!r} (pending, scheduled or history)"
        )
    decoded, state, eta = found
    when = utc_to_local(decoded.eta) or eta
    row = TaskRow(
        task_id=task_id,
        name=decoded.name or decoded.label,
        state=state if when is None else f"{state} for {when:%Y-%m-%d %H:%M:%S}",
        updated_at=local_now(),
        enqueued_at=None,
        started_at=None,
        finished_at=None,
        duration=None,
        consumer="",
        host="",
        pid=None,
        worker="",
        retries=decoded.retries,
        args=decoded.args_text(),
        error=decoded.problem,
    )
    note = "in the queue, no history entry"
    event = {"at": local_now(), "event": note, "where": "", "duration": None, "error": ""}
    return TaskDetail(row=row, traceback="", result=None, events=[event])


def _queued_messages(queue, scan: int = 10_000, batch: int = 500):
    """(decoded message, "pending" or "scheduled", local ETA) of the first ``scan`` of each."""
    for state, window in (("pending", queue.pending_window), ("scheduled", queue.scheduled_window)):
        for offset in range(0, scan, batch):
            items = window(offset, batch)
            for item in items:
                eta = getattr(item, "eta", None)
                eta = datetime.fromtimestamp(eta) if eta else None
                yield decode(getattr(item, "data", item)), state, eta
            if len(items) < batch:
                break


# --- registered and periodic tasks
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
        if cron:
            info.periodic = " ".join(cron)
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


# --- actions
def enqueue(queue, name: str, arguments: str = "") -> str:
    """Enqueue a registered task; ``arguments`` is JSON: a list (args) or an object (kwargs)."""
    cls = registry(queue).get(name.rsplit(".", 1)[-1])
    if cls is None:
        known = ", ".join(sorted(registry(queue))) or "none"
        raise InvalidInput(f"unknown task {name!r} (registered: {known})")
    args, kwargs = parse_arguments(arguments)
    func = getattr(declared_in(cls), cls.__name__, None)
    if func is not None:
        try:
            inspect.signature(func).bind(*args, **kwargs)
        except TypeError as exc:
            raise InvalidInput(f"{cls.__name__}{inspect.signature(func)}: {exc}") from None
    queue.check_writable(f"enqueueing {cls.__name__}")
    task = cls(tuple(args), kwargs)
    try:
        with queue.guard():
            queue.huey.enqueue(task)
    except Exception:
        queue.recorder.discard(task.id)  # the ENQUEUED signal came before the failure
        raise
    note("task_enqueue", "queue", task.id, {"task": cls.__name__, "args": arguments})
    return task.id


def parse_arguments(text: str) -> tuple[list, dict]:
    text = (text or "").strip()
    if not text:
        return [], {}
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidInput(f"bad JSON arguments: {exc.msg} at column {exc.colno}") from None
    if isinstance(value, list):
        return value, {}
    if isinstance(value, dict):
        return [], value
    return [value], {}


def _record(queue, task_id: str) -> TaskRecord:
    record = TaskRecord.get_or_none(
        (TaskRecord.task_id == task_id) & (TaskRecord.queue == queue.name)
    )
    if record is None:
        raise NotFound(f"no task {task_id!r} in the history of queue {queue.name!r}")
    return record


def _update(task_id: str, event: str, now: datetime, **values) -> None:
    """Change a task row and append the console's own event to its timeline."""
    from tqconsole.services.task_recorder import stamp, timeline_line

    line = timeline_line(stamp(now.timestamp()), event, "console")
    TaskRecord.update(
        updated_at=now, timeline=fn.COALESCE(TaskRecord.timeline, "").concat(line), **values
    ).where(TaskRecord.task_id == task_id).execute()


def retry(queue, task_id: str) -> str:
    """Enqueue a failed (or lost) task again, as it was: same id, args and declared retries."""
    record = _record(queue, task_id)
    row = _row(record, _not_alive_ids(queue))
    if row.state not in RETRYABLE:
        raise InvalidInput(
            f"task {task_id} is {row.state}: only finished or lost tasks are retried"
        )
    if record.message is None:
        raise InvalidInput(f"task {task_id} has no stored message to retry")
    queue.check_writable("retrying a task")
    decoded = decode(bytes(record.message))
    if decoded.problem:
        raise InvalidInput(f"task {task_id}: stored message is {decoded.problem}")
    cls = registry(queue).get(decoded.short_name)
    retries = cls.default_retries if cls is not None else decoded.retries
    try:
        data = encode(decoded.message, retries=max(retries, decoded.retries), eta=None)
    except ValueError as exc:
        raise InvalidInput(f"task {task_id}: {exc}") from None
    now = local_now()
    with audited("task_retry", TaskRecord._meta.table_name, task_id, {"task": record.name}):
        queue.enqueue_raw(data, decoded.priority)
        _update(task_id, "retried", now, state="enqueued", enqueued_at=now)
    return task_id


def retry_all_failed(queue, progress=None, should_stop=None) -> int:
    """Retry every task of the failed set; ``progress(done, total)``, stop when ``should_stop()``."""
    ids = [r.task_id for r in failed(queue, limit=100_000)]
    retried = 0
    for i, task_id in enumerate(ids):
        if should_stop is not None and should_stop():
            break
        try:
            retry(queue, task_id)
            retried += 1
        except InvalidInput:
            pass
        if progress is not None:
            progress(i + 1, len(ids))
    return retried


def delete_failed(queue, task_id: str) -> None:
    """Drop a failure from the failed set (its history stays, its message goes)."""
    record = _record(queue, task_id)
    row = _row(record, _not_alive_ids(queue))
    if row.state not in (*FAILED_STATES, LOST):
        raise InvalidInput(f"task {task_id} is {row.state}, not in the failed set")
    now = local_now()
    with audited("task_dismiss", TaskRecord._meta.table_name, task_id, {"task": record.name}):
        _update(task_id, "dismissed", now, state="dismissed", message=None)


def resolve_id(queue, text: str, scan: int = 10_000) -> str:
    """The full id of the task ``text`` names: whole, or its first characters as listed.

    Looked up in the history, then among the first ``scan`` pending and scheduled
    messages; an id that names no task (a typo) is NotFound, never a silent no-op.
    """
    text = text.strip()
    if not text:
        raise InvalidInput("give a task id")
    ids = [
        r.task_id
        for r in TaskRecord.select(TaskRecord.task_id)
        .where((TaskRecord.queue == queue.name) & TaskRecord.task_id.startswith(text))
        .limit(2)
    ]
    if text not in ids:
        for decoded, _, _ in _queued_messages(queue, scan):
            found = decoded.id
            if found and found.startswith(text) and found not in ids:
                ids.append(found)
            if text in ids or len(ids) > 1:
                break
    if text in ids:
        return text
    if len(ids) > 1:
        raise InvalidInput(f"task id {text!r} is ambiguous ({', '.join(ids[:2])}, …): give more")
    if not ids:
        raise NotFound(f"no task {text!r} in queue {queue.name!r} (pending, scheduled or history)")
    return ids[0]


def revoke(queue, task_id: str) -> None:
    queue.revoke_id(task_id)
    note("task_revoke", "queue", task_id)


def restore(queue, task_id: str) -> bool:
    restored = queue.restore_id(task_id)
    note("task_restore", "queue", task_id)
    return restored


def revoke_name(queue, name: str) -> str:
    full = full_name(queue, name)
    queue.revoke_name(full)
    note("task_revoke_all", "queue", full)
    return full


def restore_name(queue, name: str) -> str:
    full = full_name(queue, name)
    queue.restore_name(full)
    note("task_restore_all", "queue", full)
    return full


def run_now(queue, task_id: str, scan: int = 10_000) -> None:
    """Move a scheduled task to the front of its due time: onto the queue now."""
    queue.check_writable("running a scheduled task now")
    for offset in range(0, scan, 500):
        window = queue.scheduled_window(offset, 500)
        for item in window:
            decoded = decode(item.data)
            if decoded.id != task_id:
                continue
            if decoded.problem:
                raise InvalidInput(f"task {task_id}: {decoded.problem}")
            try:
                data = encode(decoded.message, eta=None)
            except ValueError as exc:
                raise InvalidInput(f"task {task_id}: {exc}") from None
            if queue.remove_scheduled(item.data):
                queue.enqueue_raw(data, decoded.priority)
                note("task_run_now", "queue", task_id)
            return
        if len(window) < 500:
            break
    raise NotFound(f"task {task_id} is not scheduled")


def flush(queue) -> int:
    count = queue.flush_queue()
    note("task_flush", "queue", queue.name, {"pending": count})
    return count


# --- one refresh of the monitor


@dataclass
class Snapshot:
    counts: Counts
    consumers: list[ConsumerInfo]
    done: list[int]
    errors: list[int]
    view: str
    rows: list = field(default_factory=list)


def snapshot(
    queue, view: str = "pending", offset: int = 0, limit: int = 50, flt: HistoryFilter | None = None
) -> Snapshot:
    """Everything one refresh of the monitor shows: counts, consumers, sparklines, one list."""
    now = local_now()
    infos = consumers(queue, now)
    done, errors = throughput(queue, now=now)
    if view == "pending":
        rows = pending_page(queue, offset, limit)
    elif view == "scheduled":
        rows = scheduled_page(queue, offset, limit)
    elif view == "running":
        rows = running(queue, infos, now)
    elif view == "failed":
        rows = failed(queue, limit, offset, infos)
    elif view == "history":
        rows = history(queue, flt, limit, offset, infos)
    else:
        rows = registered_tasks(queue, now)
    return Snapshot(counts(queue, infos, now), infos, done, errors, view, rows)
