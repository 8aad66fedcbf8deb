"""Database backends: SQLite (embedded default) and PostgreSQL, as peewee databases.

``from_url(url, read_only=False)`` picks the implementation by scheme.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from tqconsole.errors import ConfigError
from tqconsole.settings import validate_url

if TYPE_CHECKING:
    from tqconsole.backends.health import Health
    from tqconsole.settings import Settings

BACKENDS = {
    "sqlite": "tqconsole.backends.db.sqlite:SqliteBackend",
    "postgresql": "tqconsole.backends.db.postgresql:PostgresBackend",
    "postgres": "tqconsole.backends.db.postgresql:PostgresBackend",
}


def from_url(url: str, read_only: bool = False):
    scheme = url.split(":", 1)[0]
    if scheme not in BACKENDS:
        raise ConfigError(f"unknown database scheme {scheme!r}")
    validate_url("database", url, "database URL")
    module, _, name = BACKENDS[scheme].partition(":")
    cls = getattr(importlib.import_module(module), name)
    return cls.from_url(url, read_only=read_only)


def open(settings: Settings):  # noqa: A001 - the family interface
    """The database of ``settings``, bound to every model."""
    from tqconsole import models

    if settings.database_url.startswith("sqlite"):
        settings.ensure_data_dir()
    db = from_url(settings.database_url, read_only=settings.read_only)
    models.bind(db)
    return db


def probe(db, health: Health) -> None:
    """Version, and for PostgreSQL whether the role can write."""
    db.ping()
    health.version = db.version_string()
    if db.vendor == "postgresql":
        role_health(db, health)


def role_health(db, health: Health) -> None:
    """Whether the connected role can write: a warning in read-only mode, where only a
    read-only role makes sure that nothing is written whatever the console does."""
    user, writes = db.write_access()
    health.figures.append(
        ("role", f"{user} can write {writes}" if writes else f"{user}: read-only")
    )
    if writes and db.read_only:
        health.warning = (
            f"read-only mode, but role {user} can write {writes}: "
            "connect as a read-only role (see README)"
        )
