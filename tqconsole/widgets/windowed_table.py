"""A table that never holds all rows: it renders the window on screen and fetches pages.

The widget talks to a small **data source** protocol (duck-typed, no Textual):

    headers: list[str]                      column titles
    estimate() -> (total, exact)            row count; called once per (re)load
    fetch(start, count) -> Window           rows start…start+count-1, where
        Window.start  may differ from ``start`` when the source corrected its
                      numbering (an estimate proved wrong),
        Window.rows   list of objects with ``key`` (identity, for selection and
                      opening) and ``cells`` (list of str or None, one per header),
        Window.total / Window.exact  the source's latest count.

Both calls run in a thread through the ``runner`` given to the widget (the
screen's ``run_blocking``), never on the event loop.  When a call raises
``BackendUnavailable`` (the server is down) the widget keeps what it has and
tries again by itself, 0.5, 1, 2, 4 and then every 5 seconds, until the server
answers; other errors wait for ``reload()``.  The widget keeps only a few
pages around the window (``keep`` rows), draws placeholders for rows not loaded
yet, and asks for them when they scroll into view.  ``TableWindow`` in
``tqconsole.services.db.table_query`` is the database source; cache keys, bucket
objects or task lists can implement the same three members.

Keys: j/k/↑/↓ rows, g/G first/last, pgup/pgdn and ctrl+u/ctrl+d pages, h/l/←/→
columns, space selects, enter opens (``RowChosen``).  A header click asks for a
sort (``SortRequested``).  The first column stays in place while the others
scroll sideways (it names the row), and no column takes more than a quarter of
the width, so the first few columns share a narrow terminal.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from tqconsole.errors import BackendUnavailable
from tqconsole.visible_text import one_line
from tqconsole.widgets.bindings import bind

MAX_WIDTH = 40
MIN_CAP = 12  # a column may always be this wide…
CAP_SHARE = 4  # …else at most a quarter of the table's width (state and USI fit at 80)
GUTTER = 2
RETRY_FIRST = 0.5  # seconds before the first retry after the server went away
RETRY_MAX = 5.0  # …doubling up to this


def retry_delay(attempt: int) -> float:
    """Seconds before retry ``attempt`` (0, 1, …) of a load the server did not answer."""
    return min(RETRY_MAX, RETRY_FIRST * 2**attempt)


class Unreachable:
    """What a load returns when the server is down (a value, so it names its source)."""

    def __init__(self, message: str) -> None:
        self.message = message


class WindowedTable(ScrollView, can_focus=True):
    DEFAULT_CSS = """
    WindowedTable { height: 1fr; }
    WindowedTable > .windowed-table--header { text-style: bold; background: $panel; }
    WindowedTable > .windowed-table--cursor { background: $accent 40%; }
    WindowedTable:focus > .windowed-table--cursor { background: $accent; }
    WindowedTable > .windowed-table--cell { text-style: bold reverse; }
    WindowedTable > .windowed-table--selected { color: $warning; }
    WindowedTable > .windowed-table--null { color: $text-muted; }
    """
    COMPONENT_CLASSES = {
        "windowed-table--header",
        "windowed-table--cursor",
        "windowed-table--cell",
        "windowed-table--selected",
        "windowed-table--null",
    }
    BINDINGS = [
        bind("down", "move(1)", show=False),
        bind("up", "move(-1)", show=False),
        bind("first", "first", show=False),
        bind("last", "last", show=False),
        bind("table.next_page", "page(1)", show=False),
        bind("table.previous_page", "page(-1)", show=False),
        bind("page_down", "half_page(1)", "Half page down", show=False),
        bind("page_up", "half_page(-1)", "Half page up", show=False),
        bind("table.next_column", "column(1)", show=False),
        bind("table.previous_column", "column(-1)", show=False),
        bind("mark", "toggle_select", "Select", show=False),
        bind("open", "choose", show=False),
    ]

    class RowChosen(Message):
        def __init__(self, table: WindowedTable, key: Any) -> None:
            self.table = table
            self.key = key
            super().__init__()

    class CursorMoved(Message):
        def __init__(self, table: WindowedTable) -> None:
            self.table = table
            super().__init__()

    class SortRequested(Message):
        def __init__(self, table: WindowedTable, column: int) -> None:
            self.table = table
            self.column = column
            super().__init__()

    class LoadFailed(Message):
        def __init__(self, table: WindowedTable, error: str) -> None:
            self.table = table
            self.error = error
            super().__init__()

    def __init__(
        self,
        runner: Callable[..., Any],
        page: int = 100,
        keep: int = 600,
        *,
        id: str | None = None,  # noqa: A002 - Textual's name
    ) -> None:
        super().__init__(id=id)
        self.runner = runner
        self.page_rows = page
        self.keep = keep
        self.source = None
        self.headers: list[str] = []
        self.widths: list[int] = []
        self.rows: dict[int, Any] = {}
        self.total = 0
        self.exact = True
        self.loaded = False
        self.cursor_row = 0
        self.cursor_column = 0
        self.selected: set = set()
        self.error = ""
        self.retry_in: float | None = None  # seconds to the next automatic retry, if one is due
        self._retries = 0
        self._retry_timer = None
        self._loading: tuple[int, int] | None = None
        self._want_load = False
        self._replace_rows = False  # a reload: the next window replaces every row on hand

    # --- the source
    def set_source(self, source, keep_position: bool = False) -> None:
        """Show ``source``; with ``keep_position`` stay on the same row number (a reload)."""
        self._stop_retrying()
        self.source = source
        self.headers = [one_line(h) for h in source.headers]
        if not keep_position or len(self.widths) != len(self.headers):
            self.widths = [min(self.width_cap, max(3, len(h))) for h in self.headers]
            self.cursor_row = 0
            self.cursor_column = min(self.cursor_column, max(0, len(self.headers) - 1))
            self.selected.clear()
        self.rows = {}
        self.loaded = False
        self._replace_rows = False
        self._open(keep_position)
        self.refresh()

    def _open(self, keep_position: bool) -> None:
        start = max(0, self.cursor_row - self.window_height // 2) if keep_position else 0
        self._loading = (start, self.fetch_count)
        self.runner(
            self._open_source,
            self.source,
            start,
            self.fetch_count,
            group=f"{self.id or 'table'}-load",
            done=self._loaded,
            failed=self._failed,
        )

    @staticmethod
    def _open_source(source, start: int, count: int):
        try:
            source.estimate()
            return source, source.fetch(start, count)
        except BackendUnavailable as exc:
            return source, Unreachable(str(exc))

    def reload(self) -> None:
        """Read the window on screen again; the rows on hand stay shown until the new ones come."""
        if self.source is None:
            return
        if not self.loaded:
            self.set_source(self.source, keep_position=True)
            return
        self._stop_retrying()
        self._replace_rows = True
        self.loaded = False
        self._open(keep_position=True)

    def _stop_retrying(self) -> None:
        if self._retry_timer is not None:
            self._retry_timer.stop()
        self._retry_timer = None
        self._retries = 0
        self.retry_in = None

    def _unreachable(self, message: str) -> None:
        """The server is down: keep the rows on hand, say so, and try again after a while."""
        self.retry_in = retry_delay(self._retries)
        self._retries += 1
        self._retry_timer = self.set_timer(self.retry_in, self._retry)
        self._failed(message)

    def _retry(self) -> None:
        self._retry_timer = None
        if self.source is None:
            return
        if not self.loaded:  # the first window never came: open again
            self._open(keep_position=True)
            return
        top = int(self.scroll_offset.y)
        lead = (self.fetch_count - self.window_height) // 2
        self._request(top - lead)  # the window on screen (missing or stale rows alike)

    @property
    def width_cap(self) -> int:
        width = self.size.width
        return MAX_WIDTH if not width else max(MIN_CAP, min(MAX_WIDTH, width // CAP_SHARE))

    @property
    def frozen_width(self) -> int:
        """Cells at the left that never scroll: the gutter and the first column."""
        if len(self.widths) < 2:
            return 0
        return GUTTER + self.widths[0] + 1

    @property
    def window_height(self) -> int:
        return max(1, self.scrollable_content_region.height - 1)

    @property
    def fetch_count(self) -> int:
        return max(self.page_rows, self.window_height * 3)

    def _request(self, start: int) -> None:
        if self.source is None or not self.loaded:
            return
        count = self.fetch_count
        start = max(0, min(start, self.total - count))
        if self._loading == (start, count):
            return
        self._loading = (start, count)
        self.runner(
            self._fetch,
            self.source,
            start,
            count,
            group=f"{self.id or 'table'}-window",
            done=self._loaded,
            failed=self._failed,
        )

    @staticmethod
    def _fetch(source, start: int, count: int):
        try:
            return source, source.fetch(start, count)
        except BackendUnavailable as exc:
            return source, Unreachable(str(exc))

    def _loaded(self, result) -> None:
        source, window = result
        if source is not self.source:
            return
        if isinstance(window, Unreachable):
            self._unreachable(window.message)
            return
        self._stop_retrying()
        self._loading = None
        self.loaded = True
        self.error = ""
        renumbered = window.total != self.total and self.rows
        if (renumbered and window.start == 0) or self._replace_rows:
            self.rows = {}
            self._replace_rows = False
        self.total = window.total
        self.exact = window.exact
        for i, row in enumerate(window.rows):
            self.rows[window.start + i] = row
            for c, cell in enumerate(row.cells[: len(self.widths)]):
                if cell is not None and len(cell) > self.widths[c]:
                    self.widths[c] = min(self.width_cap, len(one_line(cell)))
        self._prune(window.start + len(window.rows) // 2)
        self.cursor_row = max(0, min(self.cursor_row, self.total - 1))
        self._update_virtual_size()
        self.refresh()
        self.post_message(self.CursorMoved(self))
        self._load_missing()

    def _failed(self, message: str) -> None:
        self._loading = None
        self.error = message
        self.refresh()
        self.post_message(self.LoadFailed(self, message))

    def _prune(self, middle: int) -> None:
        if len(self.rows) <= self.keep:
            return
        for index in sorted(self.rows, key=lambda i: abs(i - middle))[self.keep :]:
            del self.rows[index]

    def _update_virtual_size(self) -> None:
        width = GUTTER + sum(w + 1 for w in self.widths)
        self.virtual_size = Size(width, self.total + 1)

    def _load_missing(self) -> None:
        """Ask for the window on screen if part of it is not loaded."""
        self._want_load = False
        if not self.loaded or self.error:
            return
        top = int(self.scroll_offset.y)
        visible = range(top, min(self.total, top + self.window_height))
        missing = [i for i in visible if i not in self.rows]
        if missing:
            lead = (self.fetch_count - self.window_height) // 2
            self._request(missing[0] - lead if missing[0] > top else top - lead)

    # --- what the screen reads
    @property
    def cursor_key(self) -> Any:
        row = self.rows.get(self.cursor_row)
        return None if row is None else row.key

    @property
    def cursor_cells(self) -> list[str | None] | None:
        row = self.rows.get(self.cursor_row)
        return None if row is None else row.cells

    @property
    def position_text(self) -> str:
        if not self.loaded:
            return "loading…"
        if not self.total:
            return "no rows"
        about = "" if self.exact else "≈"
        return f"row {self.cursor_row + 1:,} of {about}{self.total:,}"

    # --- drawing
    def render_line(self, y: int) -> Strip:
        width = self.size.width
        scroll_x, scroll_y = self.scroll_offset
        base = self.rich_style  # walks the ancestors' styles: once per line
        if y == 0:
            strip = self._header_strip()
        else:
            index = int(scroll_y) + y - 1
            if index >= self.total:
                return Strip.blank(width, base)
            strip = self._row_strip(index, base)
        frozen = min(self.frozen_width, width)
        if not frozen or not scroll_x:
            shown = strip.crop(int(scroll_x), int(scroll_x) + width)
        else:
            start = frozen + int(scroll_x)
            shown = Strip.join([strip.crop(0, frozen), strip.crop(start, start + width - frozen)])
        return shown.extend_cell_length(width, base)

    def _header_strip(self) -> Strip:
        style = self.get_component_rich_style("windowed-table--header")
        segments = [Segment(" " * GUTTER, style)]
        for c, (title, w) in enumerate(zip(self.headers, self.widths, strict=False)):
            text = title[:w].ljust(w)
            cell_style = style + Style(underline=True) if c == self.cursor_column else style
            segments.append(Segment(text, cell_style))
            segments.append(Segment(" ", style))
        return Strip(segments)

    def _row_strip(self, index: int, base: Style) -> Strip:
        row = self.rows.get(index)
        if row is None:
            if not self._want_load:
                self._want_load = True
                self.call_after_refresh(self._load_missing)
            return Strip([Segment(" " * GUTTER + "…", base)])
        is_cursor = index == self.cursor_row
        if is_cursor:
            base = base + self.get_component_rich_style("windowed-table--cursor")
        selected = row.key in self.selected
        mark_style = base + self.get_component_rich_style("windowed-table--selected")
        segments = [Segment("● " if selected else " " * GUTTER, mark_style)]
        null_style = base + self.get_component_rich_style("windowed-table--null")
        cell_cursor = self.get_component_rich_style("windowed-table--cell")
        for c, w in enumerate(self.widths):
            cell = row.cells[c] if c < len(row.cells) else ""
            if cell is None:
                text, style = "∅".ljust(w), null_style
            else:
                line = one_line(cell)
                text = line[: w - 1] + "…" if len(line) > w else line.ljust(w)
                style = base
            if is_cursor and c == self.cursor_column:
                style = style + cell_cursor
            segments.append(Segment(text, style))
            segments.append(Segment(" ", base))
        return Strip(segments)

    def on_resize(self) -> None:
        cap = self.width_cap
        self.widths = [min(w, cap) for w in self.widths]
        self._update_virtual_size()
        self.call_after_refresh(self._load_missing)

    def watch_scroll_y(self, old: float, new: float) -> None:
        super().watch_scroll_y(old, new)
        self.call_after_refresh(self._load_missing)

    # --- moving
    def move_cursor(self, row: int) -> None:
        if not self.total:
            return
        self.cursor_row = max(0, min(row, self.total - 1))
        top = int(self.scroll_offset.y)
        height = self.window_height
        if self.cursor_row < top:
            self.scroll_to(y=self.cursor_row, animate=False, immediate=True)
        elif self.cursor_row >= top + height:
            self.scroll_to(y=self.cursor_row - height + 1, animate=False, immediate=True)
        self.refresh()
        self._load_missing()
        self.post_message(self.CursorMoved(self))

    def action_move(self, delta: int) -> None:
        self.move_cursor(self.cursor_row + delta)

    def action_first(self) -> None:
        self.move_cursor(0)

    def action_last(self) -> None:
        self.move_cursor(self.total - 1)

    def action_page(self, direction: int) -> None:
        self.move_cursor(self.cursor_row + direction * self.window_height)

    def action_half_page(self, direction: int) -> None:
        self.move_cursor(self.cursor_row + direction * max(1, self.window_height // 2))

    def action_column(self, delta: int) -> None:
        if not self.widths:
            return
        self.cursor_column = max(0, min(self.cursor_column + delta, len(self.widths) - 1))
        left = GUTTER + sum(w + 1 for w in self.widths[: self.cursor_column])
        right = left + self.widths[self.cursor_column]
        frozen = self.frozen_width
        if self.cursor_column == 0 and frozen:
            pass  # the first column never scrolls away
        elif left < self.scroll_offset.x + frozen:
            self.scroll_to(x=max(0, left - max(frozen, GUTTER)), animate=False, immediate=True)
        elif right > self.scroll_offset.x + self.size.width:
            self.scroll_to(x=right - self.size.width + 1, animate=False, immediate=True)
        self.refresh()
        self.post_message(self.CursorMoved(self))

    def action_toggle_select(self) -> None:
        key = self.cursor_key
        if key is None:
            return
        self.selected.symmetric_difference_update({key})
        self.move_cursor(self.cursor_row + 1)

    def action_choose(self) -> None:
        key = self.cursor_key
        if key is not None:
            self.post_message(self.RowChosen(self, key))

    def column_at(self, x: int) -> int | None:
        """The column at ``x`` on screen (the first column is frozen at the left)."""
        frozen = self.frozen_width
        if frozen and GUTTER <= x < frozen:
            return 0
        if x >= frozen:
            x += int(self.scroll_offset.x)
        position = GUTTER
        for c, w in enumerate(self.widths):
            if position <= x < position + w + 1:
                return c
            position += w + 1
        return None

    def on_click(self, event: events.Click) -> None:
        column = self.column_at(event.x)
        if event.y == 0:
            if column is not None:
                self.cursor_column = column
                self.post_message(self.SortRequested(self, column))
            return
        row = int(self.scroll_offset.y) + event.y - 1
        if column is not None:
            self.cursor_column = column
        if row < self.total:
            self.move_cursor(row)
            if event.chain == 2:
                self.action_choose()
