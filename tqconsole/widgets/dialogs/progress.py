"""Progress of long work in a dialog, with cancel: ``ProgressDialog``."""

from __future__ import annotations

import threading

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, ProgressBar, Static

from tqconsole.widgets.dialogs import DIALOG_CSS


class ProgressDialog(ModalScreen[None]):
    """Progress of long work; ctrl+x, escape or Cancel sets ``cancel`` (the worker checks it)."""

    DEFAULT_CSS = DIALOG_CSS.format(name="ProgressDialog").replace("$error-darken-1", "$primary")
    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="dialog.cancel"),
        Binding("ctrl+x", "cancel", "Cancel", id="dialog.stop"),
    ]

    def __init__(self, title: str, total: float | None = None):
        super().__init__()
        self.title_text, self.total = title, total
        self.cancel = threading.Event()

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = self.title_text
            yield ProgressBar(total=self.total, show_eta=False)
            yield Static("starting…", id="progress-text", classes="question")
            with Horizontal():
                yield Button("Cancel", id="cancel", variant="warning")

    def report(self, done: int, text: str, total: int | None = None) -> None:
        """``done`` of ``total`` (when given, else of the total so far) and what it means."""
        bar = self.query_one(ProgressBar)
        if total is not None:
            bar.update(total=max(total, done, 1))
        elif bar.total is not None and done > bar.total:
            bar.update(total=done)
        bar.update(progress=done)
        self.query_one("#progress-text", Static).update(text)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_cancel()

    def action_cancel(self) -> None:
        self.cancel.set()
        self.query_one("#progress-text", Static).update("cancelling…")
