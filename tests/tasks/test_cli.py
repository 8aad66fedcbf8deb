"""``tqconsole tasks …``: the monitor's twin on the command line; recorder merge and retention."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest

from tests.support.tasks_support import bound, make_backends, wait_for
from tqconsole.cli import main


@pytest.fixture
def env(sqlite_url, redis_queue):
    backends = make_backends()
    yield bound(backends)
    backends.close()


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return code, out, err


def test_enqueue_ls_show_pending(env, capsys):
    code, out, _ = run(capsys, "tasks", "enqueue", "selftest", '{"sleep": 0.5}')
    assert code == 0
    task_id = out.strip()
    code, out, _ = run(capsys, "tasks", "ls", "--json")
    [row] = json.loads(out)
    assert (row["task_id"], row["state"], row["args"]) == (task_id, "enqueued", "sleep=0.5")
    code, out, _ = run(capsys, "tasks", "pending", "--json")
    assert json.loads(out)[0]["task_id"] == task_id
    code, out, _ = run(capsys, "tasks", "show", task_id)
    assert "tqconsole.tasks.selftest" in out and "enqueued" in out
    code, out, _ = run(capsys, "tasks", "ls", "--state", "failed")
    assert task_id not in out


@pytest.mark.parametrize(
    "argv, message",
    [
        (("enqueue", "nope"), "unknown task 'nope' (registered: cull_cache, export_participants"),
        (("enqueue", "selftest", "{sleep: 1}"), "bad JSON arguments"),
        (("enqueue", "export_participants", "[]"), "missing a required argument: 'course_id'"),
        (("show", "no-such-id"), "no task 'no-such-id'"),
        (("revoke", "no-such-id"), "no task 'no-such-id' in queue"),
        (("restore", "0123abcd"), "no task '0123abcd' in queue"),
        (("retry", "0123abcd"), "no task '0123abcd' in queue"),
        (("retry",), "give a task id or --all-failed"),
        (("ls", "--since", "yesterday"), "'yesterday' is not a time"),
    ],
)
def test_bad_input_is_one_clear_line(env, capsys, argv, message):
    code, out, err = run(capsys, "tasks", *argv)
    assert code != 0
    assert message in err and len(err.strip().splitlines()) == 1


def test_stats_json_lists_consumers_with_alive(env, capsys):
    from tqconsole.tasks.consumers import ConsoleConsumer

    other = make_backends()
    consumer = ConsoleConsumer(other, in_thread=True, periodic=False).start_thread()
    try:
        run(capsys, "tasks", "enqueue", "selftest")
        stats = wait_for(
            lambda: (
                (s := json.loads(run(capsys, "tasks", "stats", "--json")[1]))["consumers"]
                and s["done_per_minute"] == 1
                and s
            )
        )
    finally:
        consumer.stop()
        other.close()
    assert stats["pending"] == 0 and stats["failed"] == 0
    assert stats["consumers"][0]["alive"] is True
    assert stats["periodic"][0]["name"] == "cull_cache"
    after = json.loads(run(capsys, "tasks", "stats", "--json")[1])
    assert after["consumers"][0]["alive"] is False and after["consumers"][0]["status"] == "stopped"


def test_revoke_restore_flush_and_read_only(env, capsys):
    task_id = run(capsys, "tasks", "enqueue", "selftest")[1].strip()
    code, out, _ = run(capsys, "tasks", "revoke", task_id[:8])  # the id as the lists show it
    assert code == 0 and out.strip() == f"revoked {task_id}"
    assert json.loads(run(capsys, "tasks", "pending", "--json")[1])[0]["revoked"]
    assert run(capsys, "tasks", "restore", task_id)[0] == 0
    env.recorder.flush()
    from tqconsole.models import TaskRecord

    TaskRecord.delete().execute()  # a message enqueued by a producer without the recorder
    assert run(capsys, "tasks", "show", task_id[:8])[0] == 0  # opened from its message
    assert run(capsys, "tasks", "revoke", task_id[:6])[1].strip() == f"revoked {task_id}"
    assert run(capsys, "tasks", "restore", task_id)[0] == 0
    assert not json.loads(run(capsys, "tasks", "pending", "--json")[1])[0]["revoked"]
    assert run(capsys, "tasks", "revoke", "--name", "selftest")[0] == 0
    assert env.revoked_names(["tqconsole.tasks.selftest"])
    assert run(capsys, "tasks", "restore", "--name", "selftest")[0] == 0

    code, _, err = run(capsys, "--read-only", "tasks", "enqueue", "selftest")
    assert code == 1 and "read-only mode" in err
    code, _, err = run(capsys, "--read-only", "tasks", "flush", "--yes")
    assert code == 1 and "read-only mode" in err
    code, _, err = run(capsys, "tasks", "flush")
    assert code == 1 and "pass --yes" in err
    assert env.pending_count() == 1
    code, out, _ = run(capsys, "tasks", "flush", "--yes")
    assert code == 0 and "flushed 1 pending" in out
    assert env.pending_count() == 0


def test_foreign_messages_are_listed_not_fatal(env, capsys):
    env.enqueue_raw(b"\x00garbage")
    code, out, _ = run(capsys, "tasks", "pending")
    assert code == 0 and "undecodable" in out


def test_redis_down_is_one_line(sqlite_url, queue_name, monkeypatch, capsys):
    code, _, err = run(capsys, "tasks", "stats")
    assert code == 2 and "run tqconsole init" in err
    make_backends().close()
    monkeypatch.setenv("TQ_QUEUE_URL", "redis://127.0.0.1:1/2")
    code, _, err = run(capsys, "tasks", "stats")
    assert code == 1 and "unavailable" in err and len(err.strip().splitlines()) == 1
    code, out, _ = run(capsys, "check")
    assert code == 1 and "Tasks" in out and "FAIL" in out


@pytest.fixture
def db_env(db_url, redis_queue):
    """Like ``env``, once on SQLite and once on PostgreSQL."""
    backends = make_backends()
    yield bound(backends)
    backends.close()


def test_history_merges_out_of_order_writers_and_prunes(db_env):
    env = db_env
    from huey import signals as S

    from tqconsole.models import ConsumerBeat, TaskRecord
    from tqconsole.services.tasks.history_table import parse_timeline, prune, write

    recorder = env.recorder
    cls = env.huey._registry.string_to_task("tqconsole.tasks.selftest")
    task = cls((), {}, id="merge-me")
    t0 = datetime.now().timestamp()
    consumer_batch = [
        (t0 + 1, S.SIGNAL_EXECUTING, task, None, "Worker-1", 0),
        (t0 + 2, S.SIGNAL_ERROR, task, RuntimeError("no"), "Worker-1", 0),
    ]
    producer_batch = [(t0, S.SIGNAL_ENQUEUED, task, None, "MainThread", 0)]
    for batch in (consumer_batch, producer_batch):  # the producer's flush comes last
        records = recorder.rows(batch)
        recorder.keep_messages(records)
        write(list(records.values()))
    row = TaskRecord.get_by_id("merge-me")
    assert row.state == "failed" and row.enqueued_at is not None
    assert row.duration == pytest.approx(1.0) and row.error == "RuntimeError: no"
    assert env.huey.deserialize_task(bytes(row.message)).id == "merge-me"
    events = [e["event"] for e in parse_timeline(row.timeline)]
    assert events == ["enqueued", "executing", "error"]

    old = datetime.now() - timedelta(days=30)
    for i in range(5):
        TaskRecord.create(
            task_id=f"old{i}", queue=env.name, name="x", state="complete", updated_at=old
        )
    ConsumerBeat.create(
        consumer_id="gone",
        queue=env.name,
        host="h",
        pid=1,
        workers=1,
        started_at=old,
        beat_at=old,
        interval=5,
    )
    prune(env.name, keep_days=14, keep_count=100)
    assert not TaskRecord.select().where(TaskRecord.task_id.startswith("old")).exists()
    assert not ConsumerBeat.select().where(ConsumerBeat.consumer_id == "gone").exists()
    for i in range(5):
        TaskRecord.create(
            task_id=f"new{i}",
            queue=env.name,
            name="x",
            state="complete",
            updated_at=datetime.now() - timedelta(minutes=i),
        )
    prune(env.name, keep_days=14, keep_count=2)
    assert TaskRecord.select().where(TaskRecord.queue == env.name).count() == 2


def test_history_writes_batches_of_any_size(db_env):
    """Full multi-row statements plus power-of-two remainders, every event kept."""
    from huey import signals as S

    from tqconsole.models import TaskRecord
    from tqconsole.services.tasks.history_table import CHUNK, parse_timeline

    recorder = db_env.recorder
    cls = db_env.huey._registry.string_to_task("tqconsole.tasks.selftest")
    count = CHUNK + 45
    for i in range(count):
        task = cls((i,), {}, id=f"batch{i:04d}")
        recorder.on_signal(S.SIGNAL_EXECUTING, task)
        recorder.on_signal(S.SIGNAL_COMPLETE, task)
    recorder.on_signal(S.SIGNAL_ERROR, task, RuntimeError("late"))
    recorder.flush()
    rows = {r.task_id: r for r in TaskRecord.select().where(TaskRecord.task_id.startswith("batch"))}
    assert len(rows) == count
    first = rows["batch0000"]
    assert (first.state, first.args, first.worker) == ("complete", "0", "MainProcess")
    assert first.duration is not None and first.message is None
    assert [e["event"] for e in parse_timeline(first.timeline)] == ["executing", "complete"]
    last = rows[f"batch{count - 1:04d}"]
    assert (last.state, last.error) == ("error", "RuntimeError: late")  # retries left
    assert len(parse_timeline(last.timeline)) == 3 and last.message is not None


def test_run_now_and_retry_all_failed(env, capsys):
    import datetime

    from tqconsole.backends.queue.messages import decode
    from tqconsole.errors import NotFound
    from tqconsole.models import TaskRecord
    from tqconsole.services.tasks import monitor as tm

    selftest = env.huey._registry.string_to_task("tqconsole.tasks.selftest")
    later = datetime.datetime(2099, 1, 1)
    env.huey.add_schedule(selftest((), {"sleep": 1}, id="sched-1", eta=later))
    tm.run_now(env, "sched-1")
    assert (env.scheduled_count(), env.pending_count()) == (0, 1)
    moved = decode(env.pending_window(0, 1)[0])
    assert (moved.id, moved.eta, moved.kwargs) == ("sched-1", None, {"sleep": 1})
    with pytest.raises(NotFound):
        tm.run_now(env, "sched-1")

    for i in range(3):
        TaskRecord.create(
            task_id=f"failed-{i}",
            queue=env.name,
            name="tqconsole.tasks.selftest",
            state="failed",
            updated_at=datetime.datetime.now(),
            message=env.huey.serialize_task(selftest((), {}, id=f"failed-{i}", retries=0)),
        )
    code, out, _ = run(capsys, "tasks", "retry", "--all-failed")
    assert code == 0 and "retried 3 tasks" in out
    assert env.pending_count() == 4 and tm.failed(env) == []
    retried = decode(env.pending_window(1, 1)[0])
    assert retried.retries == 1  # the declared retries of selftest, granted again


def test_show_opens_a_pending_task_with_no_history_from_its_message(env, capsys):
    from tqconsole.models import TaskRecord

    selftest = env.huey._registry.string_to_task("tqconsole.tasks.selftest")
    env.huey.enqueue(selftest((), {"sleep": 7}, id="abcdef12-elsewhere"))
    env.recorder.flush()
    TaskRecord.delete().execute()  # enqueued by another program, or pruned
    listed = json.loads(run(capsys, "tasks", "pending", "--json")[1])[0]["args"]
    code, out, _ = run(capsys, "tasks", "show", "abcdef12")
    assert code == 0
    assert "tqconsole.tasks.selftest" in out and listed in out and "pending" in out
    assert "no history entry" in out
    code, out, _ = run(capsys, "tasks", "show", "abcdef12-elsewhere", "--json")
    data = json.loads(out)
    assert (data["state"], data["args"], data["retryable"]) == ("pending", listed, False)
    assert "sleep" in listed and "7" in listed
