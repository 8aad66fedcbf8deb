"""One backend's panel on the dashboard: masked URL, health, round trip, key figures.

The border's subtitle says how old the shown probe is ("ok · 3 s ago"); past
``stale_after`` seconds the panel is marked stale, so a probe that hangs (a
server that accepts connections but never answers) is not mistaken for "up".
"""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.widgets import Static


class HealthPanel(Static, can_focus=True):
    DEFAULT_CSS = """
    HealthPanel {
        border: round $primary-darken-2;
        padding: 0 1;
        height: auto;
        min-height: 5;
    }
    HealthPanel:focus { border: round $accent; }
    HealthPanel.-down { border: round $error; }
    HealthPanel.-stale { border: round $warning; }
    """

    def __init__(self, family: str, title: str, url: str, stale_after: float) -> None:
        super().__init__(id=f"health-{family}")
        self.family = family
        self.url = url
        self.stale_after = stale_after
        self.border_title = title
        self.health = None
        self.update(self.render_health())

    def show(self, health) -> None:
        self.health = health
        self.set_class(not health.ok, "-down")
        self.update(self.render_health())
        self.show_age()

    def show_age(self) -> None:
        """Say how old the probe on show is (called every second by the dashboard)."""
        if self.health is None:
            return
        age = self.health.age()
        stale = age > self.stale_after
        state = "ok" if self.health.ok else "DOWN"
        subtitle = f"{state} · {age_text(age)}" + (" (stale)" if stale else "")
        if subtitle != self.border_subtitle:
            self.border_subtitle = subtitle
        self.set_class(stale, "-stale")

    def render_health(self):
        grid = Table.grid(padding=(0, 1), expand=True)
        grid.add_column(style="dim", no_wrap=True)
        grid.add_column(overflow="fold")
        grid.add_row("url", Text(self.url))
        health = self.health
        if health is None:
            grid.add_row("status", Text("checking…", style="dim italic"))
            return grid
        if health.ok:
            rtt = f"  {health.rtt_ms:.0f} ms" if health.rtt_ms is not None else ""
            grid.add_row("status", Text.assemble(("● up", "bold green"), rtt))
            if health.version:
                grid.add_row("server", health.version)
        else:
            grid.add_row("status", Text("✗ down", style="bold red"))
            grid.add_row("error", Text(health.error, style="red"))
        for label, value in health.figures:
            grid.add_row(label, Text(str(value)))
        return grid


def age_text(seconds: float) -> str:
    if seconds < 60:
        return f"{seconds:.0f} s ago"
    if seconds < 3600:
        return f"{seconds // 60:.0f} min ago"
    return f"{seconds // 3600:.0f} h ago"
