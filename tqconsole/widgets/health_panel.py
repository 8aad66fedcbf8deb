"""One backend's panel on the dashboard: masked URL, health, round trip, key figures."""

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
    """

    def __init__(self, family: str, title: str, url: str) -> None:
        super().__init__(id=f"health-{family}")
        self.family = family
        self.url = url
        self.border_title = title
        self.health = None
        self.update(self.render_health())

    def show(self, health) -> None:
        self.health = health
        self.set_class(not health.ok, "-down")
        self.border_subtitle = "ok" if health.ok else "DOWN"
        self.update(self.render_health())

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
