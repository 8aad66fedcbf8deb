"""Textual's list widgets with the console's keys: j/k down/up, g/G first/last, ctrl+d/u pages."""

from __future__ import annotations

from textual.binding import Binding
from textual.widgets import DataTable, OptionList, Tree


def list_keys(first: str | None = None, last: str | None = None) -> list[Binding]:
    """The list keys, mapped to the widget's own action names for first and last."""
    keys = [
        Binding("j", "cursor_down", "Down", show=False),
        Binding("k", "cursor_up", "Up", show=False),
        Binding("ctrl+d", "page_down", "Page down", show=False),
        Binding("ctrl+u", "page_up", "Page up", show=False),
    ]
    if first and last:
        keys += [
            Binding("g", first, "First", show=False),
            Binding("G", last, "Last", show=False),
        ]
    return keys


class KeyTable(DataTable):
    BINDINGS = list_keys("scroll_top", "scroll_bottom")


class KeyOptionList(OptionList):
    BINDINGS = list_keys("first", "last")


class KeyTree(Tree):
    BINDINGS = list_keys()
