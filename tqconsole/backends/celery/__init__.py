"""Celery broker backends: the site's queues read as data, and Celery's control API.

``from_url(url, read_only=…)`` picks the implementation by scheme; ``open(settings)``
uses the ``celery_broker_url`` setting (``TQ_CELERY_BROKER_URL``).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from tqconsole.errors import ConfigError

if TYPE_CHECKING:
    from tqconsole.settings import Settings

BACKENDS = {
    "redis": "tqconsole.backends.celery.redis:RedisBroker",
    "rediss": "tqconsole.backends.celery.redis:RedisBroker",
}


def from_url(url: str, read_only: bool = False, **options):
    scheme = url.split(":", 1)[0] if "://" in url else ""
    if scheme not in BACKENDS:
        raise ConfigError(
            f"unknown Celery broker scheme {scheme!r} (use one of: {', '.join(BACKENDS)})"
        )
    module, _, cls_name = BACKENDS[scheme].partition(":")
    cls = getattr(importlib.import_module(module), cls_name)
    return cls.from_url(url, read_only=read_only, **options)


def open(settings: Settings):  # noqa: A001 - the family interface
    url = settings.celery_broker_url
    if not url:
        raise ConfigError("no Celery broker configured: set TQ_CELERY_BROKER_URL (redis://…)")
    return from_url(url, read_only=settings.read_only)
