"""Modal dialogs: confirm (optionally by typing a name), ask for a value, choose, show progress, read text.

Two looks: ``ConfirmDialog``, ``PromptDialog`` and ``ProgressDialog`` are framed
boxes with buttons; ``AskDialog``, ``ChooseDialog`` and ``LinesConfirmDialog`` (the
buckets and model screens) are keyboard-only panels in ``PANEL_CSS``.
"""

from __future__ import annotations

import threading

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Input, Label, ProgressBar, Static

from tqconsole.visible_text import visible
from tqconsole.widgets.lists import KeyOptionList
from tqconsole.widgets.path_input import PathInput

DIALOG_CSS = """
{name} {{ align: center middle; }}
{name} > Vertical {{
    width: 72; max-width: 95%; height: auto; max-height: 90%;
    border: thick $error-darken-1; background: $surface; padding: 0 1;
}}
{name} .question {{ width: 100%; margin: 0 0 1 0; }}
{name} Input {{ margin: 0 0 1 0; }}
{name} .error {{ color: $error; height: auto; }}
{name} .title {{ text-style: bold; margin: 0 0 1 0; }}
{name} .hint {{ color: $text-muted; }}
{name} Horizontal {{ height: auto; align-horizontal: right; }}
{name} Button {{ margin: 0 0 0 1; min-width: 10; }}
"""


class ConfirmDialog(ModalScreen[bool]):
    """Names the target and what is lost; with ``typed`` the user must type it to confirm.

    Without ``typed`` only enter on the action's button confirms (Cancel has the
    focus first): no letter does, since ordinary words contain them.  Keys typed
    before the dialog opened never reach it (``widgets/key_order.py``).
    """

    DEFAULT_CSS = DIALOG_CSS.format(name="ConfirmDialog")
    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="dialog.cancel"),
        Binding("n", "cancel", "No", show=False, id="dialog.no"),
    ]

    def __init__(self, title: str, question: str, typed: str = "", action: str = "Delete"):
        super().__init__()
        self.title_text, self.question, self.typed, self.action = title, question, typed, action

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = self.title_text
            yield Static(self.question, classes="question", markup=False)
            if self.typed:
                yield Label(f"Type {self.typed!r} to confirm:")
                yield Input(id="typed")
                yield Static("", classes="error", id="typed-error")
            with Horizontal():
                yield Button("Cancel", id="cancel")
                yield Button(self.action, id="ok", variant="error")

    def on_mount(self) -> None:
        self.query_one("#typed" if self.typed else "#cancel").focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "ok":
            self.submit()
        else:
            self.dismiss(False)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.submit()

    def submit(self) -> None:
        if self.typed and self.query_one("#typed", Input).value != self.typed:
            self.query_one("#typed-error", Static).update(
                f"that is not {self.typed!r}; nothing done"
            )
            return
        self.dismiss(True)

    def action_cancel(self) -> None:
        self.dismiss(False)


class PromptDialog(ModalScreen[str | None]):
    """Ask for one value; None when cancelled."""

    DEFAULT_CSS = DIALOG_CSS.format(name="PromptDialog").replace("$error-darken-1", "$primary")
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="dialog.cancel")]

    def __init__(self, title: str, question: str, value: str = "", placeholder: str = ""):
        super().__init__()
        self.title_text, self.question, self.value, self.placeholder = (
            title,
            question,
            value,
            placeholder,
        )

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = self.title_text
            yield Static(self.question, classes="question", markup=False)
            yield Input(self.value, placeholder=self.placeholder, id="value")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.dismiss(event.value)

    def action_cancel(self) -> None:
        self.dismiss(None)


class ProgressDialog(ModalScreen[None]):
    """Progress of long work; ctrl+x, escape or Cancel sets ``cancel`` (the worker checks it)."""

    DEFAULT_CSS = DIALOG_CSS.format(name="ProgressDialog").replace("$error-darken-1", "$primary")
    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="dialog.cancel"),
        Binding("ctrl+x", "cancel", "Cancel", id="dialog.stop"),
    ]

    def __init__(self, title: str, total: float | None = None):
        super().__init__()
        self.title_text, self.total = title, total
        self.cancel = threading.Event()

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = self.title_text
            yield ProgressBar(total=self.total, show_eta=False)
            yield Static("starting…", id="progress-text", classes="question")
            with Horizontal():
                yield Button("Cancel", id="cancel", variant="warning")

    def report(self, done: int, text: str) -> None:
        bar = self.query_one(ProgressBar)
        if bar.total is not None and done > bar.total:
            bar.update(total=done)
        bar.update(progress=done)
        self.query_one("#progress-text", Static).update(text)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_cancel()

    def action_cancel(self) -> None:
        self.cancel.set()
        self.query_one("#progress-text", Static).update("cancelling…")


class TextViewer(ModalScreen[None]):
    """Read-only text (a MIME preview, a message as sent); esc closes."""

    DEFAULT_CSS = """
    TextViewer { align: center middle; }
    TextViewer > Vertical {
        width: 100%; height: 100%; border: round $primary; background: $surface;
    }
    TextViewer VerticalScroll { height: 1fr; }
    TextViewer #viewer-text { padding: 0 1; }
    """
    BINDINGS = [
        Binding("escape", "close", "Close", id="viewer.close"),
        Binding("q", "close", "Close", show=False, id="viewer.quit"),
        Binding("j", "scroll('down')", "Down", show=False, id="viewer.down"),
        Binding("k", "scroll('up')", "Up", show=False, id="viewer.up"),
        Binding("g", "scroll('home')", "Top", show=False, id="viewer.top"),
        Binding("G", "scroll('end')", "Bottom", show=False, id="viewer.bottom"),
    ]

    def __init__(self, title: str, text: str):
        super().__init__()
        self.title_text = title
        self.text = text

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = self.title_text
            box.border_subtitle = "esc close · j/k scroll"
            with VerticalScroll(id="viewer-scroll"):
                yield Static(visible(self.text, keep="\n\t"), id="viewer-text", markup=False)

    def on_mount(self) -> None:
        self.query_one("#viewer-scroll").focus()

    def action_scroll(self, where: str) -> None:
        scroll = self.query_one("#viewer-scroll", VerticalScroll)
        {
            "down": scroll.scroll_down,
            "up": scroll.scroll_up,
            "home": scroll.scroll_home,
            "end": scroll.scroll_end,
        }[where](animate=False)

    def action_close(self) -> None:
        self.dismiss(None)


PANEL_CSS = """
{name} {{ align: center middle; }}
{name} > Vertical {{
    width: 76; max-width: 100%; height: auto; max-height: 100%;
    border: round $accent; background: $surface; padding: 0 1;
}}
{name} .title {{ text-style: bold; }}
{name} VerticalScroll {{ height: auto; max-height: 14; }}
{name} .error {{ color: $error; }}
{name} .hint {{ color: $text-muted; }}
"""


class AskDialog(ModalScreen[tuple[str, bool] | None]):
    """One line of input (a key, or a local path with completion); optional checkbox.

    Returns (value, checked), or None on escape.  An empty value is refused in place.
    """

    DEFAULT_CSS = PANEL_CSS.format(name="AskDialog")
    BINDINGS = [Binding("escape", "dismiss(None)", "Cancel", id="dialog.cancel")]

    def __init__(
        self, title: str, value: str = "", hint: str = "", path: bool = False, check: str = ""
    ) -> None:
        super().__init__()
        self.title_text, self.value, self.hint = title, value, hint
        self.path, self.check = path, check

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(self.title_text, classes="title", markup=False)
            field = PathInput if self.path else Input
            yield field(self.value, id="ask-input")
            if self.check:
                yield Checkbox(self.check, id="ask-check")
            yield Static(self.hint, classes="hint", id="ask-hint")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.submit(event.value)

    def submit(self, value: str) -> None:
        if not value.strip():
            self.query_one("#ask-hint", Static).update(Text("a value is needed", "red"))
            return
        checked = bool(self.check) and self.query_one("#ask-check", Checkbox).value
        self.dismiss((value.strip(), checked))


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


class LinesConfirmDialog(ModalScreen[bool]):
    """Yes or no, naming the target and what is lost (``lines``, scrolled when long);
    with ``typed``, that word must be typed to go on, else enter says yes (no letter
    does: ordinary words contain them)."""

    DEFAULT_CSS = PANEL_CSS.format(name="LinesConfirmDialog")
    BINDINGS = [
        Binding("escape", "dismiss(False)", "Cancel", id="dialog.cancel"),
        Binding("enter", "yes", "Yes", id="dialog.yes"),
        Binding("n", "dismiss(False)", "No", id="dialog.no"),
    ]

    def __init__(self, title: str, lines: list[str], typed: str = "") -> None:
        super().__init__()
        self.title_text, self.lines, self.typed = title, lines, typed

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(self.title_text, classes="title", markup=False)
            with VerticalScroll():
                yield Static("\n".join(self.lines), markup=False)
            if self.typed:
                yield Label(
                    f"Type {self.typed!r} and press enter to confirm:", classes="hint", markup=False
                )
                yield Input(id="confirm-input")
            else:
                yield Label("enter: yes   n / esc: no", classes="hint")
            yield Static("", classes="error", id="confirm-error")

    def on_mount(self) -> None:
        if self.typed:
            self.query_one("#confirm-input", Input).focus()
        else:
            self.query_one(VerticalScroll).focus()

    def action_yes(self) -> None:
        if not self.typed:
            self.dismiss(True)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if event.value.strip() == self.typed.strip():
            self.dismiss(True)
        else:
            self.query_one("#confirm-error", Static).update(
                f"that is not {self.typed!r}; esc cancels"
            )
