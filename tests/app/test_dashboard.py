"""The TUI shell and dashboard: Pilot behaviour and snapshots."""

import fcntl
import re
import shutil
import time
from datetime import date
from pathlib import Path

import pytest

from tests.conftest import DEMO_TODAY
from tests.support import services
from tests.support.tui_support import settle, until
from tqconsole.app import TQConsole
from tqconsole.settings import load


class FrozenDate(date):
    @classmethod
    def today(cls):
        return DEMO_TODAY


@pytest.fixture
def frozen(monkeypatch):
    """Deterministic screens: no round-trip timings, the demo's 'today'."""
    monkeypatch.setattr("tqconsole.services.health.perf_counter", lambda: 0.0)
    monkeypatch.setattr("tqconsole.services.health.monotonic", lambda: 0.0)  # every probe: 0 s ago
    monkeypatch.setattr("tqconsole.backends.health.monotonic", lambda: 0.0)
    monkeypatch.setattr("tqconsole.services.db.figures.date", FrozenDate)


# A fixed folder (not $TMPDIR's), so the URLs and paths on screen are the same
# in every run on every machine.
SNAPSHOT_DATA = Path("/tmp/tqconsole-dashboard-snapshot")


@pytest.fixture
def demo_app(demo_template, monkeypatch, frozen):
    """The console on every embedded backend filled with the demo (database, buckets…).

    The folder is the same for every suite on the machine: a lock keeps two suites
    run at once (two clones, two branches) from using it at the same time.
    """
    with open(f"{SNAPSHOT_DATA}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        shutil.rmtree(SNAPSHOT_DATA, ignore_errors=True)
        shutil.copytree(demo_template.parent, SNAPSHOT_DATA)
        monkeypatch.setenv("TQ_DATA_DIR", str(SNAPSHOT_DATA))
        monkeypatch.setenv("TQ_EMBEDDED_CONSUMER", "0")
        yield TQConsole(load())
        shutil.rmtree(SNAPSHOT_DATA, ignore_errors=True)


async def test_dashboard_shows_health_and_figures(demo_app):
    async with demo_app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        panel = pilot.app.screen.query_one("#health-database")
        assert panel.health.ok
        figures = dict(panel.health.figures)
        assert figures["open subscriptions"] == "997"
        assert int(figures["courses this period"]) > 0


async def test_command_line_routes_and_rejects_unknown_locations(demo_app):
    async with demo_app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press(":", *"nowhere", "enter")
        await pilot.pause()
        error = pilot.app.screen.query_one("#command-error")
        assert "unknown location 'nowhere'" in str(error.render())
        assert pilot.app.screen.query_one("#command-line").has_class("-open")
        await pilot.press("escape")
        assert not pilot.app.screen.query_one("#command-line").has_class("-open")
        await pilot.press(":", *"dashboard", "enter")
        await pilot.pause()
        assert type(pilot.app.screen).__name__ == "DashboardScreen"
        assert len(pilot.app.screen_stack) == 1  # dashboard is not pushed twice


async def test_help_and_palette_come_from_the_bindings(demo_app):
    async with demo_app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("?")
        await pilot.pause()
        assert type(pilot.app.screen).__name__ == "KeysHelp"
        await pilot.press("?")
        await pilot.pause()
        assert type(pilot.app.screen).__name__ == "DashboardScreen"
        titles = [c.title for c in pilot.app.get_system_commands(pilot.app.screen)]
        assert "Refresh (r)" in titles
        assert "Go to Dashboard (1)" in titles, repr(titles)
        assert "Open table courses_subscribe" in titles and "Open bucket finance" in titles
        assert "Keys (?)" in titles


async def test_dashboard_survives_a_database_that_is_down(monkeypatch, frozen):
    monkeypatch.setenv("TQ_DATABASE_URL", "postgresql://tq:pw@127.0.0.1:1/tq")
    app = TQConsole(load())
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        panel = pilot.app.screen.query_one("#health-database")
        assert not panel.health.ok and "unavailable" in panel.health.error
        assert panel.has_class("-down")
        await pilot.press("r")
        await settle(pilot)
        assert pilot.app.is_running


async def test_dashboard_shows_postgresql_down_and_back(pg_proxy, frozen):
    app = TQConsole(load())
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        panel = pilot.app.screen.query_one("#health-database")
        assert panel.health.ok
        pg_proxy.stop()
        await pilot.press("r")
        await settle(pilot)
        assert not panel.health.ok and panel.border_subtitle == "DOWN · 0 s ago"
        pg_proxy.start()
        await pilot.press("r")
        await settle(pilot)
        assert panel.health.ok and panel.border_subtitle == "ok · 0 s ago"


@pytest.mark.parametrize("size", [(80, 24), (120, 40), (160, 50)])
def test_dashboard_snapshot(demo_app, snap_compare, size):
    assert snap_compare(demo_app, terminal_size=size, run_before=every_panel_probed)


async def every_panel_probed(pilot) -> None:
    """Wait for what the dashboard shows: every panel's probe."""
    from tqconsole.widgets.health_panel import HealthPanel

    panels = list(pilot.app.screen.query(HealthPanel))
    await until(pilot, lambda: all(p.health is not None for p in panels))


def test_keys_help_snapshot(demo_app, snap_compare):
    async def run_before(pilot):
        await every_panel_probed(pilot)
        await pilot.press("question_mark")
        await until(pilot, lambda: type(pilot.app.screen).__name__ == "KeysHelp")

    assert snap_compare(demo_app, terminal_size=(80, 24), run_before=run_before)


async def test_manual_refresh_never_adds_a_second_refresh_chain(demo_app):
    async with demo_app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = pilot.app.screen
        await until(pilot, lambda: screen.polls)
        replaced = []
        for _ in range(3):
            replaced += [p.timer for p in screen.polls if p.timer is not None]
            await pilot.press("r")
            await settle(pilot)
        pending = [p.timer for p in screen.polls if p.timer is not None]
        live = [
            t
            for t in screen._timers
            if t._task is not None and t.name not in ("screen_update", "probe-ages")
        ]
        assert len(live) == len(pending) <= len(screen.polls), live  # one chain per family
        assert all(t._task is None for t in replaced if t not in pending)  # replaced: stopped


@pytest.fixture
def smtp_proxy(smtp_server, monkeypatch):
    """TQ_EMAIL_URL through a TcpProxy to aiosmtpd: ``smtp_proxy.stop()`` takes SMTP down."""
    proxy = services.TcpProxy(smtp_server.host, smtp_server.port)
    proxy.start()
    monkeypatch.setenv("TQ_EMAIL_URL", f"smtp://127.0.0.1:{proxy.port}")
    yield proxy
    proxy.stop()


async def test_mail_panel_shows_smtp_down_within_one_refresh(smtp_proxy, smtp_server):
    """The README's 5 s hold for mail too (it was 60 s: "up" for a minute after SMTP died)."""
    from tqconsole.screens.dashboard import REFRESH_SECONDS

    app = TQConsole(load())
    async with app.run_test(size=(80, 24)) as pilot:
        panel = pilot.app.screen.query_one("#health-email")
        await until(pilot, lambda: panel.health is not None and panel.health.ok)
        smtp_proxy.stop()
        await until(pilot, lambda: not panel.health.ok, timeout=3 * REFRESH_SECONDS)
        assert "connection refused" in panel.health.error
        assert panel.border_subtitle.startswith("DOWN · ")
        smtp_proxy.start()
        await until(pilot, lambda: panel.health.ok, timeout=3 * REFRESH_SECONDS)
    assert smtp_server.messages == []  # a probe is a session without a message


async def test_each_panel_says_how_old_its_probe_is(monkeypatch):
    import tqconsole.screens.dashboard as dashboard

    monkeypatch.setattr(dashboard, "REFRESH_SECONDS", 3600.0)  # one probe each: it only ages
    app = TQConsole(load())
    async with app.run_test(size=(80, 24)) as pilot:
        panels = list(pilot.app.screen.query(dashboard.HealthPanel))
        await until(pilot, lambda: all(p.health is not None for p in panels))
        assert all(re.search(r"^(ok|DOWN) · \d+ s ago$", p.border_subtitle) for p in panels)
        panel = pilot.app.screen.query_one("#health-database")
        panel.health.checked = time.monotonic() - 42  # a probe that hangs: what is shown ages
        await until(pilot, lambda: panel.has_class("-stale"))
        assert re.search(r" · 4\d s ago \(stale\)$", panel.border_subtitle)
