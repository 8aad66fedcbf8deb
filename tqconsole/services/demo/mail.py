"""Demo outbox: the mails the site would have sent for a sample of demo subscriptions.

post_office emails are queued as the console queues them, then given the status,
retries and logs post_office would have written (sent, failed after its retries,
requeued after one failure) without contacting any server, dated by the
confirmations and reminders they belong to, so a demo run is repeatable.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from email.utils import format_datetime

from tqconsole.models import Confirmation, PaymentReminder
from tqconsole.models.mail import Email, EmailStatus, Log, OutboxEntry
from tqconsole.services.mail.outbox_delivery import RETRY_INTERVAL
from tqconsole.services.mail.site_context import participation_template

SAMPLE = 12
MAX_RETRIES = 5  # the site's


def demo_message(name: str, sub, when: datetime, connection):
    from tqconsole.backends.mail import EmailMessage
    from tqconsole.services.mail.outbox import outgoing
    from tqconsole.services.mail.templates import recipient, render

    subject, body = render(name, sub, connection)
    message = EmailMessage(
        subject,
        body,
        "Tanzquotient <info@tanzquotient.org>",
        [recipient(sub)],
        headers={
            "Date": format_datetime(when),
            "Message-ID": f"<demo-{name}-{sub.id}@tanzquotient.org>",
        },
        connection=connection,
    )
    return outgoing(message, key=f"demo:{name}:{sub.id}", template=name)


def record_history(email_id: int, when: datetime, status: int, error: str) -> None:
    """What post_office would have written for this email: its status, retries and logs."""
    failures = {EmailStatus.SENT: 0, EmailStatus.FAILED: MAX_RETRIES + 1, EmailStatus.REQUEUED: 1}
    attempts = failures[status]
    fields = {"status": status, "created": when, "last_updated": when + timedelta(seconds=2)}
    if attempts:
        fields["number_of_retries"] = min(attempts, MAX_RETRIES)
        fields["last_updated"] = when + RETRY_INTERVAL * (attempts - 1) + timedelta(seconds=2)
    if status == EmailStatus.REQUEUED:
        fields["scheduled_time"] = when + RETRY_INTERVAL
    Email.update(**fields).where(Email.id == email_id).execute()
    logs = [
        {"email": email_id, "date": when + RETRY_INTERVAL * i, "status": EmailStatus.FAILED}
        | {"message": error, "exception_type": "SMTPServerDisconnected"}
        for i in range(attempts)
    ]
    if status == EmailStatus.SENT:
        logs.append({"email": email_id, "date": when, "status": EmailStatus.SENT})
    Log.insert_many(logs).execute()


def fill(backends, scale, rng) -> list[str]:
    from tqconsole.services.mail.outbox import enqueue

    reminders = list(PaymentReminder.select().order_by(PaymentReminder.date.desc()).limit(SAMPLE))
    confirmations = Confirmation.select().order_by(Confirmation.date.desc()).limit(SAMPLE * 4)
    if reminders:  # the demo has confirmations of coming semesters: stay in the past
        confirmations = confirmations.where(Confirmation.date <= reminders[0].date)
    confirmations = list(confirmations)
    connection = backends.get("email")  # only its settings (payment details) are used
    planned = []  # (when, name, subscription, status, error)
    for c in rng.sample(confirmations, min(SAMPLE, len(confirmations))):
        sub = c.subscription
        planned.append((c.date, participation_template(sub), sub, EmailStatus.SENT, ""))
    for i, r in enumerate(reminders):
        status, error = EmailStatus.SENT, ""
        if i == 1:
            status, error = EmailStatus.FAILED, "Connection unexpectedly closed"
        elif i == 2:
            status, error = EmailStatus.REQUEUED, "mail server smtp.example.ch:587: timed out"
        planned.append((r.date, "payment_reminder", r.subscription, status, error))
    planned.sort(key=lambda p: p[0])
    known = {k for (k,) in OutboxEntry.select(OutboxEntry.key).tuples()}
    new = []
    for when, name, sub, status, error in planned:
        # the site's confirmations and reminders keep a date
        when = when if isinstance(when, datetime) else datetime.combine(when, time(9))
        item = demo_message(name, sub, when, connection)
        if item.key not in known:
            new.append((item, when, status, error))
    ids = enqueue([item for item, *_ in new])
    for email_id, (_, when, status, error) in zip(ids, new, strict=True):
        record_history(email_id, when, status, error)
    return [f"outbox: {len(new)} demo post_office emails (sent, failed and requeued, with logs)"]
