"""The cache screen: Pilot tests on the demo data and on Redis, snapshots at 80x24, 120x40 and 160x50, of one cache and of two."""

from __future__ import annotations

import asyncio
import base64
import functools
import os
import pickle
import threading

import pytest

from tests.support import services
from tests.support.tui_support import settle, shown, until
from tqconsole.app import TQConsole
from tqconsole.settings import load


def sync(test):
    """Run an async test body (no asyncio plugin is installed)."""

    @functools.wraps(test)
    def wrapper(*args, **kwargs):
        return asyncio.run(test(*args, **kwargs))

    return wrapper


def keys_table(app):
    return app.screen.query_one("#keys")


def shown_keys(app):
    return [row.value for row in keys_table(app).rows]


def stored(pattern="%"):
    from tests.conftest import make_backends

    b = make_backends()
    rows = b.database.execute_sql(
        "SELECT cache_key FROM tq_cache_table WHERE cache_key LIKE ? ORDER BY cache_key", (pattern,)
    ).fetchall()
    b.close()
    return [r[0] for r in rows]


@sync
async def test_opens_on_the_demo_cache_and_filters(demo_sqlite):
    app = TQConsole(load(), location="cache")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert app.screen.location == "cache"
        assert len(shown_keys(app)) == len(stored())
        assert "entries" in str(app.screen.query_one("#stats-text").render())
        await pilot.press("slash", *":1:course_ical_1*", "enter")
        await settle(pilot)
        assert shown_keys(app) == stored(":1:course^_ical^_1%".replace("^", ""))
        assert app.screen.location == "cache/:1:course_ical_1*"
        # a pattern in the site's own key names finds the keys as stored, and says so
        await pilot.press("slash", "ctrl+u", *"course_ical_1*", "enter")
        await settle(pilot)
        assert app.screen.pattern == "*:[0-9]*:course_ical_1*"
        assert shown_keys(app) == stored(":1:course^_ical^_1%".replace("^", ""))
        assert any("the stored form" in n.message for n in app._notifications)


@sync
async def test_location_with_pattern_and_tree_selects_namespace(demo_sqlite):
    app = TQConsole(load(), location="cache/:1:user_ical_1?")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert shown_keys(app) == stored(":1:user_ical_1_")
        tree = app.screen.query_one("#namespaces")
        node = next(n for n in _walk(tree.root) if n.data == ":1:course_ical_*")
        tree.select_node(node)
        await settle(pilot)
        assert app.screen.pattern == ":1:course_ical_*"
        assert all(k.startswith(":1:course_ical_") for k in shown_keys(app))


def _walk(node):
    yield node
    for child in node.children:
        yield from _walk(child)


@sync
async def test_delete_key_after_confirmation(demo_sqlite):
    app = TQConsole(load(), location="cache/:1:course_ical_*")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        first = shown_keys(app)[0]
        await pilot.press("d")
        await pilot.pause()
        assert "Delete 1 key(s)" in str(app.screen.query_one(".question").render())
        await pilot.press("escape")  # cancelled: nothing lost
        await settle(pilot)
        assert first in stored()
        await pilot.press("d")
        await pilot.pause()
        await pilot.click("#ok")
        await settle(pilot)
        assert first not in stored()
        assert first not in shown_keys(app)


@sync
async def test_mark_several_and_set_ttl(demo_sqlite):
    app = TQConsole(load(), location="cache/:1:course_ical_*")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        keys = shown_keys(app)[:2]
        await pilot.press("space", "space")
        assert app.screen.key_list.marked == set(keys)
        await pilot.press("d")
        await pilot.pause()
        await pilot.click("#ok")
        await settle(pilot)
        assert not set(keys) & set(stored())
        await pilot.press("g", "t")
        await pilot.pause()
        await pilot.press(*"soon", "enter")  # bad input: a message, nothing changed
        await settle(pilot)
        await pilot.press("t")
        await pilot.pause()
        await pilot.press(*"none", "enter")
        await settle(pilot)
        assert keys_table(app).get_row_at(0)[3] == "never"


@sync
async def test_clear_by_pattern_needs_the_pattern_typed(demo_sqlite):
    app = TQConsole(load(), location="cache/:1:user_ical_*")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        before = len(stored())
        await pilot.press("x")
        await pilot.pause()
        await pilot.press(*"wrong", "enter")
        await pilot.pause()
        assert "nothing done" in str(app.screen.query_one("#typed-error").render())
        assert len(stored()) == before
        app.screen.query_one("#typed").value = ":1:user_ical_*"
        await pilot.press("enter")
        await settle(pilot)
        await settle(pilot)
        assert stored(":1:user^_ical^_%".replace("^", "")) == []
        assert len(stored()) == before - 150
        assert shown_keys(app) == []


@sync
async def test_read_only_refuses_changes(demo_sqlite):
    app = TQConsole(load(read_only=True), location="cache")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        before = stored()
        for key in ("d", "x", "X", "F", "t", "p"):
            await pilot.press(key)
            await pilot.pause()
            assert app.screen.route == "cache"  # no dialog opened
        assert stored() == before
        assert any("read-only" in n.message for n in app._notifications)  # noqa: SLF001


@sync
async def test_malicious_value_is_shown_never_run(demo_sqlite, tmp_path):
    from tests.conftest import make_backends

    target = tmp_path / "pwned"

    class Evil:
        def __reduce__(self):
            return (os.system, (f"touch {target}",))

    b = make_backends()
    b.database.execute_sql(
        "INSERT INTO tq_cache_table VALUES (?, ?, '9999-12-31 23:59:59')",
        (":1:aaa evil\x01", base64.b64encode(pickle.dumps(Evil())).decode()),
    )
    b.close()
    app = TQConsole(load(), location="cache")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert shown_keys(app)[0] == ":1:aaa evil\x01"
        await pilot.press("g", "enter")
        await settle(pilot)
        assert "system(" in str(app.screen.query_one("#detail-value").render())
        assert "\\x01" in str(app.screen.query_one("#detail-head").render())
        await pilot.press("escape")
    assert not target.exists()


@sync
async def test_redis_down_says_so_and_keeps_running(sqlite_url, monkeypatch):
    monkeypatch.setenv("TQ_CACHE_URL", "redis://127.0.0.1:1/6")
    app = TQConsole(load(), location="cache")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        stats = app.screen.query_one("#stats-text")
        assert stats.has_class("-down") and "unavailable" in str(stats.render())
        assert "unavailable" in str(app.screen.query_one("#status").render())
        await pilot.press("r")
        await settle(pilot)
        await pilot.press("x")  # clear all: its dialog opens; the server's error comes after
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen.route == "cache"


@sync
async def test_stats_refresh_rearms_and_shows_redis(redis_url, sqlite_url, monkeypatch):
    import tqconsole.screens.cache_pane as screen_module

    monkeypatch.setattr(screen_module, "STATS_SECONDS", 0.05)
    monkeypatch.setenv("TQ_CACHE_URL", redis_url)
    from tqconsole.backends.cache import from_url

    c = from_url(redis_url)
    c.set_many({f"user_ical_{i}": "x" for i in range(30)})
    c.close()
    app = TQConsole(load(), location="cache")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await until(
            pilot, lambda: len(app.screen.stats_panel.memory) >= 3
        )  # refreshed again and again
        assert "Redis" in str(app.screen.query_one("#stats-text").render())
        assert len(shown_keys(app)) == 30
        workers = [w for w in app.workers if w.group == "cache-stats" and w.is_running]
        assert len(workers) <= 1


def cache_data_on_screen(app) -> bool:
    """The stats (one reading), the key list and the namespace tree."""
    screen = app.screen
    status = str(screen.query_one("#status").render())
    tree = screen.query_one("#namespaces")
    return (
        len(screen.stats_panel.memory) == 1 and "keys matching" in status and tree.root.data == "*"
    )


@pytest.fixture
def one_stats_reading(monkeypatch):
    """The stats are read once: each reading adds to the sparklines, which a snapshot shows."""
    import tqconsole.screens.cache_pane as screen_module

    monkeypatch.setattr(screen_module, "STATS_SECONDS", 3600.0)


@pytest.mark.parametrize("size", [(80, 24), (120, 40), (160, 50)])
def test_snapshot_cache_screen(size, demo_sqlite, one_stats_reading, snap_compare):
    app = TQConsole(load(), location="cache")

    async def run_before(pilot):
        await settle(pilot)
        await shown(pilot, lambda: cache_data_on_screen(pilot.app))

    assert snap_compare(app, terminal_size=size, run_before=run_before)


@pytest.fixture
def two_caches(demo_sqlite, one_stats_reading, monkeypatch):
    """The demo's db cache and a django-redis-like ``default`` of fixed keys without TTL
    (a local-memory cache: Redis's own figures change by the second)."""
    import uuid

    from tqconsole.backends.cache import from_url

    url = f"locmem://snap-{uuid.uuid4().hex[:8]}"
    cache = from_url(url)
    for n in range(12):
        cache.set(f"user_ical_{n}", f"BEGIN:VCALENDAR {n}", timeout=None)
    cache.set("payment_match_last_run", 1_700_000_000, timeout=None)
    monkeypatch.setenv("TQ_CACHE_URL", url)


def both_caches_on_screen(app) -> bool:
    panes = list(app.screen.query("CachePane"))
    return len(panes) == 2 and all(
        len(p.stats_panel.memory) == 1
        and "keys matching" in str(p.query_one("#status").render())
        and p.namespace_tree.root.data == "*"
        for p in panes
    )


@pytest.mark.parametrize("size", [(80, 24), (160, 50)])
def test_snapshot_two_caches(size, two_caches, snap_compare):
    app = TQConsole(load(), location="cache")

    async def run_before(pilot):
        await settle(pilot)
        await shown(pilot, lambda: both_caches_on_screen(pilot.app))

    assert snap_compare(app, terminal_size=size, run_before=run_before)


def test_snapshot_key_detail(demo_sqlite, one_stats_reading, snap_compare):
    app = TQConsole(load(), location="cache/:1:django.contrib.sessions.cache*")

    async def run_before(pilot):
        from tqconsole.screens.cache_detail import KeyDetailScreen

        await settle(pilot)
        await shown(pilot, lambda: cache_data_on_screen(pilot.app))
        await pilot.press("enter")
        await shown(pilot, lambda: isinstance(pilot.app.screen, KeyDetailScreen))

    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)


class Proxy:
    """A TCP forwarder to Redis that can be started late: Redis 'down', then back."""

    def __init__(self, port: int, target: tuple[str, int]):
        import socket
        import threading

        self.port, self.target, self.socket_mod, self.threading = port, target, socket, threading
        self.server = None

    def start(self) -> None:
        sock = self.socket_mod.socket()
        sock.setsockopt(self.socket_mod.SOL_SOCKET, self.socket_mod.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", self.port))
        sock.listen()
        self.server = sock
        self.threading.Thread(target=self.accept, daemon=True).start()

    def accept(self) -> None:
        while True:
            try:
                client, _ = self.server.accept()
            except OSError:
                return
            upstream = self.socket_mod.create_connection(self.target)
            for a, b in ((client, upstream), (upstream, client)):
                self.threading.Thread(target=self.pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def pipe(a, b) -> None:
        try:
            while data := a.recv(65536):
                b.sendall(data)
        except OSError:
            pass
        finally:
            a.close()
            b.close()

    def stop(self) -> None:
        if self.server:
            self.server.close()


@sync
async def test_redis_back_up_recovers(redis_url, sqlite_url, monkeypatch):
    import tqconsole.screens.cache_pane as screen_module
    from tests.support import services
    from tqconsole.backends.cache import from_url

    monkeypatch.setattr(screen_module, "STATS_SECONDS", 0.05)
    db = redis_url.rsplit("/", 1)[1]
    port = services.free_port()
    proxy = Proxy(port, (services.REDIS_HOST, services.REDIS_PORT))
    monkeypatch.setenv("TQ_CACHE_URL", f"redis://127.0.0.1:{port}/{db}")
    c = from_url(redis_url)
    c.set_many({f"user_ical_{i}": "x" for i in range(20)})
    c.close()
    app = TQConsole(load(), location="cache")
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            assert app.screen.query_one("#stats-text").has_class("-down")
            assert shown_keys(app) == []
            proxy.start()
            await until(pilot, lambda: len(shown_keys(app)) == 20)
            assert not app.screen.query_one("#stats-text").has_class("-down")
            assert len(shown_keys(app)) == 20
    finally:
        proxy.stop()


@sync
async def test_clear_pattern_on_redis_shows_progress_and_result(redis_url, sqlite_url, monkeypatch):
    import redis

    from tqconsole.widgets.dialogs.progress import ProgressDialog

    monkeypatch.setenv("TQ_CACHE_URL", redis_url)
    raw = redis.Redis.from_url(redis_url)
    raw.eval("for i = 1, 30000 do redis.call('SET', 'drop:' .. i, 'x') end", 0)
    raw.set("keep:1", "x")
    app = TQConsole(load(), location="cache/drop:*")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("x")
        await pilot.pause()
        app.screen.query_one("#typed").value = "drop:*"
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, ProgressDialog) or raw.dbsize() == 1
        await settle(pilot)
        await settle(pilot)
        assert app.screen.route == "cache"
        assert any("removed 30,000 keys" in n.message for n in app._notifications)  # noqa: SLF001
    assert raw.keys("*") == [b"keep:1"]


@sync
async def test_ctrl_x_cancels_a_pattern_clear(redis_url, sqlite_url, monkeypatch):
    import redis

    import tqconsole.backends.cache.redis as redis_backend
    from tests.support.tui_support import until
    from tqconsole.widgets.dialogs.progress import ProgressDialog

    monkeypatch.setattr(redis_backend, "SCAN_COUNT", 5)  # thousands of round trips
    # the clear's round trips wait until the test has pressed ctrl+x: never over before
    armed, gate = threading.Event(), threading.Event()
    execute = redis.client.Pipeline.execute

    def held(pipe, *args, **kwargs):
        if armed.is_set() and threading.current_thread() is not threading.main_thread():
            gate.wait(60)
        return execute(pipe, *args, **kwargs)

    monkeypatch.setattr(redis.client.Pipeline, "execute", held)
    monkeypatch.setenv("TQ_CACHE_URL", redis_url)
    raw = redis.Redis.from_url(redis_url)
    raw.eval("for i = 1, 30000 do redis.call('SET', 'drop:' .. i, 'x') end", 0)
    app = TQConsole(load(), location="cache/drop:*")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("x")
        await until(pilot, lambda: app.screen.query("#typed"))
        app.screen.query_one("#typed").value = "drop:*"
        armed.set()
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, ProgressDialog))
        await pilot.press("ctrl+x")
        gate.set()
        await until(pilot, lambda: not isinstance(app.screen, ProgressDialog))
        messages = await until(pilot, lambda: [n.message for n in app._notifications])  # noqa: SLF001
        assert any("(cancelled)" in m for m in messages), messages
    assert raw.dbsize() > 0  # not everything went


@sync
async def test_clear_all_keeps_the_sites_broker_and_flush_is_its_own_key(
    redis_url, sqlite_url, monkeypatch
):
    import redis

    from tests.cache.test_services import BROKER
    from tests.support.tui_support import until

    monkeypatch.setenv("TQ_CACHE_URL", redis_url)
    services.load_site_redis(redis_url)
    raw = redis.Redis.from_url(redis_url)
    name = "db" + redis_url.rsplit("/", 1)[1]
    app = TQConsole(load(), location="cache")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)

        def said(text):
            return any(text in n.message for n in app._notifications)  # noqa: SLF001

        await pilot.press("X")
        await until(pilot, lambda: app.screen.query("#typed"))
        assert "Celery broker" in str(app.screen.query_one(".question").render())
        await pilot.press(*name, "enter")
        await until(pilot, lambda: said("removed 76 cache entries; kept 9 other key(s)"))
        assert {k.decode() for k in raw.keys("*")} >= BROKER and raw.dbsize() == 9
        await pilot.press("F")
        await until(pilot, lambda: app.screen.query("#typed"))
        await pilot.press(*name, "enter")  # the name alone does not flush
        await pilot.pause()
        assert "that is not" in str(app.screen.query_one("#typed-error").render())
        app.screen.query_one("#typed").value = f"FLUSHDB {name}"
        await pilot.press("enter")
        await until(pilot, lambda: said(f"removed 9 keys: FLUSHDB {name}"))
    assert raw.dbsize() == 0


@sync
async def test_key_list_fits_after_a_resize(two_caches):
    """Each pane's key column is fitted to its width; the table's scrollable width
    follows at once (else a stray horizontal scrollbar covers the last row)."""
    app = TQConsole(load(), location="cache")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await until(pilot, lambda: both_caches_on_screen(app))
        await pilot.press("C")
        for size in ((80, 24), (160, 50), (120, 40), (80, 24)):
            await pilot.press("r")  # the rows measured at the width before the resize
            await settle(pilot)
            await pilot.resize_terminal(*size)
            await settle(pilot)
            for table in app.screen.query("#keys"):
                if table.region.width:  # a folded pane's list is not shown
                    assert table.virtual_size.width <= table.scrollable_content_region.width
