"""The one progress-and-cancel panel: a ``Meter`` (services/progress.py) shown as it runs."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Label, ProgressBar, Static

REDRAW_SECONDS = 0.2


class ProgressPanel(Vertical):
    """Title, bar, summary and detail lines of the running meter; hidden when idle.

    It reads the meter on a timer instead of receiving one message per step. The
    screen (or dialog) holding it binds cancel (ctrl+x) to ``cancel``.
    """

    DEFAULT_CSS = """
    ProgressPanel {
        height: auto;
        display: none;
        border-top: solid $accent;
        padding: 0 1;
        background: $panel;
    }
    ProgressPanel.-running { display: block; }
    ProgressPanel ProgressBar { width: 100%; }
    ProgressPanel ProgressBar Bar { width: 1fr; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.meter = None
        self._timer = None

    def compose(self) -> ComposeResult:
        yield Label("", classes="progress-title", markup=False)
        yield ProgressBar(total=None, show_eta=False)
        yield Static("", classes="progress-text")

    def start(self, title: str, meter) -> None:
        self.meter = meter
        cancels = "ctrl+x cancels"
        self.query_one(".progress-title", Label).update(
            f"{title} — {cancels}" if title else cancels
        )
        self.add_class("-running")
        self.redraw()
        if self._timer is None:
            self._timer = self.set_interval(REDRAW_SECONDS, self.redraw)

    def stop(self) -> None:
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        self.meter = None
        self.remove_class("-running")

    def cancel(self) -> bool:
        """Ask the running work to stop; False when nothing runs."""
        if self.meter is None:
            return False
        self.meter.cancel.set()
        self.redraw()
        return True

    def redraw(self) -> None:
        meter = self.meter
        if meter is None:
            return
        fraction = meter.fraction
        bar = self.query_one(ProgressBar)
        if fraction is None:
            bar.update(total=None)
        else:
            bar.update(total=1.0, progress=fraction)
        lines = Text(meter.summary(), style="bold")
        for line in meter.details():
            lines.append(f"\n  {line}", style="dim")
        if meter.cancel.is_set():
            lines.append("\ncancelling…", style="yellow")
        self.query_one(".progress-text", Static).update(lines)
