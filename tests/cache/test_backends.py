"""Django's documented cache semantics, on every backend (locmem, database on SQLite and
PostgreSQL, Redis)."""

from __future__ import annotations

import time
import warnings

import pytest

from tqconsole.backends.cache import from_url
from tqconsole.backends.cache.base import CacheKeyWarning
from tqconsole.errors import ConfigError, ReadOnlyError


def stored_keys(cache, pattern="*"):
    keys, cursor = [], None
    while True:
        page, cursor = cache.raw_scan(pattern, cursor, 1000)
        keys += page
        if cursor is None:
            return sorted(keys)


def test_set_get_and_default(cache):
    assert cache.get("missing") is None
    assert cache.get("missing", "fallback") == "fallback"
    cache.set("greeting", {"text": "Grüezi", "n": [1, 2]})
    assert cache.get("greeting") == {"text": "Grüezi", "n": [1, 2]}
    assert stored_keys(cache) == [":1:greeting"]


def test_timeouts_default_none_and_zero(cache):
    cache.set("default", 1)
    cache.set("forever", 2, timeout=None)
    cache.set("gone", 3, timeout=0)
    cache.set("negative", 4, timeout=-5)
    assert cache.get("default") == 1
    assert cache.get("forever") == 2
    assert cache.get("gone") is None
    assert cache.get("negative") is None
    default, forever = cache.raw_describe([":1:default", ":1:forever"])
    assert 295 <= default.ttl <= 300
    assert forever.ttl is None


def test_short_timeout_expires(cache):
    # 2 s: the database cache keeps whole seconds (as Django's), so an entry may
    # expire up to a second early; it is still there right after the set
    cache.set("brief", "x", timeout=2)
    assert cache.get("brief") == "x"
    time.sleep(2.1)
    assert cache.get("brief") is None
    assert not cache.has_key("brief")


def test_add_only_when_missing_or_expired(cache):
    assert cache.add("k", "first") is True
    assert cache.add("k", "second") is False
    assert cache.get("k") == "first"
    cache.set("old", "stale", timeout=0)
    assert cache.add("old", "fresh") is True
    assert cache.get("old") == "fresh"


def test_incr_decr_and_missing_key(cache):
    cache.set("n", 10)
    assert cache.incr("n") == 11
    assert cache.incr("n", 5) == 16
    assert cache.decr("n", 6) == 10
    assert cache.get("n") == 10
    with pytest.raises(ValueError):
        cache.incr("nope")
    with pytest.raises(ValueError):
        cache.decr("nope")


def test_versions_and_prefix(cache_url):
    c = from_url(cache_url, KEY_PREFIX="site", VERSION=2, **db_link(cache_url))
    c.set("a", "v2")
    c.set("a", "v3", version=3)
    assert c.get("a") == "v2"
    assert c.get("a", version=3) == "v3"
    assert c.get("a", version=1) is None
    assert "site:2:a" in stored_keys(c)
    assert c.incr_version("a") == 3
    assert c.get("a", version=3) == "v2"
    assert c.get("a") is None
    c.close()


def db_link(url):
    """from_url needs the database for db:// caches."""
    if not url.startswith("db:"):
        return {}
    from tqconsole.backends.db import open as open_db
    from tqconsole.settings import load

    return {"database": open_db(load())}


def test_get_many_omits_misses_set_many_delete_many(cache):
    assert cache.set_many({"a": 1, "b": "two", "c": [3]}) == []
    assert cache.get_many(["a", "b", "missing", "c"]) == {"a": 1, "b": "two", "c": [3]}
    cache.delete_many(["a", "c", "missing"])
    assert cache.get_many(["a", "b", "c"]) == {"b": "two"}
    assert cache.get_many([]) == {}


def test_delete_has_key_touch_get_or_set(cache):
    cache.set("k", "v")
    assert cache.has_key("k") and "k" in cache
    assert cache.touch("k", 1000) is True
    assert 990 < cache.raw_describe([":1:k"])[0].ttl <= 1000
    assert cache.touch("k", None) is True
    assert cache.raw_describe([":1:k"])[0].ttl is None
    assert cache.touch("missing") is False
    assert cache.delete("k") is True
    assert cache.delete("k") is False
    assert cache.get_or_set("lazy", lambda: "computed") == "computed"
    assert cache.get_or_set("lazy", "other") == "computed"


def test_key_warnings_as_django(cache):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        cache.set("has space", 1)
        cache.get("x" * 300)
    messages = [str(w.message) for w in caught if w.category is CacheKeyWarning]
    assert any("characters that will cause errors" in m for m in messages)
    assert any("longer than 250" in m for m in messages)
    assert cache.get("has space") == 1


def test_clear(cache):
    cache.set_many({"a": 1, "b": 2})
    cache.clear()
    assert cache.get_many(["a", "b"]) == {}


def test_read_only_refuses_every_write(cache_url):
    c = from_url(cache_url, read_only=True, **db_link(cache_url))
    for write in (
        lambda: c.set("a", 1),
        lambda: c.add("a", 1),
        lambda: c.delete("a"),
        lambda: c.set_many({"a": 1}),
        lambda: c.incr("a"),
        lambda: c.touch("a"),
        lambda: c.raw_delete([":1:a"]),
        lambda: c.raw_expire(":1:a", 5),
        lambda: c.raw_clear("*"),
        lambda: c.raw_flush(),
    ):
        with pytest.raises(ReadOnlyError):
            write()
    assert c.get("a") is None
    c.close()


def test_dummy_stores_nothing():
    c = from_url("dummy://")
    c.set("a", 1)
    assert c.get("a") is None
    assert c.add("a", 1) is True
    assert c.get_many(["a"]) == {}
    with pytest.raises(ValueError):
        c.incr("a")


def test_unknown_scheme():
    with pytest.raises(ConfigError):
        from_url("memcached://x")


def test_redis_keeps_ints_raw_and_clear_keeps_other_prefixes(redis_url):
    import redis

    raw = redis.Redis.from_url(redis_url)
    c = from_url(redis_url, KEY_PREFIX="tq")
    c.set("count", 7)
    c.set("flag", True)
    assert raw.get("tq:1:count") == b"7"
    assert raw.get("tq:1:flag").startswith(b"\x80")
    raw.set("other:1:keep", b"x")
    c.clear()
    assert raw.keys("*") == [b"other:1:keep"]
    c.clear(flush_db=True)
    assert raw.dbsize() == 0
    c.close()


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_db_cache_culls_expired_first_then_by_frequency(kind, request, monkeypatch):
    request.getfixturevalue("sqlite_url" if kind == "sqlite" else "pg_url")
    from tests.conftest import make_backends
    from tqconsole.services.db.schema import init

    b = make_backends()
    init(b)
    c = from_url("db://tq_cache_table", database=b.database, MAX_ENTRIES=10, CULL_FREQUENCY=2)
    for i in range(6):
        c.set(f"old{i}", i, timeout=0)
    for i in range(6):
        c.set(f"new{i}", i)
    keys = stored_keys(c)
    assert not [k for k in keys if "old" in k], keys  # the expired went first
    for i in range(6, 30):
        c.set(f"new{i}", i)
    assert len(stored_keys(c)) <= 11
    assert c.get("new29") == 29
    b.close()


def test_db_cache_key_longer_than_column_fails_silently_like_django(pg_url):
    from tests.conftest import make_backends
    from tqconsole.services.db.schema import init

    b = make_backends()
    init(b)
    c = b.get("cache")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert c.add("k" * 300, 1) is False
        c.set("k" * 300, 1)
        assert c.get("k" * 300) is None
    c.set("fine", 1)
    assert c.get("fine") == 1
    b.close()


def test_options_from_the_url_and_from_settings(redis_url, sqlite_url, monkeypatch):
    from tests.conftest import make_backends

    c = from_url(f"{redis_url}?KEY_PREFIX=tq&VERSION=2&TIMEOUT=60")
    c.set("k", 1)
    assert stored_keys(c) == ["tq:2:k"]
    assert 55 < c.raw_describe(["tq:2:k"])[0].ttl <= 60
    c.close()
    monkeypatch.setenv("TQ_CACHE_URL", redis_url)
    monkeypatch.setenv("TQ_CACHE_KEY_PREFIX", "site")
    monkeypatch.setenv("TQ_CACHE_TIMEOUT", "none")
    b = make_backends()
    cache = b.get("cache")
    cache.set("k", 1)
    assert "site:1:k" in stored_keys(cache)
    assert cache.raw_describe(["site:1:k"])[0].ttl is None
    b.close()
