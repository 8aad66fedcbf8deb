"""The queue family: URLs, windowed raw reads, the restricted decoder, read-only, Redis down."""

from __future__ import annotations

import os
import pickle

import pytest

from tqconsole.backends.queue import from_url
from tqconsole.backends.queue.messages import decode
from tqconsole.errors import BackendUnavailable, ConfigError, ReadOnlyError


@pytest.fixture(params=["sqlite", "redis", "redis-priority", "memory"])
def url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/q.db"
    if request.param == "memory":
        return "memory://"
    base = request.getfixturevalue("redis_url")
    return base + ("?priority=1" if request.param == "redis-priority" else "")


def make_queue(url, name="q", read_only=False):
    from tqconsole.tasks import register

    queue = from_url(url, name=name, read_only=read_only)
    register(queue.huey)
    return queue


def test_window_reads_follow_dequeue_order_and_decode_without_the_registry(url):
    queue = make_queue(url, name="win")
    cls = queue.huey._registry.string_to_task("tqconsole.tasks.selftest")
    ids = [queue.huey.enqueue(cls((), {"sleep": i}, id=f"t{i}")).id for i in range(7)]
    queue.enqueue_raw(b"\x80\x05not a pickle")
    queue.enqueue_raw(pickle.dumps({"from": "another app"}))
    assert queue.pending_count() == 9
    first = [decode(raw) for raw in queue.pending_window(0, 3)]
    assert [d.id for d in first] == ids[:3]
    assert first[0].name == "tqconsole.tasks.selftest" and first[1].kwargs == {"sleep": 1}
    tail = [decode(raw) for raw in queue.pending_window(6, 10)]
    assert [d.id or d.problem.split(":")[0] for d in tail] == ["t6", "undecodable", "foreign"]
    assert queue.huey.dequeue().id == "t0"  # the window did not consume anything
    queue.close()


def test_scheduled_window_by_eta_and_remove(url):
    queue = make_queue(url, name="sched")
    cls = queue.huey._registry.string_to_task("tqconsole.tasks.selftest")
    import datetime

    now = datetime.datetime.now(datetime.UTC).replace(tzinfo=None)
    for i, minutes in enumerate((30, 10, 20)):
        queue.huey.add_schedule(
            cls((), {}, id=f"s{i}", eta=now + datetime.timedelta(minutes=minutes))
        )
    window = queue.scheduled_window(0, 10)
    assert [decode(w.data).id for w in window] == ["s1", "s2", "s0"]
    assert queue.remove_scheduled(window[0].data)
    assert queue.scheduled_count() == 2
    queue.close()


def test_restricted_decoder_never_runs_code(tmp_path):
    marker = tmp_path / "pwned"

    class Evil:
        def __reduce__(self):
            return (os.system, (f"touch {marker}",))

    decoded = decode(pickle.dumps(Evil()))
    assert decoded.problem.startswith("foreign") and not marker.exists()


def test_read_only_queue_refuses_writes(url):
    queue = make_queue(url, name="ro", read_only=True)
    cls = queue.huey._registry.string_to_task("tqconsole.tasks.selftest")
    with pytest.raises(ReadOnlyError):
        queue.huey.enqueue(cls())
    with pytest.raises(ReadOnlyError):
        queue.flush_queue()
    with pytest.raises(ReadOnlyError):
        queue.revoke_id("x")
    assert queue.pending_count() == 0  # reads still work
    queue.close()


def test_unknown_scheme_and_redis_down():
    with pytest.raises(ConfigError, match="unknown queue scheme"):
        from_url("amqp://x")
    queue = from_url("redis://127.0.0.1:1/3", name="down")
    with pytest.raises(BackendUnavailable, match="queue redis://127.0.0.1:1/3 unavailable"):
        queue.pending_count()


def test_module_attribute_huey_is_the_bound_instance(sqlite_url, queue_name, monkeypatch):
    from tests.support.tasks_support import make_backends
    from tqconsole import tasks

    monkeypatch.setattr(tasks, "_backends", None)
    with pytest.raises(ConfigError, match="not bound"):  # settings are never loaded there
        tasks.huey  # noqa: B018
    backends = make_backends()
    tasks.bind(backends)
    huey = tasks.huey
    assert huey.name == queue_name
    assert "tqconsole.tasks.payment_match" in huey._registry._registry
    assert tasks.huey is huey
    backends.close()
