"""One cache key on its own screen: type, TTL, size, encoding and its value decoded safely."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from tqconsole.sizes import human_size
from tqconsole.visible_text import visible


class KeyDetailScreen(ModalScreen[str | None]):
    """One key: type, TTL, size, encoding and its value decoded safely."""

    DEFAULT_CSS = """
    KeyDetailScreen { align: center middle; }
    KeyDetailScreen > Vertical {
        width: 95%; height: 90%; border: thick $primary; background: $surface; padding: 0 1;
    }
    KeyDetailScreen #detail-head { height: auto; color: $text-muted; }
    KeyDetailScreen VerticalScroll { height: 1fr; }
    """
    BINDINGS = [
        Binding("escape,q", "dismiss(None)", "Close", id="cache.detail.close"),
        Binding("d", "dismiss('delete')", "Delete", id="cache.detail.delete"),
        Binding("t", "dismiss('ttl')", "Set TTL", id="cache.detail.ttl"),
        Binding("j", "scroll('down')", "Down", show=False),
        Binding("k", "scroll('up')", "Up", show=False),
    ]

    def __init__(self, detail) -> None:
        super().__init__()
        self.detail = detail

    def compose(self) -> ComposeResult:
        from tqconsole.services.cache import inspector as insp

        d = self.detail
        size = human_size(d.size) if d.type == "string" else f"{d.size:,} items"
        head = Text()
        head.append(insp.display_key(d.key) + "\n", style="bold")
        head.append(f"type {d.type}  ttl {insp.human_ttl(d.ttl)}  size {size}")
        head.append(f"  encoding {d.encoding or '–'}  shown as {d.decoded.kind}")
        if d.decoded.note:
            head.append(f"\n{d.decoded.note}", style="italic")
        with Vertical() as box:
            box.border_title = "Key"
            box.border_subtitle = "d delete · t TTL · esc close"
            yield Static(head, id="detail-head")
            with VerticalScroll():
                yield Static(Text(visible(d.decoded.text, keep="\n\t")), id="detail-value")

    def action_scroll(self, direction: str) -> None:
        scroll = self.query_one(VerticalScroll)
        scroll.scroll_down() if direction == "down" else scroll.scroll_up()
