"""PostgreSQL, through psycopg2 (imported by peewee when the first connection opens)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

import peewee
from playhouse.db_url import parse
from playhouse.shortcuts import ReconnectMixin

from tqconsole.backends.db.base import EXACT_COUNT_LIMIT, ConsoleDatabase
from tqconsole.errors import ReadOnlyError

NULL = "\\N"
READ_ONLY_SETTING = "default_transaction_read_only"
# What the connected role may change: superuser, rows of a table, tables of a schema or database.
WRITE_ACCESS_SQL = """
SELECT current_user, r.rolsuper,
  (SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema')
      AND n.nspname NOT LIKE 'pg\\_%%'
      AND has_table_privilege(c.oid, 'INSERT, UPDATE, DELETE, TRUNCATE')),
  (SELECT string_agg(n.nspname, ', ' ORDER BY n.nspname) FROM pg_namespace n
    WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%%'
      AND has_schema_privilege(n.oid, 'CREATE')),
  has_database_privilege(current_database(), 'CREATE')
FROM pg_roles r WHERE r.rolname = current_user
"""


class PostgresBackend(ConsoleDatabase, ReconnectMixin, peewee.PostgresqlDatabase):
    """Reconnects once when the server dropped the connection (a restart, a failover)."""

    vendor = "postgresql"
    reconnect_errors = (
        (peewee.OperationalError, "server closed the connection"),
        (peewee.OperationalError, "terminating connection"),
        (peewee.OperationalError, "could not receive data"),
        (peewee.OperationalError, "connection not open"),
        (peewee.OperationalError, "ssl connection has been closed"),
        (peewee.InterfaceError, "connection already closed"),
    )

    @classmethod
    def from_url(cls, url: str, read_only: bool = False) -> PostgresBackend:
        """In read-only mode the session starts read-only: the last ``-c`` of the
        startup options wins over the URL's own, the role's and the database's settings."""
        params = parse(url)
        database = params.pop("database", None) or "postgres"
        params.setdefault("connect_timeout", 5)
        options = params.pop("options", "")
        if read_only:
            options = f"{options} -c {READ_ONLY_SETTING}=on".strip()
        if options:
            params["options"] = options
        params.setdefault("application_name", "tqconsole")
        db = cls(database, **params)
        db.url = url
        db.read_only = read_only
        return db

    def _initialize_connection(self, conn):
        super()._initialize_connection(conn)
        if self.read_only and session_setting(conn) != "on":
            with conn.cursor() as cursor:  # a server that ignored the startup options
                cursor.execute(f"SET {READ_ONLY_SETTING} = on")

    def check_session(self) -> None:
        """PostgreSQL reports the setting after every statement (since version 14): if a
        statement turned it off (``set_config`` in a function), turn it on again and refuse."""
        conn = None if self.is_closed() else self._state.conn
        if conn is None or conn.closed or session_setting(conn) in ("on", None):
            return
        try:
            with conn.cursor() as cursor:
                cursor.execute(f"SET {READ_ONLY_SETTING} = on")
        except Exception:  # an aborted transaction: drop the session instead
            conn.close()
            self._state.reset()
        raise ReadOnlyError("read-only mode: a statement turned off the read-only session")

    def write_access(self) -> tuple[str, str]:
        """(role, what it may write): "" when the role can write nothing."""
        user, superuser, tables, schemas, create_db = self.execute_sql(WRITE_ACCESS_SQL).fetchone()
        if superuser:
            return user, "anything (superuser)"
        parts = []
        if tables:
            parts.append(f"rows of {tables} tables")
        if schemas:
            parts.append(f"new tables in {schemas}")
        if create_db:
            parts.append("new schemas")
        return user, ", ".join(parts)

    def bulk_insert(self, table: str, columns: Sequence[str], rows: Iterable[Sequence]) -> int:
        """COPY … FROM STDIN: several times faster than multi-row INSERTs."""
        if self.read_only:
            raise ReadOnlyError(f"read-only mode: bulk insert into {table} refused")
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        count = 0
        for row in rows:
            writer.writerow(
                [
                    NULL if v is None else ("t" if v else "f") if v is True or v is False else v
                    for v in row
                ]
            )
            count += 1
        buffer.seek(0)
        cols = ", ".join(self.quote_name(c) for c in columns)
        sql = f"COPY {self.quote_name(table)} ({cols}) FROM STDIN WITH (FORMAT csv, NULL '{NULL}')"
        with self.atomic():
            self.cursor().copy_expert(sql, buffer)
        return count

    def version_string(self) -> str:
        version = self.execute_sql("SHOW server_version").fetchone()[0]
        return f"PostgreSQL {version.split()[0]}"

    def row_estimate(self, table: str) -> tuple[int, bool]:
        row = self.execute_sql(
            "SELECT c.reltuples::bigint, s.n_live_tup FROM pg_class c "
            "LEFT JOIN pg_stat_user_tables s ON s.relid = c.oid "
            "WHERE c.oid = to_regclass(%s)",
            (self.quote_name(table),),
        ).fetchone()
        estimate = 0
        if row:
            reltuples, live = row
            estimate = reltuples if reltuples and reltuples > 0 else (live or 0)
        if estimate <= EXACT_COUNT_LIMIT:
            count = self._bounded_count(table)
            if count <= EXACT_COUNT_LIMIT:
                return count, True
            estimate = max(estimate, count)
        return int(estimate), False


def session_setting(conn) -> str | None:
    """The session's default_transaction_read_only as the server last reported it."""
    status = getattr(conn, "get_parameter_status", None)
    return status(READ_ONLY_SETTING) if status else None
