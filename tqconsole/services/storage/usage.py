"""Usage of a storage like ncdu: objects and bytes per folder below a prefix, page by page."""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field

from tqconsole.backends.storage.base import Storage

PAGE = 1000  # objects per listing request, and per snapshot


@dataclass
class UsageEntry:
    name: str  # "img/" for a folder, "a.png" for an object directly in the prefix
    objects: int = 0
    size: int = 0

    @property
    def is_folder(self) -> bool:
        return self.name.endswith("/")


@dataclass
class Usage:
    prefix: str
    objects: int = 0
    size: int = 0
    entries: dict[str, UsageEntry] = field(default_factory=dict)
    done: bool = False

    def largest(self, n: int | None = None) -> list[UsageEntry]:
        ranked = sorted(self.entries.values(), key=lambda e: (-e.size, e.name))
        return ranked if n is None else ranked[:n]

    def as_dict(self) -> dict:
        return {
            "prefix": self.prefix,
            "objects": self.objects,
            "size": self.size,
            "complete": self.done,
            "entries": [
                {"name": e.name, "objects": e.objects, "size": e.size} for e in self.largest()
            ],
        }


def usage(
    storage: Storage, prefix: str = "", cancel: threading.Event | None = None
) -> Iterator[Usage]:
    """Size per folder below ``prefix`` (like ncdu), yielded again after every page read.

    The last snapshot has ``done`` set, unless ``cancel`` stopped the walk.
    """
    total = Usage(prefix)
    for count, info in enumerate(storage.iter_objects(prefix, page_size=PAGE), 1):
        rest = info.key[len(prefix) :]
        head, slash, _ = rest.partition("/")
        name = head + slash
        entry = total.entries.get(name)
        if entry is None:
            entry = total.entries[name] = UsageEntry(name)
        entry.objects += 1
        entry.size += info.size
        total.objects += 1
        total.size += info.size
        if count % PAGE == 0:
            yield total
            if cancel is not None and cancel.is_set():
                return
    total.done = True
    yield total


def usage_total(storage: Storage, prefix: str = "", cancel=None) -> Usage:
    """The last snapshot of ``usage``: the whole prefix counted."""
    snapshots = deque(usage(storage, prefix, cancel), maxlen=1)
    return snapshots[0] if snapshots else Usage(prefix)
