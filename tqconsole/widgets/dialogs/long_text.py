"""A long value in full (a 10 MB text cell too), read-only."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.screen import ModalScreen
from textual.widgets import Log, Static

from tqconsole.visible_text import visible
from tqconsole.widgets.bindings import bind


def wrapped(text: str, width: int):
    """``text`` as lines of at most ``width`` characters (its own line breaks kept)."""
    for line in text.split("\n"):
        if not line:
            yield ""
        for start in range(0, len(line), width):
            yield line[start : start + width]


class TextView(ModalScreen[None]):
    """A Log renders only the lines on screen; a TextArea would lay out the whole
    value first (seconds for 10 MB)."""

    DEFAULT_CSS = """
    TextView { background: $surface; }
    TextView #text-title { height: 1; padding: 0 1; background: $boost; }
    """
    BINDINGS = [
        bind("back", "dismiss(None)", "Close"),
        bind("db.close_text", "dismiss(None)"),
    ]

    def __init__(self, title: str, text: str) -> None:
        super().__init__()
        self.title_text = title
        self.text = text

    def compose(self) -> ComposeResult:
        yield Static(
            f"{self.title_text} ({len(self.text):,} characters) — esc closes", id="text-title"
        )
        yield Log(id="text-log", auto_scroll=False)

    def on_mount(self) -> None:
        log = self.query_one(Log)
        text = visible(self.text, keep="\n\t").expandtabs()
        log.write_lines(wrapped(text, max(20, self.app.size.width - 2)))
        log.scroll_home(animate=False)
        log.focus()
