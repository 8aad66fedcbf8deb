"""The site's mails as templates, rendered from records.

Placeholders are ``str.format`` fields filled from a subscription (user, course,
period, start, price, open amount, USI, payment instructions); unknown fields
stay as written, so a staff member's ``{`` never breaks a message.  The payment
details come from the settings of the mail connection handed down (a profile's
``payment_iban``), never from a configuration loaded here.
"""

from __future__ import annotations

import string
from dataclasses import dataclass

from tqconsole.errors import InvalidInput, NotFound
from tqconsole.models import Rejection, Subscribe, User, by_table
from tqconsole.models.choices import RejectionReason
from tqconsole.services.amounts import course_start, open_amount, price_to_pay

GREETING = "Hello {first_name}\n\n"
SIGNATURE = "\n\nKind regards\nTanzquotient\n"
PAYMENT = (
    "Please transfer CHF {open_amount} to {payment_account}, IBAN {payment_iban},\n"
    "with the reference USI-{usi} so that we can match your payment.\n"
)

REJECTION_REASONS = {
    RejectionReason.UNKNOWN: "Unfortunately we cannot offer you a place in this course.",
    RejectionReason.REQUIREMENTS_NOT_MET: (
        "Unfortunately you do not meet the requirements of this course (level or earlier "
        "courses). Have a look at our other courses of this semester."
    ),
    RejectionReason.OVERBOOKED: (
        "Unfortunately the course is overbooked and we could not give you a place."
    ),
    RejectionReason.NO_PARTNER: (
        "Unfortunately we could not find a partner for you in this couple course."
    ),
    RejectionReason.USER_CANCELLED: "As you asked, we have cancelled your subscription.",
    RejectionReason.ILLEGITIMATE: "Your subscription was not valid and has been removed.",
    RejectionReason.BANNED: "We cannot accept your subscription.",
    RejectionReason.COURSE_CANCELLED: (
        "Unfortunately the course has been cancelled. If you paid already, we will reimburse you."
    ),
}


@dataclass(frozen=True)
class MailTemplate:
    name: str
    title: str
    subject: str
    body: str
    table: str = "courses_subscribe"


def _templates() -> dict[str, MailTemplate]:
    items = [
        MailTemplate(
            "subscription_received",
            "subscription confirmation",
            "Your subscription for {course}",
            "we have received your subscription for {course} ({period}, starting {start}).\n"
            "We will let you know whether you get a place.",
        ),
        MailTemplate(
            "participation_confirmed",
            "participation confirmation",
            "Participation confirmed: {course}",
            "you have a place in {course} ({period}, starting {start}).\n\n"
            "The price is CHF {price}; still open: CHF {open_amount}.\n" + PAYMENT,
        ),
        MailTemplate(
            "waiting_list",
            "moved to the waiting list",
            "Waiting list: {course}",
            "{course} is full at the moment, so you are on its waiting list.\n"
            "We will write to you as soon as a place becomes free.",
        ),
        MailTemplate(
            "payment_reminder",
            "payment reminder",
            "Payment reminder: {course}",
            "according to our records your payment for {course} is still open.\n\n"
            "Open amount: CHF {open_amount}.\n" + PAYMENT + "\nIf you have paid in the "
            "meantime, please ignore this message.",
        ),
    ]
    for reason, text in REJECTION_REASONS.items():
        items.append(
            MailTemplate(
                f"rejection_{reason}",
                f"rejection: {reason.replace('_', ' ')}",
                "Your subscription for {course}",
                f"thank you for your interest in {{course}}.\n{text}",
            )
        )
    return {t.name: t for t in items}


TEMPLATES = _templates()


def fill(text: str, context: dict) -> str:
    """``text`` with known ``{fields}`` filled; unknown ones stay, a lone brace leaves all as is."""
    try:
        parts = list(string.Formatter().parse(text))
    except ValueError:
        return text
    out = []
    for literal, name, spec, conversion in parts:
        out.append(literal)
        if name is None:
            continue
        value = context.get(name)
        if value is None or spec or conversion:
            out.append(
                "{"
                + name
                + (f"!{conversion}" if conversion else "")
                + (f":{spec}" if spec else "")
                + "}"
            )
        else:
            out.append(str(value))
    return "".join(out)


def payment_details(connection) -> dict[str, str]:
    """From the connection's settings (None: the defaults)."""
    from tqconsole.backends.mail.message import option

    return {
        "payment_account": str(option(connection, "payment_account", "Tanzquotient, 8092 Zürich")),
        "payment_iban": str(option(connection, "payment_iban", "CH00 0000 0000 0000 0000 0")),
    }


def user_context(user: User) -> dict[str, str]:
    return {
        "first_name": user.first_name or user.username,
        "last_name": user.last_name,
        "full_name": user.full_name(),
        "email": user.email,
        "username": user.username,
    }


def subscription_context(sub: Subscribe, connection) -> dict[str, str]:
    course = sub.course
    start = course_start(course)
    period = course.effective_period()
    rejection = (
        Rejection.select().where(Rejection.subscription == sub.id).order_by(Rejection.id.desc())
    ).first()
    return {
        **user_context(sub.user),
        **payment_details(connection),
        "course": course.name,
        "period": period.name if period else "",
        "start": f"{start:%d.%m.%Y}" if start else "(date to be announced)",
        "price": f"{price_to_pay(sub):.2f}",
        "open_amount": f"{open_amount(sub):.2f}",
        "usi": sub.usi,
        "state": sub.state,
        "reason": rejection.reason if rejection else "",
    }


def load_record(ref: str):
    """``TABLE/PK`` → the model instance (NotFound, InvalidInput with one clear line)."""
    table, _, pk = ref.strip().partition("/")
    model = by_table(table)
    if model is None or not pk:
        raise InvalidInput(f"record {ref!r}: expected TABLE/PK, e.g. courses_subscribe/12")
    try:
        key = int(pk)
    except ValueError:
        raise InvalidInput(f"record {ref!r}: the primary key must be a number") from None
    record = model.get_or_none(model._meta.primary_key == key)
    if record is None:
        raise NotFound(f"no row {pk} in {table}")
    return record


def context_for(record, connection) -> dict[str, str]:
    if isinstance(record, Subscribe):
        return subscription_context(record, connection)
    if isinstance(record, User):
        return user_context(record)
    raise InvalidInput(
        f"templates are rendered from courses_subscribe or auth_user rows, not {record._meta.table_name}"
    )


def get_template(name: str) -> MailTemplate:
    try:
        return TEMPLATES[name]
    except KeyError:
        known = ", ".join(TEMPLATES)
        raise NotFound(f"no mail template {name!r} (known: {known})") from None


def render(name: str, record, connection) -> tuple[str, str]:
    """(subject, body) of template ``name`` for ``record``, for the mail ``connection``."""
    template = get_template(name)
    if template.table != record._meta.table_name:
        raise InvalidInput(f"template {name} is rendered from a {template.table} row")
    context = context_for(record, connection)
    subject = fill(template.subject, context)
    body = fill(GREETING + template.body + SIGNATURE, context)
    return subject, body


def recipient(record) -> str:
    """The address a record's mail goes to: the (subscribing) user's."""
    user = record.user if isinstance(record, Subscribe) else record
    if not user.email:
        raise InvalidInput(f"user {user.username} has no email address")
    return f"{user.full_name()} <{user.email}>" if user.first_name else user.email
