"""One cache key on its own screen: type, TTL, size, encoding and its value decoded safely."""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from tqconsole.sizes import human_size
from tqconsole.visible_text import visible
from tqconsole.widgets.bindings import bind


class KeyDetailScreen(ModalScreen[None]):
    """One key: type, TTL, size, encoding and its value decoded safely; ``delete()`` and
    ``ttl()`` ask the cache screen's questions about the key once this closed."""

    DEFAULT_CSS = """
    KeyDetailScreen { align: center middle; }
    KeyDetailScreen > Vertical {
        width: 95%; height: 90%; border: thick $primary; background: $surface; padding: 0 1;
    }
    KeyDetailScreen #detail-head { height: auto; color: $text-muted; }
    KeyDetailScreen VerticalScroll { height: 1fr; }
    """
    BINDINGS = [
        bind("back", "dismiss(None)", "Close"),
        bind("dialog.close", "dismiss(None)", show=False),
        bind("delete", "delete_key"),
        bind("cache.ttl", "set_ttl", "Set TTL"),
        bind("down", "scroll('down')", show=False),
        bind("up", "scroll('up')", show=False),
    ]

    def __init__(self, detail, delete: Callable[[], None], ttl: Callable[[], None]) -> None:
        super().__init__()
        self.detail = detail
        self.delete, self.ttl = delete, ttl

    def action_delete_key(self) -> None:
        self.dismiss(None)
        self.delete()

    def action_set_ttl(self) -> None:
        self.dismiss(None)
        self.ttl()

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
