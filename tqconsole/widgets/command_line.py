"""The ``:`` command line: type a location (``models/courses_course``) and press enter.

Like k9s, a bare table name (``:courses_subscribe``) or an alias (``:subs``,
``:payments``, ``:courses``, ``:users``, ``:outbox``) is enough; what follows a
slash is kept (``:subs/12`` opens subscription 12).  Tab or → takes the suggestion.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.suggester import SuggestFromList
from textual.widgets import Input, Static

from tqconsole.widgets.bindings import bind
from tqconsole.widgets.path_input import CompletingInput

ALIASES = {
    "subs": "models/courses_subscribe",
    "subscriptions": "models/courses_subscribe",
    "payments": "models/payment_payment",
    "courses": "models/courses_course",
    "offerings": "models/courses_offering",
    "users": "models/auth_user",
    "outbox": "mail/outbox",
    "compose": "mail/compose",
    "tables": "models",
}


def model_tables() -> list[str]:
    from tqconsole.models import APPS

    return [m._meta.table_name for models in APPS.values() for m in models]


def resolve_location(text: str) -> str:
    """The location ``text`` means: an alias or a bare table name spelled out, else as typed."""
    place = text.strip().lstrip(":").strip()
    head, slash, rest = place.partition("/")
    target = ALIASES.get(head.lower())
    if target is None and head in model_tables():
        target = f"models/{head}"
    if target is None:
        return place
    return f"{target}/{rest}" if slash and rest else target


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
    BINDINGS = [bind("back", "close", "Close", show=False)]

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
            placeholder="go to: subs | payments | courses | users | " + " | ".join(self.locations),
            id="command-input",
        )

    def open(self) -> None:
        self.add_class("-open")
        self.show_error("")
        field = self.query_one(Input)
        if field.suggester is None:  # built on the first open: table names import the models
            suggestions = [*self.locations, *ALIASES, *model_tables()]
            field.suggester = SuggestFromList(suggestions, case_sensitive=False)
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
