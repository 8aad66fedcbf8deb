"""Bulk jobs: one message per recipient, recorded as an outbox job, sent resumably.

``create_job`` renders and queues every message (key ``JOB:ADDRESS``, so a job
created twice never mails anyone twice); a job made from a draft is named
``bulk-FINGERPRINT-RANDOM``, the fingerprint of its query, subject, body and
attachments, so ``earlier_jobs`` finds the same message sent to the same query
before (sending it again is then a choice the user confirms); ``send_bulk(job)`` delivers what is
still queued — after a crash or a cancel, calling it again sends only the rest.
Recipients come from ``recipients_from_query``: a model-browser filter over
subscriptions (the accepted ones unless the filter names a state) or users.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import datetime

import peewee as pw

from tqconsole.errors import InvalidInput
from tqconsole.models import Course, Subscribe, User
from tqconsole.models.choices import SubscribeState
from tqconsole.services.db.filter_language import Compare, FilterError, compile_node, parse


@dataclass
class Recipient:
    address: str
    context: dict  # fills {placeholders} of subject and body for this recipient
    record: str = ""  # TABLE/PK the message was rendered from


QUERY_HELP = (
    "[subscriptions:|users:] and a model-browser filter, e.g. course.name~salsa "
    "state=confirmed, period=3, or users: is_staff=true; subscriptions default to "
    "the accepted states"
)
TABLES = {"subscriptions": Subscribe, "courses_subscribe": Subscribe}
TABLES.update(users=User, auth_user=User)
PERIOD = re.compile(r"(?<!\S)period=(\d+)(?!\S)", re.IGNORECASE)


def split_query(text: str) -> tuple[type[pw.Model], str, int]:
    """``users: is_staff=true`` → (User, "is_staff=true", offset of the filter)."""
    match = re.match(r"\s*(\w+)\s*:\s*", text)
    if not match:
        return Subscribe, text, 0
    model = TABLES.get(match.group(1).lower())
    if model is None:
        known = ", ".join(TABLES)
        raise InvalidInput(f"recipients query: no table {match.group(1)!r} (one of {known})")
    return model, text[match.end() :], match.end()


def mentions_state(node) -> bool:
    if isinstance(node, Compare):
        return node.path == ["state"]
    parts = getattr(node, "parts", None) or [getattr(node, "part", None)]
    return any(mentions_state(p) for p in parts if p is not None)


def in_period(period: int):
    """Subscriptions to courses of a period (their own, else their offering's)."""
    return Subscribe.course.in_(Course.of_periods([period]).select(Course.id))


def query_condition(text: str) -> tuple[type[pw.Model], list]:
    """The table a recipients query names and its WHERE terms (InvalidInput if bad).

    ``period=ID`` is the one word of its own: a course's period is its own or its
    offering's, which no column holds.
    """
    model, filter_text, offset = split_query(text)
    terms = []
    if model is Subscribe:
        for match in PERIOD.finditer(filter_text):
            terms.append(in_period(int(match.group(1))))
        filter_text = PERIOD.sub(lambda m: " " * len(m.group(0)), filter_text)
    try:
        node = parse(filter_text)
        if node is not None:
            terms.append(compile_node(model, node))
    except FilterError as exc:
        raise FilterError(f"recipients query: {exc.message}", exc.position + offset) from None
    if not terms:
        raise InvalidInput(f"recipients query: say whom ({QUERY_HELP})")
    if model is Subscribe and not (node is not None and mentions_state(node)):
        terms.append(Subscribe.state.in_(SubscribeState.ACCEPTED))
    return model, terms


def recipients_from_query(text: str, connection, limit: int = 20_000) -> list[Recipient]:
    """Who a query names, one entry per distinct address, in a stable order.

    ``connection`` is the mail backend (its settings fill the payment details).
    """
    from tqconsole.services.mail.templates import subscription_context, user_context

    model, terms = query_condition(text)
    found: list[Recipient] = []
    if model is Subscribe:
        subs = (
            Subscribe.select(Subscribe, User)
            .join(User, on=(Subscribe.user == User.id))
            .where(*terms, User.email != "")
            .order_by(Subscribe.id)
            .limit(limit)
        )
        for sub in subs:
            context = subscription_context(sub, connection)
            found.append(Recipient(sub.user.email, context, f"courses_subscribe/{sub.id}"))
    else:
        users = User.select().where(User.is_active, User.email != "", *terms)
        for user in users.order_by(User.id).limit(limit):
            found.append(Recipient(user.email, user_context(user), f"auth_user/{user.id}"))
    seen: set[str] = set()
    unique = []
    for r in found:
        if r.address.lower() not in seen:
            seen.add(r.address.lower())
            unique.append(r)
    return unique


def create_job(
    subject: str,
    body: str,
    recipients: list[Recipient],
    connection,
    from_email: str | None = None,
    html: str | None = None,
    attachments: list[tuple[str, bytes, str | None]] = (),
    job: str | None = None,
    template: str = "",
) -> tuple[str, list[int]]:
    """Queue one message per recipient (placeholders filled); (job id, outbox ids).

    A message that cannot be built (a line break from a record in a header, a bad
    address) refuses the whole job, naming the record: nobody is mailed.
    """
    from tqconsole.backends.mail import EmailMultiAlternatives
    from tqconsole.services.mail import outbox
    from tqconsole.services.mail.templates import fill

    if not recipients:
        raise InvalidInput("the job has no recipients")
    job = job or f"bulk-{uuid.uuid4().hex[:12]}"
    items = []
    for r in recipients:
        try:
            message = EmailMultiAlternatives(
                fill(subject, r.context),
                fill(body, r.context),
                from_email,
                [r.address],
                connection=connection,
            )
            if html:
                message.attach_alternative(fill(html, r.context), "text/html")
            for name, content, mimetype in attachments:
                message.attach(name, content, mimetype)
            key = f"{job}:{r.address.lower()}"
            items.append(outbox.outgoing(message, key=key, job=job, template=template))
        except InvalidInput as exc:
            raise InvalidInput(f"{r.record or r.address!r}: {exc}; nothing queued") from None
    return job, outbox.enqueue(items)


def fingerprint(query: str, draft) -> str:
    """What makes two bulk messages the same: the query (spacing aside) and the draft's content."""
    import hashlib
    import json

    parts = [" ".join(query.split()), draft.from_email, draft.subject, draft.body, draft.html]
    parts += [draft.markdown_html, sorted(draft.attachments)]
    return hashlib.sha256(json.dumps(parts).encode()).hexdigest()[:12]


@dataclass
class EarlierJob:
    job: str
    messages: int
    sent: int
    started: datetime  # when its first message was queued

    def describe(self) -> str:
        return (
            f"job {self.job} of {self.started:%d.%m.%Y %H:%M} ({self.sent} of {self.messages} sent)"
        )


def earlier_jobs(query: str, draft) -> list[EarlierJob]:
    """Jobs that sent the same message to the same query, the newest first."""
    from tqconsole.models.mail import Email, EmailStatus, OutboxEntry

    sent = pw.fn.SUM(pw.Case(None, [(Email.status == EmailStatus.SENT, 1)], 0))
    rows = (
        OutboxEntry.select(OutboxEntry.job, pw.fn.COUNT(Email.id), sent, pw.fn.MIN(Email.created))
        .join(Email, on=(Email.id == OutboxEntry.email_id))
        .where(OutboxEntry.job.startswith(f"bulk-{fingerprint(query, draft)}-"))
        .group_by(OutboxEntry.job)
        .order_by(pw.fn.MIN(Email.created).desc())
        .tuples()
    )
    return [
        EarlierJob(job, n, int(s or 0), Email.created.python_value(started))
        for job, n, s, started in rows
    ]


def check_draft(draft, recipients: list[Recipient]) -> None:
    """Every ``{placeholder}`` of subject and body is one the recipients fill (InvalidInput)."""
    from tqconsole.services.mail.templates import check_placeholders

    if recipients:
        check_placeholders(recipients[0].context, subject=draft.subject, body=draft.body)


def job_from_draft(
    draft,
    recipients: list[Recipient],
    connection,
    storages=None,
    job=None,
    template="",
    query: str = "",
):
    """Queue a composed draft for every recipient (attachments read once); (job, ids)."""
    from dataclasses import replace

    from tqconsole.services.mail.compose import build

    if not recipients:
        raise InvalidInput("the query names no recipient with an email address")
    check_draft(draft, recipients)
    job = job or f"bulk-{fingerprint(query, draft)}-{uuid.uuid4().hex[:6]}"
    first = build(replace(draft, to=recipients[0].address, cc="", bcc=""), connection, storages)
    return create_job(
        draft.subject,
        draft.body,
        recipients,
        connection,
        from_email=draft.from_email or None,
        html=first.alternatives[0].content if first.alternatives else None,
        attachments=[(a.filename, a.content, a.mimetype) for a in first.attachments],
        job=job,
        template=template,
    )


def send_bulk(job: str, connection, connections: int = 1, progress=None, cancelled=None):
    """Deliver what is still queued of ``job`` (resume after a crash or cancel).

    A message a killed sender may have handed over is reported in ``uncertain``
    and not sent again (``outbox.resend`` does, when the user chooses to).
    """
    from tqconsole.services.mail import outbox

    uncertain = outbox.recover_interrupted(job=job)
    ids = outbox.due_ids(now=datetime.max, job=job, limit=1_000_000)
    report = outbox.deliver(
        ids, connection=connection, connections=connections, progress=progress, cancelled=cancelled
    )
    report.uncertain = uncertain
    return report
