"""Payment reminders, by the site's daily rule (``remind_all_of_payments(14, 7)``):
confirmed subscriptions whose course's first lesson (else its period's start)
lies more than 14 days back, and whose last reminder is more than 7 days old,
each recorded in ``payment_paymentreminder`` with the day it was sent.  On
purpose (README) the console leaves out those with nothing open (the site
would remind a bank payment not yet processed).

``send_payment_reminders(today, connection=…)`` is the periodic job: the reminder row and the
queued message are written in one transaction (idempotency key
``payment_reminder:SUB:DAY``), then the messages are delivered; a run repeated
on the same day finds the reminders and sends nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from peewee import JOIN, Table, fn

from tqconsole.models import PaymentReminder, Subscribe
from tqconsole.models.choices import SubscribeState
from tqconsole.services.payments.amounts import (
    course_start,
    course_start_expression,
    open_amounts,
    with_course_start,
)

FIRST_AFTER = timedelta(days=14)
EVERY = timedelta(days=7)
TEMPLATE = "payment_reminder"


def first_lessons():
    """Per course, the day of its first lesson occurrence (a subquery), or None when
    the database has no lesson occurrences (the demo)."""
    db = Subscribe._meta.database
    if not db.table_exists("courses_lessonoccurrence"):
        return None
    lessons = Table("courses_lessonoccurrence", ("course_id", "start"))
    return (
        lessons.select(lessons.course_id, fn.MIN(lessons.start).alias("first"))
        .group_by(lessons.course_id)
        .alias("first_lesson")
    )


def as_day(value) -> date:
    """A lesson start as the day it falls on (SQLite hands raw columns back as text)."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.date() if isinstance(value, datetime) else value


def due_reminders(today: date | None = None) -> list[Subscribe]:
    """Subscriptions that get a reminder ``today``, with an open amount above zero."""
    today = today or date.today()
    own, offered, start = course_start_expression()
    lessons = first_lessons()
    last = (
        PaymentReminder.select(
            PaymentReminder.subscription, fn.MAX(PaymentReminder.date).alias("last")
        )
        .group_by(PaymentReminder.subscription)
        .alias("last_reminder")
    )
    query = with_course_start(Subscribe.select(Subscribe), own, offered)
    if lessons is not None:
        query = query.switch(Subscribe).join(
            lessons, JOIN.LEFT_OUTER, on=(lessons.c.course_id == Subscribe.course)
        )
        start = fn.COALESCE(fn.DATE(lessons.c.first), start)
    query = (
        query.switch(Subscribe)
        .join(last, on=(last.c.subscription_id == Subscribe.id), join_type=JOIN.LEFT_OUTER)
        .where(
            (Subscribe.state == SubscribeState.CONFIRMED)
            & start.is_null(False)
            & (start < today - FIRST_AFTER)
            & (last.c.last.is_null() | (last.c.last < today - EVERY))
        )
        .order_by(Subscribe.id)
    )
    subs = list(query)
    amounts = open_amounts(subs)
    return [s for s in subs if amounts[s.id] > 0]


@dataclass
class ReminderReport:
    due: int = 0
    queued: list[int] = field(default_factory=list)  # outbox ids
    delivery: object = None

    def summary(self) -> str:
        text = f"{self.due} reminder(s) due, {len(self.queued)} queued"
        return f"{text}; {self.delivery.summary()}" if self.delivery else text


def queue_reminder(sub: Subscribe, today: date, connection) -> int:
    """Queue the site's reminder mail of ``sub`` and record its PaymentReminder (linked to
    the mail as the site links it); the outbox id.  Call inside a transaction."""
    from tqconsole.services.mail.workflows import queue_site_mail

    # the write comes first: a SQLite transaction that starts with a read cannot wait
    # for the write lock a sender thread holds
    reminder = PaymentReminder.insert(date=today, subscription=sub.id).execute()
    email_id = queue_site_mail(sub, TEMPLATE, connection, f"{TEMPLATE}:{sub.id}:{today}")
    PaymentReminder.update(mail=email_id).where(PaymentReminder.id == reminder).execute()
    return email_id


def course_started(sub: Subscribe, today: date) -> bool:
    """The site's ``Course.has_started_for(0 days)``: its first lesson lies before today."""
    db = Subscribe._meta.database
    if db.table_exists("courses_lessonoccurrence"):
        lessons = Table("courses_lessonoccurrence", ("course_id", "start")).bind(db)
        first = (
            lessons.select(fn.MIN(lessons.start)).where(lessons.course_id == sub.course_id).scalar()
        )
        if first is not None:
            return as_day(first) < today
    start = course_start(sub.course)
    return start is not None and start < today


def remind_one(usi: str, connection, user: str | None = None, today: date | None = None):
    """The finance view's single reminder (the site's ``remind_of_payment``): a confirmed
    subscription whose course has started and that was not reminded today gets the reminder
    mail and a PaymentReminder row.  (outbox id, delivery report)."""
    from tqconsole.errors import InvalidInput
    from tqconsole.services.courses.subscriptions import find_by_usi
    from tqconsole.services.db.audit import audited
    from tqconsole.services.mail import outbox

    today = today or date.today()
    connection.check_writable()
    sub = find_by_usi(usi)
    last = (
        PaymentReminder.select(fn.MAX(PaymentReminder.date))
        .where(PaymentReminder.subscription == sub.id)
        .scalar()
    )
    if sub.state != SubscribeState.CONFIRMED:
        raise InvalidInput(f"{sub.usi} is {sub.state}; only confirmed subscriptions are reminded")
    if last is not None and last >= today:
        raise InvalidInput(f"{sub.usi} was reminded on {last} already")
    if not course_started(sub, today):
        raise InvalidInput(f"the course of {sub.usi} has not started yet")
    with audited("mail.payment_reminder", PaymentReminder._meta.table_name, sub.usi):
        email_id = queue_reminder(sub, today, connection)
    return email_id, outbox.deliver([email_id], connection=connection)


def send_payment_reminders(today: date | None = None, *, connection) -> ReminderReport:
    """Queue and record today's reminders, then deliver them through ``connection``."""
    from tqconsole.services.db.audit import audited
    from tqconsole.services.mail import outbox

    today = today or date.today()
    connection.check_writable()
    subs = due_reminders(today)
    report = ReminderReport(due=len(subs))
    if not subs:
        return report
    with audited(
        "mail.payment_reminders", PaymentReminder._meta.table_name, today, {"due": len(subs)}
    ):
        report.queued = [queue_reminder(sub, today, connection) for sub in subs]
    report.delivery = outbox.deliver(report.queued, connection=connection)
    return report
