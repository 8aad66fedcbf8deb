"""Small modal dialogs of the model browser: ask, compare versions, progress.

Choose and type-to-confirm are the shared dialogs of ``widgets.confirm_dialog``
(re-exported here as ``Choose`` and ``Confirm``); ``Ask`` is its ``AskDialog``
returning the text as typed.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, ProgressBar, Static

from tqconsole.widgets.confirm_dialog import PANEL_CSS, AskDialog
from tqconsole.widgets.confirm_dialog import ChooseDialog as Choose
from tqconsole.widgets.confirm_dialog import LinesConfirmDialog as Confirm
from tqconsole.widgets.lists import KeyTable

__all__ = ["Ask", "Choose", "Confirm", "Conflict", "Progress"]


class Ask(AskDialog):
    """One line of input (a USI, a file name); enter returns it as typed (even empty), esc None."""

    def submit(self, value: str) -> None:
        self.dismiss(value)


class Conflict(ModalScreen[bool]):
    """The row changed while it was being edited: both versions, nothing overwritten.

    Returns True to take their version into the form (your changes are lost), False
    to keep editing.
    """

    DEFAULT_CSS = PANEL_CSS.format(name="Conflict")
    BINDINGS = [
        Binding("escape", "dismiss(False)", "Keep editing"),
        Binding("t", "dismiss(True)", "Take theirs"),
    ]

    def __init__(self, changed: list[str], mine: dict, theirs: dict) -> None:
        super().__init__()
        self.changed = changed
        self.mine = mine
        self.theirs = theirs

    def compose(self) -> ComposeResult:
        from tqconsole.services.records import as_text

        with Vertical():
            yield Label("Changed by someone else meanwhile — nothing saved", classes="title")
            table = KeyTable(id="conflict-table", cursor_type="row")
            table.add_columns("field", "yours", "theirs (in the database)")
            for name in self.theirs:
                mark = "≠ " if name in self.changed else "  "
                table.add_row(
                    mark + name, as_text(self.mine.get(name))[:30], as_text(self.theirs[name])[:30]
                )
            yield table
            yield Static("t: take theirs into the form   esc: keep editing", classes="hint")


class Progress(ModalScreen[None]):
    """A progress bar for long work; esc asks the work to stop."""

    DEFAULT_CSS = PANEL_CSS.format(name="Progress")
    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, title: str) -> None:
        super().__init__()
        self.title_text = title
        self.cancelled = False

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(self.title_text, classes="title")
            yield ProgressBar(id="progress-bar", show_eta=False)
            yield Static("esc: cancel", classes="hint", id="progress-note")

    def advance(self, done: int, total: int) -> None:
        bar = self.query_one(ProgressBar)
        bar.update(total=max(total, done, 1), progress=done)
        self.query_one("#progress-note", Static).update(f"{done:,} rows — esc: cancel")

    def action_cancel(self) -> None:
        self.cancelled = True
        self.query_one("#progress-note", Static).update("cancelling…")
