"""The outbox, django-post-office's: every message is recorded before it is sent, and
sent at most once.  This module is the one callers import; the work is split by
what it does: ``outbox_queue`` (recording), ``outbox_delivery`` (sending, retries,
requeue, recovery after a crash), ``outbox_views`` (one email, pages, counts).
"""

from tqconsole.services.outbox_delivery import (
    BATCH,
    INTERRUPTED,
    DeliveryReport,
    Sender,
    deliver,
    due_ids,
    recover_interrupted,
    requeue,
    resend,
    resend_now,
    send_due,
    send_queued,
)
from tqconsole.services.outbox_queue import Outgoing, chunks, enqueue, outgoing
from tqconsole.services.outbox_views import (
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
