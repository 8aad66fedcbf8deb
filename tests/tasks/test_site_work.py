"""Site work stays the site's: with the site's broker known, matching, queued mail and
reminders go to the site's Celery by name (a real worker of tests/support/celery_site_app.py),
and the console's periodic twins stand down; on the embedded default Huey does it."""

from __future__ import annotations

import json

import pytest

from tests.support.celery_support import answering, celery_worker
from tests.support.tasks_support import bound, make_backends, wait_for
from tests.support.tui_support import app_at, until
from tqconsole.cli import main

STANDING_DOWN = {"send_queued_mail", "send_payment_reminders"}


@pytest.fixture
def site_broker(redis_url, monkeypatch):
    """The site's own variable names the broker (as the site's env on the server)."""
    monkeypatch.setenv("TQ_REDIS_BROKER_URL", redis_url)
    from tqconsole.backends import celery

    broker = celery.from_url(redis_url)
    yield broker
    broker.close()


def periodic_names(queue) -> set[str]:
    return {type(task).__name__ for task in queue.huey._registry.periodic_tasks}


def worker_ran(broker) -> dict[str, int]:
    """Task name -> how many the answering workers ran (Celery's own stats)."""
    stats = broker.app.control.inspect(timeout=1.0).stats() or {}
    return {k: v for s in stats.values() for k, v in s.get("total", {}).items()}


def test_embedded_default_keeps_huey_periodic(sqlite_url, queue_name):
    backends = make_backends()
    try:
        queue = bound(backends)
        assert STANDING_DOWN | {"cull_cache"} <= periodic_names(queue)
        assert queue.site_work == {}
    finally:
        backends.close()


def test_site_configured_periodic_stand_down(sqlite_url, queue_name, site_broker, capsys):
    backends = make_backends()
    try:
        queue = bound(backends)
        assert periodic_names(queue) == {"cull_cache"}
        # still registered, so a message queued before still resolves
        registry = queue.huey._registry
        assert registry.string_to_task("tqconsole.tasks.send_queued_mail")
    finally:
        backends.close()
    assert main(["tasks", "stats", "--json"]) == 0
    periodic = {t["name"]: t for t in json.loads(capsys.readouterr().out)["periodic"]}
    assert periodic["send_queued_mail"]["next_run"] is None
    reason = periodic["send_payment_reminders"]["stands_down"]
    assert "payment_match(send_reminders=True)" in reason and "TQ_REDIS_BROKER_URL" in reason
    assert periodic["cull_cache"]["next_run"] and not periodic["cull_cache"]["stands_down"]
    main(["check"])
    out = capsys.readouterr().out
    assert "task: send_queued_mail stands down: the site's beat runs post_office" in out
    assert "task: payment_match is sent to the site as payment_match()" in out


def test_enqueue_sends_the_sites_task_by_name(sqlite_url, queue_name, site_broker, capsys):
    assert main(["tasks", "enqueue", "send_payment_reminders"]) == 0
    captured = capsys.readouterr()
    task_id = captured.out.strip()
    assert "sent to the site's Celery as payment_match(send_reminders=True)" in captured.err
    [message] = site_broker.messages("celery", 0, 10)
    assert (message.task, message.id, message.kwargs) == (
        "payment_match",
        task_id,
        {"send_reminders": True},
    )
    assert main(["tasks", "enqueue", "send_queued_mail"]) == 0
    assert main(["tasks", "enqueue", "payment_match", "[1]"]) == 2
    assert "takes no arguments" in capsys.readouterr().err
    with celery_worker(site_broker.url):
        answering(site_broker)
        ran = wait_for(
            lambda: (r := worker_ran(site_broker)).get("payment_match") and r, timeout=60
        )
        wait_for(lambda: worker_ran(site_broker).get("post_office.tasks.send_queued_mail"), 60)
    assert ran["payment_match"] == 1
    backends = make_backends()
    try:  # nothing went to the console's own queue
        assert bound(backends).huey.pending_count() == 0
    finally:
        backends.close()


def test_read_only_refuses_sending(sqlite_url, queue_name, site_broker, capsys):
    assert main(["--read-only", "tasks", "enqueue", "payment_match"]) != 0
    assert "read-only" in capsys.readouterr().err
    assert all(q.messages == 0 for q in site_broker.queues(refresh=True))


def test_embedded_enqueue_stays_on_huey(sqlite_url, queue_name, capsys):
    backends = make_backends()
    assert main(["tasks", "enqueue", "send_queued_mail"]) == 0
    assert "site" not in capsys.readouterr().err
    try:
        assert bound(backends).huey.pending_count() == 1
    finally:
        backends.close()


async def test_enqueue_dialog_enter_sends_nothing_by_accident(sqlite_url, queue_name):
    from textual.widgets import Select, Static

    from tqconsole.widgets.dialogs.prompt import EnqueueDialog

    backends = make_backends()
    app = app_at("tasks")
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: getattr(app.screen, "snap", None) is not None)
        await pilot.press("n")
        await until(pilot, lambda: isinstance(app.screen, EnqueueDialog))
        dialog = app.screen
        await pilot.press("tab", "enter")  # Enter in the arguments, no task picked
        assert isinstance(app.screen, EnqueueDialog)
        assert "pick a task first" in str(dialog.query_one("#enqueue-error", Static).render())
        assert dialog.query_one("#task-name", Select).has_focus
        await pilot.press("escape")
        await until(pilot, lambda: not isinstance(app.screen, EnqueueDialog))
    try:
        assert bound(backends).huey.pending_count() == 0
    finally:
        backends.close()


def test_mail_reminders_send_is_the_sites_task(sqlite_url, queue_name, site_broker, capsys):
    """``mail reminders --send`` with the site configured: its task, no mail of the console's."""
    from tqconsole.models import PaymentReminder

    assert main(["init"]) == 0
    assert main(["mail", "reminders", "--send"]) == 0
    out = capsys.readouterr().out
    assert "sent the site's task payment_match(send_reminders=True)" in out
    [message] = site_broker.messages("celery", 0, 10)
    assert (message.task, message.kwargs) == ("payment_match", {"send_reminders": True})
    assert PaymentReminder.select().count() == 0
