"""Queue backends: Huey on SQLite (embedded default), Redis, or memory (tests).

``from_url(url, name=…, read_only=…)`` picks the implementation by scheme and
returns a ``QueueBackend``: the live Huey instance plus the raw, windowed reads
the task monitor needs (counts, a page of pending or scheduled messages).
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
    "sqlite": "tqconsole.backends.queue.sqlite:SqliteQueue",
    "redis": "tqconsole.backends.queue.redis:RedisQueue",
    "memory": "tqconsole.backends.queue.memory:MemoryQueue",
}
DEFAULT_NAME = "tqconsole"


def from_url(url: str, name: str = DEFAULT_NAME, read_only: bool = False, **options):
    scheme = url.split(":", 1)[0]
    if scheme not in BACKENDS:
        raise ConfigError(f"unknown queue scheme {scheme!r} (use one of: {', '.join(BACKENDS)})")
    validate_url("queue", url, "queue URL")
    if scheme == "redis":
        from tqconsole.backends.redis_connect import checked_connect

        options.setdefault("redis_connect_func", checked_connect)
    module, _, cls_name = BACKENDS[scheme].partition(":")
    cls = getattr(importlib.import_module(module), cls_name)
    return cls.from_url(url, name=name, read_only=read_only, **options)


def open(settings: Settings):  # noqa: A001 - the family interface
    url = settings.url("queue")
    if url.startswith("sqlite"):
        settings.ensure_data_dir()
    return from_url(url, name=settings.queue_name, read_only=settings.read_only)


def probe(queue, health: Health) -> None:
    queue.ping()
    health.version = queue.version_string()
