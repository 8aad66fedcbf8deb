"""Choose: ``ChooseDialog`` (one of a few values), ``Pick`` (a row to point a foreign key
at) and ``Columns`` (which columns a table shows, in which order)."""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.timer import Timer
from textual.widgets import Input, Label, Static

from tqconsole.widgets.bindings import bind
from tqconsole.widgets.dialogs import PANEL_CSS
from tqconsole.widgets.lists import KeyOptionList, KeyTable

DEBOUNCE = 0.3  # seconds after the last keystroke before a lookup (a filter, a key's row)


class ChooseDialog(ModalScreen[str | None]):
    """Pick one of ``choices`` ((value, label) pairs)."""

    DEFAULT_CSS = PANEL_CSS.format(name="ChooseDialog")
    BINDINGS = [bind("back", "dismiss(None)", "Cancel")]

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
        bind("back", "dismiss(None)", "Cancel"),
        bind("down", "move('down')", "Next row", show=False),
        bind("up", "move('up')", "Previous row", show=False),
    ]

    def __init__(
        self, table: str, search: Callable, runner: Callable, limit: int, current=None
    ) -> None:
        super().__init__()
        self.current = current  # the row the field points at now: the cursor starts there
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
        here = [i for i, row in enumerate(rows) if row[0] == self.current]
        if here:
            table.move_cursor(row=here[0])
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


class Columns(ModalScreen[list | None]):
    """Which columns a table shows, in which order: returns the shown names, [] to go back
    to the table's own order, esc None (unchanged).

    space shows / hides the column under the cursor, K / J (shift+↑ / shift+↓) move it,
    enter keeps the choice.  The first shown column stays in place while scrolling.
    """

    DEFAULT_CSS = (
        PANEL_CSS.format(name="Columns")
        + """
    Columns #columns-rows { height: auto; max-height: 16; }
    """
    )
    BINDINGS = [
        bind("back", "dismiss(None)", "Cancel"),
        bind("columns.toggle", "toggle"),
        bind("columns.up", "shift(-1)"),
        bind("columns.down", "shift(1)"),
        bind("columns.keep", "keep"),
        bind("columns.reset", "dismiss([])"),
    ]

    def __init__(self, names: list[str], titles: dict[str, str], shown: list[str]) -> None:
        super().__init__()
        self.order = [*shown, *(n for n in names if n not in shown)]
        self.shown = set(shown)
        self.titles = titles

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("Columns of this table", classes="title")
            yield KeyTable(id="columns-rows", cursor_type="row")
            yield Static(
                "space: show/hide   K/J: move   enter: keep   ⌫: table's order   esc: cancel",
                classes="hint",
            )

    def on_mount(self) -> None:
        table = self.query_one(KeyTable)
        table.add_columns("", "column", "name")
        self.fill(0)
        table.focus()

    def fill(self, row: int) -> None:
        table = self.query_one(KeyTable)
        table.clear()
        for name in self.order:
            mark = "✓" if name in self.shown else " "
            table.add_row(mark, self.titles.get(name, name), Text(name, style="dim"))
        table.move_cursor(row=row)

    def action_toggle(self) -> None:
        row = self.query_one(KeyTable).cursor_row
        name = self.order[row]
        if name in self.shown and len(self.shown) > 1:  # one column always stays
            self.shown.discard(name)
        else:
            self.shown.add(name)
        self.fill(row)

    def action_shift(self, delta: int) -> None:
        row = self.query_one(KeyTable).cursor_row
        to = row + delta
        if 0 <= to < len(self.order):
            self.order[row], self.order[to] = self.order[to], self.order[row]
            self.fill(to)

    def on_data_table_row_selected(self, event) -> None:
        event.stop()
        self.action_keep()

    def action_keep(self) -> None:
        self.dismiss([n for n in self.order if n in self.shown])
