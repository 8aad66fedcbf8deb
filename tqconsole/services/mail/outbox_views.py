"""Reading the outbox: one email with its logs and attachments, pages, counts, figures.

Pages come from ``TableWindow`` (keyset pagination, any position) over
``post_office_email``; counts by status are one GROUP BY on the status index,
kept for ``COUNTS_TTL`` seconds so a refreshing dashboard does not count the
whole table every time.
"""

from __future__ import annotations

import threading
import time as clock
import weakref
from dataclasses import dataclass, field
from datetime import date, datetime, time

from tqconsole.errors import InvalidInput, NotFound
from tqconsole.models.mail import (
    Attachment,
    AttachmentEmail,
    Email,
    EmailPriority,
    EmailStatus,
    Log,
    OutboxEntry,
)
from tqconsole.services.db.table_query import TableQuery, TableWindow, Window

COUNTS_TTL = 30.0  # seconds a status count is reused
PAGE_COLUMNS = (
    Email.id,
    Email.status,
    Email.priority,
    Email.to,
    Email.subject,
    Email.last_updated,
    Email.scheduled_time,
    Email.number_of_retries,
)
PAGE_HEADERS = ["id", "status", "priority", "to", "subject", "updated", "scheduled", "retries"]


def status_number(status: str | None) -> int | None:
    if not status:
        return None
    if status not in EmailStatus.BY_NAME:
        raise InvalidInput(
            f"unknown status {status!r} (use one of: {', '.join(EmailStatus.BY_NAME)})"
        )
    return EmailStatus.BY_NAME[status]


@dataclass
class LogRow:
    date: datetime
    status: str
    exception_type: str
    message: str


@dataclass
class OutboxRow:
    """One post_office email as the console shows it."""

    id: int
    status: str
    priority: str
    sender: str
    to: str
    cc: str
    bcc: str
    subject: str
    created: datetime
    updated: datetime
    scheduled_time: datetime | None
    expires_at: datetime | None
    retries: int
    template: str = ""
    key: str = ""
    job: str = ""
    sending: bool = False  # claimed by a sending run right now
    headers: dict = field(default_factory=dict)
    logs: list[LogRow] = field(default_factory=list)
    attachments: list[tuple[str, str, str]] = field(default_factory=list)  # name, type, file
    message: bytes = b""  # exactly as sent (or as it would be sent)

    @property
    def recipients(self) -> list[str]:
        return [r.strip() for part in (self.to, self.cc, self.bcc) for r in part.split(",") if r]

    @property
    def attempts(self) -> int:
        return len(self.logs)

    @property
    def error(self) -> str:
        """The last failed attempt's message."""
        failed = [log for log in self.logs if log.status == "failed"]
        return failed[-1].message if failed else ""

    def as_dict(self) -> dict:
        return {
            "id": self.id,
            "status": self.status,
            "priority": self.priority,
            "from": self.sender,
            "to": self.to,
            "cc": self.cc,
            "bcc": self.bcc,
            "recipients": self.recipients,
            "subject": self.subject,
            "created": self.created.isoformat(),
            "updated": self.updated.isoformat(),
            "scheduled_time": self.scheduled_time.isoformat() if self.scheduled_time else None,
            "expires_at": self.expires_at.isoformat() if self.expires_at else None,
            "retries": self.retries,
            "template": self.template,
            "key": self.key,
            "job": self.job,
            "attempts": self.attempts,
            "error": self.error,
            "sending": self.sending,
            "logs": [
                {"date": log.date.isoformat(), "status": log.status}
                | {"exception_type": log.exception_type, "message": log.message}
                for log in self.logs
            ],
        }


def _row(email: Email, entry: OutboxEntry | None) -> OutboxRow:
    template = entry.template if entry and entry.template else ""
    return OutboxRow(
        id=email.id,
        status=EmailStatus.name(email.status),
        priority=EmailPriority.name(email.priority),
        sender=email.from_email,
        to=email.to,
        cc=email.cc,
        bcc=email.bcc,
        subject=email.subject,
        created=email.created,
        updated=email.last_updated,
        scheduled_time=email.scheduled_time,
        expires_at=email.expires_at,
        retries=email.number_of_retries or 0,
        template=template,
        key=entry.key if entry else "",
        job=entry.job if entry else "",
        sending=bool(entry and entry.claim),
        headers=email.headers if isinstance(email.headers, dict) else {},
    )


def _logs_of(ids: list[int]) -> dict[int, list[LogRow]]:
    logs: dict[int, list[LogRow]] = {pk: [] for pk in ids}
    query = Log.select().where(Log.email.in_(ids)).order_by(Log.date, Log.id)
    for log in query:
        status = "sent" if log.status == EmailStatus.SENT else "failed"
        logs[log.email_id].append(LogRow(log.date, status, log.exception_type, log.message))
    return logs


def side_table() -> bool:
    """Whether the console's side table exists (``init`` creates it; the site's data
    is read without it)."""
    from tqconsole.services.db.schema import live_table

    return not live_table(OutboxEntry).drift.absent


def _entries(ids: list[int]) -> dict[int, OutboxEntry]:
    if not side_table():
        return {}
    query = OutboxEntry.select(
        OutboxEntry.email_id,
        OutboxEntry.key,
        OutboxEntry.job,
        OutboxEntry.template,
        OutboxEntry.claim,
    ).where(OutboxEntry.email_id.in_(ids))
    return {e.email_id: e for e in query}


def get_email(email_id: int, with_message: bool = True) -> OutboxRow:
    """One email with its logs and attachments (and the bytes as sent, unless not wanted)."""
    email = Email.get_or_none(Email.id == email_id)
    if email is None:
        raise NotFound(f"no message #{email_id} in the outbox")
    entry = _entries([email_id]).get(email_id)
    row = _row(email, entry)
    row.logs = _logs_of([email_id])[email_id]
    row.attachments = [
        (a.name, a.mimetype, a.file)
        for a in Attachment.select()
        .join(AttachmentEmail)
        .where(AttachmentEmail.email == email_id)
        .order_by(Attachment.id)
    ]
    if with_message:
        data = OutboxEntry.select(OutboxEntry.data).where(OutboxEntry.email_id == email_id)
        stored = data.scalar() if entry else None
        row.message = wire_message(email_id, stored)[2]
    return row


def list_outbox(
    status: str | None = None, limit: int = 200, job: str | None = None, before: int | None = None
) -> list[OutboxRow]:
    """The newest emails first (without their bytes), optionally by status or job."""
    number = status_number(status)
    query = Email.select().order_by(Email.id.desc()).limit(limit)
    if number is not None:
        query = query.where(Email.status == number)
    if job:  # a job is the console's: without its side table there is none
        if not side_table():
            return []
        query = query.where(
            Email.id.in_(OutboxEntry.select(OutboxEntry.email_id).where(OutboxEntry.job == job))
        )
    if before:
        query = query.where(Email.id < before)
    emails = list(query)
    ids = [e.id for e in emails]
    entries = _entries(ids)
    logs = _logs_of(ids)
    rows = []
    for email in emails:
        row = _row(email, entries.get(email.id))
        row.logs = logs[email.id]
        rows.append(row)
    return rows


def envelope(from_email: str, to: str, cc: str, bcc: str) -> tuple[str, list[str]]:
    """The SMTP envelope of post_office's columns: bare addresses."""
    from tqconsole.backends.mail.message import addr_spec, split_addresses

    recipients = [addr_spec(a) for a in split_addresses(", ".join((to, cc, bcc)))]
    return addr_spec(from_email), recipients


def wire_message(email_id: int, data: bytes | None) -> tuple[str, list[str], bytes]:
    """(envelope sender, recipients, bytes): the console's stored bytes, else built from
    post_office's columns as post_office's ``email_message()`` builds them."""
    from tqconsole.backends.mail.message import EmailMultiAlternatives, split_addresses

    email = Email.get_by_id(email_id)
    sender, recipients = envelope(email.from_email, email.to, email.cc, email.bcc)
    if data is not None:
        return sender, recipients, bytes(data)
    attached = AttachmentEmail.select().where(AttachmentEmail.email == email_id).count()
    if attached:
        raise InvalidInput(
            f"message #{email_id} has {attached} attachment(s) in the site's media storage: "
            "the site's workers deliver it"
        )
    headers = email.headers if isinstance(email.headers, dict) else {}
    message = EmailMultiAlternatives(
        email.subject,
        email.message,
        email.from_email,
        split_addresses(email.to),
        bcc=split_addresses(email.bcc),
        cc=split_addresses(email.cc),
        headers=headers,
    )
    if email.html_message:
        message.attach_alternative(email.html_message, "text/html")
    return sender, recipients, message.as_bytes()


class OutboxWindow(TableWindow):
    """The outbox as a windowed table: newest first, status and priority by name
    (a bulk job's rows only, with ``job``: the console's side table must exist)."""

    def __init__(self, db, status: str | None = None, job: str | None = None):
        number = status_number(status)
        where = None if number is None else Email.status == number
        if job:
            in_job = Email.id.in_(
                OutboxEntry.select(OutboxEntry.email_id).where(OutboxEntry.job == job)
            )
            where = in_job if where is None else where & in_job
        query = TableQuery(Email, where, Email.id, descending=True)
        query.fields = list(PAGE_COLUMNS)
        super().__init__(db, query)

    @property
    def headers(self) -> list[str]:
        return PAGE_HEADERS

    def fetch(self, start: int, count: int) -> Window:
        window = super().fetch(start, count)
        for row in window.rows:
            row.cells[1] = EmailStatus.name(int(row.cells[1])) if row.cells[1] else "unknown"
            row.cells[2] = EmailPriority.name(int(row.cells[2])) if row.cells[2] else ""
        return window


_counts: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_counts_lock = threading.Lock()


def status_counts(job: str | None = None, max_age: float = 0.0) -> dict[str, int]:
    """Emails by status name: one GROUP BY on the status index.

    ``max_age`` > 0 reuses the last whole-outbox count of this database that young
    (a refreshing screen passes ``COUNTS_TTL``, so it does not count every time).
    """
    from peewee import fn

    from tqconsole.models import database

    db = database.obj
    now = clock.monotonic()
    if job is None and max_age > 0:
        with _counts_lock:
            cached = _counts.get(db)
        if cached and now - cached[0] < max_age:
            return dict(cached[1])
    counts = dict.fromkeys(EmailStatus.BY_NAME, 0)
    query = Email.select(Email.status, fn.COUNT(Email.id)).group_by(Email.status)
    if job is not None:
        if not side_table():
            return counts
        query = query.join(OutboxEntry, on=(OutboxEntry.email_id == Email.id)).where(
            OutboxEntry.job == job
        )
    for status, n in query.tuples():
        counts[EmailStatus.name(status)] = counts.get(EmailStatus.name(status), 0) + n
    if job is None:
        with _counts_lock:
            _counts[db] = (now, counts)
    return dict(counts)


def outbox_figures(today: date | None = None) -> list[tuple[str, str]]:
    """Sent and failed today (a range on the ``last_updated`` index), waiting (status index)."""
    start = datetime.combine(today or date.today(), time(0))
    today_rows = Email.select().where(Email.last_updated >= start)
    sent = today_rows.where(Email.status == EmailStatus.SENT).count()
    failed = today_rows.where(Email.status == EmailStatus.FAILED).count()
    waiting = Email.select().where(Email.status.in_(EmailStatus.WAITING)).count()
    return [
        ("sent today", f"{sent:,}"),
        ("failed today", f"{failed:,}"),
        ("queued", f"{waiting:,}"),
    ]
