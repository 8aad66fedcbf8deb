"""Backends: database, cache, storage, mail and queue, one package each.

Each family package exposes ``open(settings)`` (returns the live backend) and
``probe(backend, health)`` (fills a ``Health``: version, its own figures).  ``FAMILIES`` lists them in
the order the dashboard and ``tqconsole check`` show them; adding a family is one
line here and one package.  Packages are imported only when first used.
"""

from __future__ import annotations

import importlib
import threading
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tqconsole.settings import Settings

# family name -> (title, module)
FAMILIES: dict[str, tuple[str, str]] = {
    "database": ("Database", "tqconsole.backends.db"),
    "cache": ("Cache", "tqconsole.backends.cache"),
    "storage": ("Storage", "tqconsole.backends.storage"),
    "email": ("Mail", "tqconsole.backends.mail"),
    "queue": ("Tasks", "tqconsole.backends.queue"),
}


def family_module(name: str):
    return importlib.import_module(FAMILIES[name][1])


class Backends:
    """The live backends of one configuration, opened lazily and shared by threads."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self._open: dict[str, Any] = {}
        self._lock = threading.Lock()

    def get(self, family: str, name: str = "") -> Any:
        """The family's backend; ``name`` picks one of several (the caches: ``db``)."""
        slot = f"{family}:{name}" if name else family
        backend = self._open.get(slot)
        if backend is None:
            with self._lock:
                backend = self._open.get(slot)
                if backend is None:
                    module = family_module(family)
                    backend = (
                        module.open(self.settings, name) if name else module.open(self.settings)
                    )
                    self._open[slot] = backend
        return backend

    def is_open(self, family: str) -> bool:
        return family in self._open

    @property
    def database(self):
        return self.get("database")

    def close(self) -> None:
        with self._lock:  # a worker may be opening one right now
            opened = list(self._open.values())
            self._open.clear()
        for backend in opened:
            close = getattr(backend, "close", None)
            if close:
                try:
                    close()
                except Exception:  # closing is best effort
                    pass
