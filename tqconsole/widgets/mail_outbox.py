"""The mail screen's outbox panel: post_office's queue by status, paged at any size.

A windowed table over ``post_office_email`` (newest first, keyset pages). Its
screen runs the blocking work (``screen.run_blocking``) and the refresh poller
(``auto_refresh``); resuming a bulk job is the screen's (``OutboxPanel.Resume``).
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Static

from tqconsole.keys import VERBS
from tqconsole.widgets.bindings import bind, refuses_writes
from tqconsole.widgets.dialogs.confirm import ConfirmDialog
from tqconsole.widgets.dialogs.viewer import TextViewer
from tqconsole.widgets.windowed_table import WindowedTable

STATUSES = ("all", "queued", "requeued", "sent", "failed")
REFRESH_SECONDS = 5.0
STATUS, PRIORITY, TO, SUBJECT = 1, 2, 3, 4  # cells of a row (see outbox_views.PAGE_HEADERS)


HINTED = (
    "mail.outbox.all_jobs",
    "mail.outbox.filter",
    "retry",
    "mail.outbox.resend",
    "mail.outbox.resume",
)


class OutboxPanel(Vertical):
    HELP = """\
**Outbox**: the site's mail queue (post_office), newest first.

- The status filter steps through all, queued, requeued, sent and failed.
- After a bulk job only its messages show, until *All jobs*.
- Enter opens a message as sent, with its logs and attachments.
- *Requeue* marks it queued, as the site's admin action does: the next run of
  "send queued mail" sends it. *Send again now* sends a failed or waiting one at
  once (with the site configured: requeued for the site's workers).
- *Resume job* sends what is still queued of the selected message's bulk job.
"""

    class Resume(Message):
        """Resume bulk job ``job`` (confirmed)."""

        def __init__(self, job: str) -> None:
            super().__init__()
            self.job = job

    DEFAULT_CSS = """
    OutboxPanel #outbox-filter { height: 1; padding: 0 1; color: $text-muted; }
    OutboxPanel #outbox-table { height: 1fr; }
    """
    BINDINGS = [
        bind("mail.outbox.filter", "cycle_status"),
        bind("retry", "requeue", "Requeue"),
        bind("mail.outbox.resend", "resend"),
        bind("mail.outbox.resume", "resume_job"),
        bind("refresh", "refresh_outbox"),
        bind("mail.outbox.all_jobs", "clear_job_filter"),
    ]

    def __init__(self, status: str = "all", *, id: str | None = None) -> None:  # noqa: A002
        super().__init__(id=id)
        self.status = status
        self.job = ""  # only this bulk job's rows (after a job ran)

    def compose(self) -> ComposeResult:
        yield Static("", id="outbox-filter")
        yield WindowedTable(self.run_blocking, page=80, id="outbox-table")

    def run_blocking(self, fn, *args, **kwargs):
        return self.screen.run_blocking(fn, *args, **kwargs)

    @property
    def table(self) -> WindowedTable:
        return self.query_one("#outbox-table", WindowedTable)

    def on_mount(self) -> None:
        self.show_filter()

    @refuses_writes
    def check_action(self, action: str, parameters) -> bool | None:
        if action == "clear_job_filter":
            return bool(self.job)
        return True

    # --- the rows
    def load(self) -> None:
        """(Re)open the table on the current status and job."""
        from tqconsole.services.mail.outbox import OutboxWindow

        db = self.app.backends.database
        status = None if self.status == "all" else self.status
        job = self.job or None
        self.run_blocking(
            lambda: OutboxWindow(db, status, job),
            group="mail-outbox",
            done=self.table.set_source,
        )

    def auto_refresh(self) -> None:
        """A round of the screen's poller (every ``REFRESH_SECONDS``): `r` refreshes now."""
        if self.display and self.table.source is not None:
            self.table.reload()

    def show_filter(self) -> None:
        parts = [f"[b reverse] {s} [/]" if s == self.status else f" {s} " for s in STATUSES]
        key = {verb: VERBS[verb].shown for verb in HINTED}
        job = (
            f"  job [b]{self.job}[/] ({key['mail.outbox.all_jobs']}: all jobs)" if self.job else ""
        )
        hint = (
            f"  {key['mail.outbox.filter']} filter · enter open · {key['retry']} requeue"
            f" · {key['mail.outbox.resend']} send now · {key['mail.outbox.resume']} resume job"
        )
        self.query_one("#outbox-filter", Static).update("status:" + "".join(parts) + (job or hint))

    def show_job(self, job: str) -> None:
        self.job = job
        self.show_filter()
        self.load()

    def action_clear_job_filter(self) -> None:
        self.show_job("")

    def action_cycle_status(self) -> None:
        self.status = STATUSES[(STATUSES.index(self.status) + 1) % len(STATUSES)]
        self.show_filter()
        self.load()

    def action_refresh_outbox(self) -> None:
        if self.table.source is None:
            self.load()
        else:
            self.table.reload()

    def selected(self) -> tuple[int, list] | None:
        key, cells = self.table.cursor_key, self.table.cursor_cells
        return None if key is None or cells is None else (key, cells)

    # --- one email
    def on_windowed_table_row_chosen(self, event: WindowedTable.RowChosen) -> None:
        event.stop()
        from tqconsole.services.mail.outbox import get_email

        self.run_blocking(get_email, event.key, group="mail-open", done=self.show_message)

    def show_message(self, row) -> None:
        head = [
            f"status: {row.status}   priority: {row.priority}   retries: {row.retries}"
            + (f"   key: {row.key}" if row.key else "")
        ]
        head.append(f"from {row.sender} to {', '.join(row.recipients)}")
        if row.scheduled_time:
            head.append(f"scheduled: {row.scheduled_time:%Y-%m-%d %H:%M}")
        for name, mimetype, file in row.attachments:
            head.append(f"attachment: {name} ({mimetype or 'type not recorded'}) {file}")
        for log in row.logs:
            kind = f" {log.exception_type}" if log.exception_type else ""
            head.append(f"log {log.date:%Y-%m-%d %H:%M} {log.status}{kind} {log.message}".rstrip())
        body = row.message.decode("utf-8", "replace").replace("\r\n", "\n")
        self.app.push_screen(TextViewer(f"Message #{row.id}", "\n".join(head) + "\n\n" + body))

    def action_requeue(self) -> None:
        chosen = self.selected()
        if chosen is None:
            return
        pk, cells = chosen
        text = (
            f"Requeue message #{pk} “{cells[SUBJECT]}” ({cells[STATUS]})?\n"
            "Its status becomes queued, as the site's admin action does; "
            "the next run of “send queued mail” sends it."
        )

        def done(ok: bool | None) -> None:
            if ok:
                from tqconsole.services.mail.outbox import requeue

                db = self.app.backends.database
                self.run_blocking(
                    lambda: requeue(db, [pk]), group="mail-requeue", done=self.requeued
                )

        self.app.push_screen(ConfirmDialog("Requeue", text, action="Requeue"), done)

    def requeued(self, ids) -> None:
        self.notify(f"requeued #{', #'.join(map(str, ids))}")
        self.table.reload()

    def action_resend(self) -> None:
        chosen = self.selected()
        if chosen is None:
            return
        pk, cells = chosen
        if cells[STATUS] == "sent":
            self.notify(
                f"#{pk} is sent: only failed or waiting messages are sent again",
                severity="warning",
            )
            return
        text = f"Send message #{pk} “{cells[SUBJECT]}” again now to {cells[TO]}?"

        def done(ok: bool | None) -> None:
            if ok:
                from tqconsole.services.mail.outbox import resend_now

                backends = self.app.backends
                self.run_blocking(
                    lambda: resend_now(backends, pk), group="mail-resend", done=self.resent
                )

        self.app.push_screen(ConfirmDialog("Resend", text, action="Resend"), done)

    def resent(self, report) -> None:
        if report.delegated:
            self.notify(report.delegated)
        elif report.sent:
            self.notify(f"resent: {report.summary()}")
        else:
            self.screen.notify_error(f"not sent: {report.first_error() or report.summary()}")
        self.table.reload()

    def action_resume_job(self) -> None:
        chosen = self.selected()
        if chosen is None:
            return
        from tqconsole.services.mail.outbox import get_email

        self.run_blocking(
            lambda: get_email(chosen[0], with_message=False).job,
            group="mail-job-of",
            done=self.confirm_resume,
        )

    def confirm_resume(self, job: str) -> None:
        if not job:
            self.notify("the selected message belongs to no bulk job", severity="warning")
            return

        def done(ok: bool | None) -> None:
            if ok:
                self.post_message(self.Resume(job))

        self.app.push_screen(
            ConfirmDialog(
                "Resume",
                f"Resume job {job}: send its queued messages (never the sent ones)?",
                action="Resume",
            ),
            done,
        )
