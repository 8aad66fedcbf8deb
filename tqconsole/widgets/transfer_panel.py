"""A running upload or download: total progress bar, files in flight, cancel with x."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Label, ProgressBar, Static

REDRAW_SECONDS = 0.2


class TransferPanel(Vertical):
    """Shows a ``TransferMeter`` (services.bucket_transfers) that worker threads update.

    It reads the meter on a timer instead of receiving one message per chunk,
    so a fast transfer never floods the event loop.
    """

    DEFAULT_CSS = """
    TransferPanel {
        height: auto;
        display: none;
        border-top: solid $accent;
        padding: 0 1;
        background: $panel;
    }
    TransferPanel.-running { display: block; }
    TransferPanel ProgressBar { width: 100%; }
    TransferPanel ProgressBar Bar { width: 1fr; }
    """

    def __init__(self) -> None:
        super().__init__(id="transfer")
        self.meter = None
        self._timer = None

    def compose(self) -> ComposeResult:
        yield Label("", id="transfer-title", markup=False)
        yield ProgressBar(total=1.0, show_eta=False, id="transfer-bar")
        yield Static("", id="transfer-files")

    def start(self, title: str, meter) -> None:
        self.meter = meter
        self.query_one("#transfer-title", Label).update(f"{title} — ctrl+x cancels")
        self.add_class("-running")
        self.redraw()
        self._timer = self.set_interval(REDRAW_SECONDS, self.redraw)

    def stop(self) -> None:
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        self.meter = None
        self.remove_class("-running")

    def redraw(self) -> None:
        meter = self.meter
        if meter is None:
            return
        self.query_one("#transfer-bar", ProgressBar).update(progress=meter.fraction)
        lines = Text(meter.summary(), style="bold")
        for key, done, size in meter.in_flight():
            pct = f"{done / size:.0%}" if size else ""
            lines.append(f"\n  {pct:>4} {key}", style="dim")
        if meter.cancel.is_set():
            lines.append("\ncancelling…", style="yellow")
        self.query_one("#transfer-files", Static).update(lines)
