"""The cache screen's key list: one page of keys at a time, marks, and the SCAN cursor."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.geometry import Size

from tqconsole.sizes import human_size
from tqconsole.widgets.lists import KeyTable


class KeyList(KeyTable):
    """Keys with type, TTL and size; the broker's keys (a shared Redis db) say so."""

    def __init__(self, **kwargs) -> None:
        super().__init__(cursor_type="row", zebra_stripes=False, **kwargs)
        self.cursor: Any = None  # the scan's cursor after the last page (None: complete)
        self.marked: set[str] = set()

    def on_mount(self) -> None:
        self.add_column(" ", key="mark", width=1)
        self.add_column("key", key="key", width=40)
        self.add_column("type", key="type", width=6)
        self.add_column("ttl", key="ttl", width=7)
        self.add_column("size", key="size", width=9)

    def fit(self, width: int) -> None:
        """The key column takes what the other columns (and cell padding) leave of ``width``."""
        others = sum(c.width + 2 for c in self.columns.values() if c.key.value != "key")
        width = max(16, width - others - 2)
        column = self.columns.get("key")  # type: ignore[call-overload]
        if column is not None and column.width != width:
            column.width = width
            column.auto_width = False
            # the scrollable width follows at once (a resize adds no rows to remeasure)
            cells = sum(c.get_render_width(self) for c in self.columns.values())
            self.virtual_size = Size(cells, self.virtual_size.height)
            self.refresh()

    def show(self, page, more: bool) -> None:
        from tqconsole.services.cache.inspector import display_key, human_ttl

        if not more:
            self.clear()
        for info in page.keys:
            if info.key in self.rows:
                continue
            size = human_size(info.size)
            broker = info.owner == "broker"
            self.add_row(
                "•" if info.key in self.marked else "",
                Text(
                    display_key(info.key) + ("  (broker)" if broker else ""),
                    style="dim italic" if broker else "",
                    no_wrap=True,
                    overflow="ellipsis",
                ),
                info.type,
                human_ttl(info.ttl),
                Text(size, justify="right"),
                key=info.key,
            )
        self.cursor = page.cursor

    def current_key(self) -> str | None:
        if not self.rows or self.cursor_row < 0:
            return None
        return self.coordinate_to_cell_key((self.cursor_row, 0)).row_key.value

    def toggle_mark(self) -> None:
        key = self.current_key()
        if key is None:
            return
        self.marked.symmetric_difference_update({key})
        self.update_cell(key, "mark", "•" if key in self.marked else "")
        self.action_cursor_down()

    def chosen(self) -> list[str]:
        """The marked keys, else the one under the cursor."""
        return sorted(self.marked) or [k for k in [self.current_key()] if k]

    def status(self, pattern: str) -> str:
        more = " · ]: more" if self.cursor is not None else " (all)"
        marked = f" · {len(self.marked)} marked" if self.marked else ""
        return f"{len(self.rows):,} keys matching {pattern}{more}{marked}"
