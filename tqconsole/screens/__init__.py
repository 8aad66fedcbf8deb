"""Screens and the routing of LOCATION strings to them.

A location is ``head[/rest]`` (``models/courses_course/5``, ``cache/user_ical_*``).
Each route names its one-keystroke shortcut and its screen class as
``"module:Class"``, imported when first opened.  The class takes the rest of the
location in ``from_location(rest)``.  A new screen is one line in ``ROUTES``.
Screen keys are digits (1 dashboard, 2 models, 3 buckets, 4 cache, 5 mail,
6 tasks, 7 celery, 8 people, 9 finance, 0 unmatched payments) so they never collide
with a screen's own letter keys.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass


@dataclass(frozen=True)
class Route:
    name: str
    key: str
    title: str
    screen: str
    help: str = ""

    def screen_class(self):
        module, _, name = self.screen.partition(":")
        return getattr(importlib.import_module(module), name)


ROUTES: list[Route] = [
    Route(
        "dashboard",
        "1",
        "Dashboard",
        "tqconsole.screens.dashboard:DashboardScreen",
        "health and key figures of every backend",
    ),
    Route("models", "2", "Models", "tqconsole.screens.models:ModelsScreen", "tables and rows"),
    Route(
        "buckets",
        "3",
        "Buckets",
        "tqconsole.screens.buckets:BucketsScreen",
        "media, static and finance files",
    ),
    Route(
        "cache",
        "4",
        "Cache",
        "tqconsole.screens.cache:CacheScreen",
        "keys, values and stats of the cache",
    ),
    Route("mail", "5", "Mail", "tqconsole.screens.mail:MailScreen", "compose, send, outbox"),
    Route("tasks", "6", "Tasks", "tqconsole.screens.tasks:TasksScreen", "the task queue monitor"),
    Route("celery", "7", "Celery", "tqconsole.screens.celery:CeleryScreen", "the site's Celery"),
    Route("people", "8", "People", "tqconsole.screens.people:PeopleScreen", "the front desk"),
    Route(
        "finance",
        "9",
        "Finance",
        "tqconsole.screens.finance:FinanceScreen",
        "reminder dry run, matching report",
    ),
    Route(
        "unmatched",
        "0",
        "Unmatched payments",
        "tqconsole.screens.unmatched_payments:UnmatchedPaymentsScreen",
        "bank payments to link or set aside",
    ),
]


class UnknownLocation(ValueError):
    pass


def parse_location(location: str) -> tuple[Route, str]:
    """Split a location into its route and the rest; UnknownLocation names the choices."""
    text = location.strip().lstrip(":").strip()
    head, _, rest = text.partition("/")
    for route in ROUTES:
        if route.name == head.lower():
            return route, rest
    known = ", ".join(r.name for r in ROUTES)
    raise UnknownLocation(f"unknown location {text!r} (known: {known})")
