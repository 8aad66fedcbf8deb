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
import logging
import multiprocessing
import os
import socket
import threading
import time
import traceback
from datetime import datetime

from huey import signals as S
from peewee import fn

from tqconsole.models import TaskRecord, database
from tqconsole.services.tasks.history_table import (
    ARGS,
    BLANK_RECORD,
    CONSUMER,
    DURATION,
    ENQUEUED_AT,
    ERROR,
    FINISHED_AT,
    HOST,
    MESSAGE,
    MINUTE,
    NAME,
    PID,
    QUEUE,
    RETRIES,
    STARTED_AT,
    STATE,
    TASK_ID,
    TIMELINE,
    TRACEBACK,
    UPDATED_AT,
    WORKER,
    prune,
    stamp,
    timeline_line,
    write,
)

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
