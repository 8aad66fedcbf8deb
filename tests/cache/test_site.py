"""The site's two caches on the site's own data: django-redis ``default`` in the Redis db it
shares with the Celery broker (redis.jsonl), and the ``db`` DatabaseCache on
``tq_cache_table`` (sample.sql)."""

from __future__ import annotations

import json

import pytest
import redis

from tests.cache.test_services import BROKER
from tests.support import services
from tests.support.tui_support import settle, until
from tqconsole.app import TQConsole
from tqconsole.backends.cache import from_url
from tqconsole.backends.cache.broker_keys import BrokerKey
from tqconsole.cli import main
from tqconsole.services.cache import inspector as insp
from tqconsole.settings import load


@pytest.fixture
def site_caches(site_url, redis_url, monkeypatch):
    """The site's environment: both caches, django-redis on the site's Redis data (its URL)."""
    monkeypatch.delenv("TQ_CACHE_URL", raising=False)
    monkeypatch.setenv("TQ_REDIS_BROKER_URL", redis_url)  # as the site's settings read it
    services.load_site_redis(redis_url)
    return redis_url


@pytest.fixture
def site_redis(redis_url):
    site = services.load_site_redis(redis_url)
    cache = from_url(redis_url)
    yield cache, site, redis.Redis.from_url(redis_url)
    cache.close()


def test_the_brokers_keys_are_listed_as_the_brokers(site_redis):
    cache, site, _ = site_redis
    owners = {i.key: i.owner for i in insp.iter_keys(cache)}
    assert set(owners) == site
    assert {k for k, owner in owners.items() if owner == "broker"} == BROKER
    page = insp.list_keys(cache, "*", want=1000)
    assert {i.key for i in page.keys if i.owner == "broker"} == BROKER
    assert insp.namespaces(cache).broker == len(BROKER)
    assert {i.key for i in cache.raw_describe(["celery", ":1:tq:fixture:int"]) if i.owner} == {
        "celery"
    }


def test_no_cache_action_touches_the_broker(site_redis):
    cache, site, raw = site_redis
    with pytest.raises(BrokerKey, match=r"celery \(list\).*the Celery broker's"):
        insp.delete_keys(cache, ["celery"])
    with pytest.raises(BrokerKey, match="unacked"):  # nothing of the call is deleted
        insp.delete_keys(cache, [":1:tq:fixture:int", "unacked"])
    assert raw.exists(":1:tq:fixture:int")
    with pytest.raises(BrokerKey):
        insp.set_ttl(cache, "_kombu.binding.celery", 60)
    assert raw.ttl("_kombu.binding.celery") == -1
    assert insp.cull_expired(cache) == 0
    removed = insp.clear_pattern(cache, "*")
    assert removed == len(site) - len(BROKER)
    assert {k.decode() for k in raw.keys("*")} == BROKER
    assert raw.llen("celery") == 9 and raw.hlen("unacked") == 2


def test_site_name_patterns_find_other_versions_and_prefixes(site_redis):
    cache, _, _ = site_redis
    found = {i.key for i in insp.iter_keys(cache, insp.stored_pattern(cache, "course_ical_*"))}
    assert found == {":1:course_ical_10", ":1:course_ical_6", "tqsite:3:course_ical_1"}
    versioned = insp.stored_pattern(cache, "tq:fixture:versioned")
    assert {i.key for i in insp.list_keys(cache, versioned).keys} == {
        ":1:tq:fixture:versioned",
        ":2:tq:fixture:versioned",
    }


def test_values_decoded_as_django_redis_writes_them(site_redis):
    cache, _, _ = site_redis
    assert insp.key_detail(cache, ":1:tq:fixture:int").decoded.kind == "integer"
    assert cache.get("tq:fixture:int") == int(
        insp.key_detail(cache, ":1:tq:fixture:int").decoded.text
    )
    detail = insp.key_detail(cache, ":1:tq:fixture:dict")
    assert detail.decoded.kind == "pickle" and "{" in detail.decoded.text
    ical = insp.key_detail(cache, ":1:course_ical_10")
    assert "HttpResponse" in ical.decoded.text and "BEGIN:VCALENDAR" in ical.decoded.text


def run(capsys, *args):
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_marks_and_refuses_broker_keys(site_redis, sqlite_url, redis_url, monkeypatch, capsys):
    monkeypatch.setenv("TQ_CACHE_URL", redis_url)
    code, out, _ = run(capsys, "cache", "keys", "--json")
    owners = {k["key"]: k["owner"] for k in json.loads(out)}
    assert {k for k, o in owners.items() if o == "broker"} == BROKER
    code, out, _ = run(capsys, "cache", "keys", "celery")
    assert code == 0 and out.split()[-2:] == ["broker", "celery"]
    code, out, err = run(capsys, "cache", "delete", "celery", "--yes")
    assert code != 0 and "the Celery broker's" in err and "Traceback" not in err
    assert site_redis[2].llen("celery") == 9


def test_both_caches_from_the_sites_environment(site_caches, capsys):
    code, out, _ = run(capsys, "cache", "keys", "--cache", "db", "--json")
    assert code == 0
    db_keys = {k["key"] for k in json.loads(out)}
    assert len(db_keys) == 7 and all(k.startswith(":") for k in db_keys)
    code, out, _ = run(capsys, "cache", "stats", "--cache", "db", "--json")
    assert json.loads(out)["backend"] == "database" and json.loads(out)["entries"] == 7
    code, out, _ = run(capsys, "cache", "keys", "--json")
    assert {k["key"] for k in json.loads(out)} >= BROKER
    code, _, err = run(capsys, "cache", "keys", "--cache", "memcached")
    assert code != 0 and "unknown cache 'memcached'" in err


def sync(test):
    import asyncio
    import functools

    @functools.wraps(test)
    def wrapper(*args, **kwargs):
        return asyncio.run(test(*args, **kwargs))

    return wrapper


def cache_panes(app):
    """The cache screen's panes: django-redis ``default``, then the ``db`` table."""
    return app.screen.query_one("#pane-default"), app.screen.query_one("#pane-db")


@sync
async def test_screen_shows_both_caches_marks_broker_keys_and_acts_on_the_focused_one(
    site_caches,
):
    redis_url = site_caches
    raw = redis.Redis.from_url(redis_url)
    app = TQConsole(load(), location="cache/celery")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        redis_pane, db_pane = cache_panes(app)
        redis_keys, db_keys = redis_pane.query_one("#keys"), db_pane.query_one("#keys")
        # both at once, each with its own stats and keys, side by side
        await until(pilot, lambda: [r.value for r in redis_keys.rows] == ["celery"])
        await until(pilot, lambda: len(db_keys.rows) == 7)
        await until(pilot, lambda: redis_pane.stats_panel.last and db_pane.stats_panel.last)
        assert "Redis" in str(redis_pane.query_one("#stats-text").render())
        assert "tq_cache_table" in str(db_pane.query_one("#stats-text").render())
        assert redis_pane.region.y == db_pane.region.y and redis_pane.region.x < db_pane.region.x
        assert "(broker)" in str(redis_keys.get_row_at(0)[1])

        def said(text):
            return any(text in n.message for n in app._notifications)  # noqa: SLF001

        await pilot.press("d")
        await until(pilot, lambda: app.screen.query(".question"))
        await pilot.press("tab", "enter")  # Cancel is focused first: tab to Delete
        await until(pilot, lambda: said("the Celery broker's"))
        assert raw.llen("celery") == 9
        await pilot.press("C")  # the db pane has the focus: the actions are its
        await until(pilot, lambda: app.screen.cache_name == "db" and db_keys.has_focus)
        key = db_keys.coordinate_to_cell_key((0, 0)).row_key.value
        await pilot.press("d")
        await until(pilot, lambda: app.screen.query(".question"))
        assert "tq_cache_table" in str(app.screen.query_one(".question").render())
        await pilot.press("tab", "enter")
        await until(pilot, lambda: len(db_keys.rows) == 6 and key not in db_keys.rows)
        assert raw.llen("celery") == 9 and len(redis_keys.rows) == 1
        await pilot.press("slash", "ctrl+u", *"nothing*", "enter")  # the db pane's pattern
        await until(pilot, lambda: "nothing*" in db_pane.pattern and not db_keys.rows)
        assert redis_pane.pattern == "celery"
        await pilot.click("#pane-default #keys")  # a click moves the focus back
        await until(pilot, lambda: app.screen.cache_name == "default")
        await pilot.press("C")
        await until(pilot, lambda: app.screen.cache_name == "db")
        await pilot.press("C")
        await until(pilot, lambda: app.screen.cache_name == "default")


@sync
async def test_both_caches_at_80_columns_fold_the_other_to_its_stats(site_caches):
    app = TQConsole(load(), location="cache")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        redis_pane, db_pane = cache_panes(app)
        await until(pilot, lambda: redis_pane.stats_panel.last and db_pane.stats_panel.last)
        assert db_pane.has_class("-folded") and not redis_pane.has_class("-folded")
        assert db_pane.stats_panel.region.height > 0  # its stats stay in sight
        assert db_pane.query_one("#keys").region.height == 0
        assert redis_pane.region.y < db_pane.region.y
        await pilot.press("C")
        await until(pilot, lambda: redis_pane.has_class("-folded"))
        assert not db_pane.has_class("-folded") and app.screen.cache_name == "db"
        await until(pilot, lambda: len(db_pane.query_one("#keys").rows) == 7)


def test_hourly_cull_culls_the_sites_db_cache_not_redis(site_caches, monkeypatch):
    from tqconsole import tasks
    from tqconsole.backends import Backends

    backends = Backends(load())
    monkeypatch.setattr(tasks, "_backends", backends)
    try:
        db = backends.get("cache", "db")
        assert db.location == "tq_cache_table" and backends.get("cache").scheme == "redis"
        backends.database.execute_sql(
            "UPDATE tq_cache_table SET expires = '2000-01-01' WHERE cache_key = ':1:tq:list'"
        )
        assert tasks.cull_cache() == 1
        assert len(insp.list_keys(db, "*").keys) == 6
        assert backends.get("cache").raw_count() == 85
    finally:
        backends.close()


def test_pattern_clear_keeps_queues_where_scripts_are_refused(site_redis):
    """An ACL user without scripting: the clear checks types with TYPE instead."""
    import uuid

    _, site, raw = site_redis
    user = f"tqtest-noscript-{uuid.uuid4().hex[:8]}"
    raw.acl_setuser(user, enabled=True, nopass=True, keys=["*"], commands=["+@all", "-@scripting"])
    raw.lpush("jobs", b"a queue of another program")
    host, port, db = (
        services.REDIS_HOST,
        services.REDIS_PORT,
        raw.connection_pool.connection_kwargs["db"],
    )
    limited = from_url(f"redis://{user}:x@{host}:{port}/{db}")
    try:
        assert insp.clear_pattern(limited, "*") == len(site) - len(BROKER)
        assert {k.decode() for k in raw.keys("*")} == BROKER | {"jobs"}
        assert limited._scripts is False  # noqa: SLF001 - the fallback was taken
    finally:
        limited.close()
        raw.acl_deluser(user)


def test_check_shows_both_caches_with_figures_and_sources(site_caches, capsys):
    redis_url = site_caches
    code, out, err = run(capsys, "check", "--json")
    assert out, err
    rows = {row["family"]: row for row in json.loads(out)}
    redis_cache, db_cache = rows["cache"], rows["cache:db"]
    assert redis_cache["ok"] and db_cache["ok"], (redis_cache, db_cache)
    assert redis_cache["title"] == "Cache (default)" and db_cache["title"] == "Cache (db)"
    assert redis_cache["from"].startswith("TQ_REDIS_BROKER_URL")
    assert redis_cache["figures"]["backend"] == "redis"
    keys = redis.Redis.from_url(redis_url).dbsize()
    assert redis_cache["figures"]["keys"] == f"{keys:,} in db{redis_url.rsplit('/', 1)[1]}"
    assert db_cache["url"] == "db://tq_cache_table" and db_cache["figures"]["keys"] == "7"
    assert db_cache["from"].startswith("the site's CACHES, a table in the database")
    code, out, _ = run(capsys, "check")
    assert "Cache (default)" in out and "Cache (db)" in out and "db://tq_cache_table" in out
    assert "Cache (db): keys 7, expired 0, table size" in out and "Cache (default): memory" in out


@sync
async def test_dashboard_shows_both_caches(site_caches):
    redis_url = site_caches
    app = TQConsole(load(), location="dashboard")
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(pilot)
        redis_panel = app.screen.query_one("#health-cache")
        db_panel = app.screen.query_one("#health-cache-db")
        await until(pilot, lambda: redis_panel.health and db_panel.health)
        assert redis_panel.border_title == "Cache (default)" and redis_panel.health.ok
        assert db_panel.border_title == "Cache (db)" and db_panel.health.ok
        assert dict(db_panel.health.figures)["keys"] == "7"
        assert db_panel.url == "db://tq_cache_table" and redis_panel.url == redis_url
