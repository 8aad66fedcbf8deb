"""The task monitor's list panel: the tabs with their tables, the history filter and the
page line.  It owns which list is shown, each list's page offset, the rows on screen,
the filter and the selection; the screen hands it a ``reload`` function and the
snapshots it reads."""

from __future__ import annotations

from collections.abc import Callable

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Input, Static, TabbedContent

from tqconsole.widgets.lists import KeyTable
from tqconsole.widgets.task_tables import TABS, FilterInput, compose_tabs, fill_table

PAGE = 50
PAGED = ("pending", "scheduled", "history", "failed")


class TaskListPanel(Vertical):
    DEFAULT_CSS = """
    TaskListPanel { height: 1fr; }
    TaskListPanel TabbedContent { height: 1fr; }
    TaskListPanel TabPane { padding: 0; }
    TaskListPanel KeyTable { height: 1fr; }
    TaskListPanel #history-filter { display: none; height: 1; border: none; padding: 0 1; }
    TaskListPanel #history-filter.-open { display: block; }
    TaskListPanel #page-info { height: 1; padding: 0 1; color: $text-muted; }
    """

    def __init__(self, reload: Callable[[], None], **kwargs) -> None:
        super().__init__(**kwargs)
        self.reload = reload
        self.view = "pending"
        self.offsets = dict.fromkeys(TABS, 0)
        self.filter_text = ""
        self.rows: dict[str, list] = {tab: [] for tab in TABS}

    def compose(self) -> ComposeResult:
        yield from compose_tabs(self.app.size.width)
        yield Static("", id="page-info")

    def table(self, view: str = "") -> KeyTable:
        return self.query_one(f"#table-{view or self.view}", KeyTable)

    def request(self) -> tuple[str, int, object]:
        """What the next refresh reads: the view, its offset and the parsed filter."""
        from tqconsole.services.tasks.monitor import parse_filter

        try:
            flt = parse_filter(self.filter_text)
        except Exception as exc:
            self.screen.notify_error(str(exc))
            flt = None
        return self.view, self.offsets[self.view], flt

    def show(self, view: str, rows: list) -> None:
        self.rows[view] = rows
        fill_table(self.table(view), view, rows)
        offset = self.offsets[view]
        self.query_one("#page-info", Static).update(
            f"{view}: rows {offset + 1}–{offset + len(rows)}  ([ ] page, h/l tab, ? keys)"
            if view in PAGED and rows
            else f"{view}: nothing to show"
            if not rows
            else ""
        )

    # --- navigation
    def activated(self, view: str) -> None:
        """The tab of ``view`` is shown (the screen hands its activation on, so the focus
        moves in the screen's turn, before the next key is handed on)."""
        self.view = view or "pending"
        field = self.query_one("#history-filter", FilterInput)
        if self.view == "history" and field.has_class("-open"):
            field.focus()
        else:
            self.table().focus()
        self.reload()

    def step_tab(self, step: int) -> None:
        """From the tab active now: ``view`` follows only when the activation arrives."""
        tabs = self.query_one(TabbedContent)
        tabs.active = TABS[(TABS.index(tabs.active or self.view) + step) % len(TABS)]

    def page(self, step: int) -> None:
        if self.view not in PAGED:
            return
        offset = self.offsets[self.view] + step * PAGE
        if offset < 0 or (step > 0 and len(self.rows[self.view]) < PAGE):
            return
        self.offsets[self.view] = offset
        self.reload()

    def open_filter(self) -> None:
        field = self.query_one("#history-filter", FilterInput)
        field.add_class("-open")
        field.value = self.filter_text
        self.query_one(TabbedContent).active = "history"
        self.screen.set_focus(field)  # now, not when the tab's activation arrives: keys follow

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id != "history-filter":
            return
        from tqconsole.errors import ConsoleError
        from tqconsole.services.tasks.monitor import parse_filter

        try:
            parse_filter(event.value)
        except ConsoleError as exc:
            self.screen.notify_error(str(exc))
            return
        self.filter_text = event.value.strip()
        self.offsets["history"] = 0
        if not self.filter_text:
            event.input.remove_class("-open")
        self.table("history").focus()
        self.reload()

    # --- selection
    def selected(self):
        rows = self.rows.get(self.view) or []
        table = self.table()
        if not rows or table.cursor_row >= len(rows):
            return None
        return rows[table.cursor_row]

    def selected_id(self) -> str | None:
        task_id = getattr(self.selected(), "task_id", "")
        if not task_id:
            self.notify("select a task first", severity="warning")
            return None
        return task_id

    def selected_name(self) -> str | None:
        row = self.selected()
        name = getattr(row, "name", "") if row is not None else ""
        if not name or getattr(row, "problem", ""):
            self.notify("select a task first", severity="warning")
            return None
        return name.rsplit(".", 1)[-1]
