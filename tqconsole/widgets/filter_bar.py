"""The filter line of a table: the text typed after ``/``, and its error under it.

The bar owns whether it is open and what the error says; the screen compiles the
text (it knows the table) and answers with ``close()`` or ``show_error()``.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Input, Static


def caret_line(position: int, message: str) -> Text:
    """A caret under the place of the error in the filter line above, and the message."""
    out = Text()
    out.append(" " * max(0, position) + "^ ", style="bold red")
    out.append(message, style="red")
    return out


class FilterBar(Vertical):
    DEFAULT_CSS = """
    FilterBar { height: auto; }
    FilterBar #filter-input { display: none; border: none; height: 1; padding: 0 1; }
    FilterBar #filter-input.-open { display: block; }
    FilterBar #filter-error { display: none; padding: 0 1; height: auto; }
    FilterBar #filter-error.-shown { display: block; }
    """

    class Submitted(Message):
        """Enter in the filter line: ``text`` (stripped) is to be applied."""

        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

    def __init__(self, text: str = "", placeholder: str = "", **kwargs) -> None:
        super().__init__(**kwargs)
        self.text = text
        self.placeholder = placeholder

    def compose(self) -> ComposeResult:
        yield Input(self.text, placeholder=self.placeholder, id="filter-input")
        yield Static("", id="filter-error")

    @property
    def is_open(self) -> bool:
        return self.query_one(Input).has_class("-open")

    def open(self, text: str) -> None:
        """Show the line holding ``text`` (the filter in force) and type into it."""
        field = self.query_one(Input)
        field.add_class("-open")
        field.value = text
        field.focus()

    def close(self) -> bool:
        """Hide the line and its error; False if the line was not open."""
        was_open = self.is_open
        self.query_one(Input).remove_class("-open")
        self.query_one("#filter-error", Static).remove_class("-shown")
        return was_open

    def show_error(self, position: int, message: str) -> None:
        error = self.query_one("#filter-error", Static)
        error.update(caret_line(position, message))
        error.add_class("-shown")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.post_message(self.Submitted(event.value.strip()))
