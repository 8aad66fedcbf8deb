"""What a backend URL may hold, checked when the settings are read.

Each check gets the split URL and returns the problem as text (the caller names
the setting), or None.  Only what can be known without a server is checked
here: a database file's folder, a Redis db number, the type of every query
option and the names the drivers accept.  The server's own refusals (a Redis db
it does not have, something that is not Redis) are translated where the
connection is made.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from urllib.parse import SplitResult, parse_qsl


def number(kind: type) -> Callable[[str], object]:
    def parse(text: str):
        value = kind(text)
        if value < 0:
            raise ValueError
        return value

    parse.__name__ = "a whole number" if kind is int else "a number"
    return parse


def boolean(text: str) -> bool:
    if text.lower() not in {"1", "0", "true", "false", "yes", "no", "on", "off"}:
        raise ValueError
    return text.lower() in {"1", "true", "yes", "on"}


def optional_int(text: str) -> int | None:
    return None if text.lower() == "none" else number(int)(text)


def text(value: str) -> str:
    return value


boolean.__name__ = "true or false"
optional_int.__name__ = "a whole number or none"
text.__name__ = "text"

# The connection options libpq knows (PostgreSQL 17); psycopg2 refuses any other.
LIBPQ_OPTIONS = frozenset(
    [
        "host",
        "hostaddr",
        "port",
        "dbname",
        "user",
        "password",
        "passfile",
        "channel_binding",
        "connect_timeout",
        "client_encoding",
        "options",
        "application_name",
        "fallback_application_name",
        "keepalives",
        "keepalives_idle",
        "keepalives_interval",
        "keepalives_count",
        "tcp_user_timeout",
        "replication",
        "gssencmode",
        "sslmode",
        "sslnegotiation",
        "requiressl",
        "sslcompression",
        "sslcert",
        "sslkey",
        "sslpassword",
        "sslcertmode",
        "sslrootcert",
        "sslcrl",
        "sslcrldir",
        "sslsni",
        "requirepeer",
        "require_auth",
        "ssl_min_protocol_version",
        "ssl_max_protocol_version",
        "krbsrvname",
        "gsslib",
        "gssdelegation",
        "service",
        "target_session_attrs",
        "load_balance_hosts",
    ]
)
# Query options of a Redis URL that redis-py passes on to its connections, by type.
REDIS_OPTIONS: dict[str, Callable[[str], object]] = {
    "db": number(int),
    "socket_timeout": number(float),
    "socket_connect_timeout": number(float),
    "socket_keepalive": boolean,
    "retry_on_timeout": boolean,
    "max_connections": number(int),
    "health_check_interval": number(int),
    "client_name": text,
    "protocol": number(int),
    "username": text,
    "password": text,
}
REDISS_OPTIONS = {
    "ssl_cert_reqs": text,
    "ssl_ca_certs": text,
    "ssl_ca_path": text,
    "ssl_certfile": text,
    "ssl_keyfile": text,
    "ssl_password": text,
    "ssl_check_hostname": boolean,
}
# The console's own options in cache and queue URLs (cache options in any case).
CACHE_OPTIONS = {
    "key_prefix": text,
    "version": number(int),
    "timeout": optional_int,
    "max_entries": number(int),
    "cull_frequency": number(int),
}
QUEUE_OPTIONS = {"priority": boolean}


def typed_query(parts: SplitResult, known: dict[str, Callable[[str], object]]) -> str | None:
    for name, value in parse_qsl(parts.query, keep_blank_values=True):
        parse = known.get(name) or known.get(name.lower())
        if parse is None:
            names = f" (known: {', '.join(sorted(known))})" if known else ""
            return f"unknown option {name!r}{names}"
        try:
            parse(value)
        except ValueError:
            return f"option {name}={value!r} is not {parse.__name__}"
    return None


def check_sqlite(parts: SplitResult, family: str, data_dir: Path) -> str | None:
    path = parts.path[1:]  # sqlite:////abs/path, sqlite:///relative/path
    if not path:
        return "names no database file (sqlite:////absolute/path.db)"
    if path != ":memory:":
        folder = Path(path).expanduser().absolute().parent
        if not folder.is_dir() and folder != data_dir.absolute():
            return f"folder {folder} does not exist"
    if family == "database":
        return typed_query(parts, {})
    return None


def check_postgresql(parts: SplitResult, family: str, data_dir: Path) -> str | None:
    for name, _ in parse_qsl(parts.query, keep_blank_values=True):
        if name not in LIBPQ_OPTIONS:
            return f"unknown connection option {name!r} (PostgreSQL's libpq has no such option)"
    return None


def check_redis(parts: SplitResult, family: str, data_dir: Path) -> str | None:
    db = parts.path.strip("/")
    if db and not db.isdigit():
        return f"Redis db {db!r} is not a number (redis://host:6379/N)"
    known = {**REDIS_OPTIONS, **(REDISS_OPTIONS if parts.scheme == "rediss" else {})}
    known.update(CACHE_OPTIONS if family == "cache" else QUEUE_OPTIONS)
    return typed_query(parts, known)


CHECKS: dict[str, Callable[[SplitResult, str, Path], str | None]] = {
    "sqlite": check_sqlite,
    "postgresql": check_postgresql,
    "postgres": check_postgresql,
    "redis": check_redis,
    "rediss": check_redis,
}


def problem(family: str, parts: SplitResult, data_dir: Path) -> str | None:
    """What is wrong with the URL ``parts`` of ``family``, or None."""
    check = CHECKS.get(parts.scheme)
    return check(parts, family, data_dir) if check else None
