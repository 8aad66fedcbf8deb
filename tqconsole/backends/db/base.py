"""What both database backends share: read-only enforcement, health, row estimates."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

import peewee

from tqconsole.errors import BackendUnavailable, ReadOnlyError
from tqconsole.settings import mask_url

# Statements that never write; everything else is refused in read-only mode.
READ_STATEMENTS = frozenset(
    {
        "SELECT",
        "WITH",
        "EXPLAIN",
        "SHOW",
        "PRAGMA",
        "VALUES",
        "BEGIN",
        "COMMIT",
        "ROLLBACK",
        "SAVEPOINT",
        "RELEASE",
        "SET",
        "END",
    }
)
WRITE_IN_CTE = re.compile(r"\b(INSERT|UPDATE|DELETE|MERGE)\b", re.IGNORECASE)
EXACT_COUNT_LIMIT = 100_000


class ConsoleDatabase:
    """Mixed into a peewee Database.

    In read-only mode every statement that is not a read is refused here, before it
    reaches the server (the driver session is also made read-only as a second wall).
    """

    vendor = ""
    read_only = False
    url = ""

    def execute_sql(self, sql, params=None, *args, **kwargs):
        if self.read_only:
            self._refuse_write(sql)
        return super().execute_sql(sql, params, *args, **kwargs)

    def _refuse_write(self, sql: str) -> None:
        stripped = sql.lstrip(" (\n\t")
        verb = stripped.split(None, 1)[0].upper() if stripped else ""
        if verb not in READ_STATEMENTS or (verb == "WITH" and WRITE_IN_CTE.search(sql)):
            raise ReadOnlyError(f"read-only mode: {verb or 'this statement'} refused")

    def connect(self, reuse_if_open=False):
        try:
            return super().connect(reuse_if_open=reuse_if_open)
        except peewee.OperationalError as exc:
            raise BackendUnavailable(
                f"database {mask_url(self.url)} unavailable: {first_line(exc)}"
            ) from None

    def quote_name(self, name: str) -> str:
        """A table or column name quoted for this database (embedded quotes doubled)."""
        return self.get_sql_context().sql(peewee.Entity(name)).query()[0]

    def bulk_insert(self, table: str, columns: Sequence[str], rows: Iterable[Sequence]) -> int:
        """Insert many rows fast (demo data, imports); refused in read-only mode like any write."""
        if self.read_only:
            raise ReadOnlyError(f"read-only mode: bulk insert into {table} refused")
        rows = list(rows)
        if not rows:
            return 0
        cols = ", ".join(self.quote_name(c) for c in columns)
        marks = ", ".join([self.param] * len(columns))
        sql = f"INSERT INTO {self.quote_name(table)} ({cols}) VALUES ({marks})"
        with self.atomic():
            self.cursor().executemany(sql, rows)
        return len(rows)

    @property
    def masked_url(self) -> str:
        return mask_url(self.url)

    def ping(self) -> None:
        self.execute_sql("SELECT 1").fetchone()

    def version_string(self) -> str:
        raise NotImplementedError

    def row_estimate(self, table: str) -> tuple[int, bool]:
        """(rows, exact): exact below EXACT_COUNT_LIMIT, an estimate above it."""
        raise NotImplementedError

    def _bounded_count(self, table: str) -> int:
        q = self.quote_name(table)
        sql = f"SELECT COUNT(*) FROM (SELECT 1 FROM {q} LIMIT {EXACT_COUNT_LIMIT + 1}) AS t"
        return self.execute_sql(sql).fetchone()[0]


def first_line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__
