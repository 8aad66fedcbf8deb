"""The site's Celery: broker queues with counts, queued messages (a window, counted by
task), unacked messages, results, beat schedules and workers.

Every backend call runs in a worker; a failure (broker or database down) is one
line above the tables and the last data stays on screen until a refresh works.
Actions are the service and backend calls ``tqconsole celery …`` makes, each
confirmed first; read-only mode refuses them below this screen.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Static, TabbedContent, TabPane

from tqconsole.screens.base import ConsoleScreen
from tqconsole.widgets.dialogs.confirm import ConfirmDialog
from tqconsole.widgets.dialogs.viewer import TextViewer
from tqconsole.widgets.lists import KeyTable

REFRESH_SECONDS = 2.0
PAGE = 50
TABS = ("messages", "tasks", "unacked", "results", "beat", "workers")
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


class CeleryScreen(ConsoleScreen):
    route = "celery"
    crumb = "Celery"
    DEFAULT_CSS = """
    CeleryScreen #celery-summary { height: auto; padding: 0 1; }
    CeleryScreen #celery-error { height: auto; padding: 0 1; color: $error; }
    CeleryScreen #celery-page { height: 1; padding: 0 1; color: $text-muted; }
    """
    BINDINGS = [
        Binding("r", "refresh", "Refresh", id="celery.refresh"),
        Binding("]", "page(1)", "Next page", show=False, id="celery.next_page"),
        Binding("[", "page(-1)", "Prev page", show=False, id="celery.prev_page"),
        Binding("enter", "detail", "Detail", id="celery.detail"),
        Binding("x", "revoke(False)", "Revoke", id="celery.revoke"),
        Binding("K", "revoke(True)", "Terminate", show=False, id="celery.terminate"),
        Binding("n", "run_now", "Run now", id="celery.run_now"),
        Binding("e", "toggle_enabled", "Enable/disable", id="celery.toggle"),
        Binding("t", "retry", "Retry", id="celery.retry"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.view = "messages"
        self.start = 0
        self.rows: dict[str, list] = {tab: [] for tab in TABS}
        self.broker = None

    def compose_body(self) -> ComposeResult:
        yield Static(Text("loading…", style="dim italic"), id="celery-summary")
        yield Static("", id="celery-error")
        with TabbedContent(id="celery-tabs", initial="messages"):
            for tab in TABS:
                with TabPane(tab.title(), id=tab):
                    table = KeyTable(id=f"celery-{tab}", cursor_type="row", zebra_stripes=True)
                    for column in COLUMNS[tab]:
                        table.add_column(column, key=column)
                    yield table
        yield Static("", id="celery-page")

    def on_mount(self) -> None:
        self.refresh_now()
        self.poll("celery-poll", REFRESH_SECONDS, None, self.auto_refresh)

    def on_unmount(self) -> None:
        if self.broker is not None:
            self.broker.close()

    def auto_refresh(self) -> None:
        # counting by task reads the whole queue and asking workers waits for their
        # answers: those two views refresh on ``r`` and when opened only
        if self.view not in ("tasks", "workers"):
            self.refresh_now()

    # --- loading
    def get_broker(self):
        if self.broker is None:
            from tqconsole.services.tasks.celery_monitor import open_broker

            self.broker = open_broker(self.settings)
        return self.broker

    def load(self, view: str, offset: int) -> dict:
        from tqconsole.services.tasks import celery_monitor as cm

        out: dict = {"view": view}
        if view in ("results", "beat"):
            db = self.backends.database
            out["rows"] = (
                cm.results(db, limit=PAGE, offset=offset) if view == "results" else cm.beat(db)
            )
            return out
        broker = self.get_broker()
        out["queues"] = broker.queues()
        out["unacked"] = broker.unacked_count()
        if view == "messages":
            out["rows"] = broker.messages("celery", offset, PAGE)
        elif view == "tasks":
            out["rows"] = broker.task_counts("celery").most_common()
        elif view == "unacked":
            out["rows"] = broker.unacked(offset, PAGE)
        else:
            out["rows"] = [
                (w.name, kind, t)
                for w in broker.workers()
                for kind, tasks in (("active", w.active), ("reserved", w.reserved))
                for t in (tasks or [{}])
            ]
        return out

    def action_refresh(self) -> None:
        self.refresh_now()

    def refresh_now(self) -> None:
        self.run_blocking(
            self.load,
            self.view,
            self.start,
            group="celery-refresh",
            done=self.show,
            failed=self.show_failure,
        )

    def show_failure(self, message: str) -> None:
        self.query_one("#celery-error", Static).update(Text(f"✗ {message}", style="bold red"))

    def show(self, data: dict) -> None:
        self.query_one("#celery-error", Static).update("")
        if "queues" in data:
            line = Text()
            for q in data["queues"]:
                line.append(f"{q.name} ")
                line.append(f"{q.messages:,}", style="bold")
                line.append("  ")
            line.append("unacked ")
            line.append(f"{data['unacked']:,}", style="bold")
            self.query_one("#celery-summary", Static).update(line)
        view, rows = data["view"], data["rows"]
        self.rows[view] = rows
        table = self.query_one(f"#celery-{view}", KeyTable)
        table.clear()
        for i, row in enumerate(rows):
            table.add_row(*self.cells(view, row), key=str(i))
        paged = view in ("messages", "unacked", "results")
        self.query_one("#celery-page", Static).update(
            f"{view}: {self.start + 1}–{self.start + len(rows)}  ([ ] page, r refresh)"
            if paged and rows
            else f"{view}: {len(rows)}"
            if rows
            else f"{view}: nothing to show"
        )

    @staticmethod
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

    def on_tabbed_content_tab_activated(self, event: TabbedContent.TabActivated) -> None:
        self.view = event.pane.id or "messages"
        self.start = 0
        self.query_one(f"#celery-{self.view}", KeyTable).focus()
        self.refresh_now()

    def action_page(self, step: int) -> None:
        if self.view in ("messages", "unacked", "results"):
            self.start = max(0, self.start + step * PAGE)
            self.refresh_now()

    # --- actions
    def selected(self, view: str = ""):
        """The row under the cursor (None when the screen shows another view than ``view``)."""
        if view and view != self.view:
            return None
        table = self.query_one(f"#celery-{self.view}", KeyTable)
        rows = self.rows[self.view]
        if not rows or table.cursor_row is None or table.cursor_row >= len(rows):
            return None
        return rows[table.cursor_row]

    def confirmed(self, title: str, question: str, work, success: str) -> None:
        def answer(yes: bool | None) -> None:
            if yes:
                self.run_blocking(
                    work,
                    group="celery-action",
                    done=lambda result: (
                        self.notify(success.format(result=result), markup=False),
                        self.refresh_now(),
                    ),
                )

        self.app.push_screen(ConfirmDialog(title, question, action="Yes"), answer)

    def action_detail(self) -> None:
        row = self.selected()
        if row is None or self.view in ("tasks", "workers"):
            return
        if self.view == "results":
            text = "\n".join(f"{k}: {v}" for k, v in row.as_dict().items() if k != "traceback")
            text += "\n\n" + (row.traceback or "")
        else:
            text = "\n".join(f"{k}: {v}" for k, v in row.as_dict().items())
        self.app.push_screen(TextViewer(f"{self.view}: {getattr(row, 'task', '')}", text))

    def task_id_of(self, row) -> str:
        if self.view == "workers":
            return row[2].get("id", "")
        return getattr(row, "id", "") or getattr(row, "task_id", "")

    def action_revoke(self, terminate: bool) -> None:
        row = self.selected()
        task_id = self.task_id_of(row) if row is not None else ""
        if not task_id:
            return
        verb = "Terminate" if terminate else "Revoke"
        self.confirmed(
            f"{verb} task",
            f"{verb} {task_id}? Workers drop it"
            + (" and kill it where it runs." if terminate else "."),
            lambda: self.get_broker().revoke(task_id, terminate=terminate),
            f"{verb.lower()}d {task_id}",
        )

    def action_run_now(self) -> None:
        from tqconsole.services.tasks import celery_monitor as cm

        row = self.selected("beat")
        if row is None:
            return
        self.confirmed(
            "Run now",
            f"Send {row.task} ({row.name}) now with its stored arguments?",
            lambda: cm.run_beat_now(self.backends.database, self.get_broker(), row.name),
            f"sent {row.task} as {{result}}",
        )

    def action_toggle_enabled(self) -> None:
        from tqconsole.services.tasks import celery_monitor as cm

        row = self.selected("beat")
        if row is None:
            return
        word = "Disable" if row.enabled else "Enable"
        self.confirmed(
            f"{word} schedule",
            f"{word} {row.name}? The site's beat follows.",
            lambda: cm.set_enabled(self.backends.database, row.name, not row.enabled),
            f"{word.lower()}d {row.name}",
        )

    def action_retry(self) -> None:
        from tqconsole.services.tasks import celery_monitor as cm

        row = self.selected("results")
        if row is None:
            return
        self.confirmed(
            "Retry task",
            f"Send {row.task or row.task_id} again with its recorded arguments?",
            lambda: cm.retry(self.backends.database, self.get_broker(), row.task_id),
            "sent again as {result}",
        )
