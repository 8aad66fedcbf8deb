"""Demo outbox: the mails the site would have sent for a sample of demo subscriptions.

Rows are written as sent, failed or queued without contacting any server, dated
by the confirmations and reminders they belong to, so a demo run is repeatable.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from email.utils import format_datetime

from tqconsole.models import Confirmation, PaymentReminder
from tqconsole.models.mail import Email, EmailStatus
from tqconsole.services.site_mail_context import participation_template

SAMPLE = 12


def demo_row(name: str, sub, when, status: str, connection, error: str = "") -> dict:
    from tqconsole.backends.mail import EmailMessage
    from tqconsole.services.mail_templates import recipient, render

    if not isinstance(when, datetime):  # the site's confirmations and reminders keep a date
        when = datetime.combine(when, time(9))
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
    sender, recipients = message.envelope()
    data = message.as_bytes()
    return {
        "created": when,
        "updated": when + timedelta(seconds=2),
        "status": status,
        "idempotency_key": f"demo:{name}:{sub.id}",
        "template": name,
        "sender": sender,
        "recipients": ",".join(recipients),
        "subject": subject[:255],
        "size": len(data),
        "message": data,
        "attempts": 1,
        "next_attempt": when + timedelta(minutes=1) if status == EmailStatus.QUEUED else None,
        "error": error,
        "sent_at": when + timedelta(seconds=2) if status == EmailStatus.SENT else None,
    }


def fill(backends, scale, rng) -> list[str]:
    reminders = list(PaymentReminder.select().order_by(PaymentReminder.date.desc()).limit(SAMPLE))
    confirmations = Confirmation.select().order_by(Confirmation.date.desc()).limit(SAMPLE * 4)
    if reminders:  # the demo has confirmations of coming semesters: stay in the past
        confirmations = confirmations.where(Confirmation.date <= reminders[0].date)
    confirmations = list(confirmations)
    connection = backends.get("email")  # only its settings (payment details) are used
    rows = []
    for c in rng.sample(confirmations, min(SAMPLE, len(confirmations))):
        sub = c.subscription
        rows.append(
            demo_row(participation_template(sub), sub, c.date, EmailStatus.SENT, connection)
        )
    for i, r in enumerate(reminders):
        status, error = EmailStatus.SENT, ""
        if i == 1:
            status, error = (
                EmailStatus.FAILED,
                "every recipient was refused: 550 5.1.1 mailbox unavailable",
            )
        elif i == 2:
            status, error = (
                EmailStatus.QUEUED,
                "mail server smtp.example.ch:587 unavailable: timed out",
            )
        rows.append(demo_row("payment_reminder", r.subscription, r.date, status, connection, error))
    rows.sort(key=lambda row: row["created"])
    known = {k for (k,) in Email.select(Email.idempotency_key).tuples()}
    rows = [row for row in rows if row["idempotency_key"] not in known]
    if rows:
        Email.insert_many(rows).execute()
    return [f"outbox: {len(rows)} demo messages (sent, failed and queued)"]
