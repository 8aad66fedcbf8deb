"""The task monitor: live counts, consumers, the queue's lists, history, failures, actions.

Every second (after the previous refresh finished, and only while the screen is
shown) one worker reads ``task_monitor.snapshot``: O(1) counts, consumers, the
sparklines and the window of the list on screen.  Actions are the same service
functions ``tqconsole tasks …`` calls.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Input, ProgressBar, Static, TabbedContent, TabPane
from textual.worker import get_current_worker

from tqconsole.screens.base import ConsoleScreen
from tqconsole.visible_text import visible
from tqconsole.widgets.confirm_dialog import ConfirmDialog
from tqconsole.widgets.lists import KeyTable
from tqconsole.widgets.task_dialogs import EnqueueDialog

REFRESH_SECONDS = 1.0
RECENT_DEATH = timedelta(minutes=15)  # dead consumers older than this are only counted
PAGE = 50
BARS = "▁▂▃▄▅▆▇█"
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


def sparkline(values: list[int]) -> str:
    top = max(values) if values else 0
    if not top:
        return BARS[0] * len(values)
    return "".join(BARS[min(7, (v * 7 + top - 1) // top)] if v else " " for v in values)


def ago(when: datetime | None, now: datetime) -> str:
    if when is None:
        return ""
    from tqconsole.services.task_monitor import span_text

    return span_text((now - when).total_seconds())


def when_text(when: datetime | None) -> str:
    return f"{when:%m-%d %H:%M:%S}" if when else ""


class FilterInput(Input):
    """The history filter; escape closes it (instead of leaving the screen)."""

    BINDINGS = [Binding("escape", "close", "Close filter", id="tasks.filter_close")]

    def action_close(self) -> None:
        self.remove_class("-open")
        self.screen.query_one("#table-history", KeyTable).focus()


class LongWork:
    """``run_long`` and ``c`` (cancel) of both task screens: the ``#progress`` bar and the
    ``tasks-long`` worker group."""

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


class TasksScreen(LongWork, ConsoleScreen):
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
        yield Static(Text("loading…", style="dim italic"), id="counts")
        yield Static("", id="consumers")
        with TabbedContent(id="task-tabs", initial="pending"):
            for tab in TABS:
                with TabPane(tab.title(), id=tab):
                    if tab == "history":
                        yield FilterInput(
                            placeholder="name:… state:… since:2h until:… words",
                            id="history-filter",
                        )
                    table = KeyTable(id=f"table-{tab}", cursor_type="row", zebra_stripes=True)
                    fixed = sum(w for _, w in COLUMNS[tab] if w) + 2 * len(COLUMNS[tab])
                    rest = max(12, self.app.size.width - fixed - 4)
                    for column, width in COLUMNS[tab]:
                        table.add_column(column, key=column, width=width or rest)
                    yield table
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
        self.query_one("#counts", Static).update(Text(f"✗ {message}", style="bold red"))
        self.schedule_refresh()

    def show_snapshot(self, snap) -> None:
        self.snap = snap
        self.show_counts(snap)
        self.show_consumers(snap)
        self.rows[snap.view] = snap.rows
        self.fill_table(snap.view, snap.rows)
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

    def show_counts(self, snap) -> None:
        c = snap.counts
        line = Text()
        for label, value, style in (
            ("pending", c.pending, "bold"),
            ("scheduled", c.scheduled, "bold"),
            ("running", c.running, "bold cyan"),
            ("failed", c.failed, "bold red" if c.failed else "bold"),
            ("done/min", c.done_per_minute, "bold green"),
        ):
            line.append(f"{label} ")
            line.append(f"{value:,}", style=style)
            line.append("  ")
        if c.lost:
            line.append(f"({c.lost} lost)", style="bold red")
        spark = Text("done ")
        spark.append(sparkline(snap.done), style="green")
        spark.append("  errors ")
        spark.append(sparkline(snap.errors), style="red")
        spark.append("  (30 min)", style="dim")
        self.query_one("#counts", Static).update(Text("\n").join([line, spark]))

    def show_consumers(self, snap) -> None:
        """Alive consumers first; the dead that matter (recent, or with lost tasks), then a count.

        A console closed without its consumer stopping would otherwise fill the
        line with old deaths for a day.
        """
        now = datetime.now()
        alive = [c for c in snap.consumers if c.alive]
        dead = [c for c in snap.consumers if not c.alive and not c.stopped]
        recent = [c for c in dead if c.lost or now - c.beat_at < RECENT_DEATH]
        parts = [
            Text.assemble(
                ("● ", "green"),
                f"{c.label} {c.workers}w {c.tasks_done} done, beat {ago(c.beat_at, now)} ago",
            )
            for c in alive[:4]
        ]
        if not alive:
            parts.append(Text("no consumer alive — start one: tqconsole consumer", style="yellow"))
        shown = recent[: max(1, 4 - len(alive))]
        for c in shown:
            lost = f", {c.lost} lost" if c.lost else ""
            parts.append(
                Text.assemble(
                    ("✗ ", "bold red"),
                    (f"{c.label} DEAD (silent {ago(c.beat_at, now)}{lost})", "red"),
                )
            )
        if len(dead) > len(shown):
            parts.append(Text(f"+{len(dead) - len(shown)} dead earlier", style="dim red"))
        self.query_one("#consumers", Static).update(Text("  ").join(parts))

    def fill_table(self, view: str, rows: list) -> None:
        table = self.query_one(f"#table-{view}", KeyTable)
        old = table.cursor_row
        table.clear()
        now = datetime.now()
        for i, row in enumerate(rows):
            table.add_row(*self.cells(view, row, now), key=str(i))
        if rows:
            table.move_cursor(row=min(old, len(rows) - 1), animate=False)

    def cells(self, view: str, row, now: datetime) -> tuple:
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


class TaskDetailScreen(LongWork, ConsoleScreen):
    """One task: arguments, result (peeked), error and traceback, timeline."""

    route = "tasks"
    DEFAULT_CSS = """
    TaskDetailScreen #detail { padding: 0 1; }
    TaskDetailScreen #traceback { color: $error; }
    """
    BINDINGS = [
        Binding("t", "retry", "Retry", id="task.retry"),
        Binding("x", "revoke", "Revoke", id="task.revoke"),
        Binding("u", "restore", "Restore", id="task.restore"),
        Binding("j", "scroll(1)", "Down", show=False, id="task.down"),
        Binding("k", "scroll(-1)", "Up", show=False, id="task.up"),
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
        from tqconsole.services.task_monitor import detail

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
            ("retry", "t retries it as it was" if d.retryable else ""),
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

    def act(self, fn_name: str, message: str) -> None:
        from tqconsole import tasks
        from tqconsole.services import task_monitor

        def done(_result) -> None:
            self.notify(message)
            self.load()

        self.run_blocking(
            lambda: getattr(task_monitor, fn_name)(tasks.bind(self.backends), self.task_id),
            group=f"task-{fn_name}",
            done=done,
        )

    def action_retry(self) -> None:
        self.act("retry", f"retried {self.task_id[:8]}")

    def action_revoke(self) -> None:
        def answer(ok: bool | None) -> None:
            if ok:
                self.act("revoke", f"revoked {self.task_id[:8]}")

        self.app.push_screen(
            ConfirmDialog(
                f"Revoke task {self.task_id[:8]}?",
                "If it is still queued or scheduled it will not run (restore with u).",
                action="Revoke",
            ),
            answer,
        )

    def action_restore(self) -> None:
        self.act("restore", f"restored {self.task_id[:8]}")
