"""The ``:`` command line: type a location (``models/courses_course``) and press enter."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.suggester import SuggestFromList
from textual.widgets import Input, Static

from tqconsole.widgets.path_input import CompletingInput


class CommandLine(Vertical):
    DEFAULT_CSS = """
    CommandLine {
        height: auto;
        display: none;
        background: $panel;
    }
    CommandLine.-open { display: block; }
    CommandLine #command-input { border: none; height: 1; padding: 0 1; }
    CommandLine #command-error { color: $error; padding: 0 1; height: auto; display: none; }
    CommandLine #command-error.-shown { display: block; }
    """
    BINDINGS = [Binding("escape", "close", "Close", show=False)]

    class Submitted(Message):
        def __init__(self, line: CommandLine, location: str) -> None:
            self.line = line
            self.location = location
            super().__init__()

    def __init__(self, locations: list[str]) -> None:
        super().__init__(id="command-line")
        self.locations = locations

    def compose(self) -> ComposeResult:
        yield Static("", id="command-error")
        yield CompletingInput(
            placeholder="location: " + " | ".join(self.locations[:6]),
            suggester=SuggestFromList(self.locations, case_sensitive=False),
            id="command-input",
        )

    def open(self) -> None:
        self.add_class("-open")
        self.show_error("")
        field = self.query_one(Input)
        field.value = ""
        self.screen.set_focus(field)  # now: the keys behind `:` are typed into it

    def action_close(self) -> None:
        self.remove_class("-open")
        self.show_error("")
        self.screen.set_focus(None)
        self.screen.focus_next()

    def show_error(self, message: str) -> None:
        error = self.query_one("#command-error", Static)
        error.update(message)
        error.set_class(bool(message), "-shown")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        value = event.value.strip()
        if value:
            self.post_message(self.Submitted(self, value))
