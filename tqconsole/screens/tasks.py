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
from textual.widgets import ProgressBar, TabbedContent
from textual.worker import get_current_worker

from tqconsole.screens.base import ConsoleScreen
from tqconsole.screens.task_detail import TaskDetailScreen
from tqconsole.widgets.dialogs.confirm import ConfirmDialog
from tqconsole.widgets.dialogs.prompt import EnqueueDialog
from tqconsole.widgets.task_list import PAGE, TaskListPanel
from tqconsole.widgets.task_status import ConsumerLine, TaskCounts

REFRESH_SECONDS = 1.0


class TasksScreen(ConsoleScreen):
    route = "tasks"
    crumb = "Tasks"
    DEFAULT_CSS = """
    TasksScreen #counts { height: 2; padding: 0 1; background: $boost; }
    TasksScreen #consumers { height: auto; max-height: 3; padding: 0 1; }
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
        self.snap = None
        self._armed = False

    @classmethod
    def from_location(cls, rest: str) -> ConsoleScreen:
        rest = rest.strip("/")
        return TaskDetailScreen(rest) if rest else cls()

    def compose_body(self) -> ComposeResult:
        yield TaskCounts(Text("loading…", style="dim italic"), id="counts")
        yield ConsumerLine("", id="consumers")
        yield TaskListPanel(self.refresh_now, id="task-list")
        yield ProgressBar(show_eta=False, id="progress")

    @property
    def panel(self) -> TaskListPanel:
        return self.query_one(TaskListPanel)

    def on_mount(self) -> None:
        self.panel.table().focus()
        self.refresh_now()

    # --- refresh: one at a time, re-armed after the previous one finished

    def action_refresh(self) -> None:
        self.refresh_now()

    def refresh_now(self) -> None:
        self.run_blocking(
            self.load,
            *self.panel.request(),
            group="tasks-refresh",
            done=self.show_snapshot,
            failed=self.show_failure,
        )

    def load(self, view, offset, flt):
        from tqconsole import tasks
        from tqconsole.services.tasks.monitor import snapshot

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
        self.panel.show(snap.view, snap.rows)
        self.schedule_refresh()

    # --- navigation
    def on_tabbed_content_tab_activated(self, event: TabbedContent.TabActivated) -> None:
        self.panel.activated(event.pane.id)

    def action_tab(self, step: int) -> None:
        self.panel.step_tab(step)

    def action_page(self, step: int) -> None:
        self.panel.page(step)

    def action_filter(self) -> None:
        self.panel.open_filter()

    def on_data_table_row_selected(self, event) -> None:
        event.stop()
        self.action_detail()

    def action_detail(self) -> None:
        task_id = self.panel.selected_id()
        if task_id:
            self.app.push_screen(TaskDetailScreen(task_id))

    # --- actions (each the same service function as the CLI's)
    def act(self, fn, *args, success: str = "") -> None:
        """Run the service function ``fn(queue, *args)`` the CLI calls too."""
        from tqconsole import tasks

        def run():
            return fn(tasks.bind(self.backends), *args)

        def done(result) -> None:
            self.notify(success.format(result=result) if success else "done")
            self.refresh_now()

        self.run_blocking(run, group=f"tasks-action-{fn.__name__}", done=done, exclusive=False)

    def action_retry(self) -> None:
        from tqconsole.services.tasks import actions as task_actions

        task_id = self.panel.selected_id()
        if task_id:
            self.act(task_actions.retry, task_id, success=f"retried {task_id[:8]}")

    def action_retry_all(self) -> None:
        from tqconsole.services.tasks import actions as task_actions

        count = self.snap.counts.failed if self.snap else 0

        def answer(ok: bool | None) -> None:
            if ok:
                self.run_long(task_actions.retry_all_failed, "retried {result} tasks")

        self.app.push_screen(
            ConfirmDialog(
                "Retry every failed task?",
                f"{count} tasks in the failed set are enqueued again with their arguments.",
                action="Retry all",
            ),
            answer,
        )

    def action_dismiss_failed(self) -> None:
        from tqconsole.services.tasks import actions as task_actions

        row = self.panel.selected()
        if row is None or not getattr(row, "task_id", ""):
            return
        self.confirm_then(
            f"Delete failure {row.task_id[:8]}?",
            f"{row.short_name} leaves the failed set; its stored message is deleted, "
            "so it can no longer be retried. Its history stays.",
            task_actions.delete_failed,
            row.task_id,
        )

    def action_revoke(self) -> None:
        from tqconsole.services.tasks import actions as task_actions

        task_id = self.panel.selected_id()
        if task_id:
            self.confirm_then(
                f"Revoke task {task_id[:8]}?",
                "It will not run: a worker drops it when it reaches it (restore with u).",
                task_actions.revoke,
                task_id,
            )

    def action_restore(self) -> None:
        from tqconsole.services.tasks import actions as task_actions

        task_id = self.panel.selected_id()
        if task_id:
            self.act(task_actions.restore, task_id, success=f"restored {task_id[:8]}")

    def action_revoke_name(self) -> None:
        from tqconsole.services.tasks import actions as task_actions

        name = self.panel.selected_name()
        if name:
            self.confirm_then(
                f"Revoke every {name} task?",
                f"No {name} task runs (queued or new) until it is restored with U.",
                task_actions.revoke_name,
                name,
                typed=name,
            )

    def action_restore_name(self) -> None:
        from tqconsole.services.tasks import actions as task_actions

        name = self.panel.selected_name()
        if name:
            self.act(task_actions.restore_name, name, success=f"{name} restored")

    def action_run_now(self) -> None:
        from tqconsole.services.tasks import actions as task_actions

        if self.panel.view != "scheduled":
            self.notify("run now works on the scheduled list", severity="warning")
            return
        task_id = self.panel.selected_id()
        if task_id:
            self.act(task_actions.run_now, task_id, success=f"{task_id[:8]} moved to the queue")

    def action_flush(self) -> None:
        from tqconsole.services.tasks import actions as task_actions

        if self.snap is None:
            return
        name = self.app.backends.get("queue").name
        self.confirm_then(
            f"Flush queue {name}?",
            f"All {self.snap.counts.pending:,} pending tasks are deleted and will not run.",
            task_actions.flush,
            typed=name,
        )

    def confirm_then(self, title: str, detail: str, fn, *args, typed: str = "") -> None:
        def answer(ok: bool | None) -> None:
            if ok:
                self.act(fn, *args, success=f"{fn.__name__.replace('_', ' ')}: done")

        self.app.push_screen(ConfirmDialog(title, detail, typed=typed, action="Yes"), answer)

    def action_enqueue(self) -> None:
        from tqconsole import tasks
        from tqconsole.services.tasks.monitor import registered_tasks
        from tqconsole.services.tasks.site import site_task

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
    def run_long(self, fn, success: str) -> None:
        """Long work ``fn(queue, progress, should_stop)`` with a progress bar; ctrl+x cancels
        it between two steps."""
        from tqconsole import tasks

        bar = self.query_one("#progress", ProgressBar)
        bar.update(total=None, progress=0)
        bar.add_class("-working")
        self.notify("working… (ctrl+x cancels)")

        def step(done: int, total: int) -> None:
            self.from_thread(bar.update, total=total, progress=done)

        def run():
            worker = get_current_worker()
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
