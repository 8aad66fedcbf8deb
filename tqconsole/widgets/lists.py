"""Textual's list widgets with the console's keys: j/k down/up, g/G first/last, ctrl+d/u pages."""

from __future__ import annotations

from rich.text import Text
from textual.binding import Binding
from textual.widgets import DataTable, OptionList, Tree

from tqconsole.visible_text import CONTROLS, one_line
from tqconsole.widgets.bindings import bind


def list_keys(first: str | None = None, last: str | None = None) -> list[Binding]:
    """The list keys, mapped to the widget's own action names for first and last."""
    keys = [
        bind("down", "cursor_down", show=False),
        bind("up", "cursor_up", show=False),
        bind("page_down", "page_down", show=False),
        bind("page_up", "page_up", show=False),
    ]
    if first and last:
        keys += [bind("first", first, show=False), bind("last", last, show=False)]
    return keys


def shown(cell):
    """A table cell with its control characters visible (the width is measured right)."""
    if isinstance(cell, str):
        return one_line(cell)
    if isinstance(cell, Text) and CONTROLS.search(cell.plain):
        return Text(one_line(cell.plain), style=cell.style, no_wrap=cell.no_wrap)
    return cell


class KeyTable(DataTable):
    BINDINGS = list_keys("scroll_top", "scroll_bottom")

    def add_row(self, *cells, **options):
        return super().add_row(*map(shown, cells), **options)

    def update_cell(self, row_key, column_key, value, **options) -> None:
        super().update_cell(row_key, column_key, shown(value), **options)


class KeyOptionList(OptionList):
    BINDINGS = list_keys("first", "last")


class KeyTree(Tree):
    BINDINGS = list_keys()
