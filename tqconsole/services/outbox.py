"""The outbox: every message is recorded before it is sent, and sent at most once.

``enqueue`` stores the exact bytes with an idempotency key (a key already in
the outbox keeps its row, so re-running a job never duplicates a message).
``deliver`` claims queued rows in small batches (status ``sending`` plus a claim
token), hands them to the mail backend one by one and commits each result as
soon as its SMTP transaction ends, before the next message goes out: ``sent``
(with any refused recipients), ``failed`` (permanent), or back to ``queued`` with
an exponential backoff after a temporary failure (server down, 4xx).  A process
killed mid-batch therefore leaves at most one message per connection whose fate
is unknown: ``recover_interrupted`` marks that one failed-with-reason (resending
it is the user's choice) and puts the claimed rows never handed over back in the
queue.
"""

from __future__ import annotations

import json
import queue
import threading
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import lru_cache

from tqconsole.backends.mail.base import DeliveryError, MailUnavailable
from tqconsole.backends.mail.message import forbid_newlines
from tqconsole.errors import InvalidInput, NotFound
from tqconsole.models import database
from tqconsole.models.mail import Email, EmailStatus
from tqconsole.services.audit import audited, note
from tqconsole.services.mail_workflows import mark_mailed

# Called with the ids of the messages a batch delivered, after their status is recorded.
AFTER_SENT: list[Callable[[list[int]], None]] = [mark_mailed]

BATCH = 100  # rows claimed per transaction (each outcome is then recorded on its own)
BACKOFF_SECONDS = 60
BACKOFF_MAX_SECONDS = 3600
DEFAULT_MAX_ATTEMPTS = 8
STALE_SENDING = timedelta(minutes=15)
INTERRUPTED = (
    "interrupted during delivery: it may or may not have gone out; check, then resend by hand"
)
# every column but the id (the database numbers the rows), in the order of
# insert_queued's values
INSERT_FIELDS = (
    Email.created,
    Email.updated,
    Email.status,
    Email.idempotency_key,
    Email.job,
    Email.template,
    Email.sender,
    Email.recipients,
    Email.subject,
    Email.size,
    Email.message,
    Email.attempts,
    Email.next_attempt,
    Email.error,
    Email.refused,
    Email.sent_at,
    Email.claim,
)
# what lists read: every column but the message itself (large) and the claim
LIST_COLUMNS = (Email.id, *(f for f in INSERT_FIELDS if f.name not in ("message", "claim")))


@dataclass
class Outgoing:
    """One message ready for the outbox: envelope, bytes and idempotency key."""

    key: str
    sender: str
    recipients: list[str]
    subject: str
    data: bytes
    job: str = ""
    template: str = ""

    def __post_init__(self) -> None:
        # the envelope and subject are stored and shown apart from the bytes
        forbid_newlines("Subject", self.subject)
        for address in (self.sender, *self.recipients):
            forbid_newlines("address", address)


def outgoing(message, key: str | None = None, job: str = "", template: str = "") -> Outgoing:
    """Render a message (EmailMessage) for the outbox; a random key unless given."""
    sender, recipients = message.envelope()
    if not recipients:
        raise InvalidInput("the message has no recipients")
    return Outgoing(
        key=key or f"adhoc:{uuid.uuid4().hex}",
        sender=sender,
        recipients=recipients,
        subject=str(message.subject)[:255],
        data=message.as_bytes(),
        job=job,
        template=template,
    )


@dataclass
class DeliveryReport:
    sent: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)
    deferred: list[int] = field(default_factory=list)  # back to queued, retried later
    skipped: list[int] = field(default_factory=list)  # already sent or held by another sender
    uncertain: list[int] = field(default_factory=list)  # interrupted mid-transaction earlier
    refused: dict[int, dict[str, str]] = field(default_factory=dict)
    errors: dict[int, str] = field(default_factory=dict)
    cancelled: bool = False
    unreachable: str = ""  # the server could not be reached: the error

    def merge(self, other: DeliveryReport) -> None:
        for name in ("sent", "failed", "deferred", "skipped", "uncertain"):
            getattr(self, name).extend(getattr(other, name))
        self.refused.update(other.refused)
        self.errors.update(other.errors)
        self.cancelled = self.cancelled or other.cancelled
        self.unreachable = self.unreachable or other.unreachable

    def summary(self) -> str:
        parts = [f"{len(self.sent)} sent"]
        if self.failed:
            parts.append(f"{len(self.failed)} failed")
        if self.deferred:
            parts.append(f"{len(self.deferred)} queued for retry")
        if self.skipped:
            parts.append(f"{len(self.skipped)} skipped (already sent)")
        refused = sum(len(r) for r in self.refused.values())
        if refused:
            parts.append(f"{refused} recipient(s) refused")
        if self.uncertain:
            parts.append(
                f"{len(self.uncertain)} interrupted mid-delivery, may have gone out, not resent "
                f"(#{', #'.join(map(str, self.uncertain))}: check, then mail resend ID)"
            )
        if self.cancelled:
            parts.append("cancelled")
        return ", ".join(parts)

    def first_error(self) -> str:
        return next(iter(self.errors.values()), "")


def chunks(items: Sequence, size: int) -> Iterable[Sequence]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def ids_of_keys(keys: Sequence[str]) -> dict[str, int]:
    ids: dict[str, int] = {}
    for part in chunks(list(keys), 500):
        query = Email.select(Email.id, Email.idempotency_key).where(
            Email.idempotency_key.in_(list(part))
        )
        ids.update({key: pk for pk, key in query.tuples()})
    return ids


def enqueue(items: Sequence[Outgoing]) -> list[int]:
    """Record messages as queued; return their ids in order (existing rows for known keys)."""
    if not items:
        return []
    keys = [item.key for item in items]
    if len(set(keys)) != len(keys):
        raise InvalidInput("two messages share one idempotency key")
    now = datetime.now()
    # Known keys are read before the transaction: on SQLite a transaction that
    # reads first cannot wait for the write lock a sender thread holds.
    ids = ids_of_keys(keys)
    new = [item for item in items if item.key not in ids]
    with audited("mail.queue", Email._meta.table_name) as write:
        insert_queued(new, now)
        ids.update(ids_of_keys([item.key for item in new]))
        write.pk = items[0].job or ids[keys[0]]
        write.summary = {"queued": len(new), "known": len(items) - len(new)}
    return [ids[key] for key in keys]


def insert_queued(items: Sequence[Outgoing], now: datetime) -> None:
    """Insert queued rows, 200 a statement.

    The statement is written once and the values converted by their fields:
    peewee's query builder costs about 0.2 ms a row, more than the insert itself.
    """
    db = database.obj
    columns = ", ".join(db.quote_name(f.column_name) for f in INSERT_FIELDS)
    one_row = "(" + ", ".join([db.param] * len(INSERT_FIELDS)) + ")"
    table = db.quote_name(Email._meta.table_name)
    for part in chunks(items, 200):
        params = []
        for item in part:
            values = (
                now,
                now,
                EmailStatus.QUEUED,
                item.key,
                item.job,
                item.template,
                item.sender,
                ",".join(item.recipients),
                item.subject,
                len(item.data),
                item.data,
                0,
                None,
                "",
                "",
                None,
                "",
            )
            params.extend(f.db_value(v) for f, v in zip(INSERT_FIELDS, values, strict=True))
        rows = ", ".join([one_row] * len(part))
        db.execute_sql(f"INSERT INTO {table} ({columns}) VALUES {rows}", params)


def max_attempts(connection) -> int:
    try:
        return int(connection.option("mail_max_attempts", DEFAULT_MAX_ATTEMPTS))
    except (TypeError, ValueError):
        return DEFAULT_MAX_ATTEMPTS


def backoff(attempts: int) -> timedelta:
    """Wait before attempt ``attempts + 1``: 1, 2, 4 … minutes, at most an hour."""
    return timedelta(seconds=min(BACKOFF_SECONDS * 2 ** max(attempts - 1, 0), BACKOFF_MAX_SECONDS))


class Sender:
    """Delivers batches of outbox ids in background threads while more are added.

    ``add(ids)`` hands over queued rows (already committed), ``finish()`` waits
    and returns the report.  A caller can build and queue the next batch while
    the previous one is on the wire.  ``connections`` > 1 spreads the batches
    over that many SMTP connections (each its own backend from the same URL).
    """

    def __init__(self, connection, connections: int = 1, progress=None, cancelled=None):
        from tqconsole.backends.mail import from_url
        from tqconsole.errors import ConfigError

        if connection is None:
            raise ConfigError("no mail connection handed down to the outbox")
        self.connection = connection
        self.connection.check_writable()
        self.progress = progress
        self.cancelled = cancelled
        self.report = DeliveryReport()
        self.batches: queue.SimpleQueue = queue.SimpleQueue()
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.limit = max_attempts(connection)
        self.error: BaseException | None = None
        url = getattr(self.connection, "url", None)
        backends = [self.connection]
        if url:
            options = {"read_only": connection.read_only, "settings": connection.settings}
            backends += [from_url(url, **options) for _ in range(connections - 1)]
        self.threads = [threading.Thread(target=self.work, args=(b,)) for b in backends]
        for thread in self.threads:
            thread.start()

    def add(self, ids: Sequence[int]) -> None:
        for part in chunks(list(ids), BATCH):
            self.batches.put(list(part))

    def finish(self) -> DeliveryReport:
        for _ in self.threads:
            self.batches.put(None)  # one end mark per thread
        for thread in self.threads:
            thread.join()
        rest = self.drain()  # batches no thread took: stopped (server down, cancel)
        if rest and self.report.unreachable:
            self.merge(defer_unreachable(rest, self.report.unreachable, self.limit))
        if self.error is not None:
            raise self.error
        report = self.report
        if report.sent or report.failed:
            note(
                "mail.send",
                Email._meta.table_name,
                report.sent[0] if len(report.sent) == 1 else "",
                {"sent": len(report.sent), "failed": len(report.failed)},
            )
        return report

    def merge(self, result: DeliveryReport) -> None:
        with self.lock:
            self.report.merge(result)
            if self.progress:
                self.progress(self.report)

    def drain(self) -> list[int]:
        """Take every waiting batch (end marks are put back for the other threads)."""
        rest: list[int] = []
        marks = 0
        while True:
            try:
                part = self.batches.get_nowait()
            except queue.Empty:
                break
            if part is None:
                marks += 1
            else:
                rest.extend(part)
        for _ in range(marks):
            self.batches.put(None)
        return rest

    def work(self, backend) -> None:
        try:
            with backend:
                while not self.stop.is_set():
                    part = self.batches.get()
                    if part is None:
                        return
                    result = deliver_batch(part, backend, self.limit, self.cancelled)
                    self.merge(result)
                    if result.cancelled:
                        self.stop.set()  # the rest stays queued: deliver again to resume
                    elif result.unreachable:
                        self.stop.set()
                        done = {*result.sent, *result.failed, *result.deferred, *result.skipped}
                        rest = [pk for pk in part if pk not in done] + self.drain()
                        self.merge(defer_unreachable(rest, result.unreachable, self.limit))
        except BaseException as exc:  # handed to the caller by finish()
            self.stop.set()
            try:
                if not isinstance(exc, MailUnavailable):
                    raise
                self.merge(defer_unreachable(self.drain(), str(exc), self.limit))
            except BaseException as error:  # e.g. the database is down as well
                self.error = self.error or error
        finally:
            database.close()


def deliver(
    ids: Sequence[int],
    connection,
    connections: int = 1,
    progress: Callable[[DeliveryReport], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> DeliveryReport:
    """Send the queued messages among ``ids``; others are skipped (never sent twice)."""
    sender = Sender(connection, connections, progress, cancelled)
    sender.add(ids)
    return sender.finish()


def deliver_batch(ids: Sequence[int], backend, limit: int, cancelled=None) -> DeliveryReport:
    """Claim one batch, then deliver it message by message, each outcome committed at once.

    A message's row is written as soon as its SMTP transaction ends and before the
    next one is handed over, so a kill leaves only the first ``sending`` row of the
    claim in doubt (see ``recover_interrupted``).
    """
    token = uuid.uuid4().hex
    with database.atomic():
        Email.update(status=EmailStatus.SENDING, claim=token, updated=datetime.now()).where(
            Email.id.in_(list(ids)) & (Email.status == EmailStatus.QUEUED)
        ).execute()
        rows = list(
            Email.select(Email.id, Email.sender, Email.recipients, Email.message, Email.attempts)
            .where(Email.id.in_(list(ids)) & (Email.claim == token))
            .order_by(Email.id)
            .tuples()
        )
    report = DeliveryReport()
    claimed = {row[0] for row in rows}
    report.skipped = [pk for pk in ids if pk not in claimed]
    done = 0  # rows handed to the server (their outcome is recorded, or in doubt)
    try:
        for pk, sender, recipients, data, attempts in rows:
            if cancelled and cancelled():
                report.cancelled = True
                break
            done += 1
            try:
                refused = backend.deliver_raw(sender, recipients.split(","), bytes(data))
            except MailUnavailable as exc:
                report.unreachable = str(exc)
                record_one(pk, retry_fields(attempts, str(exc), limit, report, pk))
                break
            except DeliveryError as exc:
                if exc.temporary:
                    fields = retry_fields(attempts, str(exc), limit, report, pk)
                else:
                    report.failed.append(pk)
                    report.errors[pk] = str(exc)
                    fields = {"status": EmailStatus.FAILED, "attempts": attempts + 1}
                    fields["error"] = str(exc)
                    fields["refused"] = json.dumps(exc.refused) if exc.refused else ""
                record_one(pk, fields)
            except BaseException:
                record_one(pk, {"status": EmailStatus.FAILED, "error": INTERRUPTED})
                raise
            else:
                fields = {"status": EmailStatus.SENT, "attempts": attempts + 1}
                fields.update(sent_at=datetime.now(), error="")
                if refused:
                    report.refused[pk] = refused
                    fields["refused"] = json.dumps(refused)
                record_one(pk, fields)
                report.sent.append(pk)
    finally:
        # Whatever stops the loop (cancel, server gone, an exception), rows never
        # handed to the server go back to the queue.
        record([(row[0], {"status": EmailStatus.QUEUED}) for row in rows[done:]])
    if report.sent:
        for hook in AFTER_SENT:
            hook(report.sent)
    return report


def record_one(pk: int, fields: dict) -> None:
    """One message's outcome, committed on its own (one statement, no transaction).

    Written as plain SQL: it runs once per message between two SMTP transactions.
    """
    fields = {**fields, "claim": "", "updated": datetime.now()}
    names = tuple(sorted(fields))
    columns = Email._meta.fields
    params = [columns[name].db_value(fields[name]) for name in names]
    db = database.obj
    db.execute_sql(update_statement(db, names), [*params, pk])


@lru_cache(maxsize=32)
def update_statement(db, names: tuple[str, ...]) -> str:
    columns = Email._meta.fields
    assignments = ", ".join(f"{db.quote_name(columns[n].column_name)} = {db.param}" for n in names)
    table = db.quote_name(Email._meta.table_name)
    return f"UPDATE {table} SET {assignments} WHERE {db.quote_name('id')} = {db.param}"


def retry_fields(attempts: int, error: str, limit: int, report: DeliveryReport, pk: int) -> dict:
    """Back to queued with a backoff, or failed when out of attempts."""
    attempts += 1
    report.errors[pk] = error
    if attempts >= limit:
        report.failed.append(pk)
        return {"status": EmailStatus.FAILED, "attempts": attempts, "error": error}
    report.deferred.append(pk)
    return {
        "status": EmailStatus.QUEUED,
        "attempts": attempts,
        "error": error,
        "next_attempt": datetime.now() + backoff(attempts),
    }


def defer_unreachable(ids: Sequence[int], error: str, limit: int) -> DeliveryReport:
    """The server could not be reached at all: every queued row of ``ids`` waits for a retry."""
    report = DeliveryReport(unreachable=error)
    rows = (
        Email.select(Email.id, Email.attempts)
        .where(Email.id.in_(list(ids)) & (Email.status == EmailStatus.QUEUED))
        .tuples()
    )
    record([(pk, retry_fields(attempts, error, limit, report, pk)) for pk, attempts in rows])
    return report


def record(updates: list[tuple[int, dict]]) -> None:
    """Write the results of one batch in one transaction (grouped by identical fields)."""
    if not updates:
        return
    now = datetime.now()
    groups: dict[str, tuple[dict, list[int]]] = {}
    for pk, fields in updates:
        signature = json.dumps(fields, default=str, sort_keys=True)
        groups.setdefault(signature, (fields, []))[1].append(pk)
    with database.atomic():
        for fields, pks in groups.values():
            Email.update(**fields, claim="", updated=now).where(Email.id.in_(pks)).execute()


def due_ids(now: datetime | None = None, limit: int = 1000, job: str | None = None) -> list[int]:
    """Queued messages whose retry time has come (or that never were tried)."""
    now = now or datetime.now()
    query = Email.select(Email.id).where(
        (Email.status == EmailStatus.QUEUED)
        & (Email.next_attempt.is_null() | (Email.next_attempt <= now))
    )
    if job is not None:
        query = query.where(Email.job == job)
    return [pk for (pk,) in query.order_by(Email.id).limit(limit).tuples()]


def send_due(connection, now: datetime | None = None, limit: int = 1000) -> DeliveryReport:
    """Deliver what is due: the periodic "send queued mail" job."""
    uncertain = recover_interrupted(now=now)
    report = deliver(due_ids(now, limit), connection=connection)
    report.uncertain = uncertain
    return report


def recover_interrupted(now: datetime | None = None, job: str | None = None) -> list[int]:
    """Rows left in ``sending`` by a sender that died; the ids of those in doubt.

    A sender records each outcome before it hands over the next message of its
    claim, so only the first ``sending`` row of a claim may have reached the
    server: it is failed as interrupted (never resent blindly), the rest of the
    claim goes back to the queue.
    """
    query = Email.select(Email.id, Email.claim).where(Email.status == EmailStatus.SENDING)
    if job is None:
        query = query.where(Email.updated < (now or datetime.now()) - STALE_SENDING)
    else:
        query = query.where(Email.job == job)
    claims: dict[str, list[int]] = {}
    for pk, claim in query.order_by(Email.id).tuples():
        claims.setdefault(claim, []).append(pk)
    uncertain = [pks[0] for pks in claims.values()]
    untried = [pk for pks in claims.values() for pk in pks[1:]]
    record(
        [(pk, {"status": EmailStatus.FAILED, "error": INTERRUPTED}) for pk in uncertain]
        + [(pk, {"status": EmailStatus.QUEUED}) for pk in untried]
    )
    return uncertain


def resend(email_id: int, connection) -> DeliveryReport:
    """Send a failed (or still queued) message again, now."""
    row = get_email(email_id, with_message=False)
    if row.status == EmailStatus.SENT:
        raise InvalidInput(f"message #{email_id} was sent already; resending would duplicate it")
    if row.status == EmailStatus.SENDING:
        raise InvalidInput(f"message #{email_id} is being sent right now")
    with audited("mail.resend", Email._meta.table_name, email_id, {"was": row.status}):
        Email.update(status=EmailStatus.QUEUED, next_attempt=None, updated=datetime.now()).where(
            Email.id == email_id
        ).execute()
    return deliver([email_id], connection=connection)


def get_email(email_id: int, with_message: bool = True) -> Email:
    columns = (*LIST_COLUMNS, Email.message) if with_message else LIST_COLUMNS
    row = Email.select(*columns).where(Email.id == email_id).first()
    if row is None:
        raise NotFound(f"no message #{email_id} in the outbox")
    if with_message:
        row.message = bytes(row.message)
    return row


def list_outbox(
    status: str | None = None, limit: int = 200, job: str | None = None, before: int | None = None
) -> list[Email]:
    """The newest messages first (without their bytes), optionally by status or job."""
    if status and status not in EmailStatus.ALL:
        raise InvalidInput(f"unknown status {status!r} (use one of: {', '.join(EmailStatus.ALL)})")
    query = Email.select(*LIST_COLUMNS).order_by(Email.id.desc()).limit(limit)
    if status:
        query = query.where(Email.status == status)
    if job:
        query = query.where(Email.job == job)
    if before:
        query = query.where(Email.id < before)
    return list(query)


def status_counts(job: str | None = None) -> dict[str, int]:
    from peewee import fn

    query = Email.select(Email.status, fn.COUNT(Email.id)).group_by(Email.status)
    if job is not None:
        query = query.where(Email.job == job)
    counts = dict.fromkeys(EmailStatus.ALL, 0)
    counts.update(dict(query.tuples()))
    return counts


def outbox_figures(today: date | None = None) -> list[tuple[str, str]]:
    start = datetime.combine(today or date.today(), time(0))
    sent = Email.select().where((Email.status == EmailStatus.SENT) & (Email.sent_at >= start))
    failed = Email.select().where((Email.status == EmailStatus.FAILED) & (Email.updated >= start))
    queued = Email.select().where(Email.status == EmailStatus.QUEUED)
    return [
        ("sent today", f"{sent.count():,}"),
        ("failed today", f"{failed.count():,}"),
        ("queued", f"{queued.count():,}"),
    ]
