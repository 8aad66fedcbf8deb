"""The dashboard: one panel per backend, filled in by workers, refreshed every few seconds."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import VerticalScroll

from tqconsole.screens.base import ConsoleScreen
from tqconsole.services.health import FAMILIES
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
        with VerticalScroll(id="panels"):
            for family, (title, _) in FAMILIES.items():
                yield HealthPanel(family, title, self.settings.masked(family), STALE_SECONDS)

    def __init__(self) -> None:
        super().__init__()
        self.refresh_timers: dict = {}  # family -> its pending refresh timer

    def on_mount(self) -> None:
        # Probe after the first paint: the probes import the database driver in a
        # thread, which would otherwise compete with painting for the GIL.
        self.call_after_refresh(self.action_refresh)
        self.set_interval(1.0, self.show_ages, name="probe-ages")

    def show_ages(self) -> None:
        if self.is_current:
            for panel in self.query(HealthPanel):
                panel.show_age()

    def on_resize(self) -> None:
        self.set_class(self.size.width < 100, "-narrow")

    def action_refresh(self) -> None:
        for family in FAMILIES:
            self.run_blocking(self.probe, family, group=f"health-{family}", done=self.show_health)

    def probe(self, family: str):
        from tqconsole.services.health import check

        return check(self.backends, family)

    def show_health(self, health) -> None:
        self.query_one(f"#health-{health.family}", HealthPanel).show(health)
        self.schedule_refresh(health.family)

    def schedule_refresh(self, family: str) -> None:
        """Probe again after the previous probe finished, never overlapping; skip when hidden.

        One timer per family: a manual refresh replaces the pending one instead of
        starting a second chain.
        """

        def again() -> None:
            if self.is_current:
                self.run_blocking(
                    self.probe, family, group=f"health-{family}", done=self.show_health
                )
            else:
                self.schedule_refresh(family)

        pending = self.refresh_timers.pop(family, None)
        if pending is not None:
            pending.stop()
        self.refresh_timers[family] = self.set_timer(REFRESH_SECONDS, again)
