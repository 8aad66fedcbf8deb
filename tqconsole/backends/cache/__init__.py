"""Cache backends with Django's cache API: database table, Redis, local memory, dummy.

``from_url(url, **options)`` picks the implementation by scheme:
``db://tq_cache_table`` (a table in the configured database),
``redis://host:6379/1``, ``locmem://NAME``, ``dummy://``.  A db:// cache needs
``database=`` (a peewee database, or a function returning the one to use).  Options (KEY_PREFIX,
VERSION, TIMEOUT, MAX_ENTRIES, CULL_FREQUENCY) come from the URL's query string
or the settings (``cache_key_prefix`` … / ``TQ_CACHE_KEY_PREFIX`` …).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlsplit, urlunsplit

from tqconsole.errors import ConfigError
from tqconsole.settings import validate_url

if TYPE_CHECKING:
    from tqconsole.backends.health import Health
    from tqconsole.settings import Settings

BACKENDS = {
    "db": "tqconsole.backends.cache.db:DatabaseCache",
    "redis": "tqconsole.backends.cache.redis:RedisCache",
    "rediss": "tqconsole.backends.cache.redis:RedisCache",
    "locmem": "tqconsole.backends.cache.locmem:LocMemCache",
    "dummy": "tqconsole.backends.cache.dummy:DummyCache",
}
OPTIONS = ("KEY_PREFIX", "VERSION", "TIMEOUT", "MAX_ENTRIES", "CULL_FREQUENCY")


def split_options(url: str) -> tuple[str, dict[str, str]]:
    """The URL without the cache options of its query string, and those options."""
    parts = urlsplit(url)
    options, rest = {}, []
    for name, value in parse_qsl(parts.query, keep_blank_values=True):
        if name.upper() in OPTIONS:
            options[name.upper()] = value
        else:
            rest.append(f"{name}={value}")
    return urlunsplit(parts._replace(query="&".join(rest))), options


def from_url(url: str, read_only: bool = False, **options: Any):
    scheme = url.split(":", 1)[0]
    if scheme not in BACKENDS:
        raise ConfigError(f"unknown cache scheme {scheme!r} (use one of: {', '.join(BACKENDS)})")
    validate_url("cache", url, "cache URL")
    url, query = split_options(url)
    links = {k: options.pop(k) for k in ("database",) if k in options}
    params = {**{k.upper(): v for k, v in options.items()}, **query}
    module, _, name = BACKENDS[scheme].partition(":")
    cls = getattr(importlib.import_module(module), name)
    location = urlsplit(url).netloc + urlsplit(url).path
    if scheme == "db":
        if "database" not in links:
            raise ConfigError("a db:// cache needs the database (pass database=…)")
        return cls(location.strip("/"), read_only=read_only, **links, **params)
    if scheme in ("redis", "rediss"):
        return cls(url, read_only=read_only, **params)
    return cls(location.strip("/"), read_only=read_only, **params)


# The site's CACHES: ``default`` (django-redis on TQ_REDIS_BROKER_URL, here the cache URL)
# and ``db``, a DatabaseCache on this table of the site's database, with Django's defaults.
SITE_DB_CACHE = "db://tq_cache_table"
CACHE_NAMES = ("default", "db")


def cache_url(settings: Settings, name: str = "default") -> str:
    if name not in CACHE_NAMES:
        raise ConfigError(f"unknown cache {name!r} (the site's caches: {', '.join(CACHE_NAMES)})")
    return settings.url("cache") if name == "default" else SITE_DB_CACHE


def cache_names(settings: Settings) -> list[str]:
    """The caches to show: both of the site's, or one when ``default`` is the ``db`` table."""
    return ["default"] if settings.url("cache") == SITE_DB_CACHE else list(CACHE_NAMES)


def open(settings: Settings, name: str = "default"):  # noqa: A001 - the family interface
    """The cache ``name`` of ``settings``; ``db://`` uses the database the models are bound to.

    The options (KEY_PREFIX …) of the settings configure ``default``; ``db`` has Django's.
    """
    url = cache_url(settings, name)
    options: dict[str, Any] = {}
    for option in OPTIONS if name == "default" else ():
        value = settings.option(f"cache_{option.lower()}")
        if value is not None:
            options[option] = value
    if url.startswith("db:"):
        options["database"] = lambda: settings_database(settings)
    return from_url(url, read_only=settings.read_only, **options)


def settings_database(settings: Settings):
    """The database the models are bound to, when it is this configuration's; else opened."""
    from tqconsole.backends import db
    from tqconsole.models import database

    current = database.obj
    if current is None or current.url != settings.database_url:
        current = db.open(settings)
    return current


def health(cache, health: Health) -> None:
    cache.ping()
    health.version = cache.version_string()
    health.figures = stats_figures(cache.stats())


def stats_figures(stats: dict[str, Any]) -> list[tuple[str, str]]:
    """The few figures of a cache's stats that the dashboard and ``check`` show."""
    from tqconsole.sizes import human_size

    figures = [("backend", stats["backend"])]
    if stats["backend"] == "redis":
        figures.append(("memory", f"{human_size(stats['used_memory'], '?')} used"))
        figures.append(("keys", f"{stats['keys']:,} in db{stats['db']}"))
        if stats["hit_rate"] is not None:
            figures.append(("hit rate", f"{stats['hit_rate']:.0%}"))
    else:
        figures.append(("keys", f"{stats.get('entries', 0):,}"))
        if "expired" in stats:
            figures.append(("expired", f"{stats['expired']:,}"))
        if stats.get("table_bytes") is not None:
            figures.append(("table size", human_size(stats["table_bytes"])))
        elif stats.get("stored_bytes") is not None:
            figures.append(("memory", human_size(stats["stored_bytes"])))
    return figures
