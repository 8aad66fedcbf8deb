"""The folders and objects of one storage prefix, page by page: a panel of the buckets screen.

The first page comes from one small listing, asked for while the screen is still
being built; the next page is fetched as the cursor or the view nears the end of
what is loaded, so a prefix of any size opens equally fast.  The panel owns what
is loaded, the marks, the sort and the filter of the loaded rows.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import datetime

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import DataTable, Input, Static

from tqconsole.errors import InvalidInput
from tqconsole.services.storage import buckets
from tqconsole.services.storage.buckets import Entry, Storage
from tqconsole.sizes import human_size
from tqconsole.widgets.lists import KeyTable

FIRST_PAGE = 60  # small, so the first screenful arrives at once
# Fetches the first page while the screen is composed and mounted (saves that time).
PREFETCH = ThreadPoolExecutor(max_workers=2, thread_name_prefix="buckets-prefetch")
PAGE = 1000
LOOKAHEAD = 50  # rows before the end of what is loaded that trigger the next page
SORTS = ("name", "size", "modified")


def when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if value else ""


class ObjectList(Vertical):
    """Heading, table of entries and the filter field of ``storage``/``prefix``."""

    DEFAULT_CSS = """
    ObjectList { height: 1fr; }
    ObjectList #heading { height: 1; padding: 0 1; background: $boost; }
    ObjectList KeyTable { height: 1fr; }
    ObjectList #filter { display: none; border: none; height: 1; padding: 0 1; }
    ObjectList #filter.-shown { display: block; }
    """

    def __init__(self, open_storage: Callable[[], Storage], name: str, prefix: str) -> None:
        super().__init__(id="object-list")
        self.open_storage, self.storage_name, self.prefix = open_storage, name, prefix
        self.entries: list[Entry] = []
        self.token: str | None = None
        self.loading = False
        self.marked: set[str] = set()
        self.sort, self.descending, self.filter_text = "name", False, ""
        self.rows: list[Entry] = []  # what the table shows, in its order
        self.prefetch: Future | None = PREFETCH.submit(self.fetch_page, None, FIRST_PAGE)

    @property
    def storage(self) -> Storage:
        """Opened when used (in the prefetch thread first): an unknown name is a message."""
        return self.open_storage()

    def compose(self) -> ComposeResult:
        yield Static("", id="heading")
        table = KeyTable(cursor_type="row", zebra_stripes=True, id="objects")
        table.add_column(" ", key="mark", width=1)
        table.add_column("Name", key="name")
        table.add_column("Size", key="size", width=9)
        table.add_column("Modified (UTC)", key="modified", width=16)
        table.add_column("Type", key="type")
        yield table
        yield Input(
            placeholder="filter loaded rows: name, >1MB, <10KB, @2026-11 (esc clears)", id="filter"
        )

    def on_mount(self) -> None:
        table = self.query_one(KeyTable)
        table.focus()
        self.watch(table, "scroll_y", self.table_scrolled, init=False)
        # the first page was asked for while the screen was being composed
        self.heading(Text(f"{self.storage_name}/{self.prefix} — loading…", "dim"))
        self.loading = True
        self.screen.run_blocking(
            self.prefetch.result,
            group="page",
            done=lambda page: self.add_page(page, True),
            failed=self.show_failure,
        )
        self.prefetch = None

    def heading(self, text: str | Text) -> None:
        self.query_one("#heading", Static).update(text)

    def refresh_list(self) -> None:
        self.token, self.marked = None, set()
        self.heading(Text(f"{self.storage_name}/{self.prefix} — loading…", "dim"))
        self.load_page(FIRST_PAGE)

    def show_failure(self, message: str) -> None:
        self.heading(Text(message, "bold red"))
        self.loading = False

    def load_page(self, size: int) -> None:
        self.loading = True
        fresh = self.token is None
        self.screen.run_blocking(
            self.fetch_page,
            self.token,
            size,
            group="page",
            done=lambda page: self.add_page(page, fresh),
            failed=self.show_failure,
        )

    def fetch_page(self, token: str | None, size: int):
        return buckets.list_page(self.storage, self.prefix, size, token)

    def add_page(self, page, fresh: bool) -> None:
        """Append a page; the first page of a (re)load replaces what was shown."""
        new, self.token = page
        self.loading = False
        self.entries = new if fresh else self.entries + new
        if not fresh and self.sort == "name" and not self.descending and not self.filter_text:
            self.append_rows(new)
        else:
            self.show_rows()
        self.show_heading()

    def show_heading(self) -> None:
        shown = len(self.rows)
        loaded = f"{len(self.entries):,} loaded" + (", more below" if self.token else "")
        if self.filter_text:
            loaded = f"{shown:,} of {loaded} match {self.filter_text!r}"
        arrow = "↓" if self.descending else "↑"
        marked = f" · {len(self.marked)} marked" if self.marked else ""
        storage = self.storage
        access = "public" if storage.public else "private"
        self.heading(
            Text.assemble(
                (f"{self.storage_name}/{self.prefix}", "bold"),
                f"  bucket {storage.bucket}, {access} · {loaded} · sort {self.sort} {arrow}{marked}",
            )
        )

    def row_cells(self, entry: Entry) -> tuple:
        mark = "●" if entry.key in self.marked else " "
        if entry.folder:
            return (mark, Text(entry.name, style="bold"), "", "", "folder")
        return (
            mark,
            Text(entry.name),  # plain text: a key may hold [brackets] that look like markup
            human_size(entry.size),
            when(entry.modified),
            entry.content_type,
        )

    def append_rows(self, entries: list[Entry]) -> None:
        table = self.query_one(KeyTable)
        for entry in entries:
            table.add_row(*self.row_cells(entry), key=entry.key)
        self.rows.extend(entries)

    def visible(self) -> list[Entry]:
        rows = list(self.entries)
        if self.filter_text:
            try:
                test = buckets.name_filter(self.filter_text)
            except InvalidInput:  # a size filter still being typed: show all meanwhile
                test = None
            if test is not None:
                rows = [e for e in rows if test(e.name, e.size, e.modified)]
        if self.sort == "size":
            rows.sort(key=lambda e: (not e.folder, e.size or 0, e.key))
        elif self.sort == "modified":
            rows.sort(key=lambda e: (not e.folder, e.modified or datetime.min, e.key))
        if self.descending:
            rows.reverse()
        return rows

    def show_rows(self) -> None:
        table = self.query_one(KeyTable)
        current = self.current()
        table.clear()
        self.rows = []
        self.append_rows(self.visible())
        if current is not None and current.key in table.rows:
            table.move_cursor(row=table.get_row_index(current.key))

    def current(self) -> Entry | None:
        table = self.query_one(KeyTable)
        if not self.rows or table.cursor_row >= len(self.rows):
            return None
        return self.rows[table.cursor_row]

    def targets(self) -> list[str]:
        """The marked keys, else the one under the cursor."""
        if self.marked:
            return sorted(self.marked)
        entry = self.current()
        return [entry.key] if entry else []

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self.load_more_near(event.cursor_row)

    def table_scrolled(self, scroll_y: float) -> None:
        table = self.query_one(KeyTable)
        self.load_more_near(int(scroll_y) + table.scrollable_content_region.height)

    def load_more_near(self, row: int) -> None:
        """Fetch the next page once ``row`` (cursor or bottom of the view) nears the end."""
        if self.token and not self.loading and row >= len(self.rows) - LOOKAHEAD:
            self.load_page(PAGE)

    # --- marks, sort, filter
    def mark(self) -> None:
        entry = self.current()
        if entry is None:
            return
        self.marked.symmetric_difference_update({entry.key})
        table = self.query_one(KeyTable)
        table.update_cell(entry.key, "mark", "●" if entry.key in self.marked else " ")
        table.action_cursor_down()
        self.show_heading()

    def next_sort(self) -> None:
        self.sort = SORTS[(SORTS.index(self.sort) + 1) % len(SORTS)]
        self.show_rows()
        self.show_heading()

    def reverse(self) -> None:
        self.descending = not self.descending
        self.show_rows()
        self.show_heading()

    def open_filter(self) -> None:
        field = self.query_one("#filter", Input)
        field.add_class("-shown")
        field.focus()

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "filter":
            self.filter_text = event.value.strip()
            self.show_rows()
            self.show_heading()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "filter":
            event.stop()
            self.query_one(KeyTable).focus()

    def on_key(self, event) -> None:
        field = self.query_one("#filter", Input)
        if event.key == "escape" and field.has_focus:
            event.stop()
            field.value = ""
            field.remove_class("-shown")
            self.query_one(KeyTable).focus()
