"""Helpers of the task tests: a real consumer process, waiting for states."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def make_backends():
    from tqconsole.backends import Backends
    from tqconsole.services.db.schema import init
    from tqconsole.settings import load

    backends = Backends(load())
    init(backends)
    return backends


def bound(backends):
    from tqconsole import tasks

    return tasks.bind(backends)


def wait_for(predicate, timeout: float = 60.0, interval: float = 0.05):
    """Poll ``predicate`` until it holds; the bound is generous (a loaded machine is slow),
    a passing test never waits for it."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {predicate}")
        time.sleep(interval)


class ConsumerProcess:
    """``python -m tqconsole consumer`` in a subprocess with this test's environment.

    Without periodic tasks unless asked: the tests count the tasks they enqueued
    (send_queued_mail would otherwise be enqueued at every start).
    """

    def __init__(self, tmp_path: Path, *args: str, periodic: bool = False):
        env = dict(os.environ)
        env["PYTHONPATH"] = str(ROOT)
        self.log = tmp_path / f"consumer-{time.monotonic_ns()}.log"
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tqconsole",
                "consumer",
                *args,
                *([] if periodic else ["--no-periodic"]),
            ],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=self.log.open("w"),
            start_new_session=True,  # its own process group: killed with its workers
        )

    @property
    def pid(self) -> int:
        return self.proc.pid

    def stop(self, sig=signal.SIGINT, timeout: float = 15) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill_group()
            raise

    def kill(self) -> None:
        """SIGKILL the consumer alone (its workers are orphaned, as in real life)."""
        self.proc.kill()
        self.proc.wait(5)

    def kill_group(self) -> None:
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.proc.wait(5)

    def stderr(self) -> str:
        return self.log.read_text()


def state_of(queue, task_id: str) -> str | None:
    from tqconsole.models import TaskRecord

    row = TaskRecord.get_or_none(TaskRecord.task_id == task_id)
    return row.state if row else None
