"""The task monitor's status panels: the counts with their sparklines, and the consumers.

Each is a ``Static`` that draws one ``task_monitor.Snapshot`` (``show``); the
helpers below format the times the task screens show.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from rich.text import Text
from textual.widgets import Static

RECENT_DEATH = timedelta(minutes=15)  # dead consumers older than this are only counted
BARS = "▁▂▃▄▅▆▇█"


def sparkline(values: list[int]) -> str:
    top = max(values) if values else 0
    if not top:
        return BARS[0] * len(values)
    return "".join(BARS[min(7, (v * 7 + top - 1) // top)] if v else " " for v in values)


def ago(when: datetime | None, now: datetime) -> str:
    if when is None:
        return ""
    from tqconsole.services.tasks.monitor import span_text

    return span_text((now - when).total_seconds())


def when_text(when: datetime | None) -> str:
    return f"{when:%m-%d %H:%M:%S}" if when else ""


class TaskCounts(Static):
    """pending / scheduled / running / failed / done per minute, and 30 minutes of sparklines."""

    def show_failure(self, message: str) -> None:
        self.update(Text(f"✗ {message}", style="bold red"))

    def show(self, snap) -> None:
        c = snap.counts
        line = Text()
        for label, value, style in (
            ("pending", c.pending, "bold"),
            ("scheduled", c.scheduled, "bold"),
            ("running", c.running, "bold cyan"),
            ("failed", c.failed, "bold red" if c.failed else "bold"),
            ("done/min", c.done_per_minute, "bold green"),
        ):
            line.append(f"{label} ")
            line.append(f"{value:,}", style=style)
            line.append("  ")
        if c.lost:
            line.append(f"({c.lost} lost)", style="bold red")
        spark = Text("done ")
        spark.append(sparkline(snap.done), style="green")
        spark.append("  errors ")
        spark.append(sparkline(snap.errors), style="red")
        spark.append("  (30 min)", style="dim")
        self.update(Text("\n").join([line, spark]))


class ConsumerLine(Static):
    """The consumers: alive first, then the dead that matter."""

    def show(self, snap) -> None:
        """Alive consumers first; the dead that matter (recent, or with lost tasks), then a count.

        A console closed without its consumer stopping would otherwise fill the
        line with old deaths for a day.
        """
        now = datetime.now()
        alive = [c for c in snap.consumers if c.alive]
        dead = [c for c in snap.consumers if not c.alive and not c.stopped]
        recent = [c for c in dead if c.lost or now - c.beat_at < RECENT_DEATH]
        parts = [
            Text.assemble(
                ("● ", "green"),
                f"{c.label} {c.workers}w {c.tasks_done} done, beat {ago(c.beat_at, now)} ago",
            )
            for c in alive[:4]
        ]
        if not alive:
            parts.append(Text("no consumer alive — start one: tqconsole consumer", style="yellow"))
        shown = recent[: max(1, 4 - len(alive))]
        for c in shown:
            lost = f", {c.lost} lost" if c.lost else ""
            parts.append(
                Text.assemble(
                    ("✗ ", "bold red"),
                    (f"{c.label} DEAD (silent {ago(c.beat_at, now)}{lost})", "red"),
                )
            )
        if len(dead) > len(shown):
            parts.append(Text(f"+{len(dead) - len(shown)} dead earlier", style="dim red"))
        self.update(Text("  ").join(parts))
