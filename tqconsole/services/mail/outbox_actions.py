"""What staff ask of the outbox: send what is due, resend one, requeue some.

On the embedded database the console delivers; with the site's broker
configured "send queued mail" is the site's own Celery task and a resend is a
requeue for the site's workers: one sender per message.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from tqconsole.errors import InvalidInput, NotFound, ReadOnlyError
from tqconsole.models.mail import Email, EmailStatus, OutboxEntry
from tqconsole.services.db.audit import audited
from tqconsole.services.mail.outbox_delivery import DeliveryReport, due_ids, recover_interrupted
from tqconsole.services.mail.outbox_sender import SITE_SEND_TASK, deliver, send_site_task


def send_due(connection, now: datetime | None = None, limit: int = 1000) -> DeliveryReport:
    """Deliver what is due: the embedded default's "send queued mail"."""
    uncertain = recover_interrupted(now=now)
    report = deliver(due_ids(now, limit), connection=connection)
    report.uncertain = uncertain
    return report


def send_queued(backends) -> DeliveryReport:
    """ "Send queued mail": the site's workers do it when the site's broker is configured.

    The console then only sends the site's own Celery task by name and never
    delivers a post_office email itself: one sender per message.
    """
    if backends.settings.celery_broker_url:
        task_id = send_site_task(backends.settings)
        return DeliveryReport(delegated=f"sent the site's task {SITE_SEND_TASK} (id {task_id})")
    return send_due(backends.get("email"))


def resend_now(backends, email_id: int) -> DeliveryReport:
    """Resend one email: by the console, or with the site configured requeued for its workers."""
    if backends.settings.celery_broker_url:
        requeue(backends.database, [email_id])
        report = send_queued(backends)
        report.delegated = f"#{email_id} requeued; {report.delegated}"
        return report
    return resend(email_id, backends.get("email"))


def resend(email_id: int, connection) -> DeliveryReport:
    """Send a failed (or still waiting) email again, now."""
    row = Email.select(Email.id, Email.status).where(Email.id == email_id).first()
    if row is None:
        raise NotFound(f"no message #{email_id} in the outbox")
    if row.status == EmailStatus.SENT:
        raise InvalidInput(f"message #{email_id} was sent already; resending would duplicate it")
    entry = OutboxEntry.get_or_none(OutboxEntry.email_id == email_id)
    if entry is not None and entry.claim:
        raise InvalidInput(f"message #{email_id} is being sent right now")
    connection.check_writable()
    with audited("mail.resend", Email._meta.table_name, email_id, {"was": row.status}):
        Email.update(
            status=EmailStatus.QUEUED, scheduled_time=None, last_updated=datetime.now()
        ).where(Email.id == email_id).execute()
    return deliver([email_id], connection=connection)


def requeue(db, email_ids: Sequence[int]) -> list[int]:
    """post_office's admin action "requeue": the emails' status becomes queued; their ids.

    Refused on a read-only database (by the database backend); unknown ids are an error.
    """
    ids = sorted({int(pk) for pk in email_ids})
    if not ids:
        raise InvalidInput("name at least one email id")
    if getattr(db, "read_only", False):
        raise ReadOnlyError("read-only mode: requeueing mail refused")
    known = {pk for (pk,) in Email.select(Email.id).where(Email.id.in_(ids)).tuples()}
    unknown = [pk for pk in ids if pk not in known]
    if unknown:
        raise NotFound(f"no message #{', #'.join(map(str, unknown))} in the outbox")
    with audited("mail.requeue", Email._meta.table_name, ids[0] if len(ids) == 1 else ""):
        Email.update(status=EmailStatus.QUEUED).where(Email.id.in_(ids)).execute()
    return ids
