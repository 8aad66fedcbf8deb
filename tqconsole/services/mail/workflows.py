"""The site's mail of a subscription's event: confirmation, waiting list, rejection, paid online.

``queue_state_mail(subscription_id, connection)`` picks the site's template for
the state the subscription is in now (the names the site's ``emailcenter``
uses: ``participation_confirmation_*``, ``move_to_waiting_list``,
``rejection_<reason>``, ``online_payment_successful``), renders it with the
site's context, queues it in the outbox with the site's Reply-To and links it as
the site does (``Confirmation.mail`` / ``Rejection.mail`` ← the outbox id).  The
idempotency key names the event (the confirmation or rejection row), so a second
call for the same event queues nothing more, while a second rejection later
does queue a new one.  A staff action (``subscriptions.apply``) calls it inside
its transaction, so the row and its mail are written together.

``deliver_notes`` is what the action runs after the commit: deliver what was
queued at once and say per subscription whether its mail was sent, refused (a
bad address, a line break in a name) or failed (queued for a retry by the
periodic ``send_queued_mail``).  ``mail_state_changes`` is both steps for
subscriptions changed elsewhere.
"""

from __future__ import annotations

from tqconsole.errors import ConsoleError
from tqconsole.models import Confirmation, Rejection, Subscribe
from tqconsole.models.choices import PaymentMethod, SubscribeState
from tqconsole.services.mail.site_context import (
    COURSE_SUBSCRIPTIONS,
    FINANCES,
    participation_template,
)

MAILED_ACTIONS = frozenset({"confirm", "admit", "reject", "waiting_list", "paid_online"})
FINANCE_TEMPLATES = frozenset({"payment_reminder", "online_payment_successful"})


def _latest(model, sub_id: int):
    return model.select().where(model.subscription == sub_id).order_by(model.id.desc()).first()


def template_for(sub: Subscribe) -> tuple[str, str, object] | None:
    """(template, event, the row the mail is linked to) for the subscription's state, or None."""
    if sub.state == SubscribeState.WAITING_LIST:
        return "move_to_waiting_list", "waiting", None
    if sub.state in (SubscribeState.CONFIRMED, SubscribeState.COMPLETED):
        confirmation = _latest(Confirmation, sub.id)
        event = f"c{confirmation.id if confirmation else 0}"
        return participation_template(sub), event, confirmation
    if sub.state in (SubscribeState.REJECTED, SubscribeState.TO_REIMBURSE):
        rejection = _latest(Rejection, sub.id)
        reason = rejection.reason if rejection else "unknown"
        return f"rejection_{reason}", f"r{rejection.id if rejection else 0}", rejection
    if sub.state == SubscribeState.PAYED and sub.paymentmethod == PaymentMethod.ONLINE:
        return "online_payment_successful", "paid", None
    return None


def queue_site_mail(sub: Subscribe, name: str, connection, key: str, rendered=None) -> int:
    """Render the site's mail ``name`` for ``sub`` (unless given) and queue it; its outbox id."""
    from tqconsole.backends.mail import EmailMultiAlternatives
    from tqconsole.services.mail import outbox
    from tqconsole.services.mail.templates import recipient, site_domain, site_mail

    rendered = rendered or site_mail(name, sub, site_domain(connection))
    reply_to = FINANCES if name in FINANCE_TEMPLATES else COURSE_SUBSCRIPTIONS
    message = EmailMultiAlternatives(
        rendered.subject,
        rendered.body,
        None,
        [recipient(sub)],
        headers={"Reply-To": reply_to},
        connection=connection,
    )
    if rendered.html:
        message.attach_alternative(rendered.html, "text/html")
    return outbox.enqueue([outbox.outgoing(message, key=key, template=name)])[0]


def queue_state_mail(subscription_id: int, connection) -> int | None:
    """Queue the site's mail for the subscription's current state; its outbox id, or None."""
    from tqconsole.services.mail.templates import load_record

    sub = load_record(f"courses_subscribe/{subscription_id}")
    chosen = template_for(sub)
    if chosen is None:
        return None
    name, event, row = chosen
    email_id = queue_site_mail(sub, name, connection, f"{name}:{sub.id}:{event}")
    if row is not None and row.mail_id is None:
        type(row).update(mail=email_id).where(type(row).id == row.id).execute()
    return email_id


def deliver_notes(queued: dict[int, int], connection) -> dict[int, tuple[bool, str]]:
    """Deliver the queued mails (outbox id → subscription id) at once; per subscription
    (fine, text): fine is False when its mail was not delivered (left queued for the
    periodic retry, or failed)."""
    from tqconsole.services.mail import outbox

    notes: dict[int, tuple[bool, str]] = {}
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


def queue_mails(subscription_ids: list[int], connection) -> tuple[dict, dict]:
    """Queue the state mails: (outbox id → subscription id, refusals per subscription)."""
    refused: dict[int, tuple[bool, str]] = {}
    queued: dict[int, int] = {}
    for sid in subscription_ids:
        try:
            email_id = queue_state_mail(sid, connection)
        except ConsoleError as exc:
            refused[sid] = (False, f"mail refused: {exc}")
            continue
        if email_id is not None:
            queued[email_id] = sid
    return queued, refused


def mail_state_changes(subscription_ids: list[int], connection) -> dict[int, tuple[bool, str]]:
    """Queue the state mails of the subscriptions, deliver them at once, say what happened."""
    queued, notes = queue_mails(subscription_ids, connection)
    notes.update(deliver_notes(queued, connection))
    return notes
