"""The dashboard: one panel per backend, filled in by workers, refreshed every few seconds."""

from __future__ import annotations

from functools import partial

from textual.app import ComposeResult
from textual.containers import VerticalScroll

from tqconsole.screens.base import ConsoleScreen
from tqconsole.widgets.bindings import bind
from tqconsole.widgets.health_panel import HealthPanel

REFRESH_SECONDS = 5.0  # every backend, mail too: its probe is connect, EHLO, QUIT (no message)
STALE_SECONDS = 2 * REFRESH_SECONDS  # a probe older than this is marked stale


class DashboardScreen(ConsoleScreen):
    route = "dashboard"
    crumb = "Dashboard"
    DEFAULT_CSS = """
    DashboardScreen #panels {
        layout: grid;
        grid-size: 2;
        grid-rows: auto;
        grid-gutter: 0 1;
        padding: 0 1;
    }
    DashboardScreen.-narrow #panels { grid-size: 1; }
    """
    BINDINGS = [bind("refresh", "refresh")]

    def compose_body(self) -> ComposeResult:
        from tqconsole.services.health import unprobed

        with VerticalScroll(id="panels"):
            for target in self.targets:  # both caches when the site has two
                h = unprobed(self.settings, *target)
                yield HealthPanel(panel_id(h.family), h.title, h.url, STALE_SECONDS)

    def __init__(self) -> None:
        super().__init__()
        self.polls: list = []  # one Poll per (family, name)

    @property
    def targets(self) -> list[tuple[str, str]]:
        from tqconsole.services.health import targets

        return targets(self.settings)

    def on_mount(self) -> None:
        # Probe after the first paint: the probes import the database driver in a
        # thread, which would otherwise compete with painting for the GIL.
        self.call_after_refresh(self.start_polls)
        self.set_interval(1.0, self.show_ages, name="probe-ages")

    def show_ages(self) -> None:
        if self.is_current:
            for panel in self.query(HealthPanel):
                panel.show_age()

    def on_resize(self) -> None:
        self.set_class(self.size.width < 100, "-narrow")

    def start_polls(self) -> None:
        self.polls = [
            self.poll(
                f"health-{':'.join(target)}",
                REFRESH_SECONDS,
                partial(self.probe, *target),
                self.show_health,
                now=True,
            )
            for target in self.targets
        ]

    def action_refresh(self) -> None:
        for poll in self.polls:
            poll.now()

    def probe(self, family: str, name: str):
        from tqconsole.services.health import check

        return check(self.backends, family, name)

    def show_health(self, health) -> None:
        self.query_one(f"#health-{panel_id(health.family)}", HealthPanel).show(health)


def panel_id(family: str) -> str:
    """A health's family as a widget id (``cache:db`` -> ``cache-db``)."""
    return family.replace(":", "-")
