"""The database backend, models and init on SQLite and PostgreSQL."""

import psycopg2
import pytest

from tqconsole import models
from tqconsole.backends import Backends
from tqconsole.errors import BackendUnavailable, ReadOnlyError
from tqconsole.models import AuditEntry, Group, Subscribe
from tqconsole.services.db.audit import audited
from tqconsole.services.db.schema import init
from tqconsole.services.db.tables import list_tables
from tqconsole.settings import load


def test_init_creates_every_table_once(backends):
    report = init(backends)
    tables = set(backends.database.get_tables())
    assert {m._meta.table_name for m in models.ALL_MODELS} <= tables
    assert "tq_cache_table" in tables and "tqconsole_auditentry" in tables
    again = init(backends)
    assert again.created == []
    assert any("nothing changed" in line for line in again.lines())
    assert len(report.created) == len(models.ALL_MODELS)


def test_unique_constraints_of_the_schema(backends):
    init(backends)
    indexes = {
        tuple(i.columns): i.unique for i in backends.database.get_indexes("courses_subscribe")
    }
    assert indexes[("usi",)] is True
    assert indexes[("user_id", "course_id")] is True
    assert ("state",) in indexes and ("course_id",) in indexes


def test_init_reports_a_table_with_other_columns_and_leaves_foreign_tables(backends):
    db = backends.database
    db.execute_sql("CREATE TABLE auth_group (id INTEGER PRIMARY KEY, title VARCHAR(10))")
    db.execute_sql("CREATE TABLE site_news (id INTEGER PRIMARY KEY, body TEXT)")
    report = init(backends)
    assert any("auth_group: exists without column(s) name" in m for m in report.mismatches)
    assert [c.name for c in db.get_columns("auth_group")] == ["id", "title"]
    tables = {t.name: t for t in list_tables(db)}
    assert tables["site_news"].model == "reflected"
    assert tables["auth_user"].model == "User"


def test_every_write_is_audited_and_read_only_refuses_in_the_backend(backends, monkeypatch):
    init(backends)
    with audited("create", "auth_group", summary={"name": "Board"}) as write:
        write.pk = Group.insert(name="Board").execute()
    entry = AuditEntry.select().where(AuditEntry.action == "create").get()
    assert entry.target_table == "auth_group" and entry.target_pk == str(write.pk)
    assert entry.os_user and entry.client_addr == "local"
    monkeypatch.setenv("SSH_CLIENT", "203.0.113.9 52344 22")
    backends.close()

    ro = Backends(load(read_only=True))
    try:
        assert ro.database.read_only  # opening binds the models to it
        assert Group.select().count() == 1  # reads work
        with pytest.raises(ReadOnlyError):
            Group.insert(name="Other").execute()
        with pytest.raises(ReadOnlyError):
            Group.update(name="x").execute()
        with pytest.raises(ReadOnlyError):
            ro.database.execute_sql("DROP TABLE auth_group")
        with pytest.raises(ReadOnlyError):
            ro.database.bulk_insert("auth_group", ["name"], [("x",)])
        assert Group.select().count() == 1
    finally:
        ro.close()


def test_row_estimates_are_exact_for_small_tables(backends):
    init(backends)
    Group.insert_many([{"name": f"g{i}"} for i in range(25)]).execute()
    assert backends.database.row_estimate("auth_group") == (25, True)


def test_postgresql_reconnects_after_the_connection_is_dropped(pg_url):
    b = Backends(load())
    try:
        init(b)
        db = b.database
        pid = db.execute_sql("SELECT pg_backend_pid()").fetchone()[0]
        admin = psycopg2.connect(pg_url)
        admin.autocommit = True
        admin.cursor().execute("SELECT pg_terminate_backend(%s)", (pid,))
        admin.close()
        assert Subscribe.select().count() == 0  # a new connection, no restart of the console
        assert db.execute_sql("SELECT pg_backend_pid()").fetchone()[0] != pid
    finally:
        b.close()


def test_unreachable_postgresql_is_one_clear_error(monkeypatch):
    monkeypatch.setenv("TQ_DATABASE_URL", "postgresql://tq:secret@127.0.0.1:1/tq")
    b = Backends(load())
    with pytest.raises(BackendUnavailable) as info:
        b.database.execute_sql("SELECT 1")
    message = str(info.value)
    assert "postgresql://tq:***@127.0.0.1:1/tq" in message and "secret" not in message
    assert "\n" not in message


def test_queries_work_again_after_postgresql_was_down(pg_proxy):
    b = Backends(load())
    try:
        init(b)
        assert Subscribe.select().count() == 0
        pg_proxy.stop()
        with pytest.raises(BackendUnavailable, match="unavailable"):
            Subscribe.select().count()
        pg_proxy.start()
        assert Subscribe.select().count() == 0
    finally:
        b.close()
