"""The task history recorder: Huey signals → ``tqconsole_task`` (state and timeline).

A signal handler runs inside the worker, so it only appends a tuple to a deque;
a writer thread turns the buffer into rows every ``flush_interval`` seconds (or
when ``flush_max`` events wait) in one transaction; under load (``busy_events``
or more per flush) it waits ``busy_interval`` instead, as one big transaction
costs the database far less per row than several small ones (each rewrites
the task id index pages it touches).  Each task row is upserted so that events
from the producer (enqueued) and the consumer (executing, complete, …) land in
the same row whatever order they are written in; every event is appended to
the row's timeline.  Rows older than ``keep_days`` or
beyond ``keep_count`` tasks are pruned once a minute.
Like ``huey.contrib.stats`` (which this follows), but with host, pid, worker,
traceback, the task's message (for retry), and both age and count retention.
"""

from __future__ import annotations

import atexit
import collections
import itertools
import logging
import multiprocessing
import operator
import os
import socket
import sqlite3
import threading
import time
import traceback
from datetime import datetime, timedelta

from huey import signals as S
from peewee import fn

from tqconsole.models import ConsumerBeat, TaskRecord, database

logger = logging.getLogger("tqconsole.tasks")
logger.addHandler(logging.NullHandler())

# The state a task row takes on each signal.
FAILED = "failed"
STATES = {
    S.SIGNAL_ENQUEUED: "enqueued",
    S.SIGNAL_SCHEDULED: "scheduled",
    S.SIGNAL_EXECUTING: "executing",
    S.SIGNAL_COMPLETE: "complete",
    S.SIGNAL_ERROR: "error",  # "failed" when no retry is left
    S.SIGNAL_RETRYING: "retrying",
    S.SIGNAL_REVOKED: "revoked",
    S.SIGNAL_EXPIRED: "expired",
    S.SIGNAL_LOCKED: "locked",
    S.SIGNAL_CANCELED: "canceled",
    S.SIGNAL_INTERRUPTED: "interrupted",
    S.SIGNAL_TIMEOUT: "timeout",
    S.SIGNAL_RATE_LIMITED: "rate-limited",
}
# Signals after which the task no longer runs here (it may be requeued).
FINISHED = frozenset(STATES) - {S.SIGNAL_ENQUEUED, S.SIGNAL_SCHEDULED, S.SIGNAL_EXECUTING}
DONE_SIGNALS = frozenset({S.SIGNAL_COMPLETE, S.SIGNAL_ERROR, S.SIGNAL_TIMEOUT})
PRUNE_EVERY = 60.0


class ForkLock:
    """Held by every thread of ours that talks to the database, and by the consumer
    while it forks process workers: a fork while another thread is inside SQLite
    or peewee's connection lock leaves the child waiting forever on that lock.
    The child gets a fresh lock (the fork itself happened while holding this one).
    """

    def __init__(self):
        self._lock = threading.Lock()
        os.register_at_fork(after_in_child=self._reset)

    def _reset(self) -> None:
        self._lock = threading.Lock()

    def __enter__(self):
        self._lock.acquire()
        return self

    def __exit__(self, *exc) -> None:
        self._lock.release()


FORK_LOCK = ForkLock()


def task_name(task) -> str:
    cls = type(task)
    return f"{cls.__module__}.{cls.__name__}"


def args_text(task, width: int = 500) -> str:
    if not task.args and not task.kwargs:
        return ""
    try:
        parts = [repr(a) for a in task.args] + [f"{k}={v!r}" for k, v in task.kwargs.items()]
    except Exception:
        return "<unrepresentable>"
    text = ", ".join(parts)
    return text if len(text) <= width else text[: width - 1] + "…"


def error_line(exc: BaseException | None) -> str | None:
    if exc is None:
        return None
    text = str(exc).strip().splitlines()
    first = text[0] if text else ""
    return f"{type(exc).__name__}: {first}"[:500] if first else type(exc).__name__


def worker_name() -> str:
    name = threading.current_thread().name
    return multiprocessing.current_process().name if name == "MainThread" else name


class TaskRecorder:
    def __init__(
        self,
        huey,
        flush_interval: float = 0.5,
        busy_interval: float = 2.0,
        busy_events: int = 1000,
        flush_max: int = 10_000,
        keep_days: float = 14,
        keep_count: int = 100_000,
    ):
        self.huey = huey
        self.queue = huey.name
        self.consumer_id = ""  # set by the consumer this process runs, if any
        self.flush_interval = flush_interval
        self.busy_interval = busy_interval
        self.busy_events = busy_events
        self._interval = flush_interval
        self.flush_max = flush_max
        self.keep_days = keep_days
        self.keep_count = keep_count
        self.host = socket.gethostname()[:100]
        self.dropped = 0
        self._done = multiprocessing.Value("q", 0, lock=False)  # shared with forked workers
        self._buffer: collections.deque = collections.deque()
        self._started: dict[str, float] = {}
        self._flush_lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._writer: threading.Thread | None = None
        self._prune_at = 0.0

    @property
    def tasks_done(self) -> int:
        return int(self._done.value)

    def install(self) -> TaskRecorder:
        self.huey.signal()(self.on_signal)
        # Forked workers leave through os._exit: flush on the worker's shutdown hook.
        self.huey.on_shutdown("tqconsole_history_flush")(self.flush)
        os.register_at_fork(after_in_child=self._after_fork)
        atexit.register(self.close)
        self._start_writer()
        return self

    def uninstall(self) -> None:
        self.huey.disconnect_signal(self.on_signal)
        self.huey.unregister_on_shutdown("tqconsole_history_flush")
        self.close()

    # --- in the worker: as little as possible
    def on_signal(self, signal, task, exc=None):
        if signal in DONE_SIGNALS:
            self._done.value += 1
        buffer = self._buffer
        buffer.append((time.time(), signal, task, exc, worker_name(), task.retries))
        if len(buffer) >= self.flush_max and not self._wake.is_set():
            self._wake.set()

    # --- in the writer thread
    def _start_writer(self) -> None:
        self._writer = threading.Thread(
            target=self._write_loop, name="tqconsole-history", daemon=True
        )
        self._writer.start()

    def _after_fork(self) -> None:
        if self._stop.is_set():
            return
        self._buffer = collections.deque()
        self._started = {}
        self._flush_lock = threading.Lock()
        self._wake = threading.Event()
        db = database.obj
        if db is not None:
            db._state.reset()  # the parent's connection is not ours
            db._lock = threading.Lock()
        self._start_writer()

    def _write_loop(self) -> None:
        while not self._stop.is_set():
            self._wake.wait(self._interval)
            self._wake.clear()
            self.flush()
        try:
            database.close()
        except Exception:
            pass

    def flush(self) -> None:
        with self._flush_lock:
            buffer = self._buffer
            batch = [buffer.popleft() for _ in range(len(buffer))]
            busy = len(batch) >= self.busy_events
            self._interval = self.busy_interval if busy else self.flush_interval
            if not batch:
                return
            started = dict(self._started)
            records = self.rows(batch)
            self.keep_messages(records)
            try:
                write(list(records.values()))
            except Exception as exc:
                self._keep(batch, started, exc)
                return
            self._maybe_prune()

    def _keep(self, batch: list, started: dict, exc: Exception) -> None:
        """Put events that could not be written back in front, for the next flush.

        The database may be down for a while: at most ``flush_max`` × 10 events
        wait (the oldest are dropped beyond that, and counted).
        """
        self._started = started | self._started
        self._buffer.extendleft(reversed(batch))
        excess = len(self._buffer) - self.flush_max * 10
        for _ in range(max(excess, 0)):
            self._buffer.popleft()
        self.dropped += max(excess, 0)
        self._interval = self.busy_interval
        logger.warning("task history: %s events wait for the database (%s)", len(batch), exc)

    def discard(self, task_id: str) -> None:
        """Forget buffered events of a task whose enqueue failed."""
        with self._flush_lock:
            kept = [event for event in self._buffer if event[2].id != task_id]
            self._buffer.clear()
            self._buffer.extend(kept)

    def keep_messages(self, records: dict[str, list]) -> None:
        """Store the message of tasks that may need a retry (anything not completed).

        Serialized here rather than in the worker, and only when needed; the
        ``message`` column holds the task object until then.  The retries left
        are those of the EXECUTING signal (a retry resets them to the declared
        default anyway).
        """
        for record in records.values():
            task = record[MESSAGE]
            if task is None:
                continue
            record[MESSAGE] = None
            if record[STATE] != "complete":
                try:
                    record[MESSAGE] = self.huey.serialize_task(task)
                except Exception:
                    pass

    def rows(self, batch) -> dict[str, list]:
        """One merged row per task (TaskRecord's columns, in order), its events in ``timeline``.

        Plain lists indexed by column, filled in place: the writer holds the GIL
        the workers need for as short a time as possible.
        """
        records: dict[str, list] = {}
        started = self._started
        pid, queue, host, consumer = os.getpid(), self.queue, self.host, self.consumer_id
        where = f"{host}:{pid}"
        for ts, signal, task, exc, worker, retries in batch:
            at = stamp(ts)
            task_id = task.id
            record = records.get(task_id)
            if record is None:
                record = records[task_id] = BLANK_RECORD.copy()
                record[TASK_ID], record[QUEUE], record[NAME] = task_id, queue, task_name(task)
                record[TIMELINE] = ""
            state = STATES.get(signal, signal)
            if signal == S.SIGNAL_ERROR and not retries:
                state = FAILED
            record[STATE], record[UPDATED_AT], record[RETRIES] = state, at, retries
            worker = worker[:40]
            duration = error = None
            if signal == S.SIGNAL_EXECUTING:
                started[task_id] = ts
                record[STARTED_AT], record[CONSUMER], record[HOST] = at, consumer, host
                record[PID], record[WORKER], record[ARGS] = pid, worker, args_text(task)
                record[MESSAGE] = task
            elif signal in FINISHED:
                begun = started.pop(task_id, None)
                if begun is not None:
                    duration = ts - begun
                record[FINISHED_AT], record[MINUTE], record[DURATION] = at, int(ts // 60), duration
            elif signal == S.SIGNAL_ENQUEUED:
                record[ENQUEUED_AT], record[ARGS] = at, args_text(task)
            if exc is not None:
                error = record[ERROR] = error_line(exc)
                record[TRACEBACK] = "".join(
                    traceback.format_exception(type(exc), exc, exc.__traceback__)
                )[-20_000:]
            record[TIMELINE] += timeline_line(at, signal, where, worker, duration, error)
        return records

    def _maybe_prune(self) -> None:
        now = time.time()
        if now < self._prune_at:
            return
        self._prune_at = now + PRUNE_EVERY
        try:
            prune(self.queue, self.keep_days, self.keep_count)
        except Exception as exc:
            logger.warning("task history: pruning failed (%s)", exc)

    def close(self) -> None:
        if self._stop.is_set():
            return
        self._stop.set()
        self._wake.set()
        if self._writer is not None and self._writer is not threading.current_thread():
            self._writer.join(timeout=5)
        self.flush()


RECORD_COLUMNS = tuple(f.column_name for f in TaskRecord._meta.sorted_fields)
BLANK_RECORD = [None] * len(RECORD_COLUMNS)
(
    TASK_ID,
    QUEUE,
    NAME,
    STATE,
    UPDATED_AT,
    ENQUEUED_AT,
    STARTED_AT,
    FINISHED_AT,
    MINUTE,
    DURATION,
    CONSUMER,
    HOST,
    PID,
    WORKER,
    RETRIES,
    ARGS,
    ERROR,
    TRACEBACK,
    MESSAGE,
    TIMELINE,
) = (
    RECORD_COLUMNS.index(column)
    for column in (
        "task_id",
        "queue",
        "name",
        "state",
        "updated_at",
        "enqueued_at",
        "started_at",
        "finished_at",
        "minute",
        "duration",
        "consumer",
        "host",
        "pid",
        "worker",
        "retries",
        "args",
        "error",
        "traceback",
        "message",
        "timeline",
    )
)
BY_TASK_ID = operator.itemgetter(TASK_ID)
# Rows per INSERT: 256 × 20 parameters stays far below SQLite's (32,766; 999
# before 3.32) and PostgreSQL's (65,535) limits; a remainder goes in
# power-of-two statements so that every statement text is reused (prepared
# statement caches).
CHUNK = 256 if sqlite3.sqlite_version_info >= (3, 32) else 32
_STATEMENTS: dict[tuple[int, int], str] = {}


_second: tuple[int, str] = (0, "")


def stamp(ts: float) -> str:
    """A timestamp as the databases store it (local time, microseconds), cheaply."""
    global _second
    whole = int(ts)
    if _second[0] != whole:
        _second = (whole, datetime.fromtimestamp(whole).strftime("%Y-%m-%d %H:%M:%S."))
    return _second[1] + str(int((ts - whole) * 1e6)).zfill(6)


def timeline_line(at, event, where="", worker="", duration=None, error=None) -> str:
    took = f"{duration:.6f}" if duration is not None else ""
    error = (error or "").replace("\t", " ")
    return f"{at}\t{event}\t{where}\t{worker}\t{took}\t{error}\n"


def parse_timeline(text: str | None) -> list[dict]:
    """The events of a timeline column, oldest first."""
    events = []
    for line in (text or "").splitlines():
        parts = (line.split("\t") + [""] * 6)[:6]
        at, event, where, worker, took, error = parts
        try:
            when = datetime.fromisoformat(at)
        except ValueError:
            continue
        events.append(
            {
                "at": when,
                "event": event,
                "where": f"{where} {worker}".strip(),
                "duration": float(took) if took else None,
                "error": error,
            }
        )
    events.sort(key=lambda e: e["at"])
    return events


def statements(db, rows: int = 1) -> str:
    """The upsert of ``rows`` task rows in this database's dialect.

    Raw SQL with one multi-row VALUES: building peewee queries per row cost
    the workers a third of their throughput, and ``executemany`` steps (and
    takes the GIL back) once per row.  The newer state wins, every value
    already known is kept, and the timeline is appended (ON CONFLICT: SQLite
    and PostgreSQL).
    """
    key = (id(db), rows)
    if key not in _STATEMENTS:
        q, p = db.quote_name, db.param
        table = q(TaskRecord._meta.table_name)
        newer = f"excluded.{q('updated_at')} >= {table}.{q('updated_at')}"
        sets = []
        for col in RECORD_COLUMNS:
            c = q(col)
            if col in ("task_id", "queue", "name"):
                continue
            if col in ("state", "updated_at"):
                sets.append(f"{c} = CASE WHEN {newer} THEN excluded.{c} ELSE {table}.{c} END")
            elif col == "timeline":
                sets.append(f"{c} = COALESCE({table}.{c}, '') || COALESCE(excluded.{c}, '')")
            else:
                sets.append(f"{c} = COALESCE(excluded.{c}, {table}.{c})")
        values = f"({', '.join([p] * len(RECORD_COLUMNS))})"
        _STATEMENTS[key] = (
            f"INSERT INTO {table} ({', '.join(q(c) for c in RECORD_COLUMNS)}) "
            f"VALUES {', '.join([values] * rows)} "
            f"ON CONFLICT ({q('task_id')}) DO UPDATE SET {', '.join(sets)}"
        )
    return _STATEMENTS[key]


def chunks(count: int):
    """Statement sizes for ``count`` rows: CHUNK at a time, then powers of two."""
    full, rest = divmod(count, CHUNK)
    yield from [CHUNK] * full
    size = CHUNK // 2
    while rest:
        if rest >= size:
            yield size
            rest -= size
        size //= 2


def write(records: list[list]) -> None:
    """Upsert task rows in one transaction, in task id order (no deadlocks between writers)."""
    db = database.obj
    rows = sorted(records, key=BY_TASK_ID)
    start = 0
    with FORK_LOCK, database.atomic():
        cursor = db.cursor()
        for size in chunks(len(rows)):
            params = list(itertools.chain.from_iterable(rows[start : start + size]))
            cursor.execute(statements(db, size), params)
            start += size


def prune(queue: str, keep_days: float, keep_count: int) -> None:
    """Drop task rows (and consumers' heartbeats) older than ``keep_days``, then beyond ``keep_count``."""
    cutoff = datetime.now() - timedelta(days=keep_days)
    with FORK_LOCK, database.atomic():
        ConsumerBeat.delete().where(
            (ConsumerBeat.queue == queue) & (ConsumerBeat.beat_at < cutoff)
        ).execute()
        TaskRecord.delete().where(
            (TaskRecord.queue == queue)
            & (TaskRecord.updated_at < cutoff)
            & (TaskRecord.state != "executing")
        ).execute()
        newest = TaskRecord.select(TaskRecord.updated_at).order_by(TaskRecord.updated_at.desc())
        # All queues' rows first: that walk reads the index alone, this queue's reads the rows.
        if newest.offset(keep_count).limit(1).scalar() is None:
            return
        edge = newest.where(TaskRecord.queue == queue).offset(keep_count).limit(1).scalar()
        if edge is not None:
            TaskRecord.delete().where(
                (TaskRecord.queue == queue)
                & (TaskRecord.updated_at <= edge)
                & (TaskRecord.state != "executing")
            ).execute()


def mark_interrupted(consumer_id: str) -> int:
    """Rows a stopped consumer left "executing" become "interrupted"; returns how many."""
    now = time.time()
    line = timeline_line(stamp(now), "interrupted", "consumer stopped")
    return (
        TaskRecord.update(
            state=STATES[S.SIGNAL_INTERRUPTED],
            updated_at=datetime.fromtimestamp(now),
            finished_at=datetime.fromtimestamp(now),
            timeline=fn.COALESCE(TaskRecord.timeline, "").concat(line),
        )
        .where((TaskRecord.consumer == consumer_id) & (TaskRecord.state == "executing"))
        .execute()
    )
