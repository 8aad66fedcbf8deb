"""The embedded default: Huey's SqliteStorage in one file of the data directory."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from urllib.parse import urlsplit

from huey import SqliteHuey
from huey.storage import SqliteStorage

from tqconsole.backends.queue.base import (
    QueueBackend,
    ScheduledItem,
    console_huey,
    huey_version,
    read_only_storage,
)
from tqconsole.errors import ConfigError


class SqliteQueue(QueueBackend):
    scheme = "sqlite"
    unavailable_errors = (sqlite3.OperationalError, sqlite3.DatabaseError)

    @classmethod
    def from_url(cls, url: str, name: str, read_only: bool = False, **options) -> SqliteQueue:
        path = urlsplit(url).path[1:]  # like the database URL: sqlite:////abs/path
        if not path:
            raise ConfigError(f"TQ_QUEUE_URL {url!r} names no queue file")
        folder = Path(path).expanduser().absolute().parent
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ConfigError(f"cannot create {folder}: {exc.strerror}") from None
        storage = read_only_storage(SqliteStorage) if read_only else SqliteStorage
        try:
            huey = console_huey(SqliteHuey, cls.unavailable_errors)(
                name, filename=path, storage_class=storage, **options
            )
        except sqlite3.Error as exc:
            raise ConfigError(f"queue file {path}: {exc}") from None
        return cls(huey, url, read_only)

    def version_string(self) -> str:
        return f"SQLite {sqlite3.sqlite_version} (huey {huey_version()})"

    def pending_window(self, offset: int, limit: int) -> list[bytes]:
        with self.guard():
            rows = self.storage.sql(
                "select data from task where queue = ? order by priority desc, id limit ? offset ?",
                (self.name, limit, offset),
                results=True,
            )
        return [bytes(data) for (data,) in rows]

    def scheduled_window(self, offset: int, limit: int) -> list[ScheduledItem]:
        with self.guard():
            rows = self.storage.sql(
                "select data, timestamp from schedule where queue = ? "
                "order by timestamp, id limit ? offset ?",
                (self.name, limit, offset),
                results=True,
            )
        return [ScheduledItem(bytes(data), ts) for data, ts in rows]

    def remove_scheduled(self, data: bytes) -> bool:
        self.check_writable("removing a scheduled task")
        with self.guard(), self.storage.db(commit=True) as curs:
            curs.execute(
                "delete from schedule where id = (select id from schedule "
                "where queue = ? and data = ? limit 1)",
                (self.name, data),
            )
            return curs.rowcount == 1
