"""Test tasks for ``tqconsole consumer --import tests.support.stuck_tasks``: one never returns."""

from __future__ import annotations

import threading


def block_forever() -> None:
    """Wait on a lock this thread holds, as the S3 deadlock did, whatever interrupts it.

    Closing the queue needs the lock too (S3's close needed the deadlocked one).
    """
    from tqconsole import tasks

    lock = threading.Lock()
    lock.acquire()
    tasks.current_backends().get("queue").on_close.append(lock.acquire)
    while True:
        try:
            lock.acquire()
        except BaseException:  # noqa: S110 - a task that swallows interrupts and its time limit
            pass


def register(huey) -> None:
    huey.task(timeout=1)(block_forever)
