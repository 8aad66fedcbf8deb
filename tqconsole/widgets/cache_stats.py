"""The cache screen's stats panel: one line of figures and two sparklines of their history."""

from __future__ import annotations

from collections import deque

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Label, Sparkline, Static

HISTORY = 60


class StatsPanel(Vertical):
    """Shows a cache's stats as they arrive and keeps the last ``HISTORY`` readings."""

    DEFAULT_CSS = """
    StatsPanel { height: auto; padding: 0 1; background: $boost; }
    StatsPanel #stats-text { height: auto; max-height: 3; }
    StatsPanel #stats-text.-down { color: $error; }
    StatsPanel #sparks { height: 1; }
    StatsPanel #sparks Label { width: auto; padding: 0 1 0 0; color: $text-muted; }
    StatsPanel #sparks Sparkline { width: 1fr; height: 1; margin: 0 2 0 0; }
    """

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.memory: deque[float] = deque(maxlen=HISTORY)
        self.ops: deque[float] = deque(maxlen=HISTORY)
        self.last: dict | None = None

    def compose(self) -> ComposeResult:
        yield Static("connecting…", id="stats-text")
        with Horizontal(id="sparks"):
            yield Label("mem", id="spark-a-label")
            yield Sparkline([], id="spark-a")
            yield Label("ops/s", id="spark-b-label")
            yield Sparkline([], id="spark-b")

    @property
    def is_down(self) -> bool:
        return self.query_one("#stats-text", Static).has_class("-down")

    def reset(self) -> None:
        """Another cache: its history starts afresh."""
        self.memory.clear()
        self.ops.clear()
        self.last = None
        self.query_one("#stats-text", Static).update("connecting…")

    def show(self, data: dict, lines: list[tuple[str, str]], title: str = "") -> None:
        self.last = data
        text = self.query_one("#stats-text", Static)
        text.remove_class("-down")
        head = f"[b]{title}[/]  " if title else ""
        text.update(head + "  ".join(f"[dim]{k}[/] {v}" for k, v in lines))
        if data["backend"] == "redis":
            self.memory.append(data["used_memory"])
            self.ops.append(data["ops_per_sec"])
            labels = ("mem", "ops/s")
        else:
            self.memory.append(data.get("table_bytes") or data.get("stored_bytes") or 0)
            self.ops.append(data.get("entries", 0))
            labels = ("size", "entries")
        self.query_one("#spark-a-label", Label).update(labels[0])
        self.query_one("#spark-b-label", Label).update(labels[1])
        self.query_one("#spark-a", Sparkline).data = list(self.memory)
        self.query_one("#spark-b", Sparkline).data = list(self.ops)

    def failed(self, message: str) -> None:
        self.last = None
        text = self.query_one("#stats-text", Static)
        text.add_class("-down")
        text.update(Text(message))

    def total(self) -> int | None:
        """The keys (Redis) or entries (table) of the last reading."""
        stats = self.last or {}
        return stats.get("keys") or stats.get("entries") or None
