"""The health of every backend, for the dashboard and ``tqconsole check``.

A backend family's ``probe(backend, health)`` gives its version and its own
figures (a server's greeting, a bucket's state); the figures staff watch that
need the services (open subscriptions, the outbox, the task queue, the cache's
size) are added here.  ``FAMILIES`` lists the families in the order shown.
"""

from __future__ import annotations

from time import monotonic, perf_counter
from typing import Any

from tqconsole.backends import FAMILIES, Backends, family_module
from tqconsole.backends.health import Health
from tqconsole.errors import ConsoleError, SchemaMissing, one_line

__all__ = ["FAMILIES", "Backends", "Health", "cache_figures", "check", "targets", "unprobed"]


def targets(settings) -> list[tuple[str, str]]:
    """(family, name) of each backend to probe: one per family, and each of two caches."""
    from tqconsole.backends.cache import cache_names

    caches = cache_names(settings)
    several = {"cache": caches} if len(caches) > 1 else {}
    return [(family, name) for family in FAMILIES for name in several.get(family, [""])]


def unprobed(settings, family: str, name: str = "") -> Health:
    """A backend's health before its probe: family, title and masked URL.

    ``name`` picks one of several (the caches: ``default``, ``db``); its health's
    family is the backend's slot (``cache:db``; ``default`` is the family's own).
    """
    from tqconsole.settings import mask_url

    slot = "" if name in ("", "default") else name
    title = FAMILIES[family][0] + (f" ({name})" if name else "")
    if not slot:
        return Health(family=family, title=title, url=settings.masked(family))
    from tqconsole.backends.cache import cache_url  # only the caches come in several

    return Health(f"{family}:{slot}", title, mask_url(cache_url(settings, slot)))


def check(backends, family: str, name: str = "") -> Health:
    """Open the family's backend if needed and ask it for its health; never raises."""
    health = unprobed(backends.settings, family, name)
    start = perf_counter()
    try:
        backend = backends.get(family, health.family.partition(":")[2])
        family_module(family).probe(backend, health)
        add_figures = SERVICE_FIGURES.get(family)
        if add_figures is not None:
            add_figures(backend, health)
        health.ok = not health.error
    except ConsoleError as exc:
        health.error = str(exc)
    except Exception as exc:  # a probe reports; it never crashes its caller
        health.error = one_line(exc)
    health.rtt_ms = (perf_counter() - start) * 1000
    health.checked = monotonic()
    return health


def _database(db, health: Health) -> None:
    from tqconsole.services.db.figures import database_figures

    try:
        figures = database_figures()
    except SchemaMissing as exc:  # figures need the schema; a bare database still answers
        figures = [("schema", str(exc))]
    except Exception as exc:  # a schema that differs from the models'
        figures = [("schema", f"differs ({one_line(exc)})")]
    health.figures = [*figures, *health.figures]


def _cache(cache, health: Health) -> None:
    health.figures = cache_figures(cache.stats())


def cache_figures(stats: dict[str, Any]) -> list[tuple[str, str]]:
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


def _mail(backend, health: Health) -> None:
    """Today's outbox, also when the server is down (what waits in it)."""
    try:
        from tqconsole.services.mail.outbox import outbox_figures

        health.figures = [*health.figures, *outbox_figures()]
    except Exception as exc:  # the outbox needs the database; mail may still work
        health.figures = [*health.figures, ("outbox", f"unavailable ({one_line(exc)})")]


def _queue(queue, health: Health) -> None:
    from tqconsole.services.tasks.monitor import dashboard_figures

    health.figures = dashboard_figures(queue)


# family -> the services' figures added to its probe's
SERVICE_FIGURES = {"database": _database, "cache": _cache, "email": _mail, "queue": _queue}
