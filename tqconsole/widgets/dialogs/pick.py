"""Choose: ``ChooseDialog`` (one of a few values) and ``Pick`` (a row to point a foreign key at)."""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.timer import Timer
from textual.widgets import Input, Label, Static

from tqconsole.widgets.dialogs import PANEL_CSS
from tqconsole.widgets.lists import KeyOptionList, KeyTable

DEBOUNCE = 0.3  # seconds after the last keystroke before a lookup (a filter, a key's row)


class ChooseDialog(ModalScreen[str | None]):
    """Pick one of ``choices`` ((value, label) pairs)."""

    DEFAULT_CSS = PANEL_CSS.format(name="ChooseDialog")
    BINDINGS = [Binding("escape", "dismiss(None)", "Cancel", id="dialog.cancel")]

    def __init__(self, title: str, choices: list[tuple[str, str]]) -> None:
        super().__init__()
        self.title_text = title
        self.choices = choices

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(self.title_text, classes="title", markup=False)
            yield KeyOptionList(*(label for _, label in self.choices), id="choose-list")

    def on_option_list_option_selected(self, event) -> None:
        event.stop()
        self.dismiss(self.choices[event.option_index][0])


class Pick(ModalScreen[tuple | None]):
    """Rows of ``table`` to point a foreign key at; returns (pk, label, detail), esc None.

    The input on top is a filter of the model browser (bare words search names,
    emails…); ``search(text)`` gives (pk, label, detail) rows, at most ``limit``, and runs
    through ``runner`` (the calling screen's ``run_blocking``), never on the event loop.
    """

    DEFAULT_CSS = (
        PANEL_CSS.format(name="Pick")
        + """
    Pick #pick-filter { background: $boost; }
    Pick #pick-rows { height: auto; max-height: 12; overflow-x: hidden; }
    """
    )
    BINDINGS = [
        Binding("escape", "dismiss(None)", "Cancel", id="pick.cancel"),
        Binding("down", "move('down')", "Next row", show=False, id="pick.down"),
        Binding("up", "move('up')", "Previous row", show=False, id="pick.up"),
    ]

    def __init__(self, table: str, search: Callable, runner: Callable, limit: int) -> None:
        super().__init__()
        self.table = table
        self.search = search
        self.runner = runner
        self.limit = limit
        self.rows: list[tuple] = []
        self.shown_for: str | None = None  # the filter the rows on screen answer
        self.pick_when_shown = False  # enter came before the rows of the latest filter
        self.timer: Timer | None = None

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(f"Pick a row of {self.table}", classes="title", markup=False)
            yield Input(
                placeholder="filter: a name, an email… or column=value",
                id="pick-filter",
                compact=True,
            )
            yield Static("searching…", id="pick-status")
            yield KeyTable(id="pick-rows", cursor_type="row")
            yield Static("↑↓ choose   enter: pick   esc: leave unchanged", classes="hint")

    def on_mount(self) -> None:
        self.query_one("#pick-rows", KeyTable).add_columns("id", "label", "")
        self.query_one("#pick-filter", Input).focus()
        self.find()

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        if self.timer is not None:
            self.timer.stop()
        self.timer = self.set_timer(DEBOUNCE, self.find)

    def find(self) -> None:
        if self.timer is not None:
            self.timer.stop()
        text = self.query_one("#pick-filter", Input).value
        self.runner(
            self.search,
            text,
            group="pick",
            done=lambda rows: self.show(text, rows),
            failed=self.failed,
        )

    def show(self, text: str, rows: list[tuple]) -> None:
        if not self.is_attached:  # left while the query ran
            return
        self.rows, self.shown_for = rows, text
        table = self.query_one("#pick-rows", KeyTable)
        table.clear()
        for pk, label, detail in rows:
            table.add_row(str(pk), label, Text(detail, style="dim"))
        if not rows:
            note = "no row matches"
        elif len(rows) < self.limit:
            note = f"{len(rows)} row{'' if len(rows) == 1 else 's'}"
        else:
            note = f"the first {self.limit} rows: type to narrow"
        self.query_one("#pick-status", Static).update(Text(note, style="dim"))
        if self.pick_when_shown:
            self.pick_when_shown = False
            self.pick(0)

    def failed(self, message: str) -> None:
        self.pick_when_shown = False
        if self.is_attached:
            self.query_one("#pick-status", Static).update(Text(message, style="bold red"))

    def action_move(self, direction: str) -> None:
        table = self.query_one("#pick-rows", KeyTable)
        if direction == "down":
            table.action_cursor_down()
        else:
            table.action_cursor_up()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if event.value == self.shown_for:
            self.pick(self.query_one("#pick-rows", KeyTable).cursor_row)
        else:  # typed faster than the lookup: pick the first row of the latest filter
            self.pick_when_shown = True
            self.find()

    def on_data_table_row_selected(self, event) -> None:
        event.stop()
        self.pick(event.cursor_row)

    def pick(self, row: int) -> None:
        if 0 <= row < len(self.rows):
            self.dismiss(self.rows[row])
