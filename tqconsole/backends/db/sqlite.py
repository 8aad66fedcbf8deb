"""SQLite: the embedded default, one file in the data directory."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import peewee
from playhouse.db_url import parse

from tqconsole.backends.db.base import EXACT_COUNT_LIMIT, ConsoleDatabase
from tqconsole.errors import ConfigError, ReadOnlyError


class SqliteBackend(ConsoleDatabase, peewee.SqliteDatabase):
    vendor = "sqlite"

    @classmethod
    def from_url(cls, url: str, read_only: bool = False) -> SqliteBackend:
        params = parse(url)
        path = params.pop("database", "")
        if not path:
            raise ConfigError(f"TQ_DATABASE_URL {url!r} names no database file")
        if path != ":memory:":
            parent = Path(path).expanduser().absolute().parent
            try:
                parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise ConfigError(f"cannot create {parent}: {exc.strerror}") from None
        pragmas = {
            "journal_mode": "wal",
            "foreign_keys": 1,
            "busy_timeout": 10_000,
            "synchronous": "normal",
        }
        if read_only:
            pragmas["query_only"] = 1
        db = cls(path, pragmas=pragmas, check_same_thread=False)
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
