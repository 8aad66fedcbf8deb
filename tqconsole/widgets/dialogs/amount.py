"""A confirmation that asks for an amount (the front desk's counter payment)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Label, Static

from tqconsole.widgets.dialogs.confirm import ConfirmDialog


class AmountDialog(ConfirmDialog):
    """The confirmation with an amount: prefilled, Cancel focused first; enter in the
    amount moves to the action's button, enter there returns the amount (None: cancel)."""

    DEFAULT_CSS = ConfirmDialog.DEFAULT_CSS.replace("ConfirmDialog", "AmountDialog")

    def __init__(self, title: str, question: str, amount: str, action: str) -> None:
        super().__init__(title, question, action=action)
        self.amount = amount

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = self.title_text
            yield Static(self.question, classes="question", markup=False)
            yield Label("Amount taken (CHF):")
            yield Input(self.amount, id="amount")
            with Horizontal():
                yield Button("Cancel", id="cancel")
                yield Button(self.action, id="ok", variant="error")

    def on_mount(self) -> None:
        self.query_one("#cancel").focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.query_one("#ok").focus()

    def submit(self) -> None:
        self.dismiss(self.query_one("#amount", Input).value)

    def action_cancel(self) -> None:
        self.dismiss(None)
