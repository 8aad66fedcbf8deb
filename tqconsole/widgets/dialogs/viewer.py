"""Read-only views: ``TextViewer`` (a long value, a MIME preview, a message as sent) and
``ObjectDialog`` (a bucket object's facts and preview)."""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Label, Log, Static

from tqconsole.visible_text import visible
from tqconsole.widgets.bindings import bind
from tqconsole.widgets.lists import KeyTable


def wrapped(text: str, width: int):
    """``text`` as lines of at most ``width`` characters (its own line breaks kept;
    a blank line is a space, as ``Log`` drops empty strings)."""
    for line in text.split("\n"):
        if not line:
            yield " "
        for start in range(0, len(line), width):
            yield line[start : start + width]


class TextViewer(ModalScreen[None]):
    """Read-only text (a long value, a MIME preview, a message as sent); esc closes.

    A Log renders only the lines on screen; a TextArea or Static would lay out the
    whole value first (seconds for a 10 MB cell).
    """

    DEFAULT_CSS = """
    TextViewer { align: center middle; }
    TextViewer > Vertical {
        width: 100%; height: 100%; border: round $primary; background: $surface;
    }
    TextViewer Log { height: 1fr; padding: 0 1; background: $surface; }
    """
    BINDINGS = [
        bind("back", "dismiss(None)", "Close"),
        bind("dialog.close", "dismiss(None)", show=False),
        bind("down", "scroll('down')", show=False),
        bind("up", "scroll('up')", show=False),
        bind("first", "scroll('home')", show=False),
        bind("last", "scroll('end')", show=False),
    ]

    def __init__(self, title: str, text: str):
        super().__init__()
        self.title_text = title
        self.text = text

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = visible(self.title_text)
            box.border_subtitle = f"{len(self.text):,} characters · esc close · j/k scroll"
            yield Log(id="viewer-text", auto_scroll=False)

    def on_mount(self) -> None:
        log = self.query_one(Log)
        text = visible(self.text, keep="\n\t").expandtabs()
        log.write_lines(wrapped(text, max(20, self.app.size.width - 4)))
        log.scroll_home(animate=False)
        log.focus()

    def action_scroll(self, where: str) -> None:
        log = self.query_one(Log)
        {
            "down": log.scroll_down,
            "up": log.scroll_up,
            "home": log.scroll_home,
            "end": log.scroll_end,
        }[where](animate=False)


class ObjectDialog(ModalScreen[None]):
    """Size, type, dates, ETag, metadata, and a preview of the first 64 KB.

    ``copy_url()`` and ``download()`` are the browser's, run once the dialog closed.
    """

    DEFAULT_CSS = """
    ObjectDialog { align: center middle; }
    ObjectDialog > Vertical {
        width: 100%; height: 100%; border: round $accent; background: $surface; padding: 0 1;
    }
    ObjectDialog #object-facts { height: auto; }
    ObjectDialog #object-preview { height: 1fr; border-top: solid $primary-darken-2; }
    ObjectDialog .title { text-style: bold; }
    ObjectDialog .hint { color: $text-muted; }
    ObjectDialog KeyTable { height: 1fr; }
    """
    BINDINGS = [
        bind("back", "dismiss(None)", "Close"),
        bind("copy", "copy_url", "Copy URL"),
        bind("buckets.download", "download"),
    ]

    def __init__(
        self,
        title: str,
        facts: list[tuple[str, str]],
        copy_url: Callable[[], None],
        download: Callable[[], None],
    ) -> None:
        super().__init__()
        self.title_text = title
        self.facts = facts
        self.copy_url, self.download = copy_url, download

    def action_copy_url(self) -> None:
        self.dismiss(None)
        self.copy_url()

    def action_download(self) -> None:
        self.dismiss(None)
        self.download()

    def compose(self) -> ComposeResult:
        from rich.table import Table

        grid = Table.grid(padding=(0, 1))
        grid.add_column(style="dim", no_wrap=True)
        grid.add_column(overflow="fold")
        for label, value in self.facts:
            grid.add_row(label, Text(value))
        with Vertical():
            yield Label(self.title_text, classes="title", markup=False)
            yield Static(grid, id="object-facts")
            with VerticalScroll(id="object-preview"):
                yield Static(Text("loading preview…", style="dim italic"), id="preview-text")
            yield Label("y copy URL · o download · esc close", classes="hint")

    def show_preview(self, preview) -> None:
        holder = self.query_one("#object-preview", VerticalScroll)
        text = self.query_one("#preview-text", Static)
        note = " (first 64 KB)" if preview.truncated else ""
        if preview.kind == "csv" and preview.rows:
            text.update(Text(f"CSV, {len(preview.rows) - 1} rows{note}", style="dim"))
            table = KeyTable(zebra_stripes=True, id="preview-table")
            width = max(len(r) for r in preview.rows)
            header = preview.rows[0] + [""] * (width - len(preview.rows[0]))
            table.add_columns(*(Text(h) for h in header))
            for row in preview.rows[1:]:
                table.add_row(*(Text(cell) for cell in row + [""] * (width - len(row))))
            holder.mount(table)
        elif preview.kind in ("text", "json"):
            text.update(Text(visible(preview.text, keep="\n\t") + (f"\n…{note}" if note else "")))
        elif preview.kind == "empty":
            text.update(Text("empty object (0 bytes)", style="dim"))
        else:
            text.update(Text(f"binary content, no preview{note}", style="dim"))

    def show_error(self, message: str) -> None:
        self.query_one("#preview-text", Static).update(Text(message, style="red"))
