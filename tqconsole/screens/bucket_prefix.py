"""The layout the usage and incomplete-uploads screens share: a heading line over a table,
for one storage prefix (``buckets/STORAGE/PREFIX``)."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.widgets import Static

from tqconsole.screens.base import ConsoleScreen
from tqconsole.widgets.lists import KeyTable


class PrefixTableScreen(ConsoleScreen):
    """Subclasses name ``kind`` (the ids of the heading and the table), give ``COLUMNS``
    and an ``action_refresh`` that fills the table (run when the screen is mounted)."""

    route = "buckets"
    kind = ""
    COLUMNS: tuple[tuple[str, str, int | None], ...] = ()  # label, key, width
    ZEBRA = False
    DEFAULT_CSS = """
    PrefixTableScreen .prefix-heading { height: 1; padding: 0 1; background: $boost; }
    PrefixTableScreen KeyTable { height: 1fr; }
    """

    def __init__(self, storage: str, prefix: str = "") -> None:
        super().__init__()
        self.storage_name = storage
        self.prefix = prefix

    @property
    def location(self) -> str:
        return "/".join(p for p in ("buckets", self.storage_name, self.prefix.rstrip("/")) if p)

    @property
    def storage(self):
        return self.backends.get("storage").storage(self.storage_name)

    def compose_body(self) -> ComposeResult:
        yield Static("", id=f"{self.kind}-heading", classes="prefix-heading")
        table = KeyTable(cursor_type="row", zebra_stripes=self.ZEBRA, id=self.kind)
        for label, key, width in self.COLUMNS:
            table.add_column(label, key=key, width=width)
        yield table

    def on_mount(self) -> None:
        self.query_one(KeyTable).focus()
        self.action_refresh()

    def heading(self, text) -> None:
        self.query_one(f"#{self.kind}-heading", Static).update(text)

    def failed(self, message: str) -> None:
        self.heading(Text(message, "bold red"))
