"""Round trips with Django's own cache backends (configured in-process): what the site
writes the console reads, and the other way round — DatabaseCache on SQLite and
PostgreSQL (including a table made by Django's createcachetable), RedisCache on Redis."""

from __future__ import annotations

import datetime
from decimal import Decimal
from urllib.parse import urlsplit

import pytest

from tests.conftest import make_backends

VALUES = {
    "text": "Grüezi mitenand",
    "number": 42,
    "flag": True,
    "data": {"course": [1, 2], "price": Decimal("35.50"), "when": datetime.date(2026, 11, 21)},
}


def use_django_database(db_url: str) -> None:
    """Point Django's default database at ``db_url`` (Django configured once per process)."""
    from django.conf import settings

    from tqconsole.services.mail.templates import DJANGO_SETTINGS

    if not settings.configured:
        settings.configure(
            **DJANGO_SETTINGS,
            TIME_ZONE="Europe/Zurich",
            DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}},
            INSTALLED_APPS=[],
        )
        import django

        django.setup()
    from django.db import connections

    parts = urlsplit(db_url)
    if parts.scheme == "sqlite":
        conf = {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": parts.path[1:] if parts.path.startswith("//") else parts.path,
        }
    else:
        conf = {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": parts.path.lstrip("/"),
            "USER": parts.username or "",
            "HOST": parts.hostname,
            "PORT": parts.port or 5432,
        }
    connections.close_all()
    connections.settings["default"] = connections.configure_settings({"default": conf})["default"]
    if hasattr(connections._connections, "default"):  # noqa: SLF001 - drop the old connection
        delattr(connections._connections, "default")  # noqa: SLF001


def django_db_cache():
    from django.core.cache.backends.db import DatabaseCache

    return DatabaseCache("tq_cache_table", {})


@pytest.fixture
def console_cache(db_url, monkeypatch):
    from tqconsole.services.db.schema import init

    monkeypatch.setenv("TQ_CACHE_URL", "db://tq_cache_table")
    b = make_backends()
    init(b)
    use_django_database(db_url)
    yield b.get("cache")
    from django.db import connections

    connections.close_all()
    b.close()


def test_django_writes_console_reads(console_cache):
    site = django_db_cache()
    for key, value in VALUES.items():
        site.set(key, value)
    site.set("forever", "never expires", timeout=None)
    site.set("expired", "old", timeout=0)
    site.add("added", [1])
    for key, value in VALUES.items():
        assert console_cache.get(key) == value
    assert console_cache.get("forever") == "never expires"
    assert console_cache.get("expired") is None
    assert console_cache.get("added") == [1]
    info = {i.key: i for i in console_cache.raw_describe([":1:forever", ":1:text"])}
    assert info[":1:forever"].ttl is None
    assert 290 < info[":1:text"].ttl <= 300


def test_console_writes_django_reads(console_cache):
    site = django_db_cache()
    console_cache.set_many(VALUES)
    console_cache.set("forever", "x", timeout=None)
    console_cache.set("expired", "old", timeout=0)
    console_cache.set("short", "y", timeout=60)
    assert site.get_many([*VALUES, "expired"]) == VALUES
    assert site.get("forever") == "x"
    assert site.get("short") == "y"
    assert site.add("short", "z") is False
    assert site.incr("number") == 43
    assert console_cache.get("number") == 43
    # incr leaves an entry with the default timeout on both sides, as Django's get + set does
    site.set("site_counter", 1, timeout=None)
    console_cache.set("console_counter", 1, timeout=None)
    site.incr("site_counter")
    console_cache.incr("console_counter")
    info = console_cache.raw_describe([":1:site_counter", ":1:console_counter"])
    assert [290 < i.ttl <= 300 for i in info] == [True, True]
    site.delete("text")
    assert console_cache.get("text") is None


def test_table_made_by_django_createcachetable(pg_url):
    """A table created by Django (timestamp with time zone) works with the console."""
    from django.core.management import call_command

    from tqconsole.backends.cache import from_url
    from tqconsole.backends.db import open as open_db
    from tqconsole.settings import load

    use_django_database(pg_url)
    call_command("createcachetable", "tq_cache_table", verbosity=0)
    db = open_db(load())
    cache = from_url("db://tq_cache_table", database=db)
    site = django_db_cache()
    site.set("k", {"a": 1}, timeout=None)
    cache.set("c", "console", timeout=120)
    assert cache.get("k") == {"a": 1}
    assert site.get("c") == "console"
    assert cache.aware
    from django.db import connections

    connections.close_all()
    db.close()


def test_console_table_has_djangos_layout(pg_url):
    from tqconsole.services.db.schema import init

    b = make_backends()
    init(b)
    rows = b.database.execute_sql(
        "SELECT column_name, data_type, character_maximum_length, is_nullable "
        "FROM information_schema.columns WHERE table_name = 'tq_cache_table' ORDER BY column_name"
    ).fetchall()
    assert rows == [
        ("cache_key", "character varying", 255, "NO"),
        ("expires", "timestamp with time zone", None, "NO"),
        ("value", "text", None, "NO"),
    ]
    indexes = [i.name for i in b.database.get_indexes("tq_cache_table")]
    assert "tq_cache_table_expires" in indexes
    b.close()


def test_redis_round_trip_with_djangos_rediscache(redis_url):
    from django.core.cache.backends.redis import RedisCache as DjangoRedisCache

    from tqconsole.backends.cache import from_url

    use_django_database("sqlite:///:memory:")
    site = DjangoRedisCache(redis_url, {"KEY_PREFIX": "tq"})
    console = from_url(redis_url, KEY_PREFIX="tq")
    for key, value in VALUES.items():
        site.set(key, value)
    assert console.get_many(list(VALUES)) == VALUES
    console.set("counter", 5)
    console.set("obj", {"x": [1]}, timeout=None)
    assert site.incr("counter", 2) == 7
    assert console.incr("counter") == 8
    assert site.get("obj") == {"x": [1]}
    console.clear()
    assert site.get("text") is None
    site.close()
    console.close()
