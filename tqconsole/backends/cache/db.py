"""DatabaseCache: Django's table layout and value encoding, one statement per set.

Rows are ``(cache_key, value, expires)`` with ``value`` = base64 of the pickle
and ``expires`` in UTC (``datetime.max`` for never), exactly as Django's
DatabaseCache writes them, so entries of the site and of the console are
readable by both.  Where Django counts, selects and then updates or inserts in
a transaction, ``set`` here is one upsert.  On PostgreSQL that upsert commits
without waiting for the WAL flush (``synchronous_commit`` off for that one
transaction): a server crash may lose the last few cache writes, never corrupt
anything — the trade every cache makes.  The table size is checked every
``MAX_ENTRIES // 10`` sets (so it may exceed MAX_ENTRIES by 10 % between
checks), then expired rows are culled first and every CULL_FREQUENCY-th key
after them, as Django does.
"""

from __future__ import annotations

import base64
import pickle
import threading
from datetime import UTC, datetime
from typing import Any

import peewee

from tqconsole.backends.cache.base import DEFAULT_TIMEOUT, BaseCache, KeyInfo, RawValue
from tqconsole.backends.cache.patterns import glob_like, glob_regex
from tqconsole.errors import NotFound

NEVER = datetime.max.replace(microsecond=0)
BATCH = 1000


def encode(value: Any) -> str:
    return base64.b64encode(pickle.dumps(value, pickle.HIGHEST_PROTOCOL)).decode("latin1")


def decode(text: str) -> Any:
    return pickle.loads(base64.b64decode(text.encode()))


class DatabaseCache(BaseCache):
    scheme = "db"

    def __init__(self, table: str, database: Any, **params):
        super().__init__(table or "tq_cache_table", **params)
        self._table = self.location
        # a peewee database, or a function returning the one to use now
        self._database = (lambda: database) if hasattr(database, "execute_sql") else database
        self._aware: bool | None = None
        self._lock = threading.Lock()
        self._sets = 0
        self._count_every = max(1, min(1000, self._max_entries // 10))

    # --- the database, its placeholders and its way of storing datetimes
    @property
    def db(self):
        return self._database()

    def _sql(self, sql: str) -> str:
        """``sql`` with ``{t}`` = the quoted table and ``%s`` as the driver's placeholder."""
        db = self.db
        sql = sql.replace("{t}", db.quote_name(self._table))
        return sql if db.param == "%s" else sql.replace("%s", db.param)

    def _run(self, sql: str, params=()):
        try:
            return self.db.execute_sql(self._sql(sql), params)
        except (peewee.OperationalError, peewee.ProgrammingError) as exc:
            text = str(exc)
            if self._table in text and ("no such table" in text or "does not exist" in text):
                raise NotFound(
                    f"cache table {self._table!r} does not exist: run tqconsole createcachetable"
                ) from None
            raise

    @property
    def aware(self) -> bool:
        """PostgreSQL ``timestamp with time zone`` (Django's layout) or a naive column."""
        if self._aware is None:
            aware = False
            if self.db.vendor == "postgresql":
                row = self.db.execute_sql(
                    "SELECT data_type FROM information_schema.columns "
                    "WHERE table_name = %s AND column_name = 'expires' "
                    "AND table_schema = ANY(current_schemas(false))",
                    (self._table,),
                ).fetchone()
                aware = bool(row and "with time zone" in row[0])
            self._aware = aware
        return self._aware

    def _stamp(self, moment: datetime, whole_seconds: bool = True) -> Any:
        """A naive UTC datetime as this table stores it (Django with USE_TZ=True)."""
        if whole_seconds:
            moment = moment.replace(microsecond=0)
        if self.db.vendor == "sqlite":
            return str(moment)
        return moment.replace(tzinfo=UTC) if self.aware else moment

    def _now(self) -> Any:
        return self._stamp(datetime.now(UTC).replace(tzinfo=None), whole_seconds=False)

    def _expiry(self, timeout) -> Any:
        at = self.get_backend_timeout(timeout)
        if at is None:
            return self._stamp(NEVER)
        return self._stamp(datetime.fromtimestamp(at, UTC).replace(tzinfo=None))

    def _expires_column(self) -> str:
        return "expires AT TIME ZONE 'UTC'" if self.aware else "expires"

    def _ttl(self, expires: Any) -> float | None:
        if isinstance(expires, str):
            expires = datetime.fromisoformat(expires)
        if expires is None or expires.year == 9999:
            return None
        if expires.tzinfo is not None:
            expires = expires.astimezone(UTC).replace(tzinfo=None)
        return (expires - datetime.now(UTC).replace(tzinfo=None)).total_seconds()

    # --- Django's API
    def get(self, key, default=None, version=None):
        key = self.make_and_validate_key(key, version)
        row = self._run(
            "SELECT value FROM {t} WHERE cache_key = %s AND expires >= %s", (key, self._now())
        ).fetchone()
        return default if row is None else decode(row[0])

    def get_many(self, keys, version=None) -> dict:
        key_map = {self.make_and_validate_key(k, version): k for k in keys}
        found = {}
        stored = list(key_map)
        for start in range(0, len(stored), BATCH):
            batch = stored[start : start + BATCH]
            marks = ", ".join(["%s"] * len(batch))
            rows = self._run(
                f"SELECT cache_key, value FROM {{t}} WHERE cache_key IN ({marks}) AND expires >= %s",
                (*batch, self._now()),
            ).fetchall()
            for stored_key, value in rows:
                found[key_map[stored_key]] = decode(value)
        return {k: found[k] for k in keys if k in found}

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None) -> None:
        self._write(self.make_and_validate_key(key, version), value, timeout, only_if_expired=False)

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None) -> bool:
        key = self.make_and_validate_key(key, version)
        return self._write(key, value, timeout, only_if_expired=True)

    def set_many(self, data: dict, timeout=DEFAULT_TIMEOUT, version=None) -> list:
        self.check_writable()
        rows = [(self.make_and_validate_key(k, version), encode(v)) for k, v in data.items()]
        expires = self._expiry(timeout)
        with self.db.atomic():
            for start in range(0, len(rows), BATCH):
                batch = rows[start : start + BATCH]
                values = ", ".join(["(%s, %s, %s)"] * len(batch))
                params = [p for key, value in batch for p in (key, value, expires)]
                self._run(
                    f"INSERT INTO {{t}} (cache_key, value, expires) VALUES {values} "
                    "ON CONFLICT (cache_key) DO UPDATE SET value = excluded.value, "
                    "expires = excluded.expires",
                    params,
                )
        self._maybe_cull(len(rows))
        return []

    def _write(self, key: str, value, timeout, only_if_expired: bool) -> bool:
        self.check_writable()
        condition = " WHERE {t}.expires < %s" if only_if_expired else ""
        params = [key, encode(value), self._expiry(timeout)]
        if only_if_expired:
            params.append(self._now())
        rows = (
            "SELECT %s, %s, %s FROM (SELECT set_config('synchronous_commit', 'off', true)) AS s"
            if self.db.vendor == "postgresql" and not self.db.in_transaction()
            else "VALUES (%s, %s, %s)"
        )
        try:
            cursor = self._run(
                f"INSERT INTO {{t}} (cache_key, value, expires) {rows} "
                "ON CONFLICT (cache_key) DO UPDATE SET value = excluded.value, "
                "expires = excluded.expires" + condition,
                params,
            )
        except peewee.DataError:  # a key longer than the column: Django fails silently too
            return False
        written = cursor.rowcount > 0
        self._maybe_cull(1)
        return written

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None) -> bool:
        self.check_writable()
        key = self.make_and_validate_key(key, version)
        cursor = self._run(
            "UPDATE {t} SET expires = %s WHERE cache_key = %s AND expires >= %s",
            (self._expiry(timeout), key, self._now()),
        )
        return cursor.rowcount > 0

    def delete(self, key, version=None) -> bool:
        return self.raw_delete([self.make_and_validate_key(key, version)]) > 0

    def delete_many(self, keys, version=None) -> None:
        self.raw_delete([self.make_and_validate_key(k, version) for k in keys])

    def has_key(self, key, version=None) -> bool:
        key = self.make_and_validate_key(key, version)
        return (
            self._run(
                "SELECT 1 FROM {t} WHERE cache_key = %s AND expires >= %s", (key, self._now())
            ).fetchone()
            is not None
        )

    def incr(self, key, delta=1, version=None):
        """As Django's (the entry then has the default timeout), but atomic: a row lock on PostgreSQL.

        Django's DatabaseCache increments by get + set, so the site's counters get
        the default timeout again at every incr; the console does the same.
        """
        self.check_writable()
        stored = self.make_and_validate_key(key, version)
        lock = " FOR UPDATE" if self.db.vendor == "postgresql" else ""
        with self.db.atomic():
            row = self._run(
                "SELECT value FROM {t} WHERE cache_key = %s AND expires >= %s" + lock,
                (stored, self._now()),
            ).fetchone()
            if row is None:
                raise ValueError(f"Key '{key}' not found")
            value = decode(row[0]) + delta
            self._run(
                "UPDATE {t} SET value = %s, expires = %s WHERE cache_key = %s",
                (encode(value), self._expiry(DEFAULT_TIMEOUT), stored),
            )
        return value

    def clear(self) -> None:
        self.raw_flush()

    def close(self, **kwargs) -> None:
        pass

    # --- culling, as Django's: expired rows first, then every CULL_FREQUENCY-th key
    def _maybe_cull(self, written: int) -> None:
        with self._lock:
            self._sets += written
            if self._sets < self._count_every:
                return
            self._sets = 0
        count = self._run("SELECT COUNT(*) FROM {t}").fetchone()[0]
        if count > self._max_entries:
            self.cull(count)

    def cull(self, count: int) -> None:
        if self._cull_frequency == 0:
            self.raw_flush()
            return
        remaining = count - self.cull_expired()
        if remaining > self._max_entries:
            cut = self._run(
                "SELECT cache_key FROM {t} ORDER BY cache_key LIMIT 1 OFFSET %s",
                (remaining // self._cull_frequency,),
            ).fetchone()
            if cut:
                self._run("DELETE FROM {t} WHERE cache_key < %s", (cut[0],))

    def cull_expired(self) -> int:
        self.check_writable("cull")
        return self._run("DELETE FROM {t} WHERE expires < %s", (self._now(),)).rowcount

    # --- the inspector's primitives
    @property
    def name(self) -> str:
        return self._table

    def version_string(self) -> str:
        return f"table {self._table} in {self.db.version_string()}"

    def ping(self) -> None:
        self._run("SELECT 1 FROM {t} LIMIT 1").fetchone()

    def raw_count(self) -> int:
        self.ping()  # a missing table is reported as such
        return self.db.row_estimate(self._table)[0]

    def raw_scan(self, pattern: str, cursor: Any, count: int) -> tuple[list[str], Any]:
        """Keyset paging over cache_key; LIKE narrows, the glob regex decides."""
        rows = self._run(
            "SELECT cache_key FROM {t} WHERE cache_key > %s AND cache_key LIKE %s ESCAPE '\\' "
            "ORDER BY cache_key LIMIT %s",
            (cursor or "", glob_like(pattern), count),
        ).fetchall()
        match = glob_regex(pattern).match
        keys = [key for (key,) in rows if match(key)]
        return keys, (rows[-1][0] if len(rows) == count else None)

    def raw_sample(self, n: int) -> list[str]:
        """All keys of a small table; a random ``n`` of a large one (keyset order is biased)."""
        if self.raw_count() <= n:
            return super().raw_sample(n)
        rows = self._run("SELECT cache_key FROM {t} ORDER BY RANDOM() LIMIT %s", (n,))
        return [key for (key,) in rows.fetchall()]

    def raw_describe(self, keys: list[str], memory: bool = False) -> list[KeyInfo]:
        found: dict[str, KeyInfo] = {}
        for start in range(0, len(keys), BATCH):
            batch = keys[start : start + BATCH]
            marks = ", ".join(["%s"] * len(batch))
            rows = self._run(
                f"SELECT cache_key, LENGTH(value), {self._expires_column()} FROM {{t}} "
                f"WHERE cache_key IN ({marks})",
                batch,
            ).fetchall()
            for key, length, expires in rows:
                found[key] = KeyInfo(key, "string", self._ttl(expires), length * 3 // 4)
        return [found.get(key) or KeyInfo(key, "none", -2, None) for key in keys]

    def raw_read(self, key: str, limit: int) -> RawValue:
        chars = (limit + 2) // 3 * 4
        row = self._run(
            f"SELECT SUBSTR(value, 1, %s), LENGTH(value), {self._expires_column()} "
            "FROM {t} WHERE cache_key = %s",
            (chars, key),
        ).fetchone()
        if row is None:
            raise NotFound(f"no cache entry {key!r} in table {self._table}")
        text, length, expires = row
        try:
            data = base64.b64decode(text.encode("latin1"))
            encoding = "base64"
        except (ValueError, UnicodeEncodeError):
            data = text.encode("utf-8", "surrogateescape")
            encoding = "text (not base64)"
        return RawValue(
            key, "string", self._ttl(expires), length * 3 // 4, data, length > chars, encoding
        )

    def raw_delete(self, keys: list[str]) -> int:
        self.check_writable("delete")
        removed = 0
        for start in range(0, len(keys), BATCH):
            batch = keys[start : start + BATCH]
            marks = ", ".join(["%s"] * len(batch))
            removed += self._run(f"DELETE FROM {{t}} WHERE cache_key IN ({marks})", batch).rowcount
        return removed

    def raw_expire(self, key: str, seconds: float | None) -> bool:
        self.check_writable("ttl change")
        expires = self._expiry(None if seconds is None else seconds)
        return (
            self._run("UPDATE {t} SET expires = %s WHERE cache_key = %s", (expires, key)).rowcount
            > 0
        )

    def raw_clear(self, pattern, progress=None, cancelled=None, only=None) -> int:
        self.check_writable("clear")
        removed, cursor = 0, None
        while True:
            if cancelled and cancelled():
                break
            keys, cursor = self.raw_scan(pattern, cursor, BATCH)
            if only is not None:
                keys = [k for k in keys if only.match(k)]
            if keys:
                removed += self.raw_delete(keys)
                if progress:
                    progress(removed)
            if cursor is None:
                break
        return removed

    def raw_flush(self) -> int:
        self.check_writable("clear")
        return self._run("DELETE FROM {t}").rowcount

    def stats(self) -> dict[str, Any]:
        self.ping()  # a missing table is reported as such
        entries, exact = self.db.row_estimate(self._table)
        expired = self._run(
            "SELECT COUNT(*) FROM {t} WHERE expires < %s", (self._now(),)
        ).fetchone()[0]
        return {
            "backend": "database",
            "table": self._table,
            "entries": entries,
            "entries_exact": exact,
            "expired": expired,
            "table_bytes": self._table_bytes(),
        }

    def _table_bytes(self) -> int | None:
        if self.db.vendor == "postgresql":
            return self._run(
                "SELECT pg_total_relation_size(%s)", (self.db.quote_name(self._table),)
            ).fetchone()[0]
        try:
            return self._run(
                "SELECT SUM(pgsize) FROM dbstat WHERE name = %s", (self._table,)
            ).fetchone()[0]
        except Exception:  # SQLite built without dbstat: the stored bytes instead
            return self._run(
                "SELECT COALESCE(SUM(LENGTH(cache_key) + LENGTH(value)), 0) FROM {t}"
            ).fetchone()[0]
