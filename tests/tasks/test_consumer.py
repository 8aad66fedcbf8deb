"""A real consumer process on the SQLite and Redis queues: run, fail, retry, die, shut down,
get stuck; periodic tasks with two consumers."""

from __future__ import annotations

import signal
from datetime import datetime

import pytest

from tests.support.tasks_support import ConsumerProcess, bound, make_backends, state_of, wait_for
from tqconsole.models import TaskRecord
from tqconsole.services.tasks import monitor as tm


@pytest.fixture
def queue(any_queue, sqlite_url, monkeypatch):
    monkeypatch.setenv("TQ_QUEUE_URL", any_queue)
    backends = make_backends()
    yield bound(backends)
    backends.close()


@pytest.fixture
def pg_queue(pg_url, redis_queue):
    backends = make_backends()
    yield bound(backends)
    backends.close()


def test_consumer_on_postgresql_history(pg_queue, tmp_path):
    queue = pg_queue
    bad = tm.enqueue(queue, "selftest", '{"fail": "pg"}')
    consumer = ConsumerProcess(tmp_path, "-w", "2")
    try:
        wait_for(lambda: state_of(queue, bad) == "failed")
        wait_for(lambda: [c for c in tm.consumers(queue) if c.alive])
    finally:
        assert consumer.stop() == 0
    detail = tm.detail(queue, bad)
    assert "RuntimeError: pg" in detail.traceback and len(detail.events) == 7
    tm.retry(queue, bad)
    assert [e["event"] for e in tm.detail(queue, bad).events][-1] == "retried"
    assert tm.consumers(queue)[0].status == "stopped"


def test_consumer_runs_tasks_records_history_and_heartbeat(queue, tmp_path):
    ok = tm.enqueue(queue, "selftest", '{"sleep": 0.05}')
    bad = tm.enqueue(queue, "selftest", '{"fail": "card declined"}')
    queue.recorder.flush()
    assert state_of(queue, ok) == "enqueued"
    consumer = ConsumerProcess(tmp_path, "-w", "2")
    try:
        wait_for(lambda: state_of(queue, ok) == "complete")
        # selftest is declared with one retry: error, retrying, then failed for good
        wait_for(lambda: state_of(queue, bad) == "failed")
        infos = wait_for(lambda: [c for c in tm.consumers(queue) if c.alive])
        assert infos[0].pid == consumer.pid and infos[0].workers == 2
        wait_for(lambda: tm.consumers(queue)[0].tasks_done >= 3)
    finally:
        assert consumer.stop() == 0
    detail = tm.detail(queue, bad)
    assert "RuntimeError: card declined" in detail.traceback
    events = [e["event"] for e in detail.events]
    assert events == [
        *("enqueued", "executing", "error", "retrying"),
        *("enqueued", "executing", "error"),
    ]
    assert detail.retryable
    assert tm.detail(queue, ok).result == "'ok'"  # peeked: still there after a second look
    assert tm.detail(queue, ok).result == "'ok'"
    assert tm.consumers(queue)[0].status == "stopped"
    assert "Traceback" not in consumer.stderr()
    assert [r.task_id for r in tm.failed(queue)] == [bad]


def test_retry_from_failed_set_runs_the_task_again_as_it_was(queue, tmp_path):
    bad = tm.enqueue(queue, "selftest", '{"fail": "again"}')
    consumer = ConsumerProcess(tmp_path)
    try:
        wait_for(lambda: state_of(queue, bad) == "failed")
        assert tm.retry(queue, bad) == bad
        assert state_of(queue, bad) == "enqueued"
        wait_for(lambda: [e["event"] for e in tm.detail(queue, bad).events].count("executing") == 4)
        wait_for(lambda: state_of(queue, bad) == "failed")
    finally:
        consumer.stop()
    events = [e["event"] for e in tm.detail(queue, bad).events]
    assert "retried" in events
    assert events.count("retrying") == 2  # the declared retry is granted again
    tm.delete_failed(queue, bad)
    assert tm.failed(queue) == []


def test_consumer_killed_mid_task_is_dead_and_its_task_lost(queue, tmp_path, monkeypatch):
    monkeypatch.setenv("TQ_HEARTBEAT_INTERVAL", "0.5")
    slow = tm.enqueue(queue, "selftest", '{"sleep": 30}')
    consumer = ConsumerProcess(tmp_path)
    wait_for(lambda: state_of(queue, slow) == "executing")
    consumer.kill()  # SIGKILL: no goodbye, no history flush
    # dead within two heartbeat intervals (0.5 s here) of the last beat
    dead = wait_for(lambda: [c for c in tm.consumers(queue) if c.status == "DEAD"], timeout=3)
    assert dead[0].pid == consumer.pid and dead[0].lost == 1
    [row] = tm.history(queue, tm.HistoryFilter(state="lost"))
    assert row.task_id == slow
    counts = tm.counts(queue)
    assert (counts.lost, counts.running, counts.failed) == (1, 0, 1)
    # lost is retryable: the message stored at "executing" goes back on the queue
    tm.retry(queue, slow)
    assert queue.pending_count() == 1
    assert tm.pending_page(queue)[0].task_id == slow


def test_sigint_finishes_the_running_task_sigterm_interrupts_it(queue, tmp_path):
    first = tm.enqueue(queue, "selftest", '{"sleep": 1}')
    consumer = ConsumerProcess(tmp_path)
    wait_for(lambda: state_of(queue, first) == "executing")
    assert consumer.stop(signal.SIGINT) == 0
    assert state_of(queue, first) == "complete"

    second = tm.enqueue(queue, "selftest", '{"sleep": 30}')
    consumer = ConsumerProcess(tmp_path)
    wait_for(lambda: state_of(queue, second) == "executing")
    assert consumer.stop(signal.SIGTERM) == 0
    assert state_of(queue, second) == "interrupted"
    assert second in [r.task_id for r in tm.failed(queue)]


def test_process_workers_record_history_and_count_done(queue, tmp_path):
    ids = [tm.enqueue(queue, "selftest", '{"sleep": 0.1}') for _ in range(4)]
    consumer = ConsumerProcess(tmp_path, "-w", "2", "-k", "process")
    try:
        wait_for(lambda: all(state_of(queue, i) == "complete" for i in ids))
        wait_for(lambda: tm.consumers(queue) and tm.consumers(queue)[0].tasks_done == 4)
    finally:
        assert consumer.stop() == 0
    workers = {tm.detail(queue, i).row.pid for i in ids}
    assert consumer.pid not in workers  # ran in the forked worker processes
    assert "Traceback" not in consumer.stderr()


def test_a_late_heartbeat_never_revives_a_stopped_consumer(queue):
    """The final 'stopped' beat may be written before a regular one still in flight."""
    from datetime import datetime

    from tqconsole.tasks.consumers import ConsoleConsumer

    backends = make_backends()
    consumer = ConsoleConsumer(backends)
    consumer.heartbeat.beat(stopped=True)
    consumer.heartbeat.beat()  # the late one
    [info] = [c for c in tm.consumers(queue) if c.consumer_id == consumer.id]
    assert info.stopped and not info.alive and info.beat_at <= datetime.now()
    backends.close()


@pytest.mark.parametrize("kind", ["thread", "process"])
def test_sigterm_stops_a_consumer_whose_worker_never_returns(queue, tmp_path, kind):
    from tests.support import stuck_tasks

    stuck_tasks.register(queue.huey)
    stuck = tm.enqueue(queue, "block_forever")
    consumer = ConsumerProcess(tmp_path, "-k", kind, "--import", "tests.support.stuck_tasks")
    wait_for(lambda: state_of(queue, stuck) == "executing")
    if kind == "thread":  # a process worker would be stopped at its 1 s limit (were it not stuck)
        [row] = wait_for(lambda: [r for r in tm.running(queue) if r.over_limit(datetime.now())])
        assert row.over_limit(datetime.now()).endswith(", over its 1s limit")
        assert tm.detail(queue, stuck).row.limit_text(datetime.now()).startswith("1s (running ")
    assert consumer.stop(signal.SIGTERM, timeout=20) == 0
    assert state_of(queue, stuck) == "interrupted"
    assert tm.consumers(queue)[0].status == "stopped"
    assert "Traceback" not in consumer.stderr()


CHECKED = ("Enqueueing periodic task", "another consumer enqueued it")


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
