"""SQLite: the embedded default, one file in the data directory."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import peewee
from playhouse.db_url import parse

from tqconsole.backends.db.base import EXACT_COUNT_LIMIT, ConsoleDatabase
from tqconsole.errors import ConfigError, ReadOnlyError, SchemaMissing
from tqconsole.settings import mask_url


class SqliteBackend(ConsoleDatabase, peewee.SqliteDatabase):
    vendor = "sqlite"

    @classmethod
    def from_url(cls, url: str, read_only: bool = False) -> SqliteBackend:
        """In read-only mode the file is opened read-only (``mode=ro``): no statement,
        PRAGMA included, can make that connection write."""
        params = parse(url)
        path = params.pop("database", "")
        if not path:
            raise ConfigError(f"database URL {mask_url(url)} names no database file")
        pragmas = {"foreign_keys": 1, "busy_timeout": 10_000}
        if path == ":memory:":
            database, connect = path, {}
        else:
            file = Path(path).expanduser().absolute()
            if not file.parent.is_dir():
                raise ConfigError(
                    f"database URL {mask_url(url)}: folder {file.parent} does not exist"
                )
            if read_only and not file.exists():
                raise SchemaMissing(
                    f"database file {file} does not exist: run tqconsole init (not read-only)"
                )
            database, connect = (
                f"{file.as_uri()}?mode={'ro' if read_only else 'rwc'}",
                {"uri": True},
            )
        if read_only:
            pragmas["query_only"] = 1
        else:
            pragmas.update(journal_mode="wal", synchronous="normal")
        db = cls(database, pragmas=pragmas, check_same_thread=False, **connect)
        db.url = url
        db.read_only = read_only
        return db

    def begin(self, lock_type=None):
        """BEGIN IMMEDIATE/EXCLUSIVE takes the write lock: a write, refused in read-only mode.

        (peewee issues BEGIN on the cursor, past execute_sql's check.)
        """
        if self.read_only and (lock_type or "").upper() in ("IMMEDIATE", "EXCLUSIVE"):
            raise ReadOnlyError("read-only mode: writes are refused")
        return super().begin(lock_type)

    def version_string(self) -> str:
        return f"SQLite {sqlite3.sqlite_version}"

    def row_estimate(self, table: str) -> tuple[int, bool]:
        count = self._bounded_count(table)
        if count <= EXACT_COUNT_LIMIT:
            return count, True
        q = self.quote_name(table)
        try:
            lo, hi = self.execute_sql(f"SELECT MIN(rowid), MAX(rowid) FROM {q}").fetchone()
            return max(count, (hi or 0) - (lo or 0) + 1), False
        except peewee.OperationalError:  # WITHOUT ROWID table
            return count, False
