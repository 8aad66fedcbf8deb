"""Payment reminders (DESIGN.md): confirmed, unpaid subscriptions, from 14 days
after the course start, at most one every 7 days, each recorded in
``payment_paymentreminder``.

``send_payment_reminders(today, connection=…)`` is the periodic job: the reminder row and the
queued message are written in one transaction (idempotency key
``payment_reminder:SUB:DAY``), then the messages are delivered; a run repeated
on the same day finds the reminders and sends nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from peewee import JOIN, fn

from tqconsole.models import PaymentReminder, Subscribe
from tqconsole.models.choices import SubscribeState
from tqconsole.services.amounts import course_start_expression, open_amounts, with_course_start

FIRST_AFTER = timedelta(days=14)
EVERY = timedelta(days=7)
TEMPLATE = "payment_reminder"


def due_reminders(today: date | None = None) -> list[Subscribe]:
    """Subscriptions that get a reminder ``today``, with an open amount above zero."""
    today = today or date.today()
    own, offered, start = course_start_expression()
    last = (
        PaymentReminder.select(
            PaymentReminder.subscription, fn.MAX(PaymentReminder.date).alias("last")
        )
        .group_by(PaymentReminder.subscription)
        .alias("last_reminder")
    )
    query = with_course_start(Subscribe.select(Subscribe), own, offered)
    query = (
        query.switch(Subscribe)
        .join(last, on=(last.c.subscription_id == Subscribe.id), join_type=JOIN.LEFT_OUTER)
        .where(
            (Subscribe.state == SubscribeState.CONFIRMED)
            & start.is_null(False)
            & (start <= today - FIRST_AFTER)
            & (
                last.c.last.is_null()
                | (last.c.last < today - EVERY + timedelta(days=1))  # the site keeps a date
            )
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


def send_payment_reminders(
    today: date | None = None, *, connection, now: datetime | None = None
) -> ReminderReport:
    """Queue and record today's reminders, then deliver them through ``connection``."""
    from tqconsole.backends.mail import EmailMessage
    from tqconsole.services import outbox
    from tqconsole.services.audit import audited
    from tqconsole.services.mail_templates import recipient, render

    today = today or date.today()
    now = now or datetime.combine(today, datetime.now().time())
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
            [{"date": now, "subscription": sub.id} for sub in subs]
        ).execute()
        report.queued = outbox.enqueue(items)
    report.delivery = outbox.deliver(report.queued, connection=connection)
    return report
