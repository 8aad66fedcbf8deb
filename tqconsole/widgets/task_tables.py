"""The task monitor's tables: one tab per list (pending, scheduled, running, history,
failed, periodic), their columns, and how a row of each reads."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from rich.text import Text
from textual.widget import Widget
from textual.widgets import Input, TabPane

from tqconsole.widgets.bindings import bind
from tqconsole.widgets.lists import KeyTable
from tqconsole.widgets.tabs import KeyTabs
from tqconsole.widgets.task_status import ago, when_text

TABS = ("pending", "scheduled", "running", "history", "failed", "periodic")
# (heading, width); None: the width left. Fixed widths, because a table filled
# while its tab is hidden would otherwise paint with its headings' widths.
COLUMNS = {
    "pending": (("#", 5), ("task", 22), ("id", 8), ("flags", 16), ("args", None)),
    "scheduled": (("eta", 14), ("task", 22), ("id", 8), ("flags", 16), ("args", None)),
    "running": (
        ("task", 22),
        ("state", 10),
        ("consumer", 22),
        ("elapsed", 9),
        ("id", 8),
        ("args", None),
    ),
    "history": (
        ("updated", 14),
        ("task", 22),
        ("state", 10),
        ("took", 7),
        ("id", 8),
        ("args / error", None),
    ),
    "failed": (("updated", 14), ("task", 22), ("state", 8), ("error", None), ("id", 8)),
    "periodic": (
        ("task", 24),
        ("crontab", 12),
        ("next run", 16),
        ("retries", 7),
        ("signature", None),
    ),
}
STATE_STYLE = {
    "complete": "green",
    "failed": "bold red",
    "lost": "bold red",
    "timeout": "red",
    "interrupted": "red",
    "error": "yellow",
    "retrying": "yellow",
    "executing": "cyan",
    "revoked": "magenta",
}


class FilterInput(Input):
    """The history filter; escape closes it (instead of leaving the screen)."""

    BINDINGS = [bind("back", "close", "Close filter")]

    def action_close(self) -> None:
        self.remove_class("-open")
        self.screen.query_one("#table-history", KeyTable).focus()


def compose_tabs(width: int) -> Iterator[Widget]:
    """The tabs with their tables (``#table-<view>``), sized for a screen ``width`` wide."""
    with KeyTabs(id="task-tabs", initial="pending"):
        for tab in TABS:
            with TabPane(tab.title(), id=tab):
                if tab == "history":
                    yield FilterInput(
                        placeholder="name:… state:… since:2h until:… words",
                        id="history-filter",
                    )
                table = KeyTable(id=f"table-{tab}", cursor_type="row", zebra_stripes=True)
                fixed = sum(w for _, w in COLUMNS[tab] if w) + 2 * len(COLUMNS[tab])
                rest = max(12, width - fixed - 4)
                for column, w in COLUMNS[tab]:
                    table.add_column(column, key=column, width=w or rest)
                yield table


def fill_table(table: KeyTable, view: str, rows: list) -> None:
    """Show ``rows`` of ``view`` in its table, the cursor kept where it was."""
    old = table.cursor_row
    table.clear()
    now = datetime.now()
    for i, row in enumerate(rows):
        table.add_row(*cells(view, row, now), key=str(i))
    if rows:
        table.move_cursor(row=min(old, len(rows) - 1), animate=False)


def cells(view: str, row, now: datetime) -> tuple:
    if view in ("pending", "scheduled"):
        flags = []
        if row.problem:
            flags.append(Text(row.problem.split(":")[0], style="bold red"))
        if row.revoked:
            flags.append(Text("revoked", style="magenta"))
        if not row.due and view == "pending":
            flags.append(Text("not due", style="yellow"))
        first = str(row.position) if view == "pending" else when_text(row.eta)
        return (
            first,
            row.name,
            row.task_id[:8],
            Text(" ").join(flags),
            row.args if not row.problem else f"{row.size} bytes",
        )
    if view == "periodic":  # registered tasks: no state of their own
        return (
            row.name,
            row.periodic or "on demand",
            f"{row.next_run:%Y-%m-%d %H:%M}" if row.next_run else "",
            str(row.retries),
            Text(row.stands_down, style="yellow")
            if row.stands_down
            else f"→ the site's {row.site_task}"
            if row.site_task
            else row.signature,
        )
    state = Text(row.state, style=STATE_STYLE.get(row.state, ""))
    if view == "running":
        where = f"{row.host}:{row.pid} {row.worker}".strip(": ")
        over = row.over_limit(now)
        if over:
            state = Text("over limit", style="bold red")
        return (
            row.short_name,
            state,
            where,
            ago(row.started_at, now),
            row.task_id[:8],
            f"{over} · {row.args}" if over else row.args,
        )
    if view == "history":
        took = f"{row.duration:.2f}s" if row.duration is not None else ""
        return (
            when_text(row.updated_at),
            row.short_name,
            state,
            took,
            row.task_id[:8],
            row.error or row.args,
        )
    if view == "failed":
        return (when_text(row.updated_at), row.short_name, state, row.error, row.task_id[:8])
    raise ValueError(f"no view {view!r}")
