"""Mail: compose (addresses, template, query, attachments, preview, send or bulk job) and the outbox.

Locations: ``mail`` (compose), ``mail/compose/TABLE/PK`` (compose to the user of a
record: "email this user"), ``mail/outbox`` and ``mail/outbox/STATUS``.
"""

from __future__ import annotations

import asyncio
import functools
import json
import os
import shlex
import subprocess
import tempfile
import threading

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Vertical
from textual.suggester import Suggester
from textual.widgets import Input, Label, ProgressBar, Static, TabbedContent, TabPane, TextArea

from tqconsole.screens.base import ConsoleScreen
from tqconsole.widgets.dialogs.confirm import ConfirmDialog
from tqconsole.widgets.dialogs.viewer import TextViewer
from tqconsole.widgets.lists import KeyTable

STATUSES = ("all", "queued", "sending", "sent", "failed")
REFRESH_SECONDS = 5.0
OUTBOX_COLUMNS = (
    ("id", None),
    ("created", 11),
    ("status", 7),
    ("to", "text"),  # to and subject share the width left (a third each)
    ("subject", "text"),
    ("note", 16),  # fixed widths: a column sized to its content jumps as rows load
    ("size", 8),
)
FIELDS = (
    ("to", "To", "address, Name <address>, … (completes from users)"),
    ("cc", "Cc", ""),
    ("bcc", "Bcc", "only in the envelope, never in the headers"),
    ("reply_to", "Reply-To", ""),
    ("subject", "Subject", ""),
    ("attachments", "Attach", "file paths or STORAGE:KEY (finance:bank/x.csv), comma-separated"),
    (
        "template",
        "Template",
        "NAME TABLE/PK, then ctrl+t (e.g. payment_reminder courses_subscribe/5)",
    ),
    (
        "query",
        "Query",
        "bulk: course.name~salsa state=confirmed · users: is_staff=true",
    ),
)


def clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


class AddressSuggester(Suggester):
    """Completes the last address of the field from the users' emails (in a thread)."""

    def __init__(self, screen: MailScreen) -> None:
        super().__init__(use_cache=True, case_sensitive=False)
        self.screen = screen

    async def get_suggestion(self, value: str) -> str | None:
        from tqconsole.services.compose import complete_address

        try:
            return await asyncio.to_thread(self.screen.with_database(complete_address), value)
        except Exception:  # completion is a convenience; never an error
            return None


class MailScreen(ConsoleScreen):
    route = "mail"
    crumb = "Mail"
    DEFAULT_CSS = """
    MailScreen TabbedContent { height: 1fr; }
    MailScreen TabPane { padding: 0; }
    MailScreen #compose-form {
        grid-size: 2; grid-columns: 10 1fr; grid-rows: 1; height: auto; padding: 0 1;
    }
    MailScreen #compose-form Label { color: $text-muted; }
    MailScreen #compose-form Input { border: none; height: 1; padding: 0; background: $boost; }
    MailScreen #compose-form Input:focus { background: $primary 30%; }
    MailScreen #body { height: 1fr; min-height: 4; border: round $primary-darken-2; }
    MailScreen #body:focus { border: round $accent; }
    MailScreen #compose-status { height: 1; padding: 0 1; color: $text-muted; }
    MailScreen #compose-status.-error { color: $error; }
    MailScreen #job { height: auto; padding: 0 1; display: none; }
    MailScreen #job.-running { display: block; }
    MailScreen #outbox-filter { height: 1; padding: 0 1; color: $text-muted; }
    MailScreen #outbox-table { height: 1fr; }
    """
    BINDINGS = [
        Binding("ctrl+n", "switch_tab", "Compose/Outbox", priority=True, id="mail.switch_tab"),
        Binding("ctrl+s", "send", "Send", priority=True, id="mail.send"),
        Binding("ctrl+o", "preview", "Preview", priority=True, id="mail.preview"),
        Binding("ctrl+t", "apply_template", "Template", priority=True, id="mail.template"),
        Binding("ctrl+g", "editor", "$EDITOR", priority=True, id="mail.editor"),
        Binding("ctrl+b", "toggle_html", "HTML", priority=True, id="mail.html"),
        Binding("ctrl+x", "cancel_job", "Cancel job", priority=True, id="mail.cancel_job"),
        Binding("ctrl+l", "drafts", "Drafts", priority=True, id="mail.drafts"),
        Binding("f", "cycle_status", "Status filter", id="mail.outbox.filter"),
        Binding("R", "resend", "Resend", id="mail.outbox.resend"),
        Binding("b", "resume_job", "Resume job", id="mail.outbox.resume"),
        Binding("r", "refresh_outbox", "Refresh", id="mail.outbox.refresh"),
        Binding("x", "clear_job_filter", "All jobs", id="mail.outbox.all_jobs"),
        Binding("down", "app.focus_next", "Next field", show=False, id="mail.next_field"),
        Binding("up", "app.focus_previous", "Previous field", show=False, id="mail.previous_field"),
    ]

    def __init__(self, tab: str = "compose", status: str = "all", record: str = "") -> None:
        super().__init__()
        self.tab = tab
        self.status = status
        self.record = record
        self.markdown_html = False
        self.rows: list = []
        self.job_cancel: threading.Event | None = None
        self.job_id = ""
        self.job_filter = ""  # the outbox shows only this job (after a bulk send)
        self.text_width = 24
        self.typed: dict = {}  # field → text as typed, kept when the screen closes
        from tqconsole.services.compose import new_draft_id

        self.draft_id = new_draft_id()  # this screen's own draft: no other console writes it

    @classmethod
    def from_location(cls, rest: str) -> MailScreen:
        head, _, tail = rest.strip("/").partition("/")
        if head in ("", "compose"):
            return cls("compose", record=tail)
        if head == "outbox":
            status = tail or "all"
            if status not in STATUSES:
                raise ValueError(f"unknown status {status!r} (use one of: {', '.join(STATUSES)})")
            return cls("outbox", status=status)
        raise ValueError(f"unknown mail location {rest!r} (compose, outbox[/STATUS])")

    @property
    def location(self) -> str:
        if self.tab == "outbox":
            return "mail/outbox" + ("" if self.status == "all" else f"/{self.status}")
        return "mail/compose/" + self.record if self.record else "mail"

    def with_database(self, fn):
        """``fn`` with the models bound first: every mail action reads or writes the outbox."""

        @functools.wraps(fn)
        def call(*args):
            self.backends.database  # noqa: B018 - opening it binds the models
            return fn(*args)

        return call

    def run_blocking(self, fn, *args, **kwargs):
        return super().run_blocking(self.with_database(fn), *args, **kwargs)

    # --- layout
    def compose_body(self) -> ComposeResult:
        with TabbedContent(initial=self.tab, id="mail-tabs"):
            with TabPane("Compose", id="compose"):
                with Grid(id="compose-form"):
                    for name, label, placeholder in FIELDS:
                        yield Label(label)
                        suggester = (
                            AddressSuggester(self)
                            if name in ("to", "cc", "bcc", "reply_to")
                            else None
                        )
                        yield Input(
                            placeholder=placeholder, id=f"field-{name}", suggester=suggester
                        )
                yield TextArea(id="body", soft_wrap=True, show_line_numbers=False)
                with Vertical(id="job"):
                    yield Static("", id="job-status")
                    yield ProgressBar(id="job-progress", show_eta=False)
                yield Static(self.compose_hint(), id="compose-status")
            with TabPane("Outbox", id="outbox"):
                yield Static("", id="outbox-filter")
                yield KeyTable(id="outbox-table", cursor_type="row", zebra_stripes=True)

    def compose_hint(self) -> str:
        html = "on" if self.markdown_html else "off"
        return f"ctrl+s send · ctrl+o preview · ctrl+g $EDITOR · ctrl+b HTML from Markdown: {html}"

    def on_mount(self) -> None:
        self.query_one("#body", TextArea).border_title = "Body"
        table = self.query_one("#outbox-table", KeyTable)
        self.text_width = max(12, (self.app.size.width - 40) // 3)
        for label, width in OUTBOX_COLUMNS:
            table.add_column(label, width=self.text_width if width == "text" else width)
        self.show_filter()
        from tqconsole.services.compose import list_drafts

        saved = list_drafts(self.settings.data_dir)
        if self.record:
            from tqconsole.services.compose import draft_for_record

            self.run_blocking(
                draft_for_record, self.record, group="mail-record", done=self.fill_draft
            )
            if saved:
                self.notify(f"{len(saved)} unsent draft(s) kept: ctrl+l lists them")
        elif saved and self.tab == "compose":
            self.call_after_refresh(self.pick_draft, saved)
        if self.tab == "outbox":
            self.action_refresh_outbox()
        self.set_interval(REFRESH_SECONDS, self.poll_outbox)
        self.focus_tab()

    def action_switch_tab(self) -> None:
        tabs = self.query_one("#mail-tabs", TabbedContent)
        tabs.active = "outbox" if tabs.active == "compose" else "compose"

    def focus_tab(self) -> None:
        if self.tab == "outbox":
            self.query_one("#outbox-table").focus()
        else:
            self.query_one("#field-to").focus()

    def on_tabbed_content_tab_activated(self, event: TabbedContent.TabActivated) -> None:
        self.tab = event.pane.id or "compose"
        if self.tab == "outbox":
            self.action_refresh_outbox()
        self.call_after_refresh(self.focus_tab)

    def check_action(self, action: str, parameters) -> bool | None:
        compose_only = {"send", "preview", "apply_template", "editor", "toggle_html", "drafts"}
        outbox_only = {"cycle_status", "resend", "resume_job", "refresh_outbox"}
        if action == "clear_job_filter":
            return self.tab == "outbox" and bool(self.job_filter)
        if action in compose_only:
            return self.tab == "compose" and self.job_cancel is None
        if action in outbox_only:
            return self.tab == "outbox"
        if action == "cancel_job":
            return self.job_cancel is not None
        return True

    # --- the draft
    def field(self, name: str) -> str:
        return self.query_one(f"#field-{name}", Input).value

    def draft(self):
        from tqconsole.services.compose import Draft

        return Draft(
            to=self.field("to"),
            cc=self.field("cc"),
            bcc=self.field("bcc"),
            reply_to=self.field("reply_to"),
            subject=self.field("subject"),
            body=self.query_one("#body", TextArea).text,
            markdown_html=self.markdown_html,
            attachments=[a.strip() for a in self.field("attachments").split(",") if a.strip()],
        )

    def fill_draft(self, draft) -> None:
        for name in ("to", "cc", "bcc", "reply_to", "subject"):
            value = getattr(draft, name)
            if value:
                self.query_one(f"#field-{name}", Input).value = value
        if draft.body:
            self.query_one("#body", TextArea).text = draft.body

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id and event.input.id.startswith("field-"):
            self.typed[event.input.id.removeprefix("field-")] = event.value

    def on_text_area_changed(self, event: TextArea.Changed) -> None:
        if event.text_area.id == "body":
            self.typed["body"] = event.text_area.text

    def restore(self, typed: dict) -> None:
        for name, _, _ in FIELDS:
            self.query_one(f"#field-{name}", Input).value = str(typed.get(name) or "")
        self.query_one("#body", TextArea).text = str(typed.get("body") or "")
        self.markdown_html = bool(typed.get("markdown_html"))
        self.typed = {k: v for k, v in typed.items() if k != "markdown_html"}
        self.status_line("draft restored: the message you left unsent · " + self.compose_hint())

    # --- drafts: every unsent one is kept until sent or discarded
    def action_drafts(self) -> None:
        from tqconsole.services.compose import list_drafts

        self.pick_draft(list_drafts(self.settings.data_dir), on_form=True)

    def pick_draft(self, saved: list, on_form: bool = False) -> None:
        """The unsent drafts to pick from (the newest first), a new message, or discard."""
        from rich.text import Text

        from tqconsole.widgets.dialogs.pick import ChooseDialog

        choices = [(d.id, Text(d.label())) for d in saved]
        choices.append(("", Text("New message" + (" (this one is kept)" if on_form else ""))))
        if on_form:
            choices.append(("-discard", Text("Discard the message on the form")))
        title = f"{len(saved)} unsent draft(s): pick one, or start anew"

        def chosen(value: str | None) -> None:
            if value == "-discard":
                self.ask_discard()
            elif value is not None:
                self.switch_draft(value)

        self.app.push_screen(ChooseDialog(title, choices), chosen)

    def switch_draft(self, draft_id: str) -> None:
        """Keep what is on the form as a draft, then open ``draft_id`` (or a new message)."""
        from tqconsole.services.compose import claim_draft, new_draft_id

        self.keep_draft()
        self.draft_id = new_draft_id()
        self.typed = {}
        typed = claim_draft(self.settings.data_dir, draft_id, self.draft_id) if draft_id else {}
        if typed is None:
            self.notify("that draft was opened in another console meanwhile", severity="warning")
            typed = {}
        self.restore(typed)
        if not draft_id:
            self.status_line(self.compose_hint())

    def ask_discard(self) -> None:
        def done(ok: bool | None) -> None:
            if ok:
                self.clear_draft()
                self.status_line("draft discarded · " + self.compose_hint())

        self.app.push_screen(
            ConfirmDialog("Discard", "Discard the message on the form?", action="Discard"), done
        )

    def keep_draft(self) -> bool:
        from tqconsole.services.compose import save_draft

        kept = {**self.typed, "markdown_html": self.markdown_html}
        return save_draft(self.settings.data_dir, self.draft_id, kept)

    def on_unmount(self) -> None:
        """Leaving (esc, another screen, quitting) keeps the unsent draft for next time.

        What was typed is followed as it changes: the fields are gone by now.
        """
        try:
            if self.keep_draft():
                self.app.notify("unsent draft kept: ctrl+l in Mail lists the drafts")
        except OSError as exc:
            self.app.notify(f"the draft could not be kept: {exc}", severity="error")

    def status_line(self, text: str, error: bool = False) -> None:
        status = self.query_one("#compose-status", Static)
        status.update(text)
        status.set_class(error, "-error")

    def failed(self, message: str) -> None:
        self.status_line(message, error=True)
        self.notify_error(message)

    # --- compose actions
    def action_toggle_html(self) -> None:
        self.markdown_html = not self.markdown_html
        self.status_line(self.compose_hint())

    def action_apply_template(self) -> None:
        words = self.field("template").split()
        if len(words) != 2:
            self.failed("Template: write NAME TABLE/PK (names: tqconsole mail templates)")
            return
        self.run_blocking(
            self.render_template,
            *words,
            group="mail-template",
            done=self.fill_draft,
            failed=self.failed,
        )

    def render_template(self, name: str, ref: str):
        from tqconsole.services.compose import Draft
        from tqconsole.services.mail_templates import load_record, recipient, render

        record = load_record(ref)
        subject, body = render(name, record, self.backends.get("email"))
        return Draft(to=recipient(record), subject=subject, body=body)

    def storages(self):
        from tqconsole.services.compose import BucketStorages

        return BucketStorages(self.backends)

    def prepare(self, draft, query: str):
        """In a thread: the message (for one) or the recipients and a sample (for a query)."""
        from dataclasses import replace

        from tqconsole.services.bulk_mail import earlier_jobs, recipients_from_query
        from tqconsole.services.compose import build, preview
        from tqconsole.services.mail_templates import fill

        connection = self.backends.get("email")
        if not query:
            message = build(draft, connection, self.storages())
            return None, message, preview(message), []
        recipients = recipients_from_query(query, connection)
        if not recipients:
            from tqconsole.errors import InvalidInput

            raise InvalidInput(f"query {query!r} names no recipient with an email address")
        first = recipients[0]
        sample = replace(
            draft,
            to=first.address,
            subject=fill(draft.subject, first.context),
            body=fill(draft.body, first.context),
        )
        message = build(sample, connection, self.storages())
        text = (
            f"bulk job: {len(recipients)} messages, one per recipient of the query "
            "(To, Cc and Bcc are not used); the first:\n\n"
        )
        return recipients, message, text + preview(message), earlier_jobs(query, draft)

    def action_preview(self) -> None:
        self.status_line("building the preview…")
        self.run_blocking(
            self.prepare,
            self.draft(),
            self.field("query").strip(),
            group="mail-prepare",
            done=lambda result: self.show_preview(result[2]),
            failed=self.failed,
        )

    def show_preview(self, text: str) -> None:
        self.status_line(self.compose_hint())
        self.app.push_screen(TextViewer("Preview: exactly what the server gets", text))

    def action_send(self) -> None:
        draft, query = self.draft(), self.field("query").strip()
        self.status_line("checking the message…")
        self.run_blocking(
            self.prepare,
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
                self.start_job(draft, recipients, query=query)

        self.app.push_screen(
            ConfirmDialog("Send all", text, typed=typed, action="Send all"), done_bulk
        )

    def send_one(self, message) -> None:
        from tqconsole.services.mail import send_messages

        self.status_line("sending…")
        self.run_blocking(
            lambda: send_messages([message], connection=self.backends.get("email")),
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

    def clear_draft(self) -> None:
        """Sent (or discarded): the form empties and its draft is never offered again."""
        from tqconsole.services.compose import discard_draft, new_draft_id

        for name, _, _ in FIELDS:
            self.query_one(f"#field-{name}", Input).value = ""
        self.query_one("#body", TextArea).text = ""
        discard_draft(self.settings.data_dir, self.draft_id)
        self.draft_id = new_draft_id()
        self.typed = {}

    # --- bulk jobs
    def start_job(self, draft, recipients, job: str | None = None, query: str = "") -> None:
        from tqconsole.services.bulk_mail import job_from_draft

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
        from tqconsole.services.bulk_mail import send_bulk
        from tqconsole.services.outbox import status_counts

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
            connections=int(self.settings.option("mail_connections", 1)),
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
        self.job_filter = self.job_id
        self.show_filter()

    def job_failed(self, message: str) -> None:
        self.job_finished()
        self.query_one("#job-status", Static).update(f"job {self.job_id}: {message}")
        self.failed(message)

    def action_cancel_job(self) -> None:
        if self.job_cancel is not None:
            self.job_cancel.set()
            self.query_one("#job-status", Static).update("cancelling after the current message…")

    # --- $EDITOR
    def action_editor(self) -> None:
        editor = os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi"
        body = self.query_one("#body", TextArea)
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

    # --- outbox
    def show_filter(self) -> None:
        parts = [f"[b reverse] {s} [/]" if s == self.status else f" {s} " for s in STATUSES]
        job = f"  job [b]{self.job_filter}[/] (x: all jobs)" if self.job_filter else ""
        self.query_one("#outbox-filter", Static).update(
            "status:"
            + "".join(parts)
            + (job or "  f filter · enter open · R resend · b resume job")
        )

    def action_clear_job_filter(self) -> None:
        self.job_filter = ""
        self.show_filter()
        self.action_refresh_outbox()

    def action_cycle_status(self) -> None:
        self.status = STATUSES[(STATUSES.index(self.status) + 1) % len(STATUSES)]
        self.show_filter()
        self.action_refresh_outbox()

    def action_refresh_outbox(self) -> None:
        self.run_blocking(
            self.load_outbox,
            self.status,
            self.job_filter,
            group="mail-outbox",
            done=self.show_outbox,
        )

    def load_outbox(self, status: str, job: str):
        from tqconsole.services.outbox import list_outbox

        return list_outbox(status=None if status == "all" else status, job=job or None, limit=500)

    def show_outbox(self, rows) -> None:
        table = self.query_one("#outbox-table", KeyTable)
        cursor = table.cursor_row
        table.clear()
        self.rows = rows
        for r in rows:
            note = r.error or (f"refused {len(json.loads(r.refused))}" if r.refused else "")
            if r.status == "queued" and r.next_attempt:
                note = f"retry {r.next_attempt:%H:%M}: {note}"
            table.add_row(
                str(r.id),
                f"{r.created:%m-%d %H:%M}",
                r.status,
                clip(r.recipients.replace(",", ", "), self.text_width),
                clip(r.subject, self.text_width),
                clip(note, 60),
                f"{r.size:,}",
                key=str(r.id),
            )
        if rows:
            table.move_cursor(row=min(cursor, len(rows) - 1))

    def poll_outbox(self) -> None:
        """The screen's one poller (started on mount): `r` refreshes now, never adds a loop."""
        if self.is_current and self.tab == "outbox":
            self.action_refresh_outbox()

    def selected(self):
        table = self.query_one("#outbox-table", KeyTable)
        if not self.rows or table.cursor_row is None or table.cursor_row >= len(self.rows):
            return None
        return self.rows[table.cursor_row]

    def on_data_table_row_selected(self, event) -> None:
        event.stop()
        self.action_open_message()

    def action_open_message(self) -> None:
        row = self.selected()
        if row is None:
            return
        from tqconsole.services.outbox import get_email

        self.run_blocking(get_email, row.id, group="mail-open", done=self.show_message)

    def show_message(self, row) -> None:
        head = [f"status: {row.status}   attempts: {row.attempts}   key: {row.idempotency_key}"]
        head.append(f"envelope: {row.sender} → {', '.join(row.recipient_list())}")
        if row.error:
            head.append(f"error: {row.error}")
        if row.refused:
            head.append(f"refused: {row.refused}")
        text = (
            "\n".join(head) + "\n\n" + row.message.decode("utf-8", "replace").replace("\r\n", "\n")
        )
        self.app.push_screen(TextViewer(f"Message #{row.id}", text))

    def action_resend(self) -> None:
        row = self.selected()
        if row is None:
            return
        if row.status not in ("failed", "queued"):
            self.notify(
                f"#{row.id} is {row.status}: only failed or queued messages are resent",
                severity="warning",
            )
            return
        text = (
            f"Send message #{row.id} “{row.subject}” again to {row.recipients.replace(',', ', ')}?"
        )

        def done(ok: bool | None) -> None:
            if ok:
                from tqconsole.services.outbox import resend

                self.run_blocking(
                    lambda: resend(row.id, connection=self.backends.get("email")),
                    group="mail-resend",
                    done=self.resent,
                )

        self.app.push_screen(ConfirmDialog("Resend", text, action="Resend"), done)

    def resent(self, report) -> None:
        if report.sent:
            self.notify(f"resent: {report.summary()}")
        else:
            self.notify_error(f"not sent: {report.first_error() or report.summary()}")
        self.action_refresh_outbox()

    def action_resume_job(self) -> None:
        row = self.selected()
        if row is None or not row.job:
            self.notify("the selected message belongs to no bulk job", severity="warning")
            return
        job = row.job

        def done(ok: bool | None) -> None:
            if ok:
                self.query_one("#mail-tabs", TabbedContent).active = "compose"
                self.start_job(None, None, job=job)

        self.app.push_screen(
            ConfirmDialog(
                "Resume",
                f"Resume job {job}: send its queued messages (never the sent ones)?",
                action="Resume",
            ),
            done,
        )
