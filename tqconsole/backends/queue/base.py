"""What every queue backend offers on top of its Huey instance.

Huey's own ``pending()`` unpickles every message and needs the task modules;
the monitor instead reads raw messages a window at a time (``pending_window``,
``scheduled_window``) and decodes them with ``messages.decode`` — no import, no
code run.  Writes (enqueue, revoke, flush) are refused in read-only mode by the
storage itself, so nothing above can get around it.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass

from tqconsole.backends.guarded import Guarded
from tqconsole.errors import ReadOnlyError

# Storage methods that change the queue or its key/value store.
WRITE_METHODS = (
    "enqueue",
    "dequeue",
    "add_to_schedule",
    "read_schedule",
    "put_data",
    "put_if_empty",
    "pop_data",
    "delete_data",
    "incr",
    "delete_counter",
    "flush_queue",
    "flush_schedule",
    "flush_results",
    "flush_counters",
    "flush_all",
)


def read_only_storage(storage_class: type) -> type:
    """A subclass of ``storage_class`` whose writes raise ReadOnlyError."""

    def refuse(name):
        def method(self, *args, **kwargs):
            raise ReadOnlyError(f"read-only mode: queue {name.replace('_', ' ')} refused")

        return method

    attrs = {name: refuse(name) for name in WRITE_METHODS}
    return type(f"ReadOnly{storage_class.__name__}", (storage_class,), attrs)


logger = logging.getLogger("tqconsole.consumer")
logger.addHandler(logging.NullHandler())
SETTLE_MAX_DELAY = 2.0


class SettlingHuey:
    """Huey whose bookkeeping after a task ran waits out an outage of its storage.

    Once a task has begun, Huey clears its revoke flag, stores its result and
    requeues a retry; if the storage is unreachable there, Huey gives up before
    the COMPLETE (or RETRYING) signal, so the history kept the task "executing"
    and later "lost", and a retry ran finished work again.  In a worker these
    writes are retried until the storage is back (or the consumer stops), then
    the task ends as it did.  ``stopping`` is set by the consumer.
    """

    unavailable_errors: tuple[type[BaseException], ...] = ()
    stopping = staticmethod(lambda: False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._settling = threading.local()

    def _execute(self, task, timestamp):
        self._settling.task = task
        try:
            return super()._execute(task, timestamp)
        finally:
            self._settling.task = None

    def _settled(self, write, *args):
        task = getattr(self._settling, "task", None)
        delay = 0.05
        while True:
            try:
                return write(*args)
            except self.unavailable_errors as exc:
                if task is None or self.stopping():
                    raise
                logger.warning("task %s ran; queue unreachable, retrying (%s)", task.id, exc)
                time.sleep(delay)
                delay = min(delay * 2, SETTLE_MAX_DELAY)

    def delete(self, key):
        return self._settled(super().delete, key)

    def put_result(self, key, data):
        return self._settled(super().put_result, key, data)

    def enqueue(self, task):
        return self._settled(super().enqueue, task)

    def add_schedule(self, task):
        return self._settled(super().add_schedule, task)


class PeriodOnceHuey:
    """Huey whose periodic tasks are enqueued once per minute, however many consumers run.

    Every consumer's scheduler checks the periodic tasks once a minute; the
    first to take the minute's key (an atomic set-if-absent in the queue's
    storage) enqueues them, the others skip.  The winner also drops the key of
    the task's previous run, so keys do not pile up.
    """

    unavailable_errors: tuple[type[BaseException], ...] = ()

    def period_key(self, task, timestamp) -> str:
        return f"{self.name}.periodic.{task.name}.{timestamp:%Y-%m-%dT%H:%M}"

    def read_periodic(self, timestamp):
        if timestamp is None:
            timestamp = self._get_timestamp()
        due = super().read_periodic(timestamp)
        try:
            return [task for task in due if self._take_period(task, timestamp)]
        except self.unavailable_errors as exc:
            logger.warning("periodic tasks not enqueued: queue unreachable (%s)", exc)
            return []

    def _take_period(self, task, timestamp) -> bool:
        key = self.period_key(task, timestamp)
        if not self.put_if_empty(key, "1"):
            logger.info("periodic task %s: another consumer enqueued it this minute", task.name)
            return False
        last = f"{self.name}.periodic.{task.name}"
        previous = self.get(last, peek=True)
        if previous and previous != key:
            self.delete(previous)
        self.put(last, key)
        return True


def console_huey(huey_class: type, errors: tuple[type[BaseException], ...]) -> type:
    """``huey_class`` with SettlingHuey's waits on ``errors`` and PeriodOnceHuey's lock."""
    attrs = {"unavailable_errors": errors}
    bases = (SettlingHuey, PeriodOnceHuey, huey_class)
    return type(f"Console{huey_class.__name__}", bases, attrs)


def huey_version() -> str:
    import huey

    return huey.__version__


@dataclass
class ScheduledItem:
    data: bytes
    eta: float | None  # epoch seconds


class QueueBackend(Guarded):
    """A Huey instance (``self.huey``) and raw reads of its storage."""

    label = "queue"
    scheme = ""
    unavailable_errors: tuple[type[BaseException], ...] = ()
    recorder = None  # the history recorder, set by tqconsole.tasks.bind

    def __init__(self, huey, url: str, read_only: bool = False):
        self.huey = huey
        self.url = url
        self.read_only = read_only
        self.on_close: list = []

    @property
    def name(self) -> str:
        return self.huey.name

    @property
    def storage(self):
        return self.huey.storage

    @property
    def embedded(self) -> bool:
        """True when no separate consumer process is expected (the TUI runs one)."""
        return self.scheme in ("sqlite", "memory")

    # --- reads
    def ping(self) -> None:
        with self.guard():
            self.storage.queue_size()

    def version_string(self) -> str:
        raise NotImplementedError

    def pending_count(self) -> int:
        with self.guard():
            return self.storage.queue_size()

    def scheduled_count(self) -> int:
        with self.guard():
            return self.storage.schedule_size()

    def pending_window(self, offset: int, limit: int) -> list[bytes]:
        """Raw messages ``offset``…``offset+limit`` in dequeue order."""
        raise NotImplementedError

    def scheduled_window(self, offset: int, limit: int) -> list[ScheduledItem]:
        """Raw scheduled messages by ETA."""
        raise NotImplementedError

    def peek_result(self, task_id: str):
        """The raw stored result of a task, or None — never popped."""
        from huey.constants import EmptyData

        with self.guard():
            data = self.storage.peek_data(task_id)
        return None if data is EmptyData else data

    def revoked_ids(self, task_ids: list[str]) -> set[str]:
        if not task_ids:
            return set()
        with self.guard():
            found = self.storage.peek_many([f"r:{t}" for t in task_ids])
        return {key[2:] for key in found}

    def revoked_names(self, names: list[str]) -> set[str]:
        if not names:
            return set()
        with self.guard():
            found = self.storage.peek_many([f"rt:{n}" for n in names])
        return {key[3:] for key in found}

    # --- writes (refused by the storage in read-only mode)
    def enqueue_raw(self, data: bytes, priority=None) -> None:
        with self.guard():
            self.storage.enqueue(data, priority if self.storage.priority else None)

    def remove_scheduled(self, data: bytes) -> bool:
        raise NotImplementedError

    def revoke_id(self, task_id: str) -> None:
        with self.guard():
            self.huey.revoke_by_id(task_id)

    def restore_id(self, task_id: str) -> bool:
        with self.guard():
            return bool(self.huey.restore_by_id(task_id))

    def revoke_name(self, name: str) -> None:
        """Revoke every task of ``name`` (the registry string ``module.function``)."""
        with self.guard():
            self.huey.put(f"rt:{name}", (None, False))

    def restore_name(self, name: str) -> bool:
        with self.guard():
            return bool(self.huey.delete(f"rt:{name}"))

    def flush_queue(self) -> int:
        with self.guard():
            count = self.storage.queue_size()
            self.storage.flush_queue()
        return count

    def close(self) -> None:
        for callback in self.on_close:
            try:
                callback()
            except Exception:  # closing is best effort
                pass
        self.on_close.clear()
        try:
            self.storage.close()
        except Exception:
            pass
