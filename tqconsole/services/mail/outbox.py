"""The outbox, django-post-office's: every message is recorded before it is sent, and
sent at most once.  This module is the one callers import; the work is split by
what it does: ``outbox_queue`` (recording), ``outbox_delivery`` (one batch:
claim, attempts and their logs, retries, recovery after a crash),
``outbox_sender`` (batches over SMTP connections), ``outbox_actions`` (send
what is due, resend, requeue; the site's task when the site is configured),
``outbox_views`` (one email, pages, counts).
"""

from tqconsole.services.mail.outbox_actions import (
    requeue,
    resend,
    resend_now,
    send_due,
    send_queued,
)
from tqconsole.services.mail.outbox_delivery import (
    BATCH,
    INTERRUPTED,
    DeliveryReport,
    due_ids,
    recover_interrupted,
)
from tqconsole.services.mail.outbox_queue import Outgoing, chunks, enqueue, outgoing
from tqconsole.services.mail.outbox_sender import Sender, deliver
from tqconsole.services.mail.outbox_views import (
    OutboxRow,
    OutboxWindow,
    get_email,
    list_outbox,
    outbox_figures,
    status_counts,
)

__all__ = [
    "BATCH",
    "INTERRUPTED",
    "DeliveryReport",
    "OutboxRow",
    "OutboxWindow",
    "Outgoing",
    "Sender",
    "chunks",
    "deliver",
    "due_ids",
    "enqueue",
    "get_email",
    "list_outbox",
    "outbox_figures",
    "outgoing",
    "recover_interrupted",
    "requeue",
    "resend",
    "resend_now",
    "send_due",
    "send_queued",
    "status_counts",
]
