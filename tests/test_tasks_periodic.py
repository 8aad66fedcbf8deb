"""Periodic tasks run once per period however many consumers there are."""

from __future__ import annotations

from datetime import datetime

import pytest

from tests.tasks_support import ConsumerProcess, bound, make_backends, wait_for
from tqconsole.models import TaskRecord

CHECKED = ("Enqueueing periodic task", "another consumer enqueued it")


@pytest.fixture
def queue(any_queue, sqlite_url, monkeypatch):
    monkeypatch.setenv("TQ_QUEUE_URL", any_queue)
    backends = make_backends()
    yield bound(backends)
    backends.close()


def test_two_consumers_enqueue_a_periodic_task_once_per_minute(queue, tmp_path):
    # Both consumers check the periodic tasks as they start: in the same minute
    # unless the minute turns meanwhile (then each minute has its one run).
    wait_for(lambda: datetime.now().second < 50, timeout=15)
    consumers = [ConsumerProcess(tmp_path, "-v", periodic=True) for _ in range(2)]
    try:
        for consumer in consumers:
            wait_for(lambda c=consumer: any(m in c.stderr() for m in CHECKED), timeout=30)
    finally:
        for consumer in consumers:
            assert consumer.stop() == 0
    queue.recorder.flush()
    runs = TaskRecord.select().where(TaskRecord.name.endswith("send_queued_mail"))
    minutes = {(r.enqueued_at or r.updated_at).replace(second=0, microsecond=0) for r in runs}
    assert len(runs) == len(minutes), [c.stderr() for c in consumers]
