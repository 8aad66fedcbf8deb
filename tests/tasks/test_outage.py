"""The queue's Redis goes away under a running consumer, then comes back."""

from __future__ import annotations

import pytest

from tests.support import services
from tests.support.tasks_support import ConsumerProcess, bound, make_backends, state_of, wait_for
from tqconsole.services.tasks import monitor as tm


@pytest.fixture
def proxied_queue(redis_url, queue_name, sqlite_url, monkeypatch):
    """The queue on Redis through a TcpProxy (``queue.proxy.stop()`` takes it down)."""
    proxy = services.TcpProxy(services.REDIS_HOST, services.REDIS_PORT)
    proxy.start()
    monkeypatch.setenv(
        "TQ_QUEUE_URL", redis_url.replace(f":{services.REDIS_PORT}/", f":{proxy.port}/")
    )
    backends = make_backends()
    queue = bound(backends)
    queue.proxy = proxy
    yield queue
    proxy.stop()
    backends.close()


def test_a_task_that_finishes_during_a_redis_outage_is_recorded_complete(proxied_queue, tmp_path):
    queue = proxied_queue
    task_id = tm.enqueue(queue, "selftest", '{"sleep": 1.5}')
    consumer = ConsumerProcess(tmp_path)
    try:
        wait_for(lambda: state_of(queue, task_id) == "executing")
        queue.proxy.stop()  # the task finishes while Redis is unreachable
        wait_for(lambda: "queue unreachable" in consumer.stderr())
        queue.proxy.start()
        wait_for(lambda: state_of(queue, task_id) == "complete")
    finally:
        assert consumer.stop() == 0
    detail = tm.detail(queue, task_id)
    assert detail.row.state == "complete" and not detail.retryable
    assert detail.result == "'ok'"  # stored once Redis was back
    assert [e["event"] for e in detail.events] == ["enqueued", "executing", "complete"]


def test_history_events_wait_out_a_database_outage(pg_proxy, redis_queue):
    backends = make_backends()
    queue = bound(backends)
    try:
        pg_proxy.stop()
        task_id = tm.enqueue(queue, "selftest", "")
        queue.recorder.flush()  # fails: the events wait
        assert queue.recorder.dropped == 0
        pg_proxy.start()
        wait_for(lambda: queue.recorder.flush() or state_of(queue, task_id) == "enqueued")
    finally:
        backends.close()
