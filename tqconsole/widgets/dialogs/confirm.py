"""Yes or no before an action: ``ConfirmDialog``; a row changed meanwhile: ``Conflict``."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static

from tqconsole.widgets.bindings import bind
from tqconsole.widgets.dialogs import DIALOG_CSS, PANEL_CSS
from tqconsole.widgets.lists import KeyTable


class ConfirmDialog(ModalScreen[bool]):
    """Names the target and what is lost; with ``typed`` the user must type it to confirm.

    With ``buttons`` (a framed box) only enter on the action's button confirms (Cancel
    has the focus first).  Without (a keyboard panel whose ``question`` is a list of
    lines, scrolled when long) enter says yes.  No letter ever does, since ordinary
    words contain them.  Keys typed before the dialog opened never reach it
    (``widgets/key_order.py``).
    """

    DEFAULT_CSS = DIALOG_CSS.format(name="ConfirmDialog.-buttons") + PANEL_CSS.format(
        name="ConfirmDialog.-keys"
    )
    BINDINGS = [
        bind("back", "cancel", "Cancel"),
        bind("dialog.yes", "yes"),
        bind("dialog.no", "cancel"),
    ]

    def __init__(
        self,
        title: str,
        question: str | list[str],
        typed: str = "",
        action: str = "Delete",
        buttons: bool = True,
    ):
        super().__init__(classes="-buttons" if buttons else "-keys")
        self.title_text, self.question, self.typed, self.action = title, question, typed, action
        self.buttons = buttons

    def compose(self) -> ComposeResult:
        if self.buttons:
            yield from self.compose_box()
        else:
            yield from self.compose_panel()

    def compose_box(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = self.title_text
            yield Static(self.question, classes="question", markup=False)
            if self.typed:
                yield Label(f"Type {self.typed!r} to confirm:")
                yield Input(id="typed")
                yield Static("", classes="error", id="typed-error")
            with Horizontal():
                yield Button("Cancel", id="cancel")
                yield Button(self.action, id="ok", variant="error")

    def compose_panel(self) -> ComposeResult:
        with Vertical():
            yield Label(self.title_text, classes="title", markup=False)
            with VerticalScroll():
                yield Static("\n".join(self.question), markup=False)
            if self.typed:
                yield Label(
                    f"Type {self.typed!r} and press enter to confirm:", classes="hint", markup=False
                )
                yield Input(id="typed")
            else:
                yield Label("enter: yes   n / esc: no", classes="hint")
            yield Static("", classes="error", id="typed-error")

    def on_mount(self) -> None:
        if self.typed:
            self.query_one("#typed", Input).focus()
        elif self.buttons:
            self.query_one("#cancel").focus()
        else:
            self.query_one(VerticalScroll).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "ok":
            self.submit()
        else:
            self.dismiss(False)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.submit()

    def submit(self) -> None:
        value, want = self.query_one("#typed", Input).value if self.typed else "", self.typed
        if not self.buttons:  # the panel forgives spaces around the word
            value, want = value.strip(), want.strip()
        if value != want:
            hint = "nothing done" if self.buttons else "esc cancels"
            self.query_one("#typed-error", Static).update(f"that is not {self.typed!r}; {hint}")
            return
        self.dismiss(True)

    def action_yes(self) -> None:
        if not self.buttons and not self.typed:
            self.dismiss(True)

    def action_cancel(self) -> None:
        self.dismiss(False)


class Conflict(ModalScreen[bool]):
    """The row changed while it was being edited: both versions, nothing overwritten.

    Returns True to take their version into the form (your changes are lost), False
    to keep editing.
    """

    DEFAULT_CSS = PANEL_CSS.format(name="Conflict")
    BINDINGS = [
        bind("back", "dismiss(False)", "Keep editing"),
        bind("dialog.take_theirs", "dismiss(True)"),
    ]

    def __init__(self, changed: list[str], mine: dict, theirs: dict) -> None:
        super().__init__()
        self.changed = changed
        self.mine = mine
        self.theirs = theirs

    def compose(self) -> ComposeResult:
        from tqconsole.services.db.records import as_text

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
