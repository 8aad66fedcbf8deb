"""The task monitor: live counts, consumers, the queue's lists, history, failures, actions.

Every second (after the previous refresh finished, and only while the screen is
shown) one worker reads ``task_monitor.snapshot``: O(1) counts, consumers, the
sparklines and the window of the list on screen.  Actions are the same service
functions ``tqconsole tasks …`` calls.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Input, ProgressBar, Static, TabbedContent
from textual.worker import get_current_worker

from tqconsole.screens.base import ConsoleScreen
from tqconsole.screens.task_detail import TaskDetailScreen
from tqconsole.widgets.dialogs.confirm import ConfirmDialog
from tqconsole.widgets.dialogs.prompt import EnqueueDialog
from tqconsole.widgets.lists import KeyTable
from tqconsole.widgets.task_status import ConsumerLine, TaskCounts
from tqconsole.widgets.task_tables import TABS, FilterInput, compose_tabs, fill_table

REFRESH_SECONDS = 1.0
PAGE = 50


class TasksScreen(ConsoleScreen):
    route = "tasks"
    crumb = "Tasks"
    DEFAULT_CSS = """
    TasksScreen #counts { height: 2; padding: 0 1; background: $boost; }
    TasksScreen #consumers { height: auto; max-height: 3; padding: 0 1; }
    TasksScreen TabbedContent { height: 1fr; }
    TasksScreen TabPane { padding: 0; }
    TasksScreen KeyTable { height: 1fr; }
    TasksScreen #history-filter { display: none; height: 1; border: none; padding: 0 1; }
    TasksScreen #history-filter.-open { display: block; }
    TasksScreen #page-info { height: 1; padding: 0 1; color: $text-muted; }
    TasksScreen #progress { display: none; height: 1; padding: 0 1; }
    TasksScreen #progress.-working { display: block; }
    """
    BINDINGS = [
        Binding("enter", "detail", "Detail", id="tasks.detail"),
        Binding("l", "tab(1)", "Next tab", id="tasks.next_tab"),
        Binding("h", "tab(-1)", "Prev tab", show=False, id="tasks.prev_tab"),
        Binding("]", "page(1)", "Next page", show=False, id="tasks.next_page"),
        Binding("[", "page(-1)", "Prev page", show=False, id="tasks.prev_page"),
        Binding("slash", "filter", "Filter", id="tasks.filter"),
        Binding("e", "enqueue", "Enqueue", id="tasks.enqueue"),
        Binding("t", "retry", "Retry", id="tasks.retry"),
        Binding("r", "refresh", "Refresh", show=False, id="tasks.refresh"),
        Binding("T", "retry_all", "Retry all failed", show=False, id="tasks.retry_all"),
        Binding("d", "dismiss_failed", "Delete failure", show=False, id="tasks.dismiss"),
        Binding("x", "revoke", "Revoke", id="tasks.revoke"),
        Binding("X", "revoke_name", "Revoke task name", show=False, id="tasks.revoke_name"),
        Binding("u", "restore", "Restore", show=False, id="tasks.restore"),
        Binding("U", "restore_name", "Restore task name", show=False, id="tasks.restore_name"),
        Binding("n", "run_now", "Run now", show=False, id="tasks.run_now"),
        Binding("F", "flush", "Flush queue", show=False, id="tasks.flush"),
        Binding("ctrl+x", "cancel_work", "Cancel", show=False, id="tasks.cancel"),
        Binding("C", "app.goto('celery')", "Celery", show=False, id="tasks.celery"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.view = "pending"
        self.offsets = dict.fromkeys(TABS, 0)
        self.filter_text = ""
        self.rows: dict[str, list] = {tab: [] for tab in TABS}
        self.snap = None
        self._armed = False

    @classmethod
    def from_location(cls, rest: str) -> ConsoleScreen:
        rest = rest.strip("/")
        return TaskDetailScreen(rest) if rest else cls()

    def compose_body(self) -> ComposeResult:
        yield TaskCounts(Text("loading…", style="dim italic"), id="counts")
        yield ConsumerLine("", id="consumers")
        yield from compose_tabs(self.app.size.width)
        yield Static("", id="page-info")
        yield ProgressBar(show_eta=False, id="progress")

    def on_mount(self) -> None:
        self.query_one("#table-pending", KeyTable).focus()
        self.refresh_now()

    # --- refresh: one at a time, re-armed after the previous one finished
    def action_refresh(self) -> None:
        self.refresh_now()

    def refresh_now(self) -> None:
        from tqconsole.services.task_monitor import parse_filter

        try:
            flt = parse_filter(self.filter_text)
        except Exception as exc:
            self.notify_error(str(exc))
            flt = None
        self.run_blocking(
            self.load,
            self.view,
            self.offsets[self.view],
            flt,
            group="tasks-refresh",
            done=self.show_snapshot,
            failed=self.show_failure,
        )

    def load(self, view, offset, flt):
        from tqconsole import tasks
        from tqconsole.services.task_monitor import snapshot

        return snapshot(tasks.bind(self.backends), view, offset, PAGE, flt)

    def schedule_refresh(self) -> None:
        def again() -> None:
            self._armed = False
            if self.is_current:
                self.refresh_now()
            else:
                self.schedule_refresh()

        if not self._armed:
            self._armed = True
            self.set_timer(REFRESH_SECONDS, again)

    def show_failure(self, message: str) -> None:
        self.query_one(TaskCounts).show_failure(message)
        self.schedule_refresh()

    def show_snapshot(self, snap) -> None:
        self.snap = snap
        self.query_one(TaskCounts).show(snap)
        self.query_one(ConsumerLine).show(snap)
        self.rows[snap.view] = snap.rows
        fill_table(self.query_one(f"#table-{snap.view}", KeyTable), snap.view, snap.rows)
        offset = self.offsets[snap.view]
        paged = snap.view in ("pending", "scheduled", "history", "failed")
        self.query_one("#page-info", Static).update(
            f"{snap.view}: rows {offset + 1}–{offset + len(snap.rows)}  ([ ] page, h/l tab, ? keys)"
            if paged and snap.rows
            else f"{snap.view}: nothing to show"
            if not snap.rows
            else ""
        )
        self.schedule_refresh()

    # --- navigation
    def on_tabbed_content_tab_activated(self, event: TabbedContent.TabActivated) -> None:
        self.view = event.pane.id or "pending"
        field = self.query_one("#history-filter", FilterInput)
        if self.view == "history" and field.has_class("-open"):
            field.focus()
        else:
            self.query_one(f"#table-{self.view}", KeyTable).focus()
        self.refresh_now()

    def action_tab(self, step: int) -> None:
        """From the tab active now: ``view`` follows only when the activation arrives."""
        tabs = self.query_one(TabbedContent)
        tabs.active = TABS[(TABS.index(tabs.active or self.view) + step) % len(TABS)]

    def action_page(self, step: int) -> None:
        if self.view in ("running", "periodic"):
            return
        offset = self.offsets[self.view] + step * PAGE
        if offset < 0 or (step > 0 and len(self.rows[self.view]) < PAGE):
            return
        self.offsets[self.view] = offset
        self.refresh_now()

    def action_filter(self) -> None:
        field = self.query_one("#history-filter", FilterInput)
        field.add_class("-open")
        field.value = self.filter_text
        self.query_one(TabbedContent).active = "history"
        self.set_focus(field)  # now, not when the tab's activation arrives: keys follow

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id != "history-filter":
            return
        from tqconsole.errors import ConsoleError
        from tqconsole.services.task_monitor import parse_filter

        try:
            parse_filter(event.value)
        except ConsoleError as exc:
            self.notify_error(str(exc))
            return
        self.filter_text = event.value.strip()
        self.offsets["history"] = 0
        if not self.filter_text:
            event.input.remove_class("-open")
        self.query_one("#table-history", KeyTable).focus()
        self.refresh_now()

    def selected(self):
        rows = self.rows.get(self.view) or []
        table = self.query_one(f"#table-{self.view}", KeyTable)
        if not rows or table.cursor_row >= len(rows):
            return None
        return rows[table.cursor_row]

    def selected_id(self) -> str | None:
        row = self.selected()
        task_id = getattr(row, "task_id", "")
        if not task_id:
            self.notify("select a task first", severity="warning")
            return None
        return task_id

    def on_data_table_row_selected(self, event) -> None:
        event.stop()
        self.action_detail()

    def action_detail(self) -> None:
        task_id = self.selected_id()
        if task_id:
            self.app.push_screen(TaskDetailScreen(task_id))

    # --- actions (each the same service function as the CLI's)
    def act(self, fn_name: str, *args, success: str = "") -> None:
        from tqconsole import tasks
        from tqconsole.services import task_monitor

        def run():
            return getattr(task_monitor, fn_name)(tasks.bind(self.backends), *args)

        def done(result) -> None:
            self.notify(success.format(result=result) if success else "done")
            self.refresh_now()

        self.run_blocking(run, group=f"tasks-action-{fn_name}", done=done, exclusive=False)

    def action_retry(self) -> None:
        task_id = self.selected_id()
        if task_id:
            self.act("retry", task_id, success=f"retried {task_id[:8]}")

    def action_retry_all(self) -> None:
        count = self.snap.counts.failed if self.snap else 0

        def answer(ok: bool | None) -> None:
            if ok:
                self.run_long("retry_all_failed", "retried {result} tasks")

        self.app.push_screen(
            ConfirmDialog(
                "Retry every failed task?",
                f"{count} tasks in the failed set are enqueued again with their arguments.",
                action="Retry all",
            ),
            answer,
        )

    def action_dismiss_failed(self) -> None:
        row = self.selected()
        if row is None or not getattr(row, "task_id", ""):
            return
        self.confirm_then(
            f"Delete failure {row.task_id[:8]}?",
            f"{row.short_name} leaves the failed set; its stored message is deleted, "
            "so it can no longer be retried. Its history stays.",
            "delete_failed",
            row.task_id,
        )

    def action_revoke(self) -> None:
        task_id = self.selected_id()
        if task_id:
            self.confirm_then(
                f"Revoke task {task_id[:8]}?",
                "It will not run: a worker drops it when it reaches it (restore with u).",
                "revoke",
                task_id,
            )

    def action_restore(self) -> None:
        task_id = self.selected_id()
        if task_id:
            self.act("restore", task_id, success=f"restored {task_id[:8]}")

    def selected_name(self) -> str | None:
        row = self.selected()
        name = getattr(row, "name", "") if row is not None else ""
        if not name or getattr(row, "problem", ""):
            self.notify("select a task first", severity="warning")
            return None
        return name.rsplit(".", 1)[-1]

    def action_revoke_name(self) -> None:
        name = self.selected_name()
        if name:
            self.confirm_then(
                f"Revoke every {name} task?",
                f"No {name} task runs (queued or new) until it is restored with U.",
                "revoke_name",
                name,
                typed=name,
            )

    def action_restore_name(self) -> None:
        name = self.selected_name()
        if name:
            self.act("restore_name", name, success=f"{name} restored")

    def action_run_now(self) -> None:
        if self.view != "scheduled":
            self.notify("run now works on the scheduled list", severity="warning")
            return
        task_id = self.selected_id()
        if task_id:
            self.act("run_now", task_id, success=f"{task_id[:8]} moved to the queue")

    def action_flush(self) -> None:
        if self.snap is None:
            return
        name = self.app.backends.get("queue").name
        self.confirm_then(
            f"Flush queue {name}?",
            f"All {self.snap.counts.pending:,} pending tasks are deleted and will not run.",
            "flush",
            typed=name,
        )

    def confirm_then(self, title: str, detail: str, fn_name: str, *args, typed: str = "") -> None:
        def answer(ok: bool | None) -> None:
            if ok:
                self.act(fn_name, *args, success=f"{fn_name.replace('_', ' ')}: done")

        self.app.push_screen(ConfirmDialog(title, detail, typed=typed, action="Yes"), answer)

    def action_enqueue(self) -> None:
        from tqconsole import tasks
        from tqconsole.services.task_monitor import registered_tasks
        from tqconsole.services.task_site import site_task

        def opened(task_list) -> None:
            self.app.push_screen(EnqueueDialog(task_list), enqueue)

        def enqueue(choice) -> None:
            if not choice:
                return
            name, arguments = choice
            site = site_task(self.backends.settings, name)
            where = f"sent to the site as {site.call}" if site else "enqueued"

            def done(task_id) -> None:
                self.notify(f"{name} {where} ({task_id})")
                self.refresh_now()

            self.run_blocking(
                lambda: tasks.enqueue(self.backends, name, arguments),
                group="tasks-action-enqueue",
                done=done,
                exclusive=False,
            )

        self.run_blocking(
            lambda: registered_tasks(tasks.bind(self.backends)), group="tasks-registry", done=opened
        )

    # --- long work with a progress bar
    def run_long(self, fn_name: str, success: str) -> None:
        """Long work with a progress bar; ``c`` cancels it between two steps."""
        from tqconsole import tasks
        from tqconsole.services import task_monitor

        bar = self.query_one("#progress", ProgressBar)
        bar.update(total=None, progress=0)
        bar.add_class("-working")
        self.notify("working… (ctrl+x cancels)")

        def step(done: int, total: int) -> None:
            self.from_thread(bar.update, total=total, progress=done)

        def run():
            worker = get_current_worker()
            fn = getattr(task_monitor, fn_name)
            return fn(tasks.bind(self.backends), step, lambda: worker.is_cancelled)

        def finished(result) -> None:
            bar.remove_class("-working")
            self.notify(success.format(result=result))
            self.refresh_now()

        def failed(message: str) -> None:
            bar.remove_class("-working")
            self.notify_error(message)

        self.run_blocking(run, group="tasks-long", done=finished, failed=failed)

    def action_cancel_work(self) -> None:
        if self.query_one("#progress", ProgressBar).has_class("-working"):
            self.workers.cancel_group(self, "tasks-long")
            self.query_one("#progress", ProgressBar).remove_class("-working")
            self.notify("cancelled: what was done stays done")
