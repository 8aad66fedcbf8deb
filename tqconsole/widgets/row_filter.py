"""A list of rows filled at once (``show_rows``) and its ``/`` filter line (``RowFilter``).

The front desk's and finance's short lists keep all their rows; the filter hides the
rows that do not hold every typed word, as the text changes.
"""

from __future__ import annotations

from rich.cells import cell_len
from rich.text import Text
from textual.widgets import Input

from tqconsole.visible_text import one_line
from tqconsole.widgets.bindings import bind
from tqconsole.widgets.lists import KeyTable


def plain(cell) -> str:
    return one_line(cell.plain if isinstance(cell, Text) else str(cell))


def show_rows(table: KeyTable, columns: tuple[str, ...], rows: list[tuple]) -> None:
    """Replace the rows of ``table``, each column as wide as its widest cell (at most 40,
    the last one unbounded), the cursor kept on its row number."""
    row = table.cursor_row
    table.clear(columns=True)
    cells = [[plain(c) for c in r] for r in rows]
    for i, name in enumerate(columns):
        width = max([cell_len(name), *(cell_len(r[i]) for r in cells)])
        table.add_column(name, key=name, width=width if i == len(columns) - 1 else min(width, 40))
    for r in rows:
        table.add_row(*r)
    if rows:
        table.move_cursor(row=min(max(row, 0), len(rows) - 1))


def row_holds(text: str, cells) -> bool:
    """Every word of ``text`` is in one of ``cells`` (any case)."""
    line = " ".join(plain(c) for c in cells).casefold()
    return all(word in line for word in text.casefold().split())


class RowFilter(Input):
    """The ``/`` line under a list: hidden until opened; enter goes back to the list with
    the filter kept, escape clears it and closes.  The screen filters on ``Input.Changed``."""

    DEFAULT_CSS = """
    RowFilter, RowFilter:focus { display: none; border: none; height: 1; padding: 0 1; }
    RowFilter.-open { display: block; }
    """
    BINDINGS = [bind("back", "close", "Close filter")]

    def __init__(self, list_id: str, **kwargs) -> None:
        super().__init__(placeholder="filter the rows: words they hold (esc clears)", **kwargs)
        self.list_id = list_id

    def open(self) -> None:
        self.add_class("-open")
        self.focus()

    def action_close(self) -> None:
        self.value = ""
        self.remove_class("-open")
        self.screen.query_one(f"#{self.list_id}").focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.screen.query_one(f"#{self.list_id}").focus()
