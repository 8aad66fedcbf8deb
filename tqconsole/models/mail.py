"""The outbox: every message the console sends, with its status and idempotency key."""

import peewee as pw

from tqconsole.models.base import BaseModel


class EmailStatus:
    QUEUED = "queued"  # waiting, or waiting for a retry after a temporary failure
    SENDING = "sending"  # handed to a sender; left over only if it crashed mid-delivery
    SENT = "sent"  # accepted by the server (``refused`` lists recipients it refused)
    FAILED = "failed"  # refused for good, or out of attempts
    ALL = (QUEUED, SENDING, SENT, FAILED)


class Email(BaseModel):
    app = "console"
    search_fields = ("subject", "recipients", "sender", "idempotency_key")
    label_fields = ("subject",)

    created = pw.DateTimeField(index=True)
    updated = pw.DateTimeField()
    status = pw.CharField(max_length=10, default=EmailStatus.QUEUED, index=True)
    idempotency_key = pw.CharField(max_length=200, unique=True)
    job = pw.CharField(max_length=64, default="", index=True)
    template = pw.CharField(max_length=64, default="")
    sender = pw.CharField(max_length=254)
    recipients = pw.TextField()  # envelope recipients (to, cc and bcc), comma-separated
    subject = pw.CharField(max_length=255, default="")
    size = pw.IntegerField(default=0)
    message = pw.BlobField()  # the exact bytes handed to the server
    attempts = pw.IntegerField(default=0)
    next_attempt = pw.DateTimeField(null=True, index=True)
    error = pw.TextField(default="")
    refused = pw.TextField(default="")  # JSON: recipient -> the server's reply
    sent_at = pw.DateTimeField(null=True)
    claim = pw.CharField(max_length=32, default="")  # which sender run holds a SENDING row

    class Meta:
        table_name = "tqconsole_email"

    def recipient_list(self) -> list[str]:
        return [r for r in self.recipients.split(",") if r]
