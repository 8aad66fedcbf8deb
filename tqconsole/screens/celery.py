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
from textual.widgets import Static, TabbedContent

from tqconsole.screens.base import ConsoleScreen
from tqconsole.widgets.bindings import bind
from tqconsole.widgets.celery_tables import PAGE, CeleryTables
from tqconsole.widgets.dialogs.confirm import ConfirmDialog
from tqconsole.widgets.dialogs.viewer import TextViewer

REFRESH_SECONDS = 2.0


class CeleryScreen(ConsoleScreen):
    route = "celery"
    crumb = "Celery"
    DEFAULT_CSS = """
    CeleryScreen #celery-summary { height: auto; padding: 0 1; }
    CeleryScreen #celery-error { height: auto; padding: 0 1; color: $error; }
    """
    BINDINGS = [
        bind("refresh", "refresh"),
        bind("next_page", "page(1)", show=False),
        bind("previous_page", "page(-1)", show=False),
        bind("open", "detail", "Detail"),
        bind("tasks.revoke", "revoke(False)"),
        bind("celery.terminate", "revoke(True)", show=False),
        bind("tasks.run_now", "run_now"),
        bind("edit", "toggle_enabled", "Enable/disable"),
        bind("retry", "retry"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.broker = None

    def compose_body(self) -> ComposeResult:
        yield Static(Text("loading…", style="dim italic"), id="celery-summary")
        yield Static("", id="celery-error")
        yield CeleryTables(id="celery-tables")

    @property
    def tables(self) -> CeleryTables:
        return self.query_one(CeleryTables)

    def on_mount(self) -> None:
        self.refresh_now()
        self.poll("celery-poll", REFRESH_SECONDS, None, self.auto_refresh)

    def on_unmount(self) -> None:
        if self.broker is not None:
            self.broker.close()

    def auto_refresh(self) -> None:
        # counting by task reads the whole queue and asking workers waits for their
        # answers: those two views refresh on ``r`` and when opened only
        if self.tables.view not in ("tasks", "workers"):
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
            self.tables.view,
            self.tables.start,
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
        self.tables.show(data["view"], data["rows"])

    def on_tabbed_content_tab_activated(self, event: TabbedContent.TabActivated) -> None:
        self.tables.activated(event.pane.id)
        self.refresh_now()

    def action_page(self, step: int) -> None:
        if self.tables.page(step):
            self.refresh_now()

    # --- actions
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
        view, row = self.tables.view, self.tables.selected()
        if row is None or view in ("tasks", "workers"):
            return
        if view == "results":
            text = "\n".join(f"{k}: {v}" for k, v in row.as_dict().items() if k != "traceback")
            text += "\n\n" + (row.traceback or "")
        else:
            text = "\n".join(f"{k}: {v}" for k, v in row.as_dict().items())
        self.app.push_screen(TextViewer(f"{view}: {getattr(row, 'task', '')}", text))

    def action_revoke(self, terminate: bool) -> None:
        row = self.tables.selected()
        task_id = self.tables.task_id(row) if row is not None else ""
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

        row = self.tables.selected("beat")
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

        row = self.tables.selected("beat")
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

        row = self.tables.selected("results")
        if row is None:
            return
        self.confirmed(
            "Retry task",
            f"Send {row.task or row.task_id} again with its recorded arguments?",
            lambda: cm.retry(self.backends.database, self.get_broker(), row.task_id),
            "sent again as {result}",
        )
