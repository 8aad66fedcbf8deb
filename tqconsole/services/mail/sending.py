"""Django's mail functions, sending through the outbox.

``send_mail``, ``send_mass_mail``, ``mail_admins``, ``mail_managers`` and
``email_user`` keep Django's signatures; every message is recorded in the
outbox first (a post_office email), so nothing is lost when the server is down:
the message is requeued and ``outbox.send_due`` retries it after post_office's interval.
Settings are never loaded here: a ``connection`` (a mail backend opened from the
settings, which also gives the sender, admins and prefix) is handed down, and the
models are bound by the caller.  Extra keyword arguments: ``idempotency_key`` (send_mail) and ``connections``
(send_mass_mail: parallel SMTP connections for large jobs).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Sequence

from tqconsole.backends.mail import (
    EmailMessage,
    EmailMultiAlternatives,
    MailError,
    MailUnavailable,
    get_connection,
)
from tqconsole.errors import ConsoleError
from tqconsole.services.mail import outbox


def connection_for(connection, fail_silently: bool, auth_user=None, auth_password=None):
    if connection is not None:
        return connection
    options = {}
    if auth_user is not None:
        options["username"] = auth_user
    if auth_password is not None:
        options["password"] = auth_password
    return get_connection(fail_silently=fail_silently, **options)


def send_messages(
    messages: Sequence[EmailMessage],
    connection=None,
    keys: Sequence[str] | None = None,
    job: str = "",
    template: str = "",
    connections: int = 1,
    progress: Callable | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> outbox.DeliveryReport:
    """Record the messages in the outbox (by idempotency key) and deliver the queued ones.

    Batch by batch: while one batch is on the wire the next is rendered and
    recorded, and no message is handed to the server before its row is committed.
    """
    connection = connection or get_connection()
    connection.check_writable()
    keys = list(keys) if keys is not None else [None] * len(messages)
    pairs = list(zip(messages, keys, strict=True))
    sender = outbox.Sender(connection, connections, progress, cancelled)
    try:
        for part in outbox.chunks(pairs, outbox.BATCH):
            items = [outbox.outgoing(m, key=k, job=job, template=template) for m, k in part]
            sender.add(outbox.enqueue(items))  # queued even if the sender stopped: nothing lost
    finally:
        report = sender.finish()
    return report


def raise_for(report: outbox.DeliveryReport) -> None:
    """Django raises when a message was not sent; say what happened to it."""
    if report.unreachable:
        count = len(report.deferred)
        raise MailUnavailable(
            f"{report.unreachable} — {count} message(s) stay queued and are retried later"
        )
    if report.failed or report.deferred:
        raise MailError(report.first_error() or report.summary())


def send_mail(
    subject,
    message,
    from_email,
    recipient_list,
    fail_silently=False,
    auth_user=None,
    auth_password=None,
    connection=None,
    html_message=None,
    idempotency_key=None,
) -> int:
    """Send one message to ``recipient_list``; return 1 when it was sent, else 0 or raise."""
    connection = connection_for(connection, fail_silently, auth_user, auth_password)
    mail = EmailMultiAlternatives(
        subject, message, from_email, recipient_list, connection=connection
    )
    if html_message:
        mail.attach_alternative(html_message, "text/html")
    keys = [idempotency_key] if idempotency_key else None
    return deliver_counting([mail], connection, fail_silently, keys=keys)


def deliver_counting(messages, connection, fail_silently, **kwargs) -> int:
    try:
        report = send_messages(messages, connection=connection, **kwargs)
        if not fail_silently:
            raise_for(report)
    except ConsoleError:
        if fail_silently:
            return 0
        raise
    return len(report.sent)


def send_mass_mail(
    datatuple: Iterable,
    fail_silently=False,
    auth_user=None,
    auth_password=None,
    connection=None,
    connections: int = 1,
    job: str | None = None,
) -> int:
    """Send each (subject, message, from_email, recipient_list) over one connection.

    Returns how many were sent.  All messages form one outbox job (keys
    ``JOB:INDEX``): calling again with the same ``job`` sends only what is left.
    """
    connection = connection_for(connection, fail_silently, auth_user, auth_password)
    job = job or f"mass-{uuid.uuid4().hex[:12]}"
    messages = [
        EmailMessage(subject, message, sender or None, recipients, connection=connection)
        for subject, message, sender, recipients in datatuple
    ]
    keys = [f"{job}:{i}" for i in range(len(messages))]
    return deliver_counting(
        messages, connection, fail_silently, keys=keys, job=job, connections=connections
    )


def configured_people(connection, option: str) -> list[str]:
    """ADMINS / MANAGERS of the connection's settings: a list, or one comma-separated string."""
    value = connection.option(option, [])
    if isinstance(value, str):
        value = [v.strip() for v in value.split(",")]
    people = []
    for entry in value or []:
        if isinstance(entry, list | tuple) and len(entry) == 2:
            people.append(f"{entry[0]} <{entry[1]}>")
        elif entry:
            people.append(str(entry))
    return people


def mail_people(option, subject, message, fail_silently, connection, html_message) -> int:
    connection = connection_for(connection, fail_silently)
    people = configured_people(connection, option)
    if not people:
        return 0
    prefix = str(connection.option("email_subject_prefix", "[tqconsole] "))
    sender = str(connection.option("server_email", "root@localhost"))
    mail = EmailMultiAlternatives(
        f"{prefix}{subject}", message, sender, people, connection=connection
    )
    if html_message:
        mail.attach_alternative(html_message, "text/html")
    return deliver_counting([mail], connection, fail_silently)


def mail_admins(subject, message, fail_silently=False, connection=None, html_message=None) -> int:
    """Send to the people in the ``admins`` option (``TQ_ADMINS``: comma-separated)."""
    return mail_people("admins", subject, message, fail_silently, connection, html_message)


def mail_managers(subject, message, fail_silently=False, connection=None, html_message=None):
    """Send to the people in the ``managers`` option (``TQ_MANAGERS``: comma-separated)."""
    return mail_people("managers", subject, message, fail_silently, connection, html_message)


def email_user(user, subject, message, from_email=None, **kwargs) -> int:
    """Django's ``User.email_user``: one message to the user's address."""
    if not user.email:
        from tqconsole.errors import InvalidInput

        raise InvalidInput(f"user {user.username} has no email address")
    return send_mail(subject, message, from_email, [user.email], **kwargs)
