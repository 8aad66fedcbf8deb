"""The Celery broker read as data: the site's queue, windows, group-by-task, unacked,
messages that are not kombu JSON (never unpickled), broker down, read-only."""

from __future__ import annotations

import base64
import json
import pickle

import pytest

from tests.support.celery_support import site_broker
from tqconsole.backends import celery
from tqconsole.backends.celery.messages import NOT_KOMBU
from tqconsole.errors import BackendUnavailable, ConfigError, ReadOnlyError

SITE_TASKS = {
    "send_scheduled_group_emails": 1,
    "celery.backend_cleanup": 1,
    "events.tasks.toggle_event_registration": 1,
    "update_groups": 1,
    "payment_parse_zkb_csv_files": 1,
    "post_office.tasks.send_queued_mail": 2,
    "payment_match": 1,
    "custom_post_office_send_queued_emails": 1,
}


@pytest.fixture
def broker(redis_url):
    b = site_broker(redis_url)
    yield b
    b.close()


def test_the_sites_queue_counts_and_groups(broker):
    assert [q.as_dict() for q in broker.queues()] == [{"name": "celery", "messages": 9}]
    assert dict(broker.task_counts("celery")) == SITE_TASKS
    assert broker.unacked_count() == 2


def test_windows_start_at_the_next_message_and_decode_the_envelope(broker):
    raw = broker.conn.lrange("celery", 0, -1)[::-1]  # the worker takes the tail first
    first = broker.messages("celery", 0, 50)
    assert [m.id for m in first] == [json.loads(r)["headers"]["id"] for r in raw]
    assert [m.position for m in broker.messages("celery", 7, 5)] == [7, 8]
    assert [m.id for m in broker.messages("celery", 3, 2)] == [m.id for m in first[3:5]]
    by_task = {m.task: m for m in first}
    match = by_task["payment_match"]
    assert (match.args, match.kwargs, match.retries) == ([], {"send_reminders": False}, 0)
    assert match.periodic_task_name == "payment: match payments (hourly)"
    assert by_task["celery.backend_cleanup"].expires.startswith("2026-12-01")
    toggle = by_task["events.tasks.toggle_event_registration"]
    assert toggle.args and not toggle.problem


def test_unacked_messages_with_their_eta(broker):
    reserved = broker.unacked(0, 10)
    assert {m.task for m in reserved} == {"payment_match", "post_office.tasks.send_queued_mail"}
    assert all(m.eta and m.reserved_at and m.queue == "celery" for m in reserved)


def envelope(content_type: str, body: bytes, task: str = "payment_match") -> bytes:
    return json.dumps(
        {
            "body": base64.b64encode(body).decode(),
            "content-encoding": "binary",
            "content-type": content_type,
            "headers": {"task": task, "id": "x-1", "retries": 0},
            "properties": {"body_encoding": "base64", "delivery_tag": "t"},
        }
    ).encode()


class Trap:
    """Unpickling this would create a file."""

    def __init__(self, path):
        self.path = path

    def __reduce__(self):
        return (open, (self.path, "w"))


def test_messages_that_are_not_kombu_json_are_listed_as_such(broker, tmp_path):
    trap = tmp_path / "unpickled"
    broker.conn.lpush(
        "celery",
        envelope("application/x-python-serialize", pickle.dumps(Trap(str(trap)))),
        envelope("application/x-yaml", b"!!python/object/apply:os.system ['true']"),
        b"\x80\x04garbage that is no envelope",
    )
    pickled, yaml, garbage = broker.messages("celery", 9, 10)
    assert (pickled.task, pickled.args) == ("payment_match", None)
    assert pickled.problem == "application/x-python-serialize body, not decoded"
    assert yaml.problem.startswith("application/x-yaml")
    assert (garbage.task, garbage.problem) == (NOT_KOMBU, "not a kombu JSON envelope")
    counts = broker.task_counts("celery")
    assert counts[NOT_KOMBU] == 1 and counts["payment_match"] == 3
    assert not trap.exists()


def test_priority_lists_follow_the_default_queue(broker):
    broker.conn.lpush(
        "celery\x06\x163", envelope("application/json", b"[[7], {}, {}]", "update_groups")
    )
    assert broker.queues()[0].messages == 10
    [last] = broker.messages("celery", 9, 5)
    assert (last.position, last.task, last.args) == (9, "update_groups", [7])


def test_broker_down_is_one_line(redis_url):
    from tests.support.services import REDIS_HOST, REDIS_PORT, TcpProxy

    proxy = TcpProxy(REDIS_HOST, REDIS_PORT)
    proxy.start()
    db = redis_url.rsplit("/", 1)[1]
    b = celery.from_url(f"redis://127.0.0.1:{proxy.port}/{db}")
    b.conn.lpush("celery", envelope("application/json", b"[[], {}, {}]"))
    assert b.queues()[0].messages == 1
    proxy.stop()
    with pytest.raises(BackendUnavailable) as err:
        b.queues()
    assert "\n" not in str(err.value) and "Celery broker" in str(err.value)
    proxy.start()  # recovery without a new backend
    assert b.messages("celery", 0, 5)[0].task == "payment_match"
    b.close()
    proxy.stop()


def test_read_only_refuses_sending_and_revoking(redis_url):
    b = celery.from_url(redis_url, read_only=True)
    with pytest.raises(ReadOnlyError):
        b.send("payment_match")
    with pytest.raises(ReadOnlyError):
        b.revoke("some-id", terminate=True)
    assert b.conn.llen("celery") == 0
    b.close()


def test_unknown_scheme_is_a_config_error():
    with pytest.raises(ConfigError):
        celery.from_url("amqp://guest@localhost//")


def test_messages_of_one_task_keep_their_queue_positions(broker):
    mails = broker.task_messages("celery", "post_office.tasks.send_queued_mail", 0, 10)
    everything = broker.messages("celery", 0, 50)
    assert [m.position for m in mails] == [
        m.position for m in everything if m.task == "post_office.tasks.send_queued_mail"
    ]
    [second] = broker.task_messages("celery", "post_office.tasks.send_queued_mail", 1, 10)
    assert second.id == mails[1].id


def test_group_by_task_spans_chunks(broker, monkeypatch):
    from tqconsole.backends.celery import redis as broker_redis

    monkeypatch.setattr(broker_redis, "CHUNK", 2)
    assert dict(broker.task_counts("celery")) == SITE_TASKS
    positions = [m.position for m in broker.task_messages("celery", "update_groups", 0, 5)]
    assert positions == [
        m.position for m in broker.messages("celery", 0, 50) if m.task == "update_groups"
    ]
