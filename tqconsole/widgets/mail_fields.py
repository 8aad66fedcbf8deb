"""The compose form's fields: addresses, From, subject, attachments, template, query, body.

Addresses complete from the users' emails, From from the site's senders. What is
typed is followed as it changes (``typed``), so a draft outlives the fields.
"""

from __future__ import annotations

import asyncio

from textual.app import ComposeResult
from textual.containers import Grid, Vertical
from textual.suggester import Suggester, SuggestFromList
from textual.widgets import Input, Label, TextArea

from tqconsole.widgets.bindings import bind

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


class AddressSuggester(Suggester):
    """Completes the last address of the field from the users' emails (in a thread)."""

    def __init__(self, fields: MessageFields) -> None:
        super().__init__(use_cache=True, case_sensitive=False)
        self.fields = fields

    async def get_suggestion(self, value: str) -> str | None:
        from tqconsole.services.mail.compose import complete_address

        try:
            complete = self.fields.screen.with_database(complete_address)
            return await asyncio.to_thread(complete, value)
        except Exception:  # completion is a convenience; never an error
            return None


class MessageFields(Vertical):
    DEFAULT_CSS = """
    MessageFields { height: 1fr; }
    MessageFields #fields {
        grid-size: 2; grid-columns: 10 1fr; grid-rows: 1; height: auto; padding: 0 1;
    }
    MessageFields #fields Label { color: $text-muted; }
    MessageFields #fields Input { border: none; height: 1; padding: 0; background: $boost; }
    MessageFields #fields Input:focus { background: $primary 30%; }
    MessageFields #body { height: 1fr; min-height: 4; border: round $primary-darken-2; }
    MessageFields #body:focus { border: round $accent; }
    """
    BINDINGS = [
        bind("down", "app.focus_next", "Next field", show=False),
        bind("up", "app.focus_previous", "Previous field", show=False),
    ]

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002
        super().__init__(id=id)
        self.typed: dict = {}  # field → text as typed, kept when the screen closes

    def compose(self) -> ComposeResult:
        with Grid(id="fields"):
            for name, label, placeholder in FIELDS:
                yield Label(label)
                suggester = (
                    AddressSuggester(self)
                    if name in ("to", "cc", "bcc", "reply_to")
                    else SuggestFromList(self.senders(), case_sensitive=False)
                    if name == "from"
                    else None
                )
                if name == "from":
                    placeholder = self.sender_hint()
                yield Input(placeholder=placeholder, id=f"field-{name}", suggester=suggester)
        yield TextArea(id="body", soft_wrap=True, show_line_numbers=False)

    def on_mount(self) -> None:
        self.body.border_title = "Body"

    def senders(self) -> list[str]:
        """The configured sender first, then the site's other addresses."""
        first = self.app.settings.default_from_email
        return [first, *(a for a in self.app.settings.sender_addresses if a != first)]

    def sender_hint(self) -> str:
        others = [a.split("@")[0] + "@" for a in self.senders()[1:4]]
        return f"{self.senders()[0]} unless given · " + ", ".join(others) + " … (→ completes)"

    @property
    def body(self) -> TextArea:
        return self.query_one("#body", TextArea)

    def field(self, name: str) -> str:
        return self.query_one(f"#field-{name}", Input).value

    def draft(self, markdown_html: bool):
        from tqconsole.services.mail.compose import Draft

        return Draft(
            to=self.field("to"),
            cc=self.field("cc"),
            bcc=self.field("bcc"),
            reply_to=self.field("reply_to"),
            from_email=self.field("from").strip(),
            subject=self.field("subject"),
            body=self.body.text,
            markdown_html=markdown_html,
            attachments=[a.strip() for a in self.field("attachments").split(",") if a.strip()],
        )

    def fill(self, draft) -> None:
        """The addresses, subject and body ``draft`` gives (a template's, a record's)."""
        for name in ("to", "cc", "bcc", "reply_to", "from", "subject"):
            value = getattr(draft, "from_email" if name == "from" else name)
            if value:
                self.query_one(f"#field-{name}", Input).value = value
        if draft.body:
            self.body.text = draft.body

    def restore(self, typed: dict) -> None:
        """Every field as ``typed`` (a kept draft; empty: a new message)."""
        for name, _, _ in FIELDS:
            self.query_one(f"#field-{name}", Input).value = str(typed.get(name) or "")
        self.body.text = str(typed.get("body") or "")
        self.typed = {k: v for k, v in typed.items() if k != "markdown_html"}

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id and event.input.id.startswith("field-"):
            self.typed[event.input.id.removeprefix("field-")] = event.value

    def on_text_area_changed(self, event: TextArea.Changed) -> None:
        if event.text_area.id == "body":
            self.typed["body"] = event.text_area.text
