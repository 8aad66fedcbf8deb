"""Running a consumer: Huey's Consumer plus the heartbeat that tells the monitor it lives.

``ConsoleConsumer.run()`` is what ``tqconsole consumer`` runs in its main thread
(Huey's signal handling: SIGINT finishes running tasks, SIGTERM interrupts them).
``tasks.embedded.embedded_consumer(backends)`` starts one in a background thread of the TUI
when the queue is embedded (SQLite), so tasks run with no second process.
"""

from __future__ import annotations

import logging
import os
import threading
import time
import uuid
from datetime import datetime
from multiprocessing.process import BaseProcess

from huey.consumer import Consumer
from peewee import EXCLUDED, fn

from tqconsole import tasks
from tqconsole.errors import ConfigError, ReadOnlyError
from tqconsole.models import ConsumerBeat
from tqconsole.services.tasks.history_table import FORK_LOCK
from tqconsole.services.tasks.recorder import mark_interrupted

logger = logging.getLogger("tqconsole.consumer")
logger.addHandler(logging.NullHandler())
MAX_HEARTBEAT = 10.0
STUCK_WAIT = 2.0  # seconds a stopped consumer waits for workers that do not return


def heartbeat_interval(settings) -> float:
    value = float(settings.heartbeat_interval)
    if not 0 < value <= MAX_HEARTBEAT:
        raise ConfigError(f"heartbeat_interval must be above 0 and at most {MAX_HEARTBEAT:g} s")
    return value


class ForkSafeConsumer(Consumer):
    """Huey's consumer, forking process workers only while no thread of ours is in SQLite."""

    def start(self):
        with FORK_LOCK:
            super().start()

    def check_worker_health(self):
        with FORK_LOCK:
            return super().check_worker_health()


class ThreadConsumer(ForkSafeConsumer):
    """A consumer that runs outside the main thread: no signal handlers."""

    def _set_signal_handlers(self):
        pass


class Heartbeat(threading.Thread):
    """Writes the consumer's row every ``interval`` seconds; marks it stopped at the end."""

    def __init__(self, consumer: ConsoleConsumer):
        super().__init__(name="tqconsole-heartbeat", daemon=True)
        self.consumer = consumer
        self.stopping = threading.Event()

    def run(self) -> None:
        self.beat()
        while not self.stopping.wait(self.consumer.interval):
            self.beat()

    def beat(self, stopped: bool = False) -> None:
        c = self.consumer
        now = datetime.now()
        row = {
            "consumer_id": c.id,
            "queue": c.queue.name,
            "host": c.queue.recorder.host,
            "pid": os.getpid(),
            "workers": c.workers,
            "worker_type": c.worker_type,
            "started_at": c.started_at,
            "beat_at": now,
            "interval": c.interval,
            "tasks_done": c.queue.recorder.tasks_done,
            "stopped_at": now if stopped else None,
        }
        try:
            with FORK_LOCK:
                self.upsert(row, now)
        except Exception as exc:  # the queue keeps moving even if the database hiccups
            logger.warning("heartbeat not written: %s", exc)

    @staticmethod
    def upsert(row: dict, now: datetime) -> None:
        """Once stopped, always stopped: a beat still in flight when the final one is
        written (a slow database under load) must not bring the consumer back to life."""
        ConsumerBeat.insert(row).on_conflict(
            conflict_target=[ConsumerBeat.consumer_id],
            update={
                ConsumerBeat.beat_at: now,
                ConsumerBeat.tasks_done: row["tasks_done"],
                ConsumerBeat.stopped_at: fn.COALESCE(ConsumerBeat.stopped_at, EXCLUDED.stopped_at),
            },
        ).execute()

    def stop(self) -> None:
        self.stopping.set()
        if self.is_alive() and self is not threading.current_thread():
            self.join(timeout=5)
        self.beat(stopped=True)


class ConsoleConsumer:
    def __init__(
        self,
        backends,
        workers: int = 1,
        worker_type: str = "thread",
        periodic: bool = True,
        in_thread: bool = False,
        **options,
    ):
        settings = backends.settings
        if settings.read_only:
            raise ReadOnlyError("read-only mode: a consumer would run tasks that write")
        if workers < 1:
            raise ConfigError("--workers must be 1 or more")
        self.queue = tasks.bind(backends)
        self.id = uuid.uuid4().hex[:12]
        self.workers = workers
        self.worker_type = worker_type
        self.interval = heartbeat_interval(settings)
        self.started_at = datetime.now()
        self.queue.recorder.consumer_id = self.id
        options.setdefault("max_delay", 1.0)
        options.setdefault("shutdown_timeout", float(settings.shutdown_timeout))
        consumer_class = ThreadConsumer if in_thread else ForkSafeConsumer
        if worker_type == "process":
            FORK_LOCK.forks = True
        try:
            self.consumer = consumer_class(
                self.queue.huey,
                workers=workers,
                worker_type=worker_type,
                periodic=periodic,
                **options,
            )
        except ValueError as exc:
            raise ConfigError(str(exc)) from None
        self.queue.huey.stopping = self.consumer.stop_flag.is_set  # ends SettlingHuey's waits
        self.heartbeat = Heartbeat(self)
        self.thread: threading.Thread | None = None
        self.stuck = 0

    def run(self) -> None:
        """Run until stopped (a signal, or ``stop()`` from another thread).

        Afterwards ``stuck`` counts the worker threads that never returned: the
        caller may exit without waiting for them (``tqconsole consumer`` does).
        """
        self.heartbeat.start()
        try:
            self.consumer.run()
        finally:
            self.stuck = self.release_workers()
            self.heartbeat.stop()
            self.queue.recorder.flush()
            self.mark_interrupted()

    def release_workers(self, wait: float = STUCK_WAIT) -> int:
        """Give the workers ``wait`` seconds to return, then kill worker processes.

        Huey interrupts a worker on SIGTERM, but a task stuck where no interrupt
        reaches it (a thread; a process swallowing it) would hold the consumer
        forever.  Returns how many worker threads are still running.
        """
        deadline = time.monotonic() + wait
        workers = [w for _, w in self.consumer.worker_threads]
        for worker in workers:
            worker.join(max(deadline - time.monotonic(), 0))
        stuck = [w for w in workers if w.is_alive()]
        for worker in stuck:
            if isinstance(worker, BaseProcess):
                logger.warning("worker process %s did not return: killed", worker.pid)
                worker.kill()
                worker.join(5)
        threads = [w for w in stuck if isinstance(w, threading.Thread)]
        if threads:
            logger.warning("%s worker thread(s) did not return", len(threads))
        return len(threads)

    def mark_interrupted(self) -> None:
        """Tasks this consumer left "executing" (in a killed or stuck worker) end interrupted."""
        try:
            with FORK_LOCK:
                interrupted = mark_interrupted(self.id)
        except Exception as exc:  # the database may be down: the monitor shows them lost
            logger.warning("interrupted tasks not recorded: %s", exc)
            return
        if interrupted:
            logger.warning("%s task(s) interrupted", interrupted)

    def start_thread(self) -> ConsoleConsumer:
        self.thread = threading.Thread(target=self.run, name="tqconsole-consumer", daemon=True)
        self.thread.start()
        return self

    def stop(self, graceful: bool = True) -> None:
        """Stop, and return once the final heartbeat and history are written.

        The wait is bounded only generously: a caller that closes the database
        right after must not pull it from under a thread still writing.
        """
        self.consumer.stop(graceful=graceful)
        if self.thread is not None:
            self.thread.join(timeout=(self.consumer.shutdown_timeout or 0) + 30)
