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
from datetime import date, timedelta

from peewee import JOIN, Table, fn

from tqconsole.models import PaymentReminder, Subscribe
from tqconsole.models.choices import SubscribeState
from tqconsole.services.amounts import course_start_expression, open_amounts, with_course_start

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


def send_payment_reminders(today: date | None = None, *, connection) -> ReminderReport:
    """Queue and record today's reminders, then deliver them through ``connection``."""
    from tqconsole.backends.mail import EmailMessage
    from tqconsole.services import outbox
    from tqconsole.services.audit import audited
    from tqconsole.services.mail_templates import recipient, render

    today = today or date.today()
    connection.check_writable()
    subs = due_reminders(today)
    report = ReminderReport(due=len(subs))
    if not subs:
        return report
    items = []
    for sub in subs:
        subject, body = render(TEMPLATE, sub, connection)
        message = EmailMessage(subject, body, None, [recipient(sub)], connection=connection)
        items.append(
            outbox.outgoing(message, key=f"{TEMPLATE}:{sub.id}:{today}", template=TEMPLATE)
        )
    with audited(
        "mail.payment_reminders", PaymentReminder._meta.table_name, today, {"due": len(subs)}
    ):
        # The write comes first: a SQLite transaction that starts with a read
        # cannot wait for the write lock.
        PaymentReminder.insert_many(
            [{"date": today, "subscription": sub.id} for sub in subs]
        ).execute()
        report.queued = outbox.enqueue(items)
    report.delivery = outbox.deliver(report.queued, connection=connection)
    return report
