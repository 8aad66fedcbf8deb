"""The site's broker contents and a real Celery worker process for the Celery tests."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
from pathlib import Path

from tests.support.tasks_support import wait_for

ROOT = Path(__file__).resolve().parents[2]


def site_broker(url: str):
    """``url``'s Redis db filled with the site's redis.jsonl, as a broker backend."""
    from tests.support.services import load_site_redis
    from tqconsole.backends import celery

    load_site_redis(url)
    return celery.from_url(url)


@contextlib.contextmanager
def celery_worker(broker_url: str, name: str = "tqtest"):
    """``celery -A tests.support.celery_site_app worker`` (prefork, one child: a running task
    can be terminated and the worker still answers the control API meanwhile)."""
    env = dict(os.environ, TQ_TEST_CELERY_BROKER=broker_url, PYTHONPATH=str(ROOT))
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "tests.support.celery_site_app",
            "worker",
            "--pool=prefork",
            "--concurrency=1",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "-n",
            f"{name}@%h",
            "--loglevel=WARNING",
        ],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        yield proc
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def answering(broker, timeout: float = 60.0):
    """The workers once at least one answers a ping."""
    return wait_for(broker.workers, timeout=timeout, interval=0.2)
