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
        params = parse(url)
        database = params.pop("database", None) or "postgres"
        params.setdefault("connect_timeout", 5)
        options = params.pop("options", "")
        if read_only:
            options = f"{options} -c default_transaction_read_only=on".strip()
        if options:
            params["options"] = options
        params.setdefault("application_name", "tqconsole")
        db = cls(database, **params)
        db.url = url
        db.read_only = read_only
        return db

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
