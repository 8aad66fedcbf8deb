"""Read-only mode below the UI: the statement guard, the read-only session or file, the role."""

import json
import uuid

import psycopg2
import pytest

from tests.app.test_cli import run
from tests.support import services
from tqconsole.backends import Backends
from tqconsole.backends.db.statements import refusal
from tqconsole.errors import ReadOnlyError
from tqconsole.models import Group
from tqconsole.services.db.schema import init
from tqconsole.settings import load


@pytest.mark.parametrize(
    "sql",
    [
        "SET TRANSACTION READ WRITE; UPDATE auth_group SET name = 'x'",
        "SELECT 1; UPDATE auth_group SET name = 'x'",
        "SELECT 'a\\'; UPDATE auth_group SET name = ''x''; --'",  # either reading of '\'
        "SELECT 1 /* ; */ ; DELETE FROM auth_group",
        "SELECT set_config('default_transaction_read_only', 'off', false)",
        "SELECT pg_catalog.\"set_config\"('transaction_read_only', 'off', true)",
        "SELECT query_to_xml('update auth_group set name = 1', true, true, '')",
        "SET default_transaction_read_only = off",
        "SET SESSION CHARACTERISTICS AS TRANSACTION READ WRITE",
        "RESET ALL",
        "BEGIN READ WRITE",
        "START TRANSACTION",
        "WITH gone AS (DELETE FROM auth_group RETURNING id) SELECT * FROM gone",
        "EXPLAIN ANALYZE UPDATE auth_group SET name = 'x'",
        "SELECT * INTO copy_of_groups FROM auth_group",
        "SELECT * FROM auth_group FOR UPDATE",
        "PRAGMA query_only = 0",
        "PRAGMA query_only(0)",
        "SELECT 'unterminated",
    ],
)
def test_the_guard_refuses_whatever_is_not_one_read(sql):
    assert refusal(sql)


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT 1",
        "SELECT 'a;b', \"odd;name\" FROM auth_group WHERE name = 'update'",
        "SELECT $$ ; DELETE $$",
        "(SELECT 1) UNION (SELECT 2);",
        'PRAGMA "main".table_info("auth_group")',
        "EXPLAIN (FORMAT JSON) SELECT * FROM auth_group",
        "SHOW server_version",
        "BEGIN",
    ],
)
def test_the_guard_lets_reads_through(sql):
    assert refusal(sql) is None


@pytest.fixture
def read_only(backends):
    """The configured database with one group, then opened again read-only."""
    init(backends)
    Group.insert(name="Board").execute()
    backends.close()
    ro = Backends(load(read_only=True))
    yield ro.database
    ro.close()


def group_names(db) -> list[str]:
    return [name for (name,) in db.execute_sql("SELECT name FROM auth_group").fetchall()]


def test_read_only_refuses_writes_hidden_in_one_call(read_only):
    db = read_only
    for sql in (
        "SET TRANSACTION READ WRITE; UPDATE auth_group SET name = 'x'",
        "SELECT 1; UPDATE auth_group SET name = 'x'",
        "BEGIN READ WRITE",
        "WITH gone AS (DELETE FROM auth_group RETURNING id) SELECT * FROM gone",
    ):
        with pytest.raises(ReadOnlyError):
            db.execute_sql(sql)
    assert group_names(db) == ["Board"]


def test_postgresql_session_is_read_only_and_stays_so(pg_url):
    """Past the statement guard (a function the console cannot see into), the session refuses."""
    b = Backends(load())
    init(b)
    Group.insert(name="Board").execute()
    b.database.execute_sql(
        "CREATE FUNCTION unlock() RETURNS text LANGUAGE sql AS "
        "$$ SELECT set_config('default_transaction_read_only', 'off', false) $$"
    )
    b.database.execute_sql(
        "CREATE FUNCTION rename_all() RETURNS int LANGUAGE sql AS "
        "$$ UPDATE auth_group SET name = 'x'; SELECT 1 $$"
    )
    b.close()
    ro = Backends(load(read_only=True))
    try:
        db = ro.database
        assert db.execute_sql("SHOW default_transaction_read_only").fetchone() == ("on",)
        with pytest.raises(ReadOnlyError, match="refused"):
            db.execute_sql("SELECT set_config('default_transaction_read_only', 'off', false)")
        with pytest.raises(ReadOnlyError, match="turned off the read-only session"):
            db.execute_sql("SELECT unlock()")
        assert db.execute_sql("SHOW default_transaction_read_only").fetchone() == ("on",)
        with pytest.raises(ReadOnlyError, match="database refused.*read-only transaction"):
            db.execute_sql("SELECT rename_all()")
        # a raw cursor skips the guard; the session still refuses
        with pytest.raises(psycopg2.Error, match="read-only transaction"):
            db.cursor().execute("UPDATE auth_group SET name = 'x'")
        assert group_names(db) == ["Board"]
    finally:
        ro.close()


def test_postgresql_read_only_wins_over_the_urls_options(pg_url, monkeypatch):
    monkeypatch.setenv(
        "TQ_DATABASE_URL", f"{pg_url}?options=-c%20default_transaction_read_only%3Doff"
    )
    ro = Backends(load(read_only=True))
    try:
        assert ro.database.execute_sql("SHOW default_transaction_read_only").fetchone() == ("on",)
    finally:
        ro.close()


def test_sqlite_file_is_opened_read_only(sqlite_url):
    b = Backends(load())
    init(b)
    Group.insert(name="Board").execute()
    b.close()
    ro = Backends(load(read_only=True))
    try:
        db = ro.database
        with pytest.raises(ReadOnlyError):
            db.execute_sql("PRAGMA query_only = 0")
        cursor = db.cursor()  # a raw cursor skips the guard; the file is read-only
        cursor.execute("PRAGMA query_only = 0")
        with pytest.raises(Exception, match="readonly database"):
            cursor.execute("UPDATE auth_group SET name = 'x'")
        assert group_names(db) == ["Board"]
    finally:
        ro.close()


def test_read_only_sqlite_that_does_not_exist_says_run_init(capsys):
    code, _, err = run(capsys, "--read-only", "db", "tables")
    assert code == 1 and "does not exist: run tqconsole init" in err


@pytest.fixture
def read_only_role(pg_url):
    """A login role that may only read the console's tables, and its URL."""
    b = Backends(load())
    init(b)
    b.close()
    role = f"tq_ro_{uuid.uuid4().hex[:8]}"
    admin = psycopg2.connect(pg_url)
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute(f'CREATE ROLE "{role}" LOGIN')
        cur.execute(f'GRANT USAGE ON SCHEMA public TO "{role}"')
        cur.execute(f'GRANT SELECT ON ALL TABLES IN SCHEMA public TO "{role}"')
    yield role, pg_url.replace(f"//{services.PG_USER}@", f"//{role}@")
    with admin.cursor() as cur:
        cur.execute(f'DROP OWNED BY "{role}"')
        cur.execute(f'DROP ROLE "{role}"')
    admin.close()


def test_check_warns_when_a_read_only_profile_connects_as_a_role_that_can_write(
    read_only_role, capsys, monkeypatch
):
    role, url = read_only_role
    code, out, _ = run(capsys, "--read-only", "check", "--json")
    [database] = [h for h in json.loads(out) if h["family"] == "database"]
    assert database["figures"]["role"] == f"{services.PG_USER} can write anything (superuser)"
    assert "connect as a read-only role" in database["warning"]
    code, out, _ = run(capsys, "--read-only", "check")
    assert f"warning: Database: read-only mode, but role {services.PG_USER} can write" in out

    monkeypatch.setenv("TQ_DATABASE_URL", url)
    code, out, _ = run(capsys, "--read-only", "check", "--json")
    [database] = [h for h in json.loads(out) if h["family"] == "database"]
    assert database["ok"] and database["warning"] == ""
    assert database["figures"]["role"] == f"{role}: read-only"


def test_check_names_what_a_role_may_write(read_only_role, monkeypatch, capsys):
    role, url = read_only_role
    admin = psycopg2.connect(url.replace(f"//{role}@", f"//{services.PG_USER}@"))
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute(f'GRANT UPDATE ON auth_group, auth_user TO "{role}"')
    admin.close()
    monkeypatch.setenv("TQ_DATABASE_URL", url)
    code, out, _ = run(capsys, "check", "--json")
    [database] = [h for h in json.loads(out) if h["family"] == "database"]
    assert database["figures"]["role"] == f"{role} can write rows of 2 tables"
    assert database["warning"] == ""  # not a read-only profile
