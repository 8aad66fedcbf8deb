"""The Celery screen on the site's broker and database: counts, windows, groups, beat
toggle with confirmation, broker down (one line, the last data stays, recovery)."""

from __future__ import annotations

import asyncio

import pytest

from tests.support.services import REDIS_HOST, REDIS_PORT, TcpProxy, load_site_redis
from tests.support.tui_support import app_at, settle, until


@pytest.fixture
def proxied_site(site_url, redis_url, monkeypatch, no_embedded_consumer):
    load_site_redis(redis_url)
    proxy = TcpProxy(REDIS_HOST, REDIS_PORT)
    proxy.start()
    db = redis_url.rsplit("/", 1)[1]
    monkeypatch.setenv("TQ_CELERY_BROKER_URL", f"redis://127.0.0.1:{proxy.port}/{db}")
    yield proxy
    proxy.stop()


def table_rows(app, view: str) -> list[str]:
    from tqconsole.widgets.lists import KeyTable

    table = app.screen.query_one(f"#celery-{view}", KeyTable)
    return [" ".join(str(c) for c in table.get_row_at(i)) for i in range(table.row_count)]


def test_screen_shows_the_broker_and_survives_it_going_down(proxied_site):
    asyncio.run(_screen_and_broker_down(proxied_site))


async def _screen_and_broker_down(proxy):
    app = app_at("tasks")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("c")  # from the Tasks screen
        await until(pilot, lambda: type(app.screen).__name__ == "CeleryScreen")
        await until(pilot, lambda: len(table_rows(app, "messages")) == 9)
        summary = str(app.screen.query_one("#celery-summary").render())
        assert "celery 9" in summary and "unacked 2" in summary
        assert "payment_match" in " ".join(table_rows(app, "messages"))
        app.screen.query_one("#celery-tabs").active = "tasks"
        await until(pilot, lambda: len(table_rows(app, "tasks")) == 8)
        assert "post_office.tasks.send_queued_mail 2" in table_rows(app, "tasks")
        proxy.stop()
        await pilot.press("r")
        await until(
            pilot, lambda: "unavailable" in str(app.screen.query_one("#celery-error").render())
        )
        error = str(app.screen.query_one("#celery-error").render())
        assert "\n" not in error.strip()
        assert len(table_rows(app, "tasks")) == 8  # the last data stays
        proxy.start()
        await pilot.press("r")
        await until(pilot, lambda: not str(app.screen.query_one("#celery-error").render()).strip())


def test_beat_toggle_is_confirmed(proxied_site):
    asyncio.run(_beat_toggle())


async def _beat_toggle():
    from tqconsole.widgets.dialogs.confirm import ConfirmDialog

    app = app_at("celery")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        app.screen.query_one("#celery-tabs").active = "beat"
        await until(pilot, lambda: len(table_rows(app, "beat")) == 14)
        first = table_rows(app, "beat")[0]
        assert first.startswith("celery.backend_cleanup") and " yes " in first
        await pilot.press("e")
        await until(pilot, lambda: isinstance(app.screen, ConfirmDialog))
        await pilot.press("tab", "enter")  # Enter on the action button
        await until(pilot, lambda: " no " in (table_rows(app, "beat") or [""])[0])


def test_workers_tab_terminates_a_running_task(
    site_url, redis_url, monkeypatch, no_embedded_consumer
):
    monkeypatch.setenv("TQ_CELERY_BROKER_URL", redis_url)
    asyncio.run(_terminate_from_the_screen(redis_url))


async def _terminate_from_the_screen(redis_url):
    from tests.support.celery_support import answering, celery_worker
    from tests.support.tasks_support import wait_for
    from tqconsole.backends import celery
    from tqconsole.widgets.dialogs.confirm import ConfirmDialog

    broker = celery.from_url(redis_url)
    with celery_worker(redis_url):
        answering(broker)
        task_id = broker.send("post_office.tasks.send_queued_mail", [600])
        wait_for(lambda: any(t["id"] == task_id for w in broker.workers() for t in w.active), 60)
        app = app_at("celery")
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            app.screen.query_one("#celery-tabs").active = "workers"
            await until(pilot, lambda: task_id in " ".join(table_rows(app, "workers")), timeout=30)
            await pilot.press("K")
            await until(pilot, lambda: isinstance(app.screen, ConfirmDialog))
            await pilot.press("tab", "enter")
            await until(pilot, lambda: type(app.screen).__name__ == "CeleryScreen")
            await pilot.press("r")
            await until(pilot, lambda: "idle" in " ".join(table_rows(app, "workers")), timeout=30)
    broker.close()
