"""The task history table (``tqconsole_task``): its row layout, the batched upsert,
pruning, and the text of its timeline column.

Written by the recorder in producers and consumers; every thread of ours that
talks to the database holds ``FORK_LOCK``.
"""

from __future__ import annotations

import itertools
import operator
import os
import sqlite3
import threading
from datetime import datetime, timedelta

from tqconsole.models import ConsumerBeat, TaskRecord, database


class ForkLock:
    """Held by every thread of ours that talks to the database while the process may
    fork process workers: a fork while another thread is inside SQLite or peewee's
    connection lock leaves the child waiting forever on that lock.

    A process that never forks workers (thread workers, the TUI, the CLI) takes no
    lock at all: ``forks`` is set by a consumer of process workers before it starts,
    so no thread can end up waiting on another's database call through it.  The
    child gets a fresh lock (the fork itself happened while holding this one).
    """

    def __init__(self):
        self.forks = False
        self._lock = threading.Lock()
        self._taken = threading.local()
        os.register_at_fork(after_in_child=self._reset)

    def _reset(self) -> None:
        self._lock = threading.Lock()
        self._taken = threading.local()

    def __enter__(self):
        self._taken.held = self.forks  # per thread: ``forks`` may be set meanwhile
        if self._taken.held:
            self._lock.acquire()
        return self

    def __exit__(self, *exc) -> None:
        if self._taken.held:
            self._lock.release()


FORK_LOCK = ForkLock()


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
