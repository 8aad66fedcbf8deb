"""The mail screen's bulk jobs: one message per recipient, with progress, cancel, resume.

A mixin of ``MailScreen`` (its job area and outbox panel): the job is queued in
the outbox, then sent in a worker; ``ctrl+x`` cancels after the current
message, ``b`` in the outbox resumes it.
"""

from __future__ import annotations

import threading

from textual.widgets import ProgressBar, Static, TabbedContent


class BulkJobsMixin:
    def start_job(self, draft, recipients, job: str | None = None, query: str = "") -> None:
        from tqconsole.services.mail.bulk import job_from_draft

        self.job_cancel = threading.Event()
        self.query_one("#job").add_class("-running")
        self.query_one("#job-progress", ProgressBar).update(
            total=len(recipients) if recipients else None, progress=0
        )
        self.query_one("#job-status", Static).update("queueing…")
        self.refresh_bindings()

        def run():
            if recipients is not None:
                connection = self.backends.get("email")
                storages = self.storages()
                job_id, _ = job_from_draft(
                    draft, recipients, connection, storages, job=job, query=query
                )
                self.from_thread(self.clear_draft)  # queued: the message leaves the form
            else:
                job_id = job
            self.job_id = job_id
            return self.run_job(job_id)

        self.run_blocking(run, group="mail-job", done=self.job_done, failed=self.job_failed)

    def run_job(self, job_id: str):
        from tqconsole.services.mail.bulk import send_bulk
        from tqconsole.services.mail.outbox import status_counts

        counts = status_counts(job_id)
        total = sum(counts.values())
        done_before = counts["sent"] + counts["failed"]
        self.from_thread(self.job_progress, job_id, done_before, total, "")

        def progress(report) -> None:
            done = done_before + len(report.sent) + len(report.failed)
            self.from_thread(self.job_progress, job_id, done, total, report.summary())

        return send_bulk(
            job_id,
            connection=self.backends.get("email"),
            connections=self.settings.mail_connections,
            progress=progress,
            cancelled=self.job_cancel.is_set,
        )

    def job_progress(self, job_id: str, done: int, total: int, summary: str) -> None:
        self.query_one("#job-progress", ProgressBar).update(total=total, progress=done)
        self.query_one("#job-status", Static).update(
            f"job {job_id}: {done}/{total} done {summary}  (ctrl+x cancel)"
        )

    def job_finished(self) -> None:
        self.job_cancel = None
        self.refresh_bindings()

    def job_done(self, report) -> None:
        self.job_finished()
        self.query_one("#job-status", Static).update(
            f"job {self.job_id}: {report.summary()}"
            + ("; b in the outbox resumes it" if report.cancelled or report.deferred else "")
        )
        self.notify(f"job {self.job_id}: {report.summary()} — ctrl+n shows each recipient's status")
        self.outbox.show_job(self.job_id)

    def job_failed(self, message: str) -> None:
        self.job_finished()
        self.query_one("#job-status", Static).update(f"job {self.job_id}: {message}")
        self.failed(message)

    def action_cancel_job(self) -> None:
        if self.job_cancel is not None:
            self.job_cancel.set()
            self.query_one("#job-status", Static).update("cancelling after the current message…")

    def resume_job(self, job: str) -> None:
        """Send what is still queued of ``job`` (the outbox panel's ``b``)."""
        self.query_one("#mail-tabs", TabbedContent).active = "compose"
        self.start_job(None, None, job=job)
