"""The task monitor: live counts, consumers, the queue's lists, history, failures, actions.

Every second (the screen's poll: after the previous reading has shown, and only
while the screen is on top) one worker reads ``task_monitor.snapshot``: O(1) counts, consumers, the
sparklines and the window of the list on screen.  Actions are the same service
functions ``tqconsole tasks …`` calls.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.widgets import TabbedContent

from tqconsole.keys import VERBS
from tqconsole.screens.base import ConsoleScreen
from tqconsole.screens.task_detail import TaskDetailScreen
from tqconsole.widgets.bindings import bind
from tqconsole.widgets.dialogs.confirm import ConfirmDialog
from tqconsole.widgets.dialogs.prompt import EnqueueDialog
from tqconsole.widgets.task_list import PAGE, TaskListPanel
from tqconsole.widgets.task_progress import TaskProgress
from tqconsole.widgets.task_status import ConsumerLine, TaskCounts

REFRESH_SECONDS = 1.0


class TasksScreen(ConsoleScreen):
    route = "tasks"
    crumb = "Tasks"
    DEFAULT_CSS = """
    TasksScreen #counts { height: 2; padding: 0 1; background: $boost; }
    TasksScreen #consumers { height: auto; max-height: 3; padding: 0 1; }
    """
    BINDINGS = [
        bind("open", "detail", "Detail"),
        bind("tasks.next_tab", "tab(1)"),
        bind("tasks.previous_tab", "tab(-1)", show=False),
        bind("next_page", "page(1)", show=False),
        bind("previous_page", "page(-1)", show=False),
        bind("filter", "filter"),
        bind("create", "enqueue", "Enqueue"),
        bind("retry", "retry"),
        bind("refresh", "refresh", show=False),
        bind("tasks.retry_all", "retry_all", show=False),
        bind("delete", "dismiss_failed", "Delete failure", show=False),
        bind("tasks.revoke", "revoke"),
        bind("tasks.revoke_name", "revoke_name", show=False),
        bind("tasks.restore", "restore", show=False),
        bind("tasks.restore_name", "restore_name", show=False),
        bind("tasks.run_now", "run_now", show=False),
        bind("tasks.flush", "flush", show=False),
        bind("cancel", "cancel_work", show=False),
        bind("tasks.celery", "app.goto('celery')", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.snap = None
        self.poller = None  # the screen's Poll, from mount on

    @classmethod
    def from_location(cls, rest: str) -> ConsoleScreen:
        rest = rest.strip("/")
        return TaskDetailScreen(rest) if rest else cls()

    def compose_body(self) -> ComposeResult:
        yield TaskCounts(Text("loading…", style="dim italic"), id="counts")
        yield ConsumerLine("", id="consumers")
        yield TaskListPanel(self.refresh_now, id="task-list")
        yield TaskProgress(self.refresh_now, id="progress")

    @property
    def panel(self) -> TaskListPanel:
        return self.query_one(TaskListPanel)

    def on_mount(self) -> None:
        panel = self.panel
        panel.table().focus()
        self.poller = self.poll(
            "tasks-poll",
            REFRESH_SECONDS,
            lambda: self.load(*panel.request()),
            self.show_snapshot,
            self.show_failure,
            now=True,
        )

    # --- refresh: now (r, after an action) and every REFRESH_SECONDS (the screen's poll)
    def action_refresh(self) -> None:
        self.refresh_now()

    def refresh_now(self) -> None:
        """A round of the poll at once (or right after the one loading)."""
        if self.poller is not None:
            self.poller.now()

    def load(self, view, offset, flt):
        from tqconsole import tasks
        from tqconsole.services.tasks.monitor import snapshot

        return snapshot(tasks.bind(self.backends), view, offset, PAGE, flt)

    def show_failure(self, message: str) -> None:
        self.query_one(TaskCounts).show_failure(message)

    def show_snapshot(self, snap) -> None:
        self.snap = snap
        self.query_one(TaskCounts).show(snap)
        self.query_one(ConsumerLine).show(snap)
        self.panel.show(snap.view, snap.rows)

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

    # --- actions: each passes the service function the CLI calls too
    def act(self, fn, *args, success: str) -> None:
        """Run the service function ``fn(queue, *args)``; ``success`` may use ``{result}``."""
        from tqconsole import tasks

        def run():
            return fn(tasks.bind(self.backends), *args)

        def done(result) -> None:
            self.notify(success.format(result=result))
            self.refresh_now()

        self.run_blocking(run, group=f"tasks-action-{fn.__name__}", done=done, exclusive=False)

    def confirm_then(self, title: str, detail: str, fn, *args, typed: str = "") -> None:
        """``act`` once the staff confirmed (typing ``typed`` first when given)."""

        def answer(ok: bool | None) -> None:
            if ok:
                self.act(fn, *args, success=f"{title.rstrip('?')}: done")

        self.app.push_screen(ConfirmDialog(title, detail, typed=typed, action="Yes"), answer)

    def action_retry(self) -> None:
        from tqconsole.services.tasks import actions

        task_id = self.panel.selected_id()
        if task_id:
            self.act(actions.retry, task_id, success=f"retried {task_id[:8]}")

    def action_retry_all(self) -> None:
        from tqconsole.services.tasks import actions

        count = self.snap.counts.failed if self.snap else 0

        def answer(ok: bool | None) -> None:
            if ok:
                self.query_one(TaskProgress).run(
                    "Retrying the failed set", actions.retry_all_failed, "retried {result} tasks"
                )

        detail = f"{count} tasks in the failed set are enqueued again with their arguments."
        self.app.push_screen(
            ConfirmDialog("Retry every failed task?", detail, action="Retry all"), answer
        )

    def action_dismiss_failed(self) -> None:
        from tqconsole.services.tasks import actions

        row = self.panel.selected()
        if row is None or not getattr(row, "task_id", ""):
            return
        self.confirm_then(
            f"Delete failure {row.task_id[:8]}?",
            f"{row.short_name} leaves the failed set; its stored message is deleted, "
            "so it can no longer be retried. Its history stays.",
            actions.delete_failed,
            row.task_id,
        )

    def action_revoke(self) -> None:
        from tqconsole.services.tasks import actions

        task_id = self.panel.selected_id()
        if task_id:
            self.confirm_then(
                f"Revoke task {task_id[:8]}?",
                "It will not run: a worker drops it when it reaches it "
                f"(restore with {VERBS['tasks.restore'].shown}).",
                actions.revoke,
                task_id,
            )

    def action_restore(self) -> None:
        from tqconsole.services.tasks import actions

        task_id = self.panel.selected_id()
        if task_id:
            self.act(actions.restore, task_id, success=f"restored {task_id[:8]}")

    def action_revoke_name(self) -> None:
        from tqconsole.services.tasks import actions

        name = self.panel.selected_name()
        if name:
            self.confirm_then(
                f"Revoke every {name} task?",
                f"No {name} task runs (queued or new) until it is restored with "
                f"{VERBS['tasks.restore_name'].shown}.",
                actions.revoke_name,
                name,
                typed=name,
            )

    def action_restore_name(self) -> None:
        from tqconsole.services.tasks import actions

        name = self.panel.selected_name()
        if name:
            self.act(actions.restore_name, name, success=f"{name} restored")

    def action_run_now(self) -> None:
        from tqconsole.services.tasks import actions

        if self.panel.view != "scheduled":
            self.notify("run now works on the scheduled list", severity="warning")
            return
        task_id = self.panel.selected_id()
        if task_id:
            self.act(actions.run_now, task_id, success=f"{task_id[:8]} moved to the queue")

    def action_flush(self) -> None:
        from tqconsole.services.tasks import actions

        if self.snap is None:
            return
        name = self.app.backends.get("queue").name
        self.confirm_then(
            f"Flush queue {name}?",
            f"All {self.snap.counts.pending:,} pending tasks are deleted and will not run.",
            actions.flush,
            typed=name,
        )

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

    def action_cancel_work(self) -> None:
        self.query_one(TaskProgress).cancel()
