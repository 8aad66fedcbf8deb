"""Celery's control API against a real worker process (tasks named like the site's)."""

from __future__ import annotations

import json

import pytest

from tests.support.celery_support import answering, celery_worker
from tests.support.tasks_support import wait_for
from tqconsole.backends import celery
from tqconsole.cli import main


@pytest.fixture
def broker(redis_url, monkeypatch):
    monkeypatch.setenv("TQ_CELERY_BROKER_URL", redis_url)
    b = celery.from_url(redis_url)
    yield b
    b.close()


def active_ids(broker) -> set[str]:
    return {t["id"] for w in broker.workers() for t in w.active}


def test_ping_active_terminate(broker, redis_url, capsys):
    with celery_worker(redis_url):
        [worker] = answering(broker)
        assert worker.name.startswith("tqtest@") and worker.alive
        task_id = broker.send("post_office.tasks.send_queued_mail", [600])
        wait_for(lambda: task_id in active_ids(broker), timeout=60, interval=0.2)
        assert main(["celery", "workers", "--json"]) == 0
        [listed] = json.loads(capsys.readouterr().out)
        assert listed["active"][0]["name"] == "post_office.tasks.send_queued_mail"
        assert main(["celery", "revoke", task_id, "--terminate"]) == 0
        assert capsys.readouterr().out.strip() == f"terminated {task_id}"
        wait_for(lambda: task_id not in active_ids(broker), timeout=60, interval=0.2)
        # the worker lives on and runs the next task
        done = broker.send("payment_match", [], {"send_reminders": True})
        wait_for(lambda: broker.queues()[0].messages == 0, timeout=60, interval=0.2)
        assert done


def test_revoked_before_it_runs(broker, redis_url):
    blocker = broker.send("post_office.tasks.send_queued_mail", [600])
    queued = broker.send("payment_match")
    with celery_worker(redis_url):
        answering(broker)
        wait_for(lambda: blocker in active_ids(broker), timeout=60, interval=0.2)
        broker.revoke(queued)
        broker.revoke(blocker, terminate=True)
        # the revoked message is taken and dropped, never run: the queue empties
        wait_for(lambda: broker.queues()[0].messages == 0, timeout=60, interval=0.2)
        wait_for(lambda: not active_ids(broker), timeout=60, interval=0.2)


def test_no_worker_answers(broker, capsys):
    assert main(["celery", "workers"]) == 0
    assert capsys.readouterr().out.strip() == "no worker answered"
