"""The compose form's bulk job: one message per recipient, with progress, cancel, resume.

The job is queued in the outbox, then sent in a worker of the screen
(``screen.run_blocking``); ``cancel`` stops it after the current message, the
outbox's resume starts it again. The panel says when the draft has left the
form (``Queued``) and how the job ended (``Finished``, ``Failed``).
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Static

from tqconsole.keys import VERBS
from tqconsole.widgets.progress_panel import ProgressPanel


class JobPanel(Vertical):
    DEFAULT_CSS = """
    JobPanel { height: auto; display: none; }
    JobPanel.-used { display: block; }
    JobPanel #job-status { padding: 0 1; }
    """

    class Queued(Message):
        """The job's messages are in the outbox: the draft leaves the form."""

    class Finished(Message):
        def __init__(self, job_id: str) -> None:
            super().__init__()
            self.job_id = job_id

    class Failed(Message):
        def __init__(self, message: str) -> None:
            super().__init__()
            self.message = message

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002
        super().__init__(id=id)
        self.meter = None
        self.job_id = ""

    @property
    def running(self) -> bool:
        return self.meter is not None

    def compose(self) -> ComposeResult:
        yield ProgressPanel()
        yield Static("", id="job-status")

    def start_job(self, draft, recipients, job: str | None = None, query: str = "") -> None:
        from tqconsole.services.mail.bulk import job_from_draft
        from tqconsole.services.mail.compose import BucketStorages
        from tqconsole.services.progress import Meter

        screen, backends = self.screen, self.app.backends
        self.meter = Meter(len(recipients) if recipients else None, "queueing…")
        self.add_class("-used")
        self.query_one(ProgressPanel).start("Bulk mail", self.meter)
        self.query_one("#job-status", Static).update("")
        screen.refresh_bindings()

        meter = self.meter

        def run():
            if recipients is not None:
                connection = backends.get("email")
                storages = BucketStorages(backends)
                job_id, _ = job_from_draft(
                    draft, recipients, connection, storages, job=job, query=query
                )
                screen.from_thread(self.post_message, self.Queued())
            else:
                job_id = job
            self.job_id = job_id
            return self.run_job(job_id, meter)

        screen.run_blocking(run, group="mail-job", done=self.job_done, failed=self.job_failed)

    def run_job(self, job_id: str, meter):
        from tqconsole.services.mail.bulk import send_bulk
        from tqconsole.services.mail.outbox import status_counts

        counts = status_counts(job_id)
        total = sum(counts.values())
        done_before = counts["sent"] + counts["failed"]
        meter.step(done_before, total, f"job {job_id}: {done_before}/{total} done")

        def progress(report) -> None:
            done = done_before + len(report.sent) + len(report.failed)
            meter.step(done, total, f"job {job_id}: {done}/{total} done {report.summary()}")

        return send_bulk(
            job_id,
            connection=self.app.backends.get("email"),
            connections=self.app.settings.mail_connections,
            progress=progress,
            cancelled=meter.cancel.is_set,
        )

    def job_finished(self) -> None:
        self.query_one(ProgressPanel).stop()
        self.meter = None
        self.screen.refresh_bindings()

    def job_done(self, report) -> None:
        self.job_finished()
        self.query_one("#job-status", Static).update(
            f"job {self.job_id}: {report.summary()}"
            + (
                f"; {VERBS['mail.outbox.resume'].shown} in the outbox resumes it"
                if report.cancelled or report.deferred
                else ""
            )
        )
        self.notify(f"job {self.job_id}: {report.summary()} — ctrl+n shows each recipient's status")
        self.post_message(self.Finished(self.job_id))

    def job_failed(self, message: str) -> None:
        self.job_finished()
        self.query_one("#job-status", Static).update(f"job {self.job_id}: {message}")
        self.post_message(self.Failed(message))

    def cancel(self) -> None:
        """Stop after the current message."""
        self.query_one(ProgressPanel).cancel()
