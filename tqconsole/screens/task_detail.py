"""One task of the console's queue: arguments, result (peeked), error and traceback,
timeline; retry, revoke and restore it."""

from __future__ import annotations

from datetime import datetime

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from tqconsole.keys import VERBS
from tqconsole.screens.base import ConsoleScreen
from tqconsole.visible_text import visible
from tqconsole.widgets.bindings import bind
from tqconsole.widgets.dialogs.confirm import ConfirmDialog
from tqconsole.widgets.task_status import when_text
from tqconsole.widgets.task_tables import STATE_STYLE


class TaskDetailScreen(ConsoleScreen):
    """One task: arguments, result (peeked), error and traceback, timeline."""

    route = "tasks"
    DEFAULT_CSS = """
    TaskDetailScreen #detail { padding: 0 1; }
    TaskDetailScreen #traceback { color: $error; }
    """
    BINDINGS = [
        bind("retry", "retry"),
        bind("tasks.revoke", "revoke"),
        bind("tasks.restore", "restore"),
        bind("down", "scroll(1)", show=False),
        bind("up", "scroll(-1)", show=False),
    ]

    def __init__(self, task_id: str) -> None:
        super().__init__()
        self.task_id = task_id
        self.crumb = f"Task {task_id[:8]}"

    @property
    def location(self) -> str:
        return f"tasks/{self.task_id}"

    def compose_body(self) -> ComposeResult:
        with VerticalScroll(id="detail"):
            yield Static(Text("loading…", style="dim italic"), id="summary")
            yield Static("", id="traceback")
            yield Static("", id="timeline")

    def on_mount(self) -> None:
        self.load()

    def load(self) -> None:
        from tqconsole import tasks
        from tqconsole.services.tasks.monitor import detail

        self.run_blocking(
            lambda: detail(tasks.bind(self.backends), self.task_id),
            group="task-detail",
            done=self.show,
            failed=self.show_failure,
        )

    def show_failure(self, message: str) -> None:
        self.query_one("#summary", Static).update(Text(f"✗ {message}", style="bold red"))

    def show(self, d) -> None:
        from rich.table import Table

        r = d.row
        limit_style = "bold red" if r.over_limit(datetime.now()) else ""
        grid = Table.grid(padding=(0, 1))
        grid.add_column(style="dim", no_wrap=True)
        grid.add_column(overflow="fold")
        for label, value in (
            ("id", r.task_id),
            ("task", r.name),
            ("state", Text(r.state, style=STATE_STYLE.get(r.state, "bold"))),
            ("args", r.args),
            ("retries left", "" if r.retries is None else str(r.retries)),
            ("enqueued", when_text(r.enqueued_at)),
            ("started", when_text(r.started_at)),
            ("finished", when_text(r.finished_at)),
            ("duration", f"{r.duration:.3f}s" if r.duration is not None else ""),
            ("time limit", Text(r.limit_text(datetime.now()), style=limit_style)),
            ("consumer", f"{r.host}:{r.pid} {r.worker}  ({r.consumer})" if r.consumer else ""),
            ("result", d.result if d.result is not None else Text("none stored", style="dim")),
            ("error", Text(r.error, style="red")),
            ("retry", f"{VERBS['retry'].shown} retries it as it was" if d.retryable else ""),
        ):
            if value:
                grid.add_row(label, value)
        self.query_one("#summary", Static).update(grid)
        self.query_one("#traceback", Static).update(Text(visible(d.traceback.rstrip(), keep="\n")))
        timeline = Table(title="timeline", title_justify="left", expand=True, box=None)
        for column in ("at", "event", "where", "took", "error"):
            timeline.add_column(column, overflow="fold")
        for e in d.events:
            timeline.add_row(
                f"{e['at']:%H:%M:%S.%f}"[:-3],
                e["event"],
                e["where"],
                f"{e['duration']:.3f}s" if e["duration"] is not None else "",
                e["error"],
            )
        self.query_one("#timeline", Static).update(timeline)

    def action_scroll(self, step: int) -> None:
        self.query_one("#detail", VerticalScroll).scroll_relative(y=step, animate=False)

    def act(self, fn, message: str) -> None:
        """Run the service function ``fn(queue, task_id)`` the CLI calls too."""
        from tqconsole import tasks

        def done(_result) -> None:
            self.notify(message)
            self.load()

        self.run_blocking(
            lambda: fn(tasks.bind(self.backends), self.task_id),
            group=f"task-{fn.__name__}",
            done=done,
        )

    def action_retry(self) -> None:
        from tqconsole.services.tasks import actions

        self.act(actions.retry, f"retried {self.task_id[:8]}")

    def action_revoke(self) -> None:
        from tqconsole.services.tasks import actions

        def answer(ok: bool | None) -> None:
            if ok:
                self.act(actions.revoke, f"revoked {self.task_id[:8]}")

        self.app.push_screen(
            ConfirmDialog(
                f"Revoke task {self.task_id[:8]}?",
                "If it is still queued or scheduled it will not run "
                f"(restore with {VERBS['tasks.restore'].shown}).",
                action="Revoke",
            ),
            answer,
        )

    def action_restore(self) -> None:
        from tqconsole.services.tasks import actions

        self.act(actions.restore, f"restored {self.task_id[:8]}")
