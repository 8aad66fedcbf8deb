"""Fixtures on real services; see tests/support/services.py."""

from __future__ import annotations

import os
import shutil
import uuid
from datetime import date

import pytest

from tests.support import services

DEMO_TODAY = date(2026, 11, 21)


def pytest_configure(config):
    os.environ.setdefault("TEXTUAL_ANIMATIONS", "none")


@pytest.fixture(autouse=True)
def isolated_env(tmp_path, monkeypatch):
    """No TQ_* variable or configuration file of the machine leaks into a test."""
    for key in list(os.environ):
        if key.startswith("TQ_") and not key.startswith("TQ_TEST_"):
            monkeypatch.delenv(key)
    monkeypatch.setenv("TQ_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.chdir(tmp_path)


# --- PostgreSQL
@pytest.fixture(scope="session")
def pg_drops():
    """Every database a test made is dropped in the background (``BackgroundDrops``)."""
    try:
        drops = services.BackgroundDrops()
    except services.ServiceMissing as exc:
        pytest.fail(str(exc), pytrace=False)
    yield drops
    drops.close()


@pytest.fixture(scope="session")
def pg_database(pg_drops):
    try:
        name, url = services.create_pg_database()
    except services.ServiceMissing as exc:
        pytest.fail(str(exc), pytrace=False)
    yield url
    pg_drops.drop(name)


@pytest.fixture
def pg_url(pg_database, monkeypatch):
    """A PostgreSQL URL with an empty schema, set as TQ_DATABASE_URL."""
    monkeypatch.setenv("TQ_DATABASE_URL", pg_database)
    yield pg_database
    services.reset_pg_schema(pg_database)


@pytest.fixture
def sqlite_url(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'data' / 'tqconsole.db'}"
    monkeypatch.setenv("TQ_DATABASE_URL", url)
    return url


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request):
    """Runs the test once on SQLite and once on PostgreSQL."""
    return request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "pg_url")


@pytest.fixture
def backends(db_url):
    from tqconsole.backends import Backends
    from tqconsole.settings import load

    b = Backends(load())
    yield b
    b.close()


def make_backends():
    from tqconsole.backends import Backends
    from tqconsole.settings import load

    return Backends(load())


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory):
    """A SQLite database with scale-1 demo data, built once per session."""
    from tqconsole.backends import Backends
    from tqconsole.services.db.schema import init
    from tqconsole.services.demo.database import load_demo
    from tqconsole.settings import Settings, default_urls

    folder = tmp_path_factory.mktemp("demo")
    urls = default_urls(folder)
    b = Backends(Settings(urls=urls, data_dir=folder))
    init(b)
    load_demo(b, scale=1, today=DEMO_TODAY)
    b.close()
    return folder / "tqconsole.db"


@pytest.fixture
def demo_sqlite(demo_template, tmp_path, monkeypatch):
    """A private copy of the demo database, set as TQ_DATABASE_URL."""
    target = tmp_path / "data" / "tqconsole.db"
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(demo_template, target)
    url = f"sqlite:///{target}"
    monkeypatch.setenv("TQ_DATABASE_URL", url)
    return url


# --- Redis
@pytest.fixture(scope="session")
def redis_db():
    try:
        with services.claimed_redis_db() as n:
            yield n
    except services.ServiceMissing as exc:
        pytest.fail(str(exc), pytrace=False)


@pytest.fixture
def redis_url(redis_db):
    """``redis://…/N``: a Redis db of this session's own, flushed after each test."""
    import redis

    url = f"redis://{services.REDIS_HOST}:{services.REDIS_PORT}/{redis_db}"
    client = redis.Redis.from_url(url)
    client.flushdb()
    yield url
    client.flushdb()
    client.close()


# --- S3 (moto's server over HTTP)
@pytest.fixture(scope="session")
def s3_server():
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def s3_url(s3_server, monkeypatch):
    """TQ_STORAGE_URL on moto, with bucket names of this test's own."""
    host = s3_server.removeprefix("http://")
    url = f"s3://testing:testing@{host}?secure=0&region=us-east-1"
    monkeypatch.setenv("TQ_STORAGE_URL", url)
    suffix = uuid.uuid4().hex[:10]
    for storage in ("media", "static", "finance"):
        monkeypatch.setenv(f"TQ_STORAGE_{storage.upper()}_BUCKET", f"{storage}-{suffix}")
    return url


# --- SMTP (aiosmtpd)
@pytest.fixture
def smtp_server():
    with services.smtp_server() as server:
        yield server


@pytest.fixture
def pg_proxy(pg_url, monkeypatch):
    """TQ_DATABASE_URL through a TcpProxy to PostgreSQL: ``pg_proxy.stop()`` takes it down."""
    proxy = services.TcpProxy(services.PG_HOST, services.PG_PORT)
    proxy.start()
    monkeypatch.setenv(
        "TQ_DATABASE_URL", pg_url.replace(f":{services.PG_PORT}/", f":{proxy.port}/")
    )
    yield proxy
    proxy.stop()


# --- mail (issue 7)
@pytest.fixture
def mail_db(backends):
    """The configured database (SQLite and PostgreSQL) with the console's tables."""
    from tqconsole.services.db.schema import init

    init(backends)
    return backends


@pytest.fixture
def mail_sqlite(sqlite_url):
    from tqconsole.services.db.schema import init

    b = make_backends()
    init(b)
    yield b


# --- cache (issue 4)
CACHE_KINDS = ["locmem", "db-sqlite", "db-postgresql", "redis"]


@pytest.fixture(params=CACHE_KINDS)
def cache_url(request, monkeypatch):
    """TQ_CACHE_URL of each cache backend (the db ones with an initialised database)."""
    kind = request.param
    if kind == "locmem":
        url = f"locmem://test-{uuid.uuid4().hex[:8]}"
    elif kind == "redis":
        url = request.getfixturevalue("redis_url")
    else:
        request.getfixturevalue("sqlite_url" if kind == "db-sqlite" else "pg_url")
        url = "db://tq_cache_table"
        from tqconsole.services.db.schema import init

        b = make_backends()
        init(b)
        b.close()
    monkeypatch.setenv("TQ_CACHE_URL", url)
    return url


@pytest.fixture
def cache(cache_url):
    """The live cache of TQ_CACHE_URL (every backend but dummy)."""
    b = make_backends()
    yield b.get("cache")
    b.close()


# --- task queue (issue 6)
@pytest.fixture(autouse=True)
def no_embedded_consumer(isolated_env, monkeypatch):
    """No TUI in a test starts the in-process consumer thread unless the test asks for it."""
    monkeypatch.setenv("TQ_EMBEDDED_CONSUMER", "0")


@pytest.fixture
def queue_name(monkeypatch):
    """A Huey queue name of this test's own (TQ_QUEUE_NAME)."""
    name = f"tqtest{uuid.uuid4().hex[:10]}"
    monkeypatch.setenv("TQ_QUEUE_NAME", name)
    monkeypatch.setenv("TQ_HEARTBEAT_INTERVAL", "1")
    return name


@pytest.fixture
def redis_queue(redis_url, queue_name, monkeypatch):
    """TQ_QUEUE_URL on this session's Redis db, with a queue name of this test's own."""
    monkeypatch.setenv("TQ_QUEUE_URL", redis_url)
    return redis_url


@pytest.fixture(params=["sqlite", "redis"])
def any_queue(request, queue_name, monkeypatch):
    """Runs the test on the embedded SQLite queue and on Redis."""
    if request.param == "redis":
        return request.getfixturevalue("redis_queue")
    return f"sqlite:///{os.environ['TQ_DATA_DIR']}/queue.db"


# --- the site's own database (schema.sql + sample.sql of ../shared/tq_site)
SITE_FIXTURE = services.SITE_FIXTURE


@pytest.fixture(scope="session")
def site_template(pg_drops):
    """A PostgreSQL template database holding the site's fixture, loaded once per run."""
    if not (SITE_FIXTURE / "schema.sql").is_file():
        pytest.skip("the site's fixture (../shared/tq_site) is absent")
    try:
        name, url = services.create_pg_database()
    except services.ServiceMissing as exc:
        pytest.fail(str(exc), pytrace=False)
    services.load_site_sql(url, "schema.sql", "sample.sql")
    yield name
    pg_drops.drop(name)


@pytest.fixture
def site_url(site_template, pg_drops, monkeypatch):
    """A private copy of the site's database (CREATE DATABASE … TEMPLATE), as TQ_DATABASE_URL."""
    name, url = services.create_pg_database(template=site_template)
    monkeypatch.setenv("TQ_DATABASE_URL", url)
    yield url
    pg_drops.drop(name)
