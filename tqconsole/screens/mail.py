"""Mail: compose (addresses, template, query, attachments, preview, send or bulk job) and the outbox.

Locations: ``mail`` (compose), ``mail/compose/TABLE/PK`` (compose to the user of a
record: "email this user"), ``mail/outbox`` and ``mail/outbox/STATUS``.
"""

from __future__ import annotations

import asyncio
import functools
import os
import shlex
import subprocess
import tempfile
import threading

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Vertical
from textual.suggester import Suggester, SuggestFromList
from textual.widgets import Input, Label, ProgressBar, Static, TabbedContent, TabPane, TextArea

from tqconsole.screens.base import ConsoleScreen
from tqconsole.screens.mail_drafts import DraftsMixin
from tqconsole.screens.mail_jobs import BulkJobsMixin
from tqconsole.screens.mail_outbox import STATUSES, OutboxPanel
from tqconsole.widgets.dialogs.confirm import ConfirmDialog
from tqconsole.widgets.dialogs.viewer import TextViewer

FIELDS = (
    ("to", "To", "address, Name <address>, … (completes from users)"),
    ("cc", "Cc", ""),
    ("bcc", "Bcc", "only in the envelope, never in the headers"),
    ("from", "From", ""),  # its placeholder names the configured sender
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

PREVIEWED = 3  # recipients of a bulk job whose message the preview shows


class AddressSuggester(Suggester):
    """Completes the last address of the field from the users' emails (in a thread)."""

    def __init__(self, screen: MailScreen) -> None:
        super().__init__(use_cache=True, case_sensitive=False)
        self.screen = screen

    async def get_suggestion(self, value: str) -> str | None:
        from tqconsole.services.mail.compose import complete_address

        try:
            return await asyncio.to_thread(self.screen.with_database(complete_address), value)
        except Exception:  # completion is a convenience; never an error
            return None


class MailScreen(DraftsMixin, BulkJobsMixin, ConsoleScreen):
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
        Binding("down", "app.focus_next", "Next field", show=False, id="mail.next_field"),
        Binding("up", "app.focus_previous", "Previous field", show=False, id="mail.previous_field"),
    ]

    def __init__(self, tab: str = "compose", status: str = "all", record: str = "") -> None:
        super().__init__()
        self.tab = tab
        self.status = status
        self.record = record
        self.markdown_html = False
        self.job_cancel: threading.Event | None = None
        self.job_id = ""
        self.typed: dict = {}  # field → text as typed, kept when the screen closes
        from tqconsole.services.mail.compose import new_draft_id

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
                            else self.sender_suggester()
                            if name == "from"
                            else None
                        )
                        if name == "from":
                            placeholder = self.sender_hint()
                        yield Input(
                            placeholder=placeholder, id=f"field-{name}", suggester=suggester
                        )
                yield TextArea(id="body", soft_wrap=True, show_line_numbers=False)
                with Vertical(id="job"):
                    yield Static("", id="job-status")
                    yield ProgressBar(id="job-progress", show_eta=False)
                yield Static(self.compose_hint(), id="compose-status")
            with TabPane("Outbox", id="outbox"):
                yield OutboxPanel(self.status, id="outbox-panel")

    def senders(self) -> list[str]:
        """The configured sender first, then the site's other addresses."""
        first = self.settings.default_from_email
        return [first, *(a for a in self.settings.sender_addresses if a != first)]

    def sender_suggester(self) -> SuggestFromList:
        return SuggestFromList(self.senders(), case_sensitive=False)

    def sender_hint(self) -> str:
        others = [a.split("@")[0] + "@" for a in self.senders()[1:4]]
        return f"{self.senders()[0]} unless given · " + ", ".join(others) + " … (→ completes)"

    def compose_hint(self) -> str:
        html = "on" if self.markdown_html else "off"
        return f"ctrl+s send · ctrl+o preview · ctrl+g $EDITOR · ctrl+b HTML from Markdown: {html}"

    def on_mount(self) -> None:
        self.query_one("#body", TextArea).border_title = "Body"
        from tqconsole.services.mail.compose import list_drafts

        saved = list_drafts(self.settings.data_dir)
        if self.record:
            from tqconsole.services.mail.compose import draft_for_record

            self.run_blocking(
                draft_for_record, self.record, group="mail-record", done=self.fill_draft
            )
            if saved:
                self.notify(f"{len(saved)} unsent draft(s) kept: ctrl+l lists them")
        elif saved and self.tab == "compose":
            self.call_after_refresh(self.pick_draft, saved)
        if self.tab == "outbox":
            self.call_after_refresh(self.outbox.load)
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
            self.outbox.action_refresh_outbox()
        self.call_after_refresh(self.focus_tab)

    def check_action(self, action: str, parameters) -> bool | None:
        compose_only = {"send", "preview", "apply_template", "editor", "toggle_html", "drafts"}
        if action in compose_only:
            return self.tab == "compose" and self.job_cancel is None
        if action == "cancel_job":
            return self.job_cancel is not None
        return True

    # --- the draft
    def field(self, name: str) -> str:
        return self.query_one(f"#field-{name}", Input).value

    def draft(self):
        from tqconsole.services.mail.compose import Draft

        return Draft(
            to=self.field("to"),
            cc=self.field("cc"),
            bcc=self.field("bcc"),
            reply_to=self.field("reply_to"),
            from_email=self.field("from").strip(),
            subject=self.field("subject"),
            body=self.query_one("#body", TextArea).text,
            markdown_html=self.markdown_html,
            attachments=[a.strip() for a in self.field("attachments").split(",") if a.strip()],
        )

    def fill_draft(self, draft) -> None:
        for name in ("to", "cc", "bcc", "reply_to", "from", "subject"):
            value = getattr(draft, "from_email" if name == "from" else name)
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
        from tqconsole.services.mail.compose import Draft
        from tqconsole.services.mail.templates import load_record, recipient, render

        record = load_record(ref)
        subject, body = render(name, record, self.backends.get("email"))
        return Draft(to=recipient(record), subject=subject, body=body)

    def storages(self):
        from tqconsole.services.mail.compose import BucketStorages

        return BucketStorages(self.backends)

    def prepare(self, draft, query: str):
        """In a thread: the message (for one) or the recipients and a sample (for a query)."""
        from dataclasses import replace

        from tqconsole.errors import InvalidInput
        from tqconsole.services.mail.bulk import check_draft, earlier_jobs, recipients_from_query
        from tqconsole.services.mail.compose import body_preview, build, preview
        from tqconsole.services.mail.templates import fill

        connection = self.backends.get("email")
        if not query:
            message = build(draft, connection, self.storages())
            return None, message, preview(message) + "\n\n" + body_preview(message), []
        recipients = recipients_from_query(query, connection)
        if not recipients:
            raise InvalidInput(f"query {query!r} names no recipient with an email address")
        check_draft(draft, recipients)
        samples = []
        for recipient in recipients[:PREVIEWED]:
            sample = replace(
                draft,
                to=recipient.address,
                cc="",
                bcc="",
                subject=fill(draft.subject, recipient.context),
                body=fill(draft.body, recipient.context),
            )
            try:
                samples.append(build(sample, connection, self.storages()))
            except InvalidInput as exc:
                raise InvalidInput(f"{recipient.record or recipient.address}: {exc}") from None
        text = [
            f"bulk job: {len(recipients)} messages, one per recipient of the query "
            "(To, Cc and Bcc are not used); the first:\n",
            preview(samples[0]),
        ]
        for n, message in enumerate(samples, 1):
            text += ["", f"=== {n} of {len(recipients)}: {message.to[0]}"]
            text += [f"Subject: {message.subject}", body_preview(message)]
        return recipients, samples[0], "\n".join(text), earlier_jobs(query, draft)

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
        from tqconsole.services.mail.sending import send_messages

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
        from tqconsole.services.mail.compose import discard_draft, new_draft_id

        for name, _, _ in FIELDS:
            self.query_one(f"#field-{name}", Input).value = ""
        self.query_one("#body", TextArea).text = ""
        discard_draft(self.settings.data_dir, self.draft_id)
        self.draft_id = new_draft_id()
        self.typed = {}

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
    @property
    def outbox(self) -> OutboxPanel:
        return self.query_one(OutboxPanel)
