"""``tqconsole createcachetable`` and ``tqconsole cache …``."""

from __future__ import annotations

import json

import pytest

from tests.support import services
from tqconsole.cli import main


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_createcachetable_dry_run_creates_nothing_then_creates_idempotently(db_url, capsys):
    from tests.conftest import make_backends

    code, out, _ = run(capsys, "createcachetable", "--dry-run")
    assert code == 0
    assert 'CREATE TABLE "tq_cache_table"' in out
    assert '"cache_key" VARCHAR(255) NOT NULL PRIMARY KEY' in out
    assert 'CREATE INDEX "tq_cache_table_expires"' in out
    if db_url.startswith("postgresql"):
        assert '"expires" timestamp with time zone NOT NULL' in out
    b = make_backends()
    assert "tq_cache_table" not in b.database.get_tables()
    b.close()
    assert run(capsys, "createcachetable")[1] == "Cache table 'tq_cache_table' created.\n"
    assert run(capsys, "createcachetable")[1] == "Cache table 'tq_cache_table' already exists.\n"
    b = make_backends()
    b.database.execute_sql('DROP INDEX "tq_cache_table_expires"')
    b.close()
    assert "index on expires created" in run(capsys, "createcachetable")[1]
    code, out, _ = run(capsys, "createcachetable", "other_cache")
    assert out == "Cache table 'other_cache' created.\n"


def test_createcachetable_read_only_refuses(sqlite_url, capsys):
    code, _, err = run(capsys, "--read-only", "createcachetable")
    assert code != 0 and "read-only" in err and "Traceback" not in err


def test_createcachetable_for_a_redis_cache(sqlite_url, redis_url, monkeypatch, capsys):
    monkeypatch.setenv("TQ_CACHE_URL", redis_url)
    assert "not a database cache" in run(capsys, "createcachetable")[1]


@pytest.fixture
def filled(cache_url, cache):
    cache.set_many({f"user_ical_{i}": f"feed {i}" for i in range(5)})
    cache.set("counter", 3, timeout=None)
    return cache


def test_cache_keys_get_ttl_delete_clear(filled, capsys):
    code, out, _ = run(capsys, "cache", "keys", ":1:user_ical_*", "--json")
    keys = json.loads(out)
    assert code == 0 and sorted(k["key"] for k in keys) == [f":1:user_ical_{i}" for i in range(5)]
    assert all(k["type"] == "string" and 0 < k["ttl"] <= 300 for k in keys)
    code, out, _ = run(capsys, "cache", "keys")
    assert ":1:counter" in out and "never" in out
    code, out, _ = run(capsys, "cache", "get", ":1:user_ical_2", "--json")
    assert json.loads(out)["value"] == "feed 2"
    code, out, _ = run(capsys, "cache", "get", ":1:counter")
    assert code == 0 and "\n3\n" in out
    ttl = json.loads(run(capsys, "cache", "ttl", ":1:counter", "2h", "--json")[1])["ttl"]
    assert 7198 <= ttl <= 7200  # the database cache keeps whole seconds, as Django's
    assert run(capsys, "cache", "ttl", ":1:counter")[1] in (
        ":1:counter: 2h\n",
        ":1:counter: 1h 59m\n",
    )
    assert run(capsys, "cache", "ttl", ":1:counter", "none")[1].strip() == ":1:counter: never"
    code, out, _ = run(capsys, "cache", "delete", ":1:user_ical_0", ":1:missing", "--yes")
    assert out == "removed 1 of 2 key(s)\n"
    code, out, _ = run(capsys, "cache", "clear", "--pattern", ":1:user_*", "--yes", "--json")
    assert json.loads(out) == {"removed": 4}
    code, out, _ = run(capsys, "cache", "stats", "--json")
    assert code == 0 and "backend" in json.loads(out)
    code, out, _ = run(capsys, "cache", "clear", "--yes")
    assert out == "removed 1 cache entry\n"


def test_cache_cli_bad_input_is_one_line(filled, capsys):
    for argv, needle in [
        (("cache", "get", ":1:missing"), "no "),
        (("cache", "ttl", ":1:counter", "soon"), "TTL"),
        (("cache", "ttl", ":1:missing", "10"), "no key"),
        (("cache", "clear", "--pattern", "*"), "--yes"),  # not a terminal
        (("--read-only", "cache", "clear", "--pattern", "*", "--yes"), "read-only"),
    ]:
        code, out, err = run(capsys, *argv)
        assert code != 0, argv
        assert needle in err and err.count("\n") == 1 and "Traceback" not in err, (argv, err)
    assert run(capsys, "cache", "get", ":1:counter")[0] == 0  # nothing lost


def test_cache_cli_redis_down(sqlite_url, monkeypatch, capsys):
    monkeypatch.setenv("TQ_CACHE_URL", "redis://127.0.0.1:1/4")
    code, _, err = run(capsys, "cache", "keys")
    assert code == 1 and "unavailable" in err and err.count("\n") == 1


def test_check_has_a_cache_line(sqlite_url, capsys):
    run(capsys, "init")
    code, out, _ = run(capsys, "check", "--json")
    lines = {h["family"]: h for h in json.loads(out)}
    assert lines["cache"]["ok"] and lines["cache"]["figures"]["keys"] == "0"


def test_missing_cache_table_says_what_to_run(db_url, capsys):
    code, _, err = run(capsys, "cache", "stats")
    assert code == 1 and "run tqconsole createcachetable" in err
    code, out, _ = run(capsys, "check")
    assert "createcachetable" in out


def test_clear_all_on_a_terminal_needs_the_name_typed(filled, capsys, monkeypatch):
    answers = iter(["y", "wrong name"])
    monkeypatch.setattr("sys.stdin.isatty", lambda: True)
    monkeypatch.setattr("builtins.input", lambda prompt="": next(answers))
    code, _, err = run(capsys, "cache", "clear")
    assert code == 2 and "to clear everything" in err
    assert filled.get("counter") == 3
    answers = iter(["y", filled.name])
    assert run(capsys, "cache", "clear")[0] == 0
    assert filled.get("counter") is None


def test_keys_that_are_not_utf8_in_json_and_text(redis_url, sqlite_url, monkeypatch, capsys):
    import redis

    monkeypatch.setenv("TQ_CACHE_URL", redis_url)
    redis.Redis.from_url(redis_url).set(b"bad\xff\x01key", b"\x00\xff")
    code, out, _ = run(capsys, "cache", "keys", "--json")
    assert code == 0 and json.loads(out)[0]["key"] == "bad\\xff\\x01key"
    code, out, _ = run(capsys, "cache", "keys")
    assert "bad\\xff\\x01key" in out
    code, out, _ = run(capsys, "cache", "get", "bad\udcff\x01key", "--json")
    assert code == 0 and json.loads(out)["kind"] == "hex"


def test_clear_everything_keeps_the_sites_broker_and_flush_is_named(
    redis_url, sqlite_url, monkeypatch, capsys
):
    from tests.cache.test_services import BROKER

    monkeypatch.setenv("TQ_CACHE_URL", redis_url)
    services.load_site_redis(redis_url)
    name = "db" + redis_url.rsplit("/", 1)[1]
    code, out, _ = run(capsys, "cache", "clear", "--yes")
    assert code == 0 and out.startswith("removed 76 cache entries; ")
    assert f"{name} also holds 9 other key(s) (not this cache's entries): _kombu.binding" in out
    assert "celery (list)" in out and "unacked (hash)" in out
    assert f"(--flush-db {name} removes them too)" in out
    keys = {k["key"] for k in json.loads(run(capsys, "cache", "keys", "--json")[1])}
    assert keys >= BROKER and len(keys) == 9
    code, _, err = run(capsys, "cache", "clear", "--flush-db", "db0", "--yes")
    assert code != 0 and f"--flush-db names the db/table to empty: '{name}'" in err
    code, _, err = run(capsys, "cache", "clear", "--flush-db", name)  # not a terminal: asks --yes
    assert code != 0 and "--yes" in err
    code, out, _ = run(capsys, "cache", "clear", "--flush-db", name, "--yes", "--json")
    assert json.loads(out) == {"removed": 9, "flushed": name}
    assert run(capsys, "cache", "keys", "--json")[1].strip() == "[]"
