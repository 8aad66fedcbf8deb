"""The task monitor screen: Pilot tests of its actions and snapshots at 80x24 and 120x40."""

from __future__ import annotations

import asyncio
import datetime
import os

import pytest

from tests.support.tasks_support import bound, make_backends, state_of
from tests.support.tui_support import app_at, settle, shown, until
from tqconsole.models import TaskRecord
from tqconsole.services.tasks.history_table import timeline_line

OLD = datetime.datetime(2026, 11, 20, 9, 30, 0)
TRACEBACK = (
    "Traceback (most recent call last):\n"
    '  File "tqconsole/tasks.py", line 109, in selftest\n'
    "    raise RuntimeError(fail)\n"
    "RuntimeError: card declined\n"
)


@pytest.fixture
def queue(sqlite_url, queue_name):
    backends = make_backends()
    queue = bound(backends)
    yield queue
    backends.close()


def fill(queue) -> None:
    """Fixed pending, scheduled and historic tasks (no timestamps of "now" on screen)."""
    registry = queue.huey._registry
    selftest = registry.string_to_task("tqconsole.tasks.selftest")
    export = registry.string_to_task("tqconsole.tasks.export_participants")
    for i in range(3):
        queue.huey.enqueue(selftest((), {"sleep": i}, id=f"0000000{i}-pending"))
    queue.huey.enqueue(export((42,), {}, id="00000003-export"))
    queue.huey.enqueue(selftest((), {}, id="00000004-later", eta=datetime.datetime(2099, 1, 1)))
    queue.enqueue_raw(b"\x00garbage")
    queue.revoke_id("00000001-pending")
    queue.huey.add_schedule(
        selftest((), {}, id="00000005-sched", eta=datetime.datetime(2099, 1, 1))
    )
    queue.recorder.flush()
    TaskRecord.delete().execute()
    for i, (state, error) in enumerate(
        (("complete", None), ("failed", "RuntimeError: card declined"), ("complete", None))
    ):
        TaskRecord.create(
            task_id=f"1000000{i}-history",
            queue=queue.name,
            name="tqconsole.tasks.selftest",
            state=state,
            updated_at=OLD + datetime.timedelta(minutes=i),
            enqueued_at=OLD,
            started_at=OLD,
            finished_at=OLD + datetime.timedelta(minutes=i),
            duration=0.25 * (i + 1),
            consumer="c0ffee",
            host="tq-worker",
            pid=4242,
            worker="Worker-1",
            retries=0,
            args="fail='card declined'" if error else "sleep=0",
            error=error,
            traceback=TRACEBACK if error else None,
            message=queue.huey.serialize_task(selftest((), {"fail": "card declined"}))
            if error
            else None,
            timeline="".join(
                timeline_line(
                    OLD + datetime.timedelta(seconds=n), event, "tq-worker:4242", "Worker-1"
                )
                for n, event in enumerate(
                    ("enqueued", "executing", "error" if error else "complete")
                )
            ),
        )


def tab_listed(app, view: str) -> bool:
    """The monitor shows ``view``'s rows (its snapshot has arrived)."""
    from tqconsole.widgets.lists import KeyTable

    screen = app.screen
    snap = getattr(screen, "snap", None)
    table = screen.query_one(f"#table-{view}", KeyTable)
    return snap is not None and snap.view == view and table.row_count > 0


@pytest.mark.parametrize("size", [(80, 24), (120, 40), (160, 50)])
def test_snapshot_pending(queue, snap_compare, size):
    fill(queue)

    async def pending_tab(pilot):
        await shown(pilot, lambda: tab_listed(pilot.app, "pending"))

    assert snap_compare(app_at("tasks"), terminal_size=size, run_before=pending_tab)


@pytest.mark.parametrize("size", [(80, 24), (120, 40), (160, 50)])
def test_snapshot_history(queue, snap_compare, size):
    fill(queue)

    async def history_tab(pilot):
        await shown(pilot, lambda: tab_listed(pilot.app, "pending"))
        await pilot.press("l", "l", "l")
        await shown(pilot, lambda: tab_listed(pilot.app, "history"))

    assert snap_compare(app_at("tasks"), terminal_size=size, run_before=history_tab)


@pytest.mark.parametrize("size", [(80, 24), (120, 40), (160, 50)])
def test_snapshot_task_detail(queue, snap_compare, size):
    fill(queue)

    async def detail_shown(pilot):
        from tqconsole.screens.tasks import TaskDetailScreen

        def loaded() -> bool:
            screen = pilot.app.screen
            return isinstance(screen, TaskDetailScreen) and "loading" not in str(
                screen.query_one("#summary").render()
            )

        await shown(pilot, loaded)

    app = app_at("tasks/10000001-history")
    assert snap_compare(app, terminal_size=size, run_before=detail_shown)


def table_text(app, view: str) -> str:
    from tqconsole.widgets.lists import KeyTable

    table = app.screen.query_one(f"#table-{view}", KeyTable)
    return "\n".join(" ".join(str(c) for c in table.get_row_at(i)) for i in range(table.row_count))


def test_monitor_lists_flags_and_retries(queue):
    asyncio.run(_test_monitor_lists_flags_and_retries(queue))


async def _test_monitor_lists_flags_and_retries(queue):
    fill(queue)
    app = app_at("tasks")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        text = table_text(app, "pending")
        assert "revoked" in text and "not due" in text and "undecodable" in text
        counts = str(app.screen.query_one("#counts").render())
        assert "pending 6" in counts and "failed 1" in counts
        await pilot.press("l", "l", "l", "l")  # failed
        await settle(pilot)
        assert "card declined" in table_text(app, "failed")
        await pilot.press("R")
        await settle(pilot)
        assert state_of(queue, "10000001-history") == "enqueued"
        assert queue.pending_count() == 7


def test_enqueue_dialog_checks_json_and_flush_needs_the_name(queue):
    asyncio.run(_test_enqueue_dialog_checks_json_and_flush_needs_the_name(queue))


async def _test_enqueue_dialog_checks_json_and_flush_needs_the_name(queue):
    from textual.widgets import Input, Select

    from tqconsole.widgets.dialogs.confirm import ConfirmDialog
    from tqconsole.widgets.dialogs.prompt import EnqueueDialog

    app = app_at("tasks")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        assert isinstance(app.screen, EnqueueDialog)
        app.screen.query_one("#task-name", Select).value = "selftest"
        await pilot.pause()  # picking a task moves on to its arguments
        assert app.screen.query_one("#args", Input).has_focus
        app.screen.query_one("#args", Input).value = '{"sleep": '
        await pilot.press("enter")
        await pilot.pause()
        assert "bad JSON arguments" in str(app.screen.query_one("#enqueue-error").render())
        app.screen.query_one("#args", Input).value = '{"sleep": 0}'
        await pilot.press("enter")
        await settle(pilot)
        assert queue.pending_count() == 1
        await pilot.press("P")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmDialog)
        app.screen.query_one("#typed", Input).value = "wrong"
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmDialog) and queue.pending_count() == 1
        app.screen.query_one("#typed", Input).value = queue.name
        await pilot.press("enter")
        await settle(pilot)
        assert queue.pending_count() == 0


def test_read_only_refuses_actions_in_the_tui(queue, monkeypatch):
    asyncio.run(_test_read_only_refuses_actions_in_the_tui(queue, monkeypatch))


async def _test_read_only_refuses_actions_in_the_tui(queue, monkeypatch):
    fill(queue)
    monkeypatch.setenv("TQ_READ_ONLY", "1")
    app = app_at("tasks")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("v", "tab", "enter")  # revoke, confirm
        await settle(pilot)
        messages = [n.message for n in app._notifications]
        assert any("read-only mode" in m for m in messages)
    assert not queue.revoked_ids(["00000000-pending"])


def test_embedded_consumer_runs_tasks_and_stops_on_quit(queue, monkeypatch):
    asyncio.run(_test_embedded_consumer_runs_tasks_and_stops_on_quit(queue, monkeypatch))


async def _test_embedded_consumer_runs_tasks_and_stops_on_quit(queue, monkeypatch):
    monkeypatch.setenv("TQ_EMBEDDED_CONSUMER", "1")
    from tqconsole.services.tasks.monitor import consumers, enqueue

    app = app_at("tasks")
    async with app.run_test(size=(80, 24)) as pilot:
        task_id = enqueue(queue, "selftest")
        queue.recorder.flush()
        await until(pilot, lambda: state_of(queue, task_id) == "complete", timeout=30)
        assert [c.status for c in consumers(queue)] == ["alive"]
    assert [c.status for c in consumers(queue)] == ["stopped"]


def test_monitor_survives_redis_down(sqlite_url, queue_name, monkeypatch):
    asyncio.run(_redis_down(monkeypatch))


async def _redis_down(monkeypatch):
    import tqconsole.screens.tasks as screen_module
    from tqconsole.widgets.task_status import TaskCounts

    make_backends().close()
    monkeypatch.setenv("TQ_QUEUE_URL", "redis://127.0.0.1:1/2")
    monkeypatch.setattr(screen_module, "REFRESH_SECONDS", 0.05)
    failures = []
    show_failure = TaskCounts.show_failure
    monkeypatch.setattr(
        TaskCounts, "show_failure", lambda self, m: (failures.append(m), show_failure(self, m))
    )
    app = app_at("tasks")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        counts = str(app.screen.query_one("#counts").render())
        assert "unavailable" in counts
        await until(pilot, lambda: len(failures) >= 3)  # it keeps reading: it recovers by itself
        await pilot.press("l", "v")  # keys keep working; actions report, never crash
        await settle(pilot)
        assert "unavailable" in str(app.screen.query_one("#counts").render())


def test_demo_fills_the_queue(demo_sqlite, queue_name):
    import random

    from tqconsole.tasks.demo import fill

    backends = make_backends()
    try:
        lines = fill(backends, 1, random.Random(1))
        queue = bound(backends)
        assert "5 demo tasks enqueued" in lines[0]
        assert (queue.pending_count(), queue.scheduled_count()) == (5, 1)
    finally:
        backends.close()


def test_history_filter_by_state_and_text(queue):
    asyncio.run(_history_filter(queue))


async def _history_filter(queue):
    fill(queue)
    app = app_at("tasks")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("slash")
        await pilot.press(*"state:failed declined", "enter")
        await settle(pilot)
        assert app.screen.panel.view == "history"
        assert table_text(app, "history").count("selftest") == 1
        await pilot.press("slash", *" since:2x", "enter")
        await settle(pilot)
        assert any("is not a time" in n.message for n in app._notifications)
        await pilot.press("escape")
        assert app.screen.query_one("#table-history").has_focus


def test_retry_all_failed_with_progress(queue):
    asyncio.run(_retry_all(queue))


async def _retry_all(queue):
    from tqconsole.widgets.dialogs.confirm import ConfirmDialog

    fill(queue)
    app = app_at("tasks")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("T")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("tab", "enter")
        await settle(pilot)
        assert any("retried 1 tasks" in n.message for n in app._notifications)
        assert state_of(queue, "10000001-history") == "enqueued"


def test_dashboard_tasks_panel_and_check_line(queue, capsys):
    from tqconsole.cli import main

    fill(queue)
    assert main(["check"]) == 0
    out = capsys.readouterr().out
    assert "Tasks" in out and "huey" in out
    asyncio.run(_dashboard())


async def _dashboard():
    app = app_at("dashboard")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        health = app.screen.query_one("#health-queue").health
        assert health.ok, health.error
        panel = dict(health.figures)
        assert panel["pending"] == "6" and panel["failed last hour"] == "0"
        assert "consumers" in panel


def test_every_tab_opens_including_periodic(queue):
    asyncio.run(_test_every_tab_opens(queue))


async def _test_every_tab_opens(queue):
    fill(queue)
    app = app_at("tasks")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        for _ in range(5):  # pending → scheduled → running → history → failed → periodic
            await pilot.press("l")
            await settle(pilot)
        assert app.screen.panel.view == "periodic"
        text = table_text(app, "periodic")
        assert "payment_match" in text and "send_queued_mail" in text
        assert app.is_running


def test_keys_help_lists_hidden_keys_and_scrolls(queue):
    asyncio.run(_keys_help(queue))


async def _keys_help(queue):
    from tqconsole.widgets.keys_help import KeysHelp, key_groups

    app = app_at("tasks")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        groups = dict(key_groups(app.screen))
        assert ("P", "Flush queue") in groups["This screen"]  # hidden from the footer
        assert any(what == "Quit" for _, what in groups["Everywhere"])
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, KeysHelp)
        scroll = app.screen.query_one("#keys-scroll")
        await pilot.press("pagedown")
        await pilot.pause()
        assert scroll.scroll_y > 0  # longer than 24 rows, and the keyboard reaches the end
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen.route == "tasks"


def test_consumers_line_keeps_recent_deaths_and_counts_old_ones(queue):
    asyncio.run(_consumers_line(queue))


async def _consumers_line(queue):
    from tqconsole.models import ConsumerBeat

    now = datetime.datetime.now()
    for i, (silent, pid) in enumerate(((1, 101), (120, 102), (3000, 103), (4000, 104))):
        beat = now - datetime.timedelta(seconds=silent)
        ConsumerBeat.create(
            consumer_id=f"c{i}", queue=queue.name, host="w", pid=pid, workers=2,
            started_at=beat, beat_at=beat, interval=30 if pid == 101 else 1,  # alive under load
        )  # fmt: skip
    app = app_at("tasks")
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        line = str(app.screen.query_one("#consumers").render())
        assert "w:101 2w" in line and "w:102 DEAD (silent 2m)" in line
        assert "w:103" not in line and "+2 dead earlier" in line
        assert "no consumer alive" not in line
        ConsumerBeat.update(beat_at=now - datetime.timedelta(hours=2)).where(
            ConsumerBeat.consumer_id == "c0"
        ).execute()
        await pilot.press("r")
        await settle(pilot)
        line = str(app.screen.query_one("#consumers").render())
        assert "no consumer alive" in line and "+3 dead earlier" in line


def test_enter_opens_a_pending_task_with_no_history(queue):
    asyncio.run(_test_enter_opens_a_pending_task_with_no_history(queue))


async def _test_enter_opens_a_pending_task_with_no_history(queue):
    fill(queue)  # the pending tasks have no history rows
    app = app_at("tasks")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        await until(pilot, lambda: "00000000-pending" in summary_text(app))
        text = summary_text(app)
        assert "✗" not in text and "pending" in text and "sleep" in text


def summary_text(app) -> str:
    """The detail screen's summary as plain text (empty on another screen)."""
    from rich.console import Console

    found = app.screen.query("#summary")
    if not found:
        return ""
    console = Console(width=120, record=True, file=open(os.devnull, "w"))  # noqa: SIM115
    console.print(found.first().content)
    return console.export_text()


def test_running_tab_shows_a_task_over_its_time_limit(queue):
    asyncio.run(_test_running_tab_shows_a_task_over_its_time_limit(queue))


async def _test_running_tab_shows_a_task_over_its_time_limit(queue):
    started = datetime.datetime.now() - datetime.timedelta(minutes=12)
    for task_id, name in (("20000000-stuck", "payment_match"), ("20000001-fine", "selftest")):
        TaskRecord.create(
            task_id=task_id,
            queue=queue.name,
            name=f"tqconsole.tasks.{name}",
            state="executing",
            updated_at=started,
            started_at=started,
        )
    app = app_at("tasks")
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot)
        await pilot.press("l", "l")  # running
        text = await until(pilot, lambda: table_text(app, "running"))
        [stuck] = [line for line in text.splitlines() if "20000000" in line]
        assert "over limit" in stuck and "running 12m, over its 10m limit" in stuck
        [fine] = [line for line in text.splitlines() if "20000001" in line]
        assert "over" not in fine
