"""Long work in a dialog: the progress panel and a Cancel button, ``ProgressDialog``."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button

from tqconsole.widgets.bindings import bind
from tqconsole.widgets.dialogs import DIALOG_CSS
from tqconsole.widgets.progress_panel import ProgressPanel


class ProgressDialog(ModalScreen[None]):
    """Shows ``meter`` (services/progress.py); ctrl+x, escape or Cancel sets its ``cancel``."""

    DEFAULT_CSS = DIALOG_CSS.format(name="ProgressDialog").replace("$error-darken-1", "$primary")
    BINDINGS = [
        bind("back", "cancel", "Cancel"),
        bind("cancel", "cancel"),
    ]

    def __init__(self, title: str, meter):
        super().__init__()
        self.title_text, self.meter = title, meter

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = self.title_text
            yield ProgressPanel()
            with Horizontal():
                yield Button("Cancel", id="cancel", variant="warning")

    def on_mount(self) -> None:
        self.query_one(ProgressPanel).start("", self.meter)  # the title is the border's

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_cancel()

    def action_cancel(self) -> None:
        self.query_one(ProgressPanel).cancel()
