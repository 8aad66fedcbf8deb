"""The mail screen's compose form: addresses, From, template, query, attachments, body.

The form previews and sends one message, or starts a bulk job (``JobPanel``) for
the recipients of a query, and keeps what was typed as a draft until it is sent
(``DraftsMixin``). Its screen binds the keys (they act from every field) and runs
the blocking work (``screen.run_blocking``, ``screen.with_database``).
"""

from __future__ import annotations

import os
import shlex
import subprocess
import tempfile

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static

from tqconsole.widgets.dialogs.confirm import ConfirmDialog
from tqconsole.widgets.dialogs.viewer import TextViewer
from tqconsole.widgets.mail_drafts import DraftsMixin
from tqconsole.widgets.mail_fields import MessageFields
from tqconsole.widgets.mail_jobs import JobPanel
from tqconsole.widgets.mail_message import prepare, render_template


class ComposeForm(DraftsMixin, Vertical):
    HELP = """\
**Compose** one message, or with a **Query** one message per recipient (a bulk job).

- To, Cc, Bcc and Reply-To complete addresses from the users' emails, From the
  site's senders (→ accepts).
- Subject and body may name fields of each recipient's record: `{first_name}`.
- Template: `NAME TABLE/PK` fills To, Subject and Body from a record.
- Attach: file paths or `STORAGE:KEY`, comma-separated.
- Preview shows exactly what the server gets; Send asks first, a bulk job asks
  for the count to be typed.
- What is not sent is kept as a draft: Drafts lists them.
"""
    DEFAULT_CSS = """
    ComposeForm #compose-status { height: 1; padding: 0 1; color: $text-muted; }
    ComposeForm #compose-status.-error { color: $error; }
    """

    def __init__(self, record: str = "", offer_drafts: bool = True, *, id: str | None = None):  # noqa: A002
        super().__init__(id=id)
        self.record = record  # TABLE/PK: a message to the user of this record
        self.offer_drafts = offer_drafts
        self.markdown_html = False
        from tqconsole.services.mail.compose import new_draft_id

        self.draft_id = new_draft_id()  # this form's own draft: no other console writes it
        self.fields = MessageFields(id="message")  # kept: its draft outlives the widgets
        self.jobs = JobPanel(id="job")

    def compose(self) -> ComposeResult:
        yield self.fields
        yield self.jobs
        yield Static(self.compose_hint(), id="compose-status")

    def compose_hint(self) -> str:
        html = "on" if self.markdown_html else "off"
        return f"ctrl+s send · ctrl+o preview · ctrl+g $EDITOR · ctrl+b HTML from Markdown: {html}"

    def on_mount(self) -> None:
        from tqconsole.services.mail.compose import list_drafts

        saved = list_drafts(self.app.settings.data_dir)
        if self.record:
            from tqconsole.services.mail.compose import draft_for_record

            self.screen.run_blocking(
                draft_for_record, self.record, group="mail-record", done=self.fields.fill
            )
            if saved:
                self.notify(f"{len(saved)} unsent draft(s) kept: ctrl+l lists them")
        elif saved and self.offer_drafts:
            self.call_after_refresh(self.pick_draft, saved)

    # --- the draft
    def draft(self):
        return self.fields.draft(self.markdown_html)

    def restore(self, typed: dict) -> None:
        self.fields.restore(typed)
        self.markdown_html = bool(typed.get("markdown_html"))
        self.status_line("draft restored: the message you left unsent · " + self.compose_hint())

    def on_unmount(self) -> None:
        """Leaving (esc, another screen, quitting) keeps the unsent draft for next time.

        What was typed is followed as it changes: the fields are gone by now.
        """
        try:
            if self.keep_draft():
                self.app.notify("unsent draft kept: ctrl+l in Mail lists the drafts")
        except OSError as exc:
            self.app.notify(f"the draft could not be kept: {exc}", severity="error")

    def clear_draft(self) -> None:
        """Sent (or discarded): the form empties and its draft is never offered again."""
        from tqconsole.services.mail.compose import discard_draft, new_draft_id

        self.fields.restore({})
        discard_draft(self.app.settings.data_dir, self.draft_id)
        self.draft_id = new_draft_id()

    def status_line(self, text: str, error: bool = False) -> None:
        status = self.query_one("#compose-status", Static)
        status.update(text)
        status.set_class(error, "-error")

    def failed(self, message: str) -> None:
        self.status_line(message, error=True)
        self.screen.notify_error(message)

    # --- what the screen's keys do
    def toggle_html(self) -> None:
        self.markdown_html = not self.markdown_html
        self.status_line(self.compose_hint())

    def apply_template(self) -> None:
        words = self.fields.field("template").split()
        if len(words) != 2:
            self.failed("Template: write NAME TABLE/PK (names: tqconsole mail templates)")
            return
        self.screen.run_blocking(
            render_template,
            self.app.backends,
            *words,
            group="mail-template",
            done=self.fields.fill,
            failed=self.failed,
        )

    def preview(self) -> None:
        self.status_line("building the preview…")
        self.screen.run_blocking(
            prepare,
            self.app.backends,
            self.draft(),
            self.fields.field("query").strip(),
            group="mail-prepare",
            done=lambda result: self.show_preview(result[2]),
            failed=self.failed,
        )

    def show_preview(self, text: str) -> None:
        self.status_line(self.compose_hint())
        self.app.push_screen(TextViewer("Preview: exactly what the server gets", text))

    def send(self) -> None:
        draft, query = self.draft(), self.fields.field("query").strip()
        self.status_line("checking the message…")
        self.screen.run_blocking(
            prepare,
            self.app.backends,
            draft,
            query,
            group="mail-prepare",
            done=lambda result: self.confirm_send(draft, query, *result),
            failed=self.failed,
        )

    def confirm_send(self, draft, query, recipients, message, _preview, earlier) -> None:
        self.status_line(self.compose_hint())
        if recipients is None:
            count = len(message.recipients())
            text = f"Send “{message.subject}” to {count} recipient(s)?\n{', '.join(message.recipients())}"

            def done(ok: bool | None) -> None:
                if ok:
                    self.send_one(message)

            self.app.push_screen(ConfirmDialog("Send", text, action="Send"), done)
            return
        count = len(recipients)
        text = (
            f"Bulk job: send “{draft.subject}” to {count} recipients of\n  {query}\n"
            "as one message each. This cannot be taken back."
        )
        typed = str(count)
        if earlier:
            text += (
                f"\n\nThis message already went to this query: {earlier[0].describe()}"
                + (f" and {len(earlier) - 1} more" if len(earlier) > 1 else "")
                + ". Type “again” to send it once more."
            )
            typed = "again"

        def done_bulk(ok: bool | None) -> None:
            if ok:
                self.jobs.start_job(draft, recipients, query=query)

        self.app.push_screen(
            ConfirmDialog("Send all", text, typed=typed, action="Send all"), done_bulk
        )

    def send_one(self, message) -> None:
        from tqconsole.services.mail.sending import send_messages

        backends = self.app.backends
        self.status_line("sending…")
        self.screen.run_blocking(
            lambda: send_messages([message], connection=backends.get("email")),
            group="mail-send",
            done=self.sent,
            failed=self.failed,
        )

    def sent(self, report) -> None:
        text = report.summary()
        if not report.failed:  # sent or queued for a retry: never send the same draft twice
            self.clear_draft()
        if report.deferred:
            self.failed(f"{report.first_error()} — queued, retried later ({text})")
        elif report.failed:
            self.failed(f"not sent: {report.first_error()}")
        else:
            refused = [f"{a}: {r}" for rs in report.refused.values() for a, r in rs.items()]
            self.status_line(
                f"sent #{report.sent[0]}" + (f"; refused {'; '.join(refused)}" if refused else "")
            )
            self.notify(f"sent: {text}")

    def on_job_panel_queued(self) -> None:
        self.clear_draft()  # the job's messages are in the outbox: the draft leaves the form

    def on_job_panel_failed(self, event: JobPanel.Failed) -> None:
        self.failed(event.message)

    def open_editor(self) -> None:
        """The body in ``$VISUAL``/``$EDITOR``, the terminal handed over until it exits."""
        editor = os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi"
        body = self.fields.body
        with tempfile.NamedTemporaryFile("w+", suffix=".txt", delete=False, encoding="utf-8") as fh:
            fh.write(body.text)
            path = fh.name
        try:
            with self.app.suspend():
                result = subprocess.run([*shlex.split(editor), path], check=False)
            if result.returncode == 0:
                with open(path, encoding="utf-8", errors="replace") as fh:
                    body.text = fh.read()
            else:
                self.failed(f"{editor} exited with status {result.returncode}; body unchanged")
        except Exception as exc:  # no terminal to hand over (tests, web): say so
            self.failed(f"cannot open {editor}: {exc or type(exc).__name__}")
        finally:
            os.unlink(path)
