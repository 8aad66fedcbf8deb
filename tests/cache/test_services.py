"""The cache inspector: safe decoding, listing, patterns, clearing, namespaces."""

from __future__ import annotations

import base64
import gzip
import json
import os
import pickle
import threading
import time
import zlib

import pytest

from tests.support import services
from tqconsole.backends.cache import from_url
from tqconsole.errors import BackendUnavailable, InvalidInput, NotFound, ReadOnlyError
from tqconsole.services.cache import inspector as insp


class Evil:
    def __init__(self, path):
        self.path = path

    def __reduce__(self):
        return (os.system, (f"touch {self.path}",))


class EvilEval:
    def __init__(self, path):
        self.path = path

    def __reduce__(self):
        return (eval, (f"open({self.path!r}, 'w').write('x')",))


class Model:
    def __init__(self):
        self.id = 5
        self.name = "Salsa"


def test_malicious_pickle_is_displayed_never_executed(tmp_path, redis_url):
    import redis

    target = tmp_path / "pwned"
    payloads = {
        "evil:system": pickle.dumps(Evil(target)),
        "evil:eval": pickle.dumps([EvilEval(target), Model()], protocol=2),
        "evil:proto0": pickle.dumps(Evil(target), protocol=0),
    }
    raw = redis.Redis.from_url(redis_url)
    for key, data in payloads.items():
        raw.set(key, data)
    cache = from_url(redis_url)
    shown = {key: insp.key_detail(cache, key).decoded for key in payloads}
    assert not target.exists()
    assert "system(" in shown["evil:system"].text and str(target) in shown["evil:system"].text
    assert "builtins.eval(" in shown["evil:eval"].text
    assert "Model(state={'id': 5, 'name': 'Salsa'})" in shown["evil:eval"].text
    assert "system(" in shown["evil:proto0"].text
    cache.close()


@pytest.fixture
def db_cache(backends):
    """The default database cache (``db://tq_cache_table``) on SQLite and PostgreSQL."""
    from tqconsole.services.db.schema import init

    init(backends)
    return backends.get("cache")


def test_malicious_pickle_in_database_cache(db_cache, backends, tmp_path):
    target = tmp_path / "pwned"
    backends.database.execute_sql(
        "INSERT INTO tq_cache_table (cache_key, value, expires) VALUES ('evil', '"
        + base64.b64encode(pickle.dumps(Evil(target))).decode()
        + "', '9999-12-31 23:59:59')"
    )
    detail = insp.key_detail(db_cache, "evil")
    assert detail.decoded.kind == "pickle" and "system(" in detail.decoded.text
    assert detail.ttl is None
    assert not target.exists()


def test_database_namespaces_sample_is_spread(db_cache):
    big = from_url("db://tq_cache_table", database=db_cache.db, MAX_ENTRIES=10**6)
    big.set_many({f"a_{i}": 1 for i in range(1500)})
    big.set_many({f"z_{i}": 1 for i in range(1500)})
    result = insp.namespaces(big, sample=600, memory_sample=100)
    assert result.is_sample and result.sampled == 600
    groups = result.root.children[":"].children[":1:"].children
    assert 900 < groups[":1:a_"].keys < 2100 and 900 < groups[":1:z_"].keys < 2100


@pytest.mark.parametrize(
    ("data", "kind", "expected"),
    [
        (b"12345", "integer", "12345"),
        (b'{"a": [1, 2]}', "json", '"a": ['),
        ("Grüezi\nmitenand".encode(), "text", "Grüezi"),
        (b"\xff\xfe\x00\x01binary", "hex", "ff fe 00 01"),
        (gzip.compress(b'{"feed": 1}', mtime=0), "gzip → json", '"feed": 1'),
        (zlib.compress(b"BEGIN:VCALENDAR"), "zlib → text", "BEGIN:VCALENDAR"),
        (pickle.dumps("a str"), "pickle → text", "a str"),
        (pickle.dumps({"k": {1, 2}}), "pickle", "{'k': {1, 2}}"),
        (pickle.dumps(gzip.compress(b"inner", mtime=0)), "pickle → bytes → gzip → text", "inner"),
        (pickle.dumps(list(range(10000)))[:500], "pickle", "pickle undecodable"),
    ],
)
def test_decode_bytes(data, kind, expected):
    decoded = insp.decode_bytes(data)
    assert decoded.kind == kind
    assert expected in decoded.text + decoded.note


def test_huge_value_previewed_from_its_first_bytes(redis_url):
    import redis

    raw = redis.Redis.from_url(redis_url)
    raw.setrange("huge", 100 * 1024 * 1024 - 1, b"!")  # 100 MiB made on the server
    raw.setrange("huge", 0, b"BEGIN:VCALENDAR\n")
    cache = from_url(redis_url)
    start = time.perf_counter()
    detail = insp.key_detail(cache, "huge")
    assert time.perf_counter() - start < 1.0
    assert detail.size == 100 * 1024 * 1024
    assert detail.truncated
    assert "first 256.0 KB of 100.0 MB" in detail.decoded.note
    raw.unlink("huge")
    cache.close()


def test_redis_collections_and_odd_keys(redis_url):
    import redis

    raw = redis.Redis.from_url(redis_url)
    raw.hset("h", mapping={"a": "1", "b": pickle.dumps([1])})
    raw.rpush("l", "x", "y")
    raw.zadd("z", {"m": 2.0})
    odd = [b"with space", b"ctrl\x01\x07key", b"k" * 300, b"bad\xffutf8"]
    for key in odd:
        raw.set(key, b"v")
    cache = from_url(redis_url)
    listed = {i.key: i for i in insp.list_keys(cache, "*", want=100).keys}
    assert listed["h"].type == "hash" and listed["l"].type == "list" and listed["z"].type == "zset"
    assert "a: 1" in insp.key_detail(cache, "h").decoded.text
    assert insp.key_detail(cache, "l").decoded.text == "x\ny"
    names = [k for k in listed if k.encode("utf-8", "surrogateescape") in odd]
    assert len(names) == 4
    assert insp.display_key("ctrl\x01\x07key") == "ctrl\\x01\\x07key"
    assert insp.display_key(b"bad\xffutf8".decode("utf-8", "surrogateescape")) == "bad\\xffutf8"
    assert insp.delete_keys(cache, names) == 4
    assert raw.exists(*odd) == 0
    with pytest.raises(NotFound):
        insp.key_detail(cache, "with space")
    cache.close()


def test_patterns_with_brackets_question_marks_backslashes(cache):
    keys = ["a[1]", "a?", "a\\b", "ab", "a*", "xa[1]"]
    cache.set_many({k: 1 for k in keys})
    listed = lambda p: sorted(i.key for i in insp.iter_keys(cache, p))  # noqa: E731
    assert listed(":1:a\\[*") == [":1:a[1]"]
    assert listed(":1:a\\?") == [":1:a?"]
    assert listed(":1:a\\\\b") == [":1:a\\b"]
    assert listed(":1:a[b?]") == [":1:a?", ":1:ab"]
    assert listed(":1:a?") == sorted(f":1:{k}" for k in ("a?", "ab", "a*"))
    assert listed(":1:A*") == []  # case-sensitive everywhere (SQLite's LIKE is not)
    assert insp.clear_pattern(cache, ":1:a\\[*") == 1
    assert cache.get("a[1]") is None and cache.get("xa[1]") == 1 and cache.get("ab") == 1


def unculled(cache_url, cache):
    """The same cache with a MAX_ENTRIES that never culls."""
    link = {"database": cache.db} if cache_url.startswith("db:") else {}
    return from_url(cache_url, MAX_ENTRIES=10**7, **link)


def test_listing_pages_and_describes_only_the_page(cache_url, cache):
    cache = unculled(cache_url, cache)
    cache.set_many({f"user_ical_{i}": "x" for i in range(2500)}, timeout=None)
    cache.set("other", 1)
    page = insp.list_keys(cache, ":1:user_ical_*", want=200)
    assert len(page.keys) >= 200 and page.cursor is not None
    assert all(k.type == "string" and k.ttl is None for k in page.keys)
    seen = {k.key for k in page.keys}
    while page.cursor is not None:
        page = insp.list_keys(cache, ":1:user_ical_*", cursor=page.cursor, want=200)
        seen |= {k.key for k in page.keys}
    assert len(seen) == 2500


def test_clear_pattern_with_progress_cancel_and_concurrent_writer(redis_url):
    import redis

    raw = redis.Redis.from_url(redis_url)
    pipe = raw.pipeline(transaction=False)
    for i in range(30_000):
        pipe.set(f"drop:{i}", b"x")
        pipe.set(f"keep:{i}", b"x")
    pipe.execute()
    cache = from_url(redis_url)
    stop = threading.Event()
    written = []

    def writer():
        w = redis.Redis.from_url(redis_url)
        n = 0
        while not stop.is_set():
            w.set(f"keep:new:{n}", b"y")
            w.set(f"drop:new:{n}", b"y")
            written.append(n)
            n += 1

    thread = threading.Thread(target=writer)
    thread.start()
    reports = []
    try:
        removed = insp.clear_pattern(cache, "drop:*", progress=reports.append)
    finally:
        stop.set()
        thread.join()
    assert removed >= 30_000 and reports and reports[-1] == removed
    assert reports == sorted(reports)
    keep = sum(1 for _ in raw.scan_iter("keep:*", count=1000))
    assert keep == 30_000 + len(written)  # nothing outside the pattern was removed
    # cancel after the first batch: stops early
    pipe = raw.pipeline(transaction=False)
    for i in range(20_000):
        pipe.set(f"drop:{i}", b"x")
    pipe.execute()
    calls = []
    removed = insp.clear_pattern(
        cache, "drop:*", progress=calls.append, cancelled=lambda: bool(calls)
    )
    assert 0 < removed < 20_000
    cache.close()


def test_clear_all_needs_the_typed_name_and_read_only_refuses(cache_url, cache):
    cache.set_many({"a": 1, "b": 2})
    with pytest.raises(InvalidInput):
        insp.clear_all(cache, "wrong")
    assert cache.get("a") == 1
    ro = from_url(
        cache_url, read_only=True, **({"database": cache.db} if cache_url.startswith("db:") else {})
    )
    with pytest.raises(ReadOnlyError):
        insp.clear_pattern(ro, "*")
    with pytest.raises(ReadOnlyError):
        insp.clear_all(ro, ro.name)
    with pytest.raises(ReadOnlyError):
        insp.delete_keys(ro, [":1:a"])
    with pytest.raises(ReadOnlyError):
        insp.set_ttl(ro, ":1:a", 10)
    assert cache.get("a") == 1
    assert insp.clear_all(cache, cache.name).removed == 2
    assert cache.get("a") is None


def test_set_and_remove_ttl(cache):
    cache.set("k", 1)
    insp.set_ttl(cache, ":1:k", 3600)
    assert 3590 < cache.raw_describe([":1:k"])[0].ttl <= 3600
    insp.set_ttl(cache, ":1:k", None)
    assert cache.raw_describe([":1:k"])[0].ttl is None
    with pytest.raises(NotFound):
        insp.set_ttl(cache, ":1:missing", 10)
    assert insp.parse_ttl("15m") == 900 and insp.parse_ttl("none") is None
    with pytest.raises(InvalidInput):
        insp.parse_ttl("soon")


def test_namespaces_counts_and_sampling(redis_url):
    cache = from_url(redis_url)
    cache.set_many({f"user_ical_{i}": "x" for i in range(300)})
    cache.set_many({f"course_ical_{i}": "x" for i in range(100)})
    full = insp.namespaces(cache)
    assert not full.is_sample
    one = full.root.children[":"].children[":1:"]
    assert one.keys == 400
    assert one.children[":1:user_ical_"].keys == 300
    assert one.children[":1:user_ical_"].pattern == ":1:user_ical_*"
    assert one.children[":1:course_ical_"].bytes > 0
    sampled = insp.namespaces(cache, sample=100, memory_sample=50)
    assert sampled.is_sample and sampled.sampled == 100 and sampled.total == 400
    assert 300 < sampled.root.keys <= 500
    cache.close()


def test_cull_expired_database_cache(db_cache):
    db_cache.set_many({"a": 1, "b": 2}, timeout=0)
    db_cache.set("c", 3)
    assert db_cache.stats()["expired"] == 2
    assert insp.cull_expired(db_cache) == 2
    assert db_cache.stats()["entries"] == 1


def test_redis_down_is_one_clear_line():
    cache = from_url("redis://127.0.0.1:1/3")
    with pytest.raises(BackendUnavailable) as info:
        insp.list_keys(cache, "*")
    assert "unavailable" in str(info.value) and "\n" not in str(info.value)
    with pytest.raises(BackendUnavailable):
        insp.stats(cache)


def test_stats_lines(cache):
    cache.set("a", 1)
    rows = dict(insp.stats_lines(insp.stats(cache)))
    assert "backend" in rows
    assert json.dumps(insp.stats(cache), default=str)


def test_changes_are_noted_in_the_audit_log(db_cache):
    from tqconsole.models import AuditEntry

    db_cache.set_many({"a": 1, "b": 2, "c": 3})
    insp.delete_keys(db_cache, [":1:a"])
    insp.set_ttl(db_cache, ":1:b", None)
    insp.clear_pattern(db_cache, ":1:*")
    entries = AuditEntry.select().where(AuditEntry.action.startswith("cache."))
    actions = [(e.action, e.target_table, e.target_pk) for e in entries.order_by(AuditEntry.id)]
    assert actions == [
        ("cache.delete", "tq_cache_table", ":1:a"),
        ("cache.ttl", "tq_cache_table", ":1:b"),
        ("cache.clear", "tq_cache_table", ":1:*"),
    ]


BROKER = {"celery", "unacked", "unacked_index", "_kombu.binding.celery",
          "_kombu.binding.celery.pidbox", "_kombu.binding_permanent.celery",
          "_kombu.binding_deadlines"}  # fmt: skip


def test_clear_all_keeps_the_sites_celery_broker_and_says_what_else_is_there(redis_url):
    site = services.load_site_redis(redis_url)
    assert site >= BROKER
    cache = from_url(redis_url)
    result = insp.clear_all(cache, cache.name)
    left = {info.key for info in insp.iter_keys(cache)}
    assert left == BROKER | {k for k in site if k.startswith("tqsite:3:")}  # another prefix
    assert result.removed == len(site) - len(left) and result.others == len(left)
    assert "celery (list)" in result.others_text() and "unacked (hash)" in result.others_text()
    cache.close()


def test_flush_is_its_own_typed_choice(redis_url):
    services.load_site_redis(redis_url)
    cache = from_url(redis_url)
    assert insp.flush_phrase(cache) == f"FLUSHDB {cache.name}"
    with pytest.raises(InvalidInput):
        insp.flush(cache, cache.name)  # the name alone is what clear_all takes
    assert cache.raw_count() > 0
    assert insp.flush(cache, f"FLUSHDB  {cache.name}") > 0
    assert cache.raw_count() == 0
    cache.close()
