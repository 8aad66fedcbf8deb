"""Small modal dialogs of the model browser: ask, compare versions, progress, pick a row,
choose columns.

Choose and type-to-confirm are the shared dialogs of ``widgets.confirm_dialog``
(re-exported here as ``Choose`` and ``Confirm``); ``Ask`` is its ``AskDialog``
returning the text as typed.
"""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.timer import Timer
from textual.widgets import Input, Label, ProgressBar, Static

from tqconsole.widgets.confirm_dialog import PANEL_CSS, AskDialog
from tqconsole.widgets.confirm_dialog import ChooseDialog as Choose
from tqconsole.widgets.confirm_dialog import LinesConfirmDialog as Confirm
from tqconsole.widgets.lists import KeyTable

__all__ = ["Ask", "Choose", "Columns", "Confirm", "Conflict", "Pick", "Progress"]
DEBOUNCE = 0.3  # seconds after the last keystroke before a lookup (a filter, a key's row)


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
        Binding("escape", "dismiss(None)", "Cancel", id="columns.cancel"),
        Binding("space", "toggle", "Show/hide", id="columns.toggle"),
        Binding("K,shift+up", "shift(-1)", "Move up", id="columns.up"),
        Binding("J,shift+down", "shift(1)", "Move down", id="columns.down"),
        Binding("enter", "keep", "Keep", id="columns.keep"),
        Binding("backspace", "dismiss([])", "Table's order", id="columns.reset"),
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
