"""How far long work has got: a ``Meter`` the worker feeds and a display reads.

One shape for every long job (transfers, cache clears, exports, bulk mail, task
queue work): the worker thread calls ``step``; the screen's progress panel reads
``fraction``, ``summary`` and ``details`` on its own timer, so a fast job never
floods the event loop; anyone may set ``cancel`` and the worker stops at its next
check.
"""

from __future__ import annotations

import threading


class Meter:
    """Done of total (``None`` while the total is unknown), a line saying what it means."""

    def __init__(self, total: int | None = None, text: str = "starting…"):
        self.done = 0
        self.total = total
        self.text = text
        self.cancel = threading.Event()

    def step(self, done: int, total: int | None = None, text: str | None = None) -> bool:
        """Record progress; False once cancelled (the worker stops)."""
        if total is not None:
            self.total = total
        self.done = done
        if text is not None:
            self.text = text
        return not self.cancel.is_set()

    @property
    def fraction(self) -> float | None:
        if not self.total:
            return None
        return min(1.0, self.done / self.total)

    def summary(self) -> str:
        return self.text

    def details(self) -> list[str]:
        """Lines under the summary (files in flight); none by default."""
        return []
