"""Bulk jobs: one message per recipient, recorded as an outbox job, sent resumably.

``create_job`` renders and queues every message (key ``JOB:ADDRESS``, so a job
created twice never mails anyone twice); ``send_bulk(job)`` delivers what is
still queued — after a crash or a cancel, calling it again sends only the rest.
Recipients come from ``recipients_from_query``: field filters over
subscriptions (the accepted participants of a course by default) or users.
"""

from __future__ import annotations

import re
import shlex
import uuid
from dataclasses import dataclass

import peewee as pw

from tqconsole.errors import InvalidInput
from tqconsole.models import Course, Subscribe, User
from tqconsole.models.choices import SubscribeState


@dataclass
class Recipient:
    address: str
    context: dict  # fills {placeholders} of subject and body for this recipient
    record: str = ""  # TABLE/PK the message was rendered from


QUERY_HELP = (
    "words FIELD=VALUE[,VALUE…] or FIELD~TEXT over courses_subscribe (course, state, "
    "paymentmethod, …; period=ID) or auth_user (email, is_staff, …), or users=WORD; "
    "subscriptions default to the accepted states"
)


def parse_query(text: str) -> list[tuple[str, str, str]]:
    """``course=12 state=confirmed,payed email~ethz`` → [(field, "=" or "~", value), …]."""
    try:
        words = shlex.split(text)
    except ValueError as exc:
        raise InvalidInput(f"recipients query: {exc}") from None
    terms = []
    for word in words:
        match = re.fullmatch(r"(\w+)([=~])(.*)", word)
        if not match or not match.group(3):
            raise InvalidInput(f"recipients query: cannot read {word!r} ({QUERY_HELP})")
        terms.append(match.groups())
    if not terms:
        raise InvalidInput(f"recipients query: say whom ({QUERY_HELP})")
    return terms


def coerce(field, text: str):
    """A typed value for ``field`` (numbers for ids, booleans, a known choice)."""
    if isinstance(field, pw.BooleanField):
        return text.lower() in ("1", "true", "yes", "on")
    if isinstance(field, pw.ForeignKeyField | pw.IntegerField | pw.AutoField):
        try:
            return int(text)
        except ValueError:
            raise InvalidInput(f"recipients query: {field.name}={text!r} is no number") from None
    if field.choices and text not in {value for value, _ in field.choices}:
        known = ", ".join(value for value, _ in field.choices)
        raise InvalidInput(f"recipients query: {field.name} is one of {known}, not {text!r}")
    return text


def condition(model, name: str, op: str, text: str):
    field = model._meta.fields[name]
    if op == "~":
        if not isinstance(field, pw.CharField | pw.TextField):
            raise InvalidInput(f"recipients query: {name}~ needs a text column")
        return field.contains(text)
    values = [coerce(field, v) for v in text.split(",") if v]
    return field == values[0] if len(values) == 1 else field.in_(values)


def in_period(text: str):
    """Subscriptions to courses of a period (their own, else their offering's)."""
    try:
        period = int(text)
    except ValueError:
        raise InvalidInput(f"recipients query: period={text!r} is no id") from None
    return Subscribe.course.in_(Course.of_periods([period]).select(Course.id))


def recipients_from_query(text: str, limit: int = 20_000) -> list[Recipient]:
    """Who a query names, one entry per distinct address, in a stable order."""
    from tqconsole.services.mail_templates import subscription_context, user_context

    sub_terms, user_terms = [], []
    states_given = False
    for name, op, value in parse_query(text):
        if name == "users":
            word = f"%{value}%"
            user_terms.append(
                User.email.ilike(word) | User.first_name.ilike(word) | User.last_name.ilike(word)
            )
        elif name == "period":
            sub_terms.append(in_period(value))
        elif name in Subscribe._meta.fields:
            sub_terms.append(condition(Subscribe, name, op, value))
            states_given = states_given or name == "state"
        elif name in User._meta.fields:
            user_terms.append(condition(User, name, op, value))
        else:
            raise InvalidInput(f"recipients query: no field {name!r} ({QUERY_HELP})")
    found: list[Recipient] = []
    if sub_terms:
        if not states_given:
            sub_terms.append(Subscribe.state.in_(SubscribeState.ACCEPTED))
        subs = (
            Subscribe.select(Subscribe, User)
            .join(User, on=(Subscribe.user == User.id))
            .where(*sub_terms, *user_terms, User.email != "")
            .order_by(Subscribe.id)
            .limit(limit)
        )
        for sub in subs:
            context = subscription_context(sub)
            found.append(Recipient(sub.user.email, context, f"courses_subscribe/{sub.id}"))
    else:
        users = User.select().where(User.is_active, User.email != "", *user_terms)
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
    from_email: str | None = None,
    html: str | None = None,
    attachments: list[tuple[str, bytes, str | None]] = (),
    job: str | None = None,
    template: str = "",
) -> tuple[str, list[int]]:
    """Queue one message per recipient (placeholders filled); (job id, outbox ids)."""
    from tqconsole.backends.mail import EmailMultiAlternatives
    from tqconsole.services import outbox
    from tqconsole.services.mail_templates import fill

    if not recipients:
        raise InvalidInput("the job has no recipients")
    job = job or f"bulk-{uuid.uuid4().hex[:12]}"
    items = []
    for r in recipients:
        message = EmailMultiAlternatives(
            fill(subject, r.context), fill(body, r.context), from_email, [r.address]
        )
        if html:
            message.attach_alternative(fill(html, r.context), "text/html")
        for name, content, mimetype in attachments:
            message.attach(name, content, mimetype)
        items.append(
            outbox.outgoing(message, key=f"{job}:{r.address.lower()}", job=job, template=template)
        )
    return job, outbox.enqueue(items)


def job_from_draft(draft, recipients: list[Recipient], storages=None, job=None, template=""):
    """Queue a composed draft for every recipient (attachments read once); (job, ids)."""
    from dataclasses import replace

    from tqconsole.services.compose import build

    if not recipients:
        raise InvalidInput("the query names no recipient with an email address")
    first = build(replace(draft, to=recipients[0].address, cc="", bcc=""), storages)
    return create_job(
        draft.subject,
        draft.body,
        recipients,
        from_email=draft.from_email or None,
        html=first.alternatives[0].content if first.alternatives else None,
        attachments=[(a.filename, a.content, a.mimetype) for a in first.attachments],
        job=job,
        template=template,
    )


def send_bulk(job: str, connection=None, connections: int = 1, progress=None, cancelled=None):
    """Deliver what is still queued of ``job`` (resume after a crash or cancel)."""
    from datetime import datetime

    from tqconsole.services import outbox

    outbox.recover_interrupted(job=job)
    ids = outbox.due_ids(now=datetime.max, job=job, limit=1_000_000)
    return outbox.deliver(
        ids, connection=connection, connections=connections, progress=progress, cancelled=cancelled
    )
