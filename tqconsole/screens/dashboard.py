"""The dashboard: one panel per backend, filled in by workers, refreshed every few seconds."""

from __future__ import annotations

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
        self.refresh_timers: dict = {}  # (family, name) -> its pending refresh timer

    @property
    def targets(self) -> list[tuple[str, str]]:
        from tqconsole.services.health import targets

        return targets(self.settings)

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
        for target in self.targets:
            self.start_probe(target)

    def start_probe(self, target: tuple[str, str]) -> None:
        self.run_blocking(
            self.probe,
            *target,
            group=f"health-{':'.join(target)}",
            done=lambda health: self.show_health(target, health),
        )

    def probe(self, family: str, name: str):
        from tqconsole.services.health import check

        return check(self.backends, family, name)

    def show_health(self, target: tuple[str, str], health) -> None:
        self.query_one(f"#health-{panel_id(health.family)}", HealthPanel).show(health)
        self.schedule_refresh(target)

    def schedule_refresh(self, target: tuple[str, str]) -> None:
        """Probe again after the previous probe finished, never overlapping; skip when hidden.

        One timer per family: a manual refresh replaces the pending one instead of
        starting a second chain.
        """

        def again() -> None:
            if self.is_current:
                self.start_probe(target)
            else:
                self.schedule_refresh(target)

        pending = self.refresh_timers.pop(target, None)
        if pending is not None:
            pending.stop()
        self.refresh_timers[target] = self.set_timer(REFRESH_SECONDS, again)


def panel_id(family: str) -> str:
    """A health's family as a widget id (``cache:db`` -> ``cache-db``)."""
    return family.replace(":", "-")
