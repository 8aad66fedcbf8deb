"""Real services for the tests: PostgreSQL databases, Redis dbs, moto S3, aiosmtpd.

Each test session (each xdist worker) gets its own PostgreSQL database and Redis db number
(claimed with a lock file, so suites run side by side do not meet); each test
gets clean tables, an empty Redis db, its own bucket names and SMTP server.
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import os
import socket
import subprocess
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

PG_HOST = os.environ.get("TQ_TEST_PG_HOST", "127.0.0.1")
PG_PORT = int(os.environ.get("TQ_TEST_PG_PORT", "5432"))
PG_USER = os.environ.get("TQ_TEST_PG_USER", "postgres")
REDIS_HOST = os.environ.get("TQ_TEST_REDIS_HOST", "127.0.0.1")
REDIS_PORT = int(os.environ.get("TQ_TEST_REDIS_PORT", "6379"))
# the site's own data (../shared/tq_site beside the checkout); TQ_TEST_SITE_FIXTURE overrides
SITE_FIXTURE = Path(
    os.environ.get("TQ_TEST_SITE_FIXTURE")
    or Path(__file__).resolve().parents[2].parent / "shared" / "tq_site"
)


class ServiceMissing(RuntimeError):
    pass


def pg_admin_connection():
    import psycopg2

    try:
        conn = psycopg2.connect(
            host=PG_HOST, port=PG_PORT, user=PG_USER, dbname="postgres", connect_timeout=5
        )
    except psycopg2.OperationalError as exc:
        raise ServiceMissing(
            f"PostgreSQL is not reachable at {PG_HOST}:{PG_PORT} ({str(exc).strip()}); "
            "scripts/test starts it where it is installed"
        ) from None
    conn.autocommit = True
    return conn


def create_pg_database(template: str = "") -> tuple[str, str]:
    name = f"tqtest_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    conn = pg_admin_connection()
    with conn.cursor() as cur:
        cur.execute(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
    conn.close()
    return name, f"postgresql://{PG_USER}@{PG_HOST}:{PG_PORT}/{name}"


def load_site_sql(url: str, *scripts: str) -> bool:
    """Run the site fixture's SQL ``scripts`` (``schema.sql``, ``sample.sql``) into ``url``,
    each in one transaction; False where the fixture is absent."""
    if not (SITE_FIXTURE / "schema.sql").is_file():
        return False
    for script in scripts:
        subprocess.run(
            ["psql", "-q", "-1", "-v", "ON_ERROR_STOP=1", "-f", str(SITE_FIXTURE / script), url],
            check=True,
            stdout=subprocess.DEVNULL,
        )
    return True


def drop_pg_database(name: str) -> None:
    conn = pg_admin_connection()
    with conn.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    conn.close()


class BackgroundDrops:
    """DROP DATABASE in a thread of its own, never in a test's time.

    A drop waits for a checkpoint, and under load with many copies of the site's
    database a checkpoint took 25–55 s (fsync of 20,000 files): drops made in the
    tests ran past the per-test timeout.  A drop that fails is left to the next
    run, which drops the databases of test processes that have gone
    (``stale_databases``); ``close()`` waits a bounded time, for the same reason.
    """

    def __init__(self):
        import queue
        import threading

        self._names: queue.Queue[str | None] = queue.Queue()
        self._thread = threading.Thread(target=self._run, name="pg-drops", daemon=True)
        self._thread.start()
        for name in stale_databases():
            self.drop(name)

    def drop(self, name: str) -> None:
        self._names.put(name)

    def _run(self) -> None:
        while (name := self._names.get()) is not None:
            with contextlib.suppress(Exception):
                drop_pg_database(name)

    def close(self, wait: float = 60.0) -> None:
        self._names.put(None)
        self._thread.join(wait)


def stale_databases() -> list[str]:
    """Databases of earlier test processes that are gone (``tqtest_<pid>_…``)."""
    conn = pg_admin_connection()
    with conn.cursor() as cur:
        cur.execute("SELECT datname FROM pg_database WHERE datname LIKE 'tqtest\\_%'")
        names = [row[0] for row in cur.fetchall()]
    conn.close()
    return [name for name in names if not running(name.split("_")[1])]


def running(pid: str) -> bool:
    if not pid.isdigit():
        return True  # not one of ours: leave it
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    return True


def reset_pg_schema(url: str) -> None:
    """Drop every table the test made: a fresh public schema."""
    import psycopg2

    conn = psycopg2.connect(url)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        cur.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
    conn.close()


@contextlib.contextmanager
def claimed_redis_db(timeout: float = 90.0):
    """Claim a Redis db number (1–15) for this process with a lock file; while other
    suites (or xdist workers) hold all 15, wait for one of them to finish."""
    import redis

    try:
        redis.Redis(host=REDIS_HOST, port=REDIS_PORT, socket_connect_timeout=3).ping()
    except redis.RedisError as exc:
        raise ServiceMissing(
            f"Redis is not reachable at {REDIS_HOST}:{REDIS_PORT} ({exc}); "
            "scripts/test starts it where it is installed"
        ) from None
    deadline = time.monotonic() + timeout
    while (claim := _claim_redis_db()) is None:
        if time.monotonic() > deadline:
            raise ServiceMissing(f"all Redis test dbs 1-15 stayed claimed for {timeout:.0f} s")
        time.sleep(0.5)
    n, fh = claim
    try:
        yield n
    finally:
        fcntl.flock(fh, fcntl.LOCK_UN)
        fh.close()


def _claim_redis_db():
    """``(n, locked file)`` of the first free db, or None."""
    for n in range(1, 16):
        path = os.path.join(tempfile.gettempdir(), f"tqconsole-test-redis-{REDIS_PORT}-{n}.lock")
        fh = open(path, "w")  # noqa: SIM115 - held for the session
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            fh.close()
            continue
        return n, fh
    return None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class SmtpServer:
    host: str
    port: int
    messages: list = field(default_factory=list)  # aiosmtpd Envelopes, in order
    refuse: set = field(default_factory=set)  # recipients answered with 550

    @property
    def url(self) -> str:
        return f"smtp://{self.host}:{self.port}"


class RecordingHandler:
    def __init__(self, server: SmtpServer):
        self.server = server

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        if address in self.server.refuse:
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        self.server.messages.append(envelope)
        return "250 Message accepted for delivery"


@contextlib.contextmanager
def smtp_server():
    from aiosmtpd.controller import Controller

    server = SmtpServer("127.0.0.1", free_port())
    controller = Controller(RecordingHandler(server), hostname=server.host, port=server.port)
    controller.start()
    try:
        yield server
    finally:
        controller.stop()


class TcpProxy:
    """A TCP forwarder to a real server that a test can take down and bring back.

    ``stop()`` closes the listening socket and every open connection (the server
    looks gone: connections drop, new ones are refused); ``start()`` listens on
    the same port again.
    """

    def __init__(self, target_host: str, target_port: int):
        self.target = (target_host, target_port)
        self.port = free_port()
        self._listener = None
        self._conns: list[socket.socket] = []

    def start(self) -> None:
        import threading

        self._listener = socket.socket()
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind(("127.0.0.1", self.port))
        self._listener.listen(16)
        threading.Thread(target=self._accept, args=(self._listener,), daemon=True).start()

    def _accept(self, listener) -> None:
        import threading

        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(self.target)
            self._conns += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(src, dst) -> None:
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)

    def stop(self) -> None:
        if self._listener is not None:
            with contextlib.suppress(OSError):
                self._listener.shutdown(socket.SHUT_RDWR)  # wakes the blocked accept()
            self._listener.close()
            self._listener = None
        for conn in self._conns:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
            conn.close()
        self._conns.clear()


def load_site_redis(url: str) -> set[str]:
    """The real site's Redis db (its django-redis cache and Celery broker), key by key.

    Skips the test where ``../shared/tq_site`` is absent.
    """
    import json

    import pytest
    import redis

    path = SITE_FIXTURE / "redis.jsonl"
    if not path.is_file():
        pytest.skip("the site's fixture (../shared/tq_site) is absent")

    client = redis.Redis.from_url(url)
    keys = set()
    with path.open() as lines:
        for line in lines:
            item = json.loads(line)
            key, kind, value = item["key"], item["type"], item["value"]
            if kind == "string":
                client.set(key, base64.b64decode(value))
            elif kind == "list":
                client.rpush(key, *map(base64.b64decode, value))
            elif kind == "set":
                client.sadd(key, *map(base64.b64decode, value))
            elif kind == "hash":
                client.hset(key, mapping={f: base64.b64decode(v) for f, v in value.items()})
            elif kind == "zset":
                client.zadd(key, {base64.b64decode(m): score for m, score in value})
            if item["ttl_ms"] is not None:
                client.pexpire(key, item["ttl_ms"])
            keys.add(key)
    client.close()
    return keys
