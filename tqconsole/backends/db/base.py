"""What both database backends share: read-only enforcement, health, row estimates."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

import peewee

from tqconsole.backends.db.statements import refusal
from tqconsole.errors import BackendUnavailable, ConfigError, ReadOnlyError, SchemaMissing
from tqconsole.settings import mask_url

# How SQLite and PostgreSQL say that they refused a write, and that a table is missing.
REFUSED_WRITE = re.compile(r"read-only transaction|readonly database")
MISSING_TABLE = re.compile(
    r'no such table: (?:\w+\.)?(\w+)|relation "(?:\w+\.)?(\w+)" does not exist'
)

EXACT_COUNT_LIMIT = 100_000


class ConsoleDatabase:
    """Mixed into a peewee Database.

    In read-only mode every string that is not one read statement is refused here,
    before it reaches the server (``statements.refusal``); the session or file the
    driver opens is read-only as well (see the implementations).  A query on a table
    that does not exist is a ``SchemaMissing`` that says what to run.
    """

    vendor = ""
    read_only = False
    url = ""

    def execute_sql(self, sql, params=None, *args, **kwargs):
        if self.read_only:
            why = refusal(sql)
            if why:
                raise ReadOnlyError(f"read-only mode: {why}")
        try:
            cursor = super().execute_sql(sql, params, *args, **kwargs)
        except peewee.DatabaseError as exc:
            translated = self.translate(exc)
            if translated is exc:
                raise
            raise translated from exc
        finally:
            if self.read_only:
                self.check_session()
        return cursor

    def translate(self, exc: peewee.DatabaseError) -> Exception:
        """A missing table or a refused write as the console's error; others unchanged."""
        text = str(exc)
        missing = MISSING_TABLE.search(text)
        if missing:
            table = missing.group(1) or missing.group(2)
            return MissingTable(
                f"table {table} does not exist in {self.masked_url}: run tqconsole init"
            )
        if self.read_only and REFUSED_WRITE.search(text):
            return ReadOnlyError(f"read-only mode: the database refused: {first_line(exc)}")
        return exc

    def check_session(self) -> None:
        """Raise ReadOnlyError if the session stopped being read-only (PostgreSQL)."""

    def connect(self, reuse_if_open=False):
        try:
            return super().connect(reuse_if_open=reuse_if_open)
        except peewee.OperationalError as exc:
            raise BackendUnavailable(
                f"database {mask_url(self.url)} unavailable: {first_line(exc)}"
            ) from None
        except peewee.ProgrammingError as exc:  # the driver refused the URL's parameters
            raise ConfigError(f"database {mask_url(self.url)}: {first_line(exc)}") from None

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


class MissingTable(SchemaMissing, peewee.ProgrammingError):
    """Still the driver's kind of error for code that handles a missing table itself."""


def first_line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__
