"""A foreign key in a form: the id typed, and beside it the row it names.

The row's label is looked up in a worker a moment after the last keystroke; ``pick()``
chooses a row with the filter language instead.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.timer import Timer
from textual.widgets import Input, Static

from tqconsole.widgets.dialogs.pick import DEBOUNCE


class ForeignKeyField(Horizontal):
    DEFAULT_CSS = """
    ForeignKeyField { width: 1fr; height: 1; }
    ForeignKeyField .form-field.-fk { width: 10; }
    ForeignKeyField .form-ref { width: 1fr; padding: 0 0 0 1; color: $text-muted; }
    ForeignKeyField .form-ref.-missing { color: $error; }
    """

    def __init__(self, model, spec, value: str, runner: Callable) -> None:
        super().__init__(id=f"fk-{spec.name}")
        self.model = model  # the model whose field this is
        self.spec = spec  # its FieldSpec
        self.runner = runner  # the screen's run_blocking
        self.input = Input(value, id=f"in-{spec.name}", classes="form-field -fk", compact=True)
        self.timer: Timer | None = None  # the pending lookup

    def compose(self) -> ComposeResult:
        yield self.input
        yield Static("", classes="form-ref", id=f"ref-{self.spec.name}")

    def on_mount(self) -> None:
        self.look_up(self.input.value)

    @property
    def pending(self) -> bool:
        return self.timer is not None

    def on_input_changed(self, event: Input.Changed) -> None:
        if self.timer is not None:
            self.timer.stop()
        self.timer = self.set_timer(DEBOUNCE, partial(self.look_up, event.value))

    def look_up(self, text: str) -> None:
        """Show the label of the row ``text`` names (in a worker)."""
        from tqconsole.services.db.records import reference

        name = self.spec.name
        self.timer = None
        self.runner(
            reference,
            self.model,
            name,
            text,
            group=f"ref-{name}",
            done=lambda label: self.show_reference(f"→ {label}" if label else ""),
            failed=lambda message: self.show_reference(message, missing=True),
        )

    def show_reference(self, text: str, missing: bool = False) -> None:
        ref = self.query_one(".form-ref", Static)
        ref.update(Text(text))
        ref.set_class(missing, "-missing")

    def pick(self) -> None:
        """Choose the row in the Pick dialog; the cursor starts on the row named now."""
        from tqconsole.services.db.records import PICK_LIMIT
        from tqconsole.services.db.tables import pick_choices
        from tqconsole.widgets.dialogs.pick import Pick

        related = self.model._meta.fields[self.spec.name].rel_model
        field = self.input

        def picked(row: tuple | None) -> None:
            if row is not None:
                field.value = str(row[0])
                self.show_reference(f"→ {row[1]}")
            field.focus()

        current = field.value.strip()
        current = int(current) if current.isdigit() else None
        search = partial(pick_choices, related, limit=PICK_LIMIT, current=current)
        self.app.push_screen(
            Pick(self.spec.related, search, self.runner, PICK_LIMIT, current), picked
        )
