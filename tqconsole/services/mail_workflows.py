"""Mails that follow a subscription's state: confirmation, waiting list, rejection.

``queue_state_mail(subscription_id, connection)`` picks the template for the
state the subscription is in now and records the message in the outbox.  The
idempotency key names the event (the confirmation or rejection row), so a
second call for the same event queues nothing more, while a second rejection
later does queue a new one.

``mail_outcome`` is what a staff action (``subscriptions.apply`` with a mail
connection) runs after each change: queue the mail, then deliver what was queued
at once, and say per subscription whether its mail was sent, refused (a bad
address, a line break in a name) or failed (queued for a retry by the periodic
``send_queued_mail``).

``mark_mailed`` is the outbox's: a delivered rejection mail sets the rejection's
``mail_sent``.
"""

from __future__ import annotations

from tqconsole.errors import ConsoleError
from tqconsole.models import Confirmation, Rejection, Subscribe
from tqconsole.models.choices import SubscribeState

MAILED_ACTIONS = frozenset({"confirm", "admit", "reject", "waiting_list"})


def template_for(sub: Subscribe) -> tuple[str, str] | None:
    """(template name, event id) for the subscription's state, or None (no mail)."""
    if sub.state == SubscribeState.NEW:
        return "subscription_received", "new"
    if sub.state == SubscribeState.WAITING_LIST:
        return "waiting_list", "waiting"
    if sub.state in (SubscribeState.CONFIRMED, SubscribeState.COMPLETED):
        confirmation = (
            Confirmation.select(Confirmation.id)
            .where(Confirmation.subscription == sub.id)
            .order_by(Confirmation.id.desc())
            .first()
        )
        return "participation_confirmed", f"c{confirmation.id if confirmation else 0}"
    if sub.state in (SubscribeState.REJECTED, SubscribeState.TO_REIMBURSE):
        rejection = (
            Rejection.select()
            .where(Rejection.subscription == sub.id)
            .order_by(Rejection.id.desc())
            .first()
        )
        reason = rejection.reason if rejection else "unknown"
        return f"rejection_{reason}", f"r{rejection.id if rejection else 0}"
    return None


def queue_state_mail(subscription_id: int, connection) -> int | None:
    """Queue the mail for the subscription's current state; its outbox id, or None."""
    from tqconsole.backends.mail import EmailMessage
    from tqconsole.services import outbox
    from tqconsole.services.mail_templates import load_record, recipient, render

    sub = load_record(f"courses_subscribe/{subscription_id}")
    chosen = template_for(sub)
    if chosen is None:
        return None
    name, event = chosen
    subject, body = render(name, sub, connection)
    message = EmailMessage(subject, body, None, [recipient(sub)], connection=connection)
    key = f"{name}:{sub.id}:{event}"
    return outbox.enqueue([outbox.outgoing(message, key=key, template=name)])[0]


def mail_state_changes(subscription_ids: list[int], connection) -> dict[int, tuple[bool, str]]:
    """Queue the state mails of the subscriptions, deliver them at once, say what happened.

    subscription id -> (fine, text): fine is False when its mail was refused (a bad
    address, a line break in a name: nothing queued) or not delivered (left queued
    for the periodic retry, or failed).
    """
    from tqconsole.services import outbox

    notes: dict[int, tuple[bool, str]] = {}
    queued: dict[int, int] = {}  # outbox id -> subscription id
    for sid in subscription_ids:
        try:
            email_id = queue_state_mail(sid, connection)
        except ConsoleError as exc:
            notes[sid] = (False, f"mail refused: {exc}")
            continue
        if email_id is None:
            notes[sid] = (True, "")
        else:
            queued[email_id] = sid
    if not queued:
        return notes
    try:
        report = outbox.deliver(list(queued), connection=connection)
    except ConsoleError as exc:
        for email_id, sid in queued.items():
            notes[sid] = (False, f"mail #{email_id} queued, NOT sent: {exc}")
        return notes
    for email_id, sid in queued.items():
        error = report.errors.get(email_id, "")
        if email_id in report.sent:
            refused = report.refused.get(email_id)
            notes[sid] = (
                (False, f"mail #{email_id} sent, but refused: {'; '.join(refused.values())}")
                if refused
                else (True, f"mail #{email_id} sent")
            )
        elif email_id in report.skipped:
            notes[sid] = (True, f"mail #{email_id} sent before")
        elif email_id in report.deferred:
            notes[sid] = (False, f"mail #{email_id} NOT sent (queued, retried later): {error}")
        else:
            notes[sid] = (False, f"mail #{email_id} NOT sent: {error or report.summary()}")
    return notes


def mark_mailed(email_ids: list[int]) -> None:
    """A delivered rejection mail sets its Rejection's ``mail_sent``, as the site does."""
    from tqconsole.models.mail import Email

    keys = Email.select(Email.idempotency_key).where(
        Email.id.in_(email_ids) & Email.idempotency_key.startswith("rejection_")
    )
    events = [key.rsplit(":", 1)[-1] for (key,) in keys.tuples()]
    ids = [int(e[1:]) for e in events if e[:1] == "r" and e[1:].isdigit()]
    if ids:
        Rejection.update(mail_sent=True).where(Rejection.id.in_(ids)).execute()
