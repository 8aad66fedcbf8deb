"""The outbox is django-post-office's: its tables column for column as the site's
migrations make them, plus the console's side table keyed by the post_office email id.

``OutboxEntry`` holds what post_office has no column for: the idempotency key
(unique, so re-running a job never duplicates a message), the bulk job, the
exact bytes the console handed to the server (a retry resends the same bytes,
a preview shows them) and the claim of a sending run (crash safety: a claimed
row whose run died is recovered, see ``services/mail/delivery.py``).
"""

import json

import peewee as pw

from tqconsole.models.base import BaseModel, ZonedDateTimeField


class EmailStatus:
    """post_office's ``STATUS``: the numbers it stores, and their names."""

    SENT, FAILED, QUEUED, REQUEUED = 0, 1, 2, 3
    NAMES = {SENT: "sent", FAILED: "failed", QUEUED: "queued", REQUEUED: "requeued"}
    BY_NAME = {name: number for number, name in NAMES.items()}
    ALL = tuple(NAMES)
    WAITING = (QUEUED, REQUEUED)  # what a sender picks up
    CHOICES = tuple(NAMES.items())

    @classmethod
    def name(cls, status: int | None) -> str:
        return cls.NAMES.get(status, "unknown" if status is None else str(status))


class EmailPriority:
    """post_office's ``PRIORITY`` (higher is sent first; ``now`` bypasses the queue on the site)."""

    LOW, MEDIUM, HIGH, NOW = 0, 1, 2, 3
    NAMES = {LOW: "low", MEDIUM: "medium", HIGH: "high", NOW: "now"}
    BY_NAME = {name: number for number, name in NAMES.items()}
    CHOICES = tuple(NAMES.items())

    @classmethod
    def name(cls, priority: int | None) -> str:
        return cls.NAMES.get(priority, "" if priority is None else str(priority))


class JSONField(pw.TextField):
    """Django's ``JSONField``: ``jsonb`` on PostgreSQL, text elsewhere."""

    def ddl_datatype(self, ctx):
        if ctx and ctx.state.field_types and ctx.state.field_types.get("DATETIME") == "TIMESTAMP":
            return pw.SQL("jsonb")
        return super().ddl_datatype(ctx)

    def db_value(self, value):
        return None if value is None else json.dumps(value)

    def python_value(self, value):
        if isinstance(value, str):
            try:
                return json.loads(value)
            except ValueError:
                return value
        return value


class EmailTemplate(BaseModel):
    app = "mail"
    search_fields = ("name", "subject", "description")
    label_fields = ("name", "language")

    name = pw.CharField(max_length=255, verbose_name="Name")
    description = pw.TextField(default="", verbose_name="Description")
    subject = pw.CharField(max_length=255, default="", verbose_name="Subject")
    content = pw.TextField(default="", verbose_name="Content")
    html_content = pw.TextField(default="", verbose_name="HTML content")
    created = ZonedDateTimeField()
    last_updated = ZonedDateTimeField()
    default_template = pw.ForeignKeyField(
        "self", null=True, backref="translated_templates", verbose_name="Default template"
    )
    language = pw.CharField(max_length=12, default="", verbose_name="Language")

    class Meta:
        table_name = "post_office_emailtemplate"
        verbose_name = "Email Template"
        verbose_name_plural = "Email Templates"
        indexes = ((("name", "language", "default_template"), True),)


class Email(BaseModel):
    app = "mail"
    search_fields = ("subject", "to", "from_email")
    label_fields = ("subject",)

    from_email = pw.CharField(max_length=254, verbose_name="Email From")
    to = pw.TextField(
        default="", verbose_name="Email To"
    )  # comma-separated, as post_office's CommaSeparatedEmailField
    cc = pw.TextField(default="", verbose_name="Cc")
    bcc = pw.TextField(default="", verbose_name="Bcc")
    subject = pw.CharField(max_length=989, default="", verbose_name="Subject")
    message = pw.TextField(default="", verbose_name="Message")
    html_message = pw.TextField(default="", verbose_name="HTML Message")
    status = pw.SmallIntegerField(
        null=True, index=True, choices=EmailStatus.CHOICES, verbose_name="Status"
    )
    priority = pw.SmallIntegerField(
        null=True, choices=EmailPriority.CHOICES, verbose_name="Priority"
    )
    created = ZonedDateTimeField(index=True)
    last_updated = ZonedDateTimeField(index=True)
    scheduled_time = ZonedDateTimeField(null=True, index=True, verbose_name="Scheduled Time")
    headers = JSONField(null=True, verbose_name="Headers")
    context = JSONField(null=True, verbose_name="Context")
    template = pw.ForeignKeyField(
        EmailTemplate, null=True, backref="emails", verbose_name="Email template"
    )
    backend_alias = pw.CharField(max_length=64, default="", verbose_name="Backend alias")
    number_of_retries = pw.IntegerField(null=True)
    expires_at = ZonedDateTimeField(null=True, verbose_name="Expires")
    message_id = pw.CharField(max_length=255, null=True, verbose_name="Message-ID")
    recipient_delivery_status = pw.SmallIntegerField(
        null=True, verbose_name="Recipient Delivery Status"
    )

    class Meta:
        table_name = "post_office_email"
        verbose_name = "Email"
        verbose_name_plural = "Emails"

    def recipient_list(self) -> list[str]:
        """The envelope: to, cc and bcc."""
        return [r.strip() for part in (self.to, self.cc, self.bcc) for r in part.split(",") if r]


class Log(BaseModel):
    """One delivery attempt of an email (post_office writes one per attempt at LOG_LEVEL 2)."""

    app = "mail"
    search_fields = ("message", "exception_type")
    label_fields = ("exception_type",)

    date = ZonedDateTimeField()
    status = pw.SmallIntegerField(choices=((0, "sent"), (1, "failed")), verbose_name="Status")
    exception_type = pw.CharField(max_length=255, default="", verbose_name="Exception type")
    message = pw.TextField(default="", verbose_name="Message")
    email = pw.ForeignKeyField(Email, backref="logs", verbose_name="Email address")

    class Meta:
        table_name = "post_office_log"
        verbose_name = "Log"
        verbose_name_plural = "Logs"


class Attachment(BaseModel):
    app = "mail"
    search_fields = ("name", "file")
    label_fields = ("name",)

    file = pw.CharField(max_length=100, verbose_name="File")  # the key in the media storage
    name = pw.CharField(max_length=255, verbose_name="Name")
    mimetype = pw.CharField(max_length=255, default="")
    headers = JSONField(null=True, verbose_name="Headers")

    class Meta:
        table_name = "post_office_attachment"
        verbose_name = "Attachment"
        verbose_name_plural = "Attachments"


class AttachmentEmail(BaseModel):
    app = "mail"

    attachment = pw.ForeignKeyField(Attachment, backref="links")
    email = pw.ForeignKeyField(Email, backref="attachment_links")

    class Meta:
        table_name = "post_office_attachment_emails"
        verbose_name = "attachment-email relationship"
        verbose_name_plural = "attachment-email relationships"
        indexes = ((("attachment", "email"), True),)


class OutboxEntry(BaseModel):
    """The console's record of a post_office email it queued (see the module's docstring)."""

    app = "console"
    search_fields = ("key", "job", "template")
    label_fields = ("key",)

    # no foreign key constraint: the site's cleanup_mail deletes old emails freely
    email_id = pw.IntegerField(primary_key=True)
    key = pw.CharField(max_length=200, unique=True)
    job = pw.CharField(max_length=64, default="", index=True)
    template = pw.CharField(max_length=64, default="")  # the console's template name
    data = pw.BlobField(null=True)  # the exact bytes handed to the server
    claim = pw.CharField(max_length=32, default="", index=True)  # the sending run holding it

    class Meta:
        table_name = "tqconsole_outboxentry"
