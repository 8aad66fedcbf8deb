"""The task monitor's reads: consumers, counts and sparklines, the queue's own lists,
the history and one task's detail.

Counts are O(1) on the queue (LLEN/ZCARD/COUNT) plus indexed counts on the
history; lists read only their window (raw messages decoded by
``backends.queue.messages``, never Huey's ``pending()``).  Results are peeked,
never popped, so the console does not steal them from the application.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta

from peewee import fn

from tqconsole.backends.queue.messages import decode, peek_value
from tqconsole.errors import NotFound
from tqconsole.models import ConsumerBeat, TaskRecord
from tqconsole.services.tasks.filter import HistoryFilter, local_now, utc_to_local

FAILED_STATES = ("failed", "timeout", "interrupted")
RUNNING = "executing"
LOST = "lost"
RETRYABLE = (*FAILED_STATES, LOST, "error", "expired", "revoked", "canceled", "locked")
SPARK_MINUTES = 30


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


def task_row(record: TaskRecord, lost_ids: set[str]) -> TaskRow:
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


def not_alive_ids(queue, infos=None) -> set[str]:
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
    lost_ids = not_alive_ids(queue, infos)
    return [task_row(r, lost_ids) for r in query]


def failed(queue, limit: int = 50, offset: int = 0, infos=None) -> list[TaskRow]:
    return history(queue, HistoryFilter(state="failed-set"), limit, offset, infos)


def running(queue, infos=None, now: datetime | None = None) -> list[TaskRow]:
    infos = consumers(queue) if infos is None else infos
    lost_ids = not_alive_ids(queue, infos)
    query = (
        TaskRecord.select(*COLUMNS)
        .where((TaskRecord.queue == queue.name) & (TaskRecord.state == RUNNING))
        .order_by(TaskRecord.started_at)
        .limit(200)
    )
    return _with_limits(queue, [task_row(r, lost_ids) for r in query])


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
    [row] = _with_limits(queue, [task_row(record, not_alive_ids(queue))])
    raw = queue.peek_result(task_id)
    from tqconsole.services.tasks.history_table import parse_timeline

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
    found = next((m for m in queued_messages(queue) if m[0].id == task_id), None)
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


def queued_messages(queue, scan: int = 10_000, batch: int = 500):
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
