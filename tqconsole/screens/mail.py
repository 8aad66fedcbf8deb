"""Mail: the compose form and the outbox, a tab each.

Locations: ``mail`` (compose), ``mail/compose/TABLE/PK`` (compose to the user of a
record: "email this user"), ``mail/outbox`` and ``mail/outbox/STATUS``.

The panels (``widgets/mail_compose.py``, ``widgets/mail_outbox.py``) own what they
show and carry their help. The screen binds the compose keys (priority keys: they
act from every field), runs the blocking work with the outbox's models bound, and
polls the outbox.
"""

from __future__ import annotations

import functools

from textual.app import ComposeResult
from textual.widgets import TabbedContent, TabPane

from tqconsole.screens.base import ConsoleScreen
from tqconsole.widgets.bindings import bind
from tqconsole.widgets.mail_compose import ComposeForm
from tqconsole.widgets.mail_jobs import JobPanel
from tqconsole.widgets.mail_outbox import REFRESH_SECONDS, STATUSES, OutboxPanel
from tqconsole.widgets.tabs import KeyTabs

# what the compose form does, offered on its tab while no bulk job runs
COMPOSE_ACTIONS = frozenset(
    {"send", "preview", "apply_template", "editor", "toggle_html", "drafts"}
)


class MailScreen(ConsoleScreen):
    route = "mail"
    crumb = "Mail"
    DEFAULT_CSS = """
    MailScreen TabbedContent { height: 1fr; }
    MailScreen TabPane { padding: 0; }
    """
    BINDINGS = [
        bind("mail.switch_tab", "switch_tab", priority=True),
        bind("mail.send", "send", priority=True),
        bind("mail.preview", "preview", priority=True),
        bind("mail.template", "apply_template", priority=True),
        bind("mail.editor", "editor", priority=True),
        bind("mail.html", "toggle_html", priority=True),
        bind("cancel", "cancel_job", "Cancel job", priority=True),
        bind("mail.drafts", "drafts", priority=True),
    ]

    def __init__(self, tab: str = "compose", status: str = "all", record: str = "") -> None:
        super().__init__()
        self.tab = tab
        self.status = status
        self.record = record

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

    @property
    def HELP(self) -> str:
        """The help of the tab in view (``?``)."""
        return (self.outbox if self.tab == "outbox" else self.compose_form).HELP

    def with_database(self, fn):
        """``fn`` with the models bound first: every mail action reads or writes the outbox."""

        @functools.wraps(fn)
        def call(*args):
            self.backends.database  # noqa: B018 - opening it binds the models
            return fn(*args)

        return call

    def run_blocking(self, fn, *args, **kwargs):
        return super().run_blocking(self.with_database(fn), *args, **kwargs)

    # --- the panels
    def compose_body(self) -> ComposeResult:
        with KeyTabs(initial=self.tab, id="mail-tabs"):
            with TabPane("Compose", id="compose"):
                offer_drafts = self.tab == "compose"
                yield ComposeForm(self.record, offer_drafts, id="compose-form")
            with TabPane("Outbox", id="outbox"):
                yield OutboxPanel(self.status, id="outbox-panel")

    @property
    def compose_form(self) -> ComposeForm:
        return self.query_one(ComposeForm)

    @property
    def outbox(self) -> OutboxPanel:
        return self.query_one(OutboxPanel)

    def on_mount(self) -> None:
        if self.tab == "outbox":
            self.call_after_refresh(self.outbox.load)
        self.poll("mail-outbox-poll", REFRESH_SECONDS, None, self.outbox.auto_refresh)
        self.focus_tab()

    def action_switch_tab(self) -> None:
        tabs = self.query_one("#mail-tabs", TabbedContent)
        # the focus leaves the pane before it hides: Textual would hand it to a hidden
        # sibling field, and the pane of that field would take the tab back
        self.set_focus(None)
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
        job_running = any(jobs.running for jobs in self.query(JobPanel))
        if action in COMPOSE_ACTIONS:
            return self.tab == "compose" and not job_running
        if action == "cancel_job":
            return job_running
        return True

    # --- the compose keys
    def action_send(self) -> None:
        self.compose_form.send()

    def action_preview(self) -> None:
        self.compose_form.preview()

    def action_apply_template(self) -> None:
        self.compose_form.apply_template()

    def action_editor(self) -> None:
        self.compose_form.open_editor()

    def action_toggle_html(self) -> None:
        self.compose_form.toggle_html()

    def action_drafts(self) -> None:
        self.compose_form.show_drafts()

    def action_cancel_job(self) -> None:
        self.compose_form.jobs.cancel()

    # --- bulk jobs: run on the compose tab, their messages listed in the outbox
    def on_outbox_panel_resume(self, event: OutboxPanel.Resume) -> None:
        self.query_one("#mail-tabs", TabbedContent).active = "compose"
        self.compose_form.jobs.start_job(None, None, job=event.job)

    def on_job_panel_finished(self, event: JobPanel.Finished) -> None:
        self.outbox.show_job(event.job_id)
