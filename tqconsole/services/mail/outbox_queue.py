"""Queueing into the outbox: post_office emails, as the site's ``mail.send`` writes them.

``enqueue`` writes one ``post_office_email`` row per message (status queued, the
priority, scheduled time and template given, ``number_of_retries`` NULL as
post_office leaves it) and the console's ``tqconsole_outboxentry`` beside it:
the idempotency key (a key already in the outbox keeps its email, so re-running
a job never duplicates a message), the job, and the exact bytes to hand over.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from tqconsole.backends.mail.message import forbid_newlines
from tqconsole.errors import InvalidInput, SchemaMissing
from tqconsole.models import database
from tqconsole.models.mail import Email, EmailPriority, EmailStatus, OutboxEntry
from tqconsole.services.db.audit import audited

# post_office's columns the console writes, in the order of ``email_values``
EMAIL_FIELDS = (
    Email.from_email,
    Email.to,
    Email.cc,
    Email.bcc,
    Email.subject,
    Email.message,
    Email.html_message,
    Email.status,
    Email.priority,
    Email.created,
    Email.last_updated,
    Email.scheduled_time,
    Email.headers,
    Email.context,
    Email.template,
    Email.backend_alias,
)
ENTRY_FIELDS = (
    OutboxEntry.email_id,
    OutboxEntry.key,
    OutboxEntry.job,
    OutboxEntry.template,
    OutboxEntry.data,
    OutboxEntry.claim,
)
ROWS_PER_STATEMENT = 200


@dataclass
class Outgoing:
    """One message ready for the outbox: envelope, bytes, post_office's columns and its key."""

    key: str
    sender: str
    recipients: list[str]
    subject: str
    data: bytes
    job: str = ""
    template: str = ""
    from_email: str = ""  # as written in From (with a display name); the sender if empty
    to: list[str] = field(default_factory=list)
    cc: list[str] = field(default_factory=list)
    bcc: list[str] = field(default_factory=list)
    body: str = ""
    html: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    priority: int = EmailPriority.MEDIUM  # the site's default priority
    template_id: int | None = None  # a post_office_emailtemplate row
    context: dict | None = None
    scheduled_time: datetime | None = None

    def __post_init__(self) -> None:
        # the envelope and subject are stored and shown apart from the bytes
        forbid_newlines("Subject", self.subject)
        for address in (self.sender, *self.recipients):
            forbid_newlines("address", address)
        if self.priority not in EmailPriority.NAMES:
            raise InvalidInput(
                f"unknown priority {self.priority!r} (use one of: "
                f"{', '.join(EmailPriority.BY_NAME)})"
            )

    def email_values(self, now: datetime) -> tuple:
        return (
            self.from_email or self.sender,
            ", ".join(self.to or self.recipients),
            ", ".join(self.cc),
            ", ".join(self.bcc),
            self.subject,
            self.body,
            self.html,
            EmailStatus.QUEUED,
            self.priority,
            now,
            now,
            self.scheduled_time,
            self.headers or None,
            self.context,
            self.template_id,
            "",
        )


def outgoing(
    message,
    key: str | None = None,
    job: str = "",
    template: str = "",
    priority: int = EmailPriority.MEDIUM,
    template_id: int | None = None,
    context: dict | None = None,
) -> Outgoing:
    """Render a message (EmailMessage) for the outbox; a random key unless given."""
    sender, recipients = message.envelope()
    if not recipients:
        raise InvalidInput("the message has no recipients")
    headers = {str(k): str(v) for k, v in message.extra_headers.items()}
    if message.reply_to and "Reply-To" not in headers:
        headers["Reply-To"] = ", ".join(message.reply_to)
    html = next((c for c, m in getattr(message, "alternatives", ()) if m == "text/html"), "")
    return Outgoing(
        key=key or f"adhoc:{uuid.uuid4().hex}",
        sender=sender,
        recipients=recipients,
        subject=str(message.subject)[:989],
        data=message.as_bytes(),
        job=job,
        template=template,
        from_email=str(message.from_email),
        to=list(message.to),
        cc=list(message.cc),
        bcc=list(message.bcc),
        body=str(message.body),
        html=str(html),
        headers=headers,
        priority=priority,
        template_id=template_id,
        context=context,
    )


def chunks(items: Sequence, size: int) -> Iterable[Sequence]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def ids_of_keys(keys: Sequence[str]) -> dict[str, int]:
    ids: dict[str, int] = {}
    for part in chunks(list(keys), 500):
        query = OutboxEntry.select(OutboxEntry.email_id, OutboxEntry.key).where(
            OutboxEntry.key.in_(list(part))
        )
        ids.update({key: pk for pk, key in query.tuples()})
    return ids


def enqueue(items: Sequence[Outgoing]) -> list[int]:
    """Record messages as queued; their post_office email ids in order (known keys: the old ids)."""
    if not items:
        return []
    from tqconsole.services.mail.outbox_views import side_table

    if not side_table():
        raise SchemaMissing(
            f"table {OutboxEntry._meta.table_name} does not exist in the database: "
            "run tqconsole init"
        )
    keys = [item.key for item in items]
    if len(set(keys)) != len(keys):
        raise InvalidInput("two messages share one idempotency key")
    now = datetime.now()
    # Known keys are read before the transaction: on SQLite a transaction that
    # reads first cannot wait for the write lock a sender thread holds.
    ids = ids_of_keys(keys)
    new = [item for item in items if item.key not in ids]
    with audited("mail.queue", Email._meta.table_name) as write:
        for part in chunks(new, ROWS_PER_STATEMENT):
            ids.update(zip([i.key for i in part], insert_emails(part, now), strict=True))
            insert_entries(part, ids)
        write.pk = items[0].job or ids[keys[0]]
        write.summary = {"queued": len(new), "known": len(items) - len(new)}
    return [ids[key] for key in keys]


def insert_rows(table: str, fields: Sequence, rows: list[tuple], returning: bool) -> list[int]:
    """One multi-row INSERT, written once with the values converted by their fields.

    peewee's query builder costs about 0.2 ms a row, more than the insert itself.
    """
    db = database.obj
    columns = ", ".join(db.quote_name(f.column_name) for f in fields)
    one_row = "(" + ", ".join([db.param] * len(fields)) + ")"
    params = [f.db_value(v) for row in rows for f, v in zip(fields, row, strict=True)]
    sql = (
        f"INSERT INTO {db.quote_name(table)} ({columns}) VALUES {', '.join([one_row] * len(rows))}"
    )
    if not returning:
        db.execute_sql(sql, params)
        return []
    # ids come in the order of the VALUES (one statement numbers its rows in order)
    return sorted(pk for (pk,) in db.execute_sql(f"{sql} RETURNING {db.quote_name('id')}", params))


def insert_emails(items: Sequence[Outgoing], now: datetime) -> list[int]:
    rows = [item.email_values(now) for item in items]
    return insert_rows(Email._meta.table_name, EMAIL_FIELDS, rows, returning=True)


def insert_entries(items: Sequence[Outgoing], ids: dict[str, int]) -> None:
    rows = [(ids[i.key], i.key, i.job, i.template, i.data, "") for i in items]
    insert_rows(OutboxEntry._meta.table_name, ENTRY_FIELDS, rows, returning=False)
