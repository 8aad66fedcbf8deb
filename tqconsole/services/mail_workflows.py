"""Mails that follow a subscription's state: confirmation, waiting list, rejection.

``queue_state_mail(subscription_id)`` picks the template for the state the
subscription is in now and records the message in the outbox (without sending:
the periodic ``outbox.send_due`` or a task calling ``outbox.deliver`` does).
The idempotency key names the event (the confirmation or rejection row), so a
hook that fires twice queues one message, while a second rejection later does
queue a new one.

``mark_mailed`` is the outbox's: a delivered rejection mail sets the rejection's
``mail_sent``.  ``on_state_change`` is the model browser's hook (``subscriptions.AFTER_STATE_CHANGE``):
confirm, admit, reject and waiting list queue their mail in the outbox, which the
periodic ``send_queued_mail`` task delivers (with retries) within a minute.
"""

from __future__ import annotations

from tqconsole.models import Confirmation, Rejection, Subscribe
from tqconsole.models.choices import SubscribeState


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


def queue_state_mail(subscription_id: int, from_email: str | None = None) -> int | None:
    """Queue the mail for the subscription's current state; its outbox id, or None."""
    from tqconsole.backends.mail import EmailMessage
    from tqconsole.services import outbox
    from tqconsole.services.mail_templates import load_record, recipient, render

    sub = load_record(f"courses_subscribe/{subscription_id}")
    chosen = template_for(sub)
    if chosen is None:
        return None
    name, event = chosen
    subject, body = render(name, sub)
    message = EmailMessage(subject, body, from_email, [recipient(sub)])
    key = f"{name}:{sub.id}:{event}"
    return outbox.enqueue([outbox.outgoing(message, key=key, template=name)])[0]


MAILED_ACTIONS = frozenset({"confirm", "admit", "reject", "waiting_list"})


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


def on_state_change(subscription: Subscribe, action: str, details: dict) -> None:
    if action in MAILED_ACTIONS and details.get("mail", True):
        queue_state_mail(subscription.id)


def send_state_mail(subscription_id: int, connection=None):
    """Queue and deliver at once (what a task hooked to the state change runs)."""
    from tqconsole.services import outbox

    email_id = queue_state_mail(subscription_id)
    if email_id is None:
        return None
    return outbox.deliver([email_id], connection=connection)
