"""The Celery screen's tables: one tab per view (messages, tasks, unacked, results, beat,
workers) and the page line.  The panel owns which view is shown, its page offset, the
rows on screen and the selection; the screen hands it the data it loaded."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static, TabPane

from tqconsole.widgets.lists import KeyTable
from tqconsole.widgets.tabs import KeyTabs

PAGE = 50
TABS = ("messages", "tasks", "unacked", "results", "beat", "workers")
PAGED = ("messages", "unacked", "results")
COLUMNS = {
    "messages": ("#", "task", "id", "eta", "retries", "args / problem"),
    "tasks": ("task", "messages"),
    "unacked": ("#", "task", "id", "eta", "args / problem"),
    "results": ("done", "task", "state", "id", "args / result"),
    "beat": ("name", "task", "schedule", "enabled", "last run", "next run"),
    "workers": ("worker", "kind", "id", "task", "args"),
}


def when(value) -> str:
    return f"{value:%Y-%m-%d %H:%M}" if value else ""


def message_text(m) -> str:
    return m.problem or f"{m.args} {m.kwargs}"


def cells(view: str, row) -> tuple:
    if view == "messages":
        return (row.position, row.task, row.id, row.eta or "", row.retries, message_text(row))
    if view == "tasks":
        return row
    if view == "unacked":
        return (row.position, row.task, row.id, row.eta or "", message_text(row))
    if view == "results":
        return (when(row.done), row.task, row.state, row.task_id, row.summary)
    if view == "beat":
        return (
            row.name,
            row.task,
            row.schedule,
            "yes" if row.enabled else "no",
            when(row.last_run),
            when(row.next_run),
        )
    name, kind, task = row
    return (
        name,
        kind if task else "idle",
        task.get("id", ""),
        task.get("name", ""),
        str(task.get("args", "")),
    )


class CeleryTables(Vertical):
    DEFAULT_CSS = """
    CeleryTables { height: auto; }
    CeleryTables #celery-page { height: 1; padding: 0 1; color: $text-muted; }
    """

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.view = "messages"
        self.start = 0
        self.rows: dict[str, list] = {tab: [] for tab in TABS}

    def compose(self) -> ComposeResult:
        with KeyTabs(id="celery-tabs", initial="messages"):
            for tab in TABS:
                with TabPane(tab.title(), id=tab):
                    table = KeyTable(id=f"celery-{tab}", cursor_type="row", zebra_stripes=True)
                    for column in COLUMNS[tab]:
                        table.add_column(column, key=column)
                    yield table
        yield Static("", id="celery-page")

    def table(self) -> KeyTable:
        return self.query_one(f"#celery-{self.view}", KeyTable)

    def show(self, view: str, rows: list) -> None:
        self.rows[view] = rows
        table = self.query_one(f"#celery-{view}", KeyTable)
        table.clear()
        for i, row in enumerate(rows):
            table.add_row(*cells(view, row), key=str(i))
        self.query_one("#celery-page", Static).update(
            f"{view}: {self.start + 1}–{self.start + len(rows)}  ([ ] page, r refresh)"
            if view in PAGED and rows
            else f"{view}: {len(rows)}"
            if rows
            else f"{view}: nothing to show"
        )

    def activated(self, view: str) -> None:
        """The tab of ``view`` is shown: its first page, the focus on its table."""
        self.view = view or "messages"
        self.start = 0
        self.table().focus()

    def page(self, step: int) -> bool:
        """Move a page in a paged view; False when the view has no pages."""
        if self.view not in PAGED:
            return False
        self.start = max(0, self.start + step * PAGE)
        return True

    def selected(self, view: str = ""):
        """The row under the cursor (None when the panel shows another view than ``view``)."""
        if view and view != self.view:
            return None
        table = self.table()
        rows = self.rows[self.view]
        if not rows or table.cursor_row is None or table.cursor_row >= len(rows):
            return None
        return rows[table.cursor_row]

    def task_id(self, row) -> str:
        if self.view == "workers":
            return row[2].get("id", "")
        return getattr(row, "id", "") or getattr(row, "task_id", "")
