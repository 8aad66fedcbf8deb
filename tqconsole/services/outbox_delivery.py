"""Delivering post_office emails with post_office's semantics, crash-safe and at most once.

As post_office's ``send_queued``: queued and requeued emails whose scheduled
time has come and that have not expired are sent, highest priority first; each
attempt writes a ``post_office_log`` row (LOG_LEVEL 2: successes and failures);
a failed attempt requeues the email (status requeued, ``number_of_retries`` + 1,
``scheduled_time`` a retry interval later) until the retries are used up, then
it is failed.  Unlike post_office, a permanent refusal (5xx for every recipient)
fails at once: retrying cannot help.

A sending run claims a batch in the console's side table (``OutboxEntry.claim``)
and commits each outcome as soon as its SMTP transaction ends, before the next
message goes out.  A process killed mid-batch therefore leaves at most one
message per connection whose fate is unknown: ``recover_interrupted`` fails that
one with a log saying so (resending it is the user's choice) and releases the
rest of the claim.
"""

from __future__ import annotations

import json
import queue
import threading
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from tqconsole.backends.mail.base import DeliveryError, MailUnavailable
from tqconsole.errors import InvalidInput, NotFound, ReadOnlyError
from tqconsole.models import database
from tqconsole.models.mail import Email, EmailStatus, Log, OutboxEntry
from tqconsole.services.audit import audited, note
from tqconsole.services.outbox_queue import chunks

BATCH = 100  # rows claimed per transaction (each outcome is then recorded on its own)
RETRY_INTERVAL = timedelta(minutes=15)  # post_office's default RETRY_INTERVAL
DEFAULT_MAX_ATTEMPTS = 6  # the site's MAX_RETRIES is 5: six attempts
STALE_SENDING = timedelta(minutes=15)
INTERRUPTED = (
    "interrupted during delivery: it may or may not have gone out; check, then resend by hand"
)


@dataclass
class DeliveryReport:
    sent: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)
    deferred: list[int] = field(default_factory=list)  # requeued, retried later
    skipped: list[int] = field(default_factory=list)  # already sent or held by another sender
    uncertain: list[int] = field(default_factory=list)  # interrupted mid-transaction earlier
    refused: dict[int, dict[str, str]] = field(default_factory=dict)
    errors: dict[int, str] = field(default_factory=dict)
    cancelled: bool = False
    unreachable: str = ""  # the server could not be reached: the error
    delegated: str = ""  # the site's workers deliver: what was asked of them

    def merge(self, other: DeliveryReport) -> None:
        for name in ("sent", "failed", "deferred", "skipped", "uncertain"):
            getattr(self, name).extend(getattr(other, name))
        self.refused.update(other.refused)
        self.errors.update(other.errors)
        self.cancelled = self.cancelled or other.cancelled
        self.unreachable = self.unreachable or other.unreachable

    def summary(self) -> str:
        if self.delegated:
            return self.delegated
        parts = [f"{len(self.sent)} sent"]
        if self.failed:
            parts.append(f"{len(self.failed)} failed")
        if self.deferred:
            parts.append(f"{len(self.deferred)} requeued for a retry")
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


def max_attempts(connection) -> int:
    try:
        return max(1, int(connection.option("mail_max_attempts", DEFAULT_MAX_ATTEMPTS)))
    except (TypeError, ValueError):
        return DEFAULT_MAX_ATTEMPTS


class Sender:
    """Delivers batches of email ids in background threads while more are added.

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
    """Send the queued emails among ``ids``; others are skipped (never sent twice)."""
    sender = Sender(connection, connections, progress, cancelled)
    sender.add(ids)
    return sender.finish()


def ensure_entries(ids: Sequence[int]) -> None:
    """Emails queued by others (the site, the demo) get a side row, so they can be claimed."""
    have = {
        pk
        for (pk,) in OutboxEntry.select(OutboxEntry.email_id)
        .where(OutboxEntry.email_id.in_(list(ids)))
        .tuples()
    }
    missing = [pk for pk in ids if pk not in have]
    if missing:
        rows = [{"email_id": pk, "key": f"post_office:{pk}"} for pk in missing]
        OutboxEntry.insert_many(rows).on_conflict_ignore().execute()


def claim(ids: Sequence[int]) -> tuple[str, list[tuple]]:
    """Claim the waiting, unclaimed emails among ``ids`` for one run: (token, their rows)."""
    token = uuid.uuid4().hex
    ensure_entries(ids)
    waiting = Email.select(Email.id).where(
        Email.id.in_(list(ids)) & Email.status.in_(EmailStatus.WAITING)
    )
    with database.atomic():
        OutboxEntry.update(claim=token).where(
            OutboxEntry.email_id.in_(waiting) & (OutboxEntry.claim == "")
        ).execute()
        claimed = OutboxEntry.select(OutboxEntry.email_id).where(OutboxEntry.claim == token)
        Email.update(last_updated=datetime.now()).where(Email.id.in_(claimed)).execute()
        rows = list(
            Email.select(
                Email.id,
                Email.number_of_retries,
                OutboxEntry.data,
                Email.from_email,
                Email.to,
                Email.cc,
                Email.bcc,
            )
            .join(OutboxEntry, on=(OutboxEntry.email_id == Email.id))
            .where(OutboxEntry.claim == token)
            .order_by(Email.id)
            .tuples()
        )
    return token, rows


def deliver_batch(ids: Sequence[int], backend, limit: int, cancelled=None) -> DeliveryReport:
    """Claim one batch, then deliver it message by message, each outcome committed at once.

    A message's outcome is written as soon as its SMTP transaction ends and before
    the next one is handed over, so a kill leaves only the first claimed row in
    doubt (see ``recover_interrupted``).
    """
    from tqconsole.services.outbox_views import envelope, wire_message

    _, rows = claim(ids)
    report = DeliveryReport()
    claimed = {row[0] for row in rows}
    report.skipped = [pk for pk in ids if pk not in claimed]
    done = 0  # rows handed to the server (their outcome is recorded, or in doubt)
    try:
        for pk, retries, data, *addresses in rows:
            if cancelled and cancelled():
                report.cancelled = True
                break
            done += 1
            try:
                if data is None:
                    sender, recipients, data = wire_message(pk, None)
                else:
                    sender, recipients = envelope(*addresses)
                refused = backend.deliver_raw(sender, recipients, bytes(data))
            except MailUnavailable as exc:
                report.unreachable = str(exc)
                record_attempt(pk, retry_outcome(pk, retries, exc, limit, report))
                break
            except (DeliveryError, InvalidInput) as exc:
                if getattr(exc, "temporary", False):
                    outcome = retry_outcome(pk, retries, exc, limit, report)
                else:
                    report.failed.append(pk)
                    report.errors[pk] = str(exc)
                    outcome = failed_outcome(exc)
                record_attempt(pk, outcome)
            except BaseException:
                record_attempt(pk, interrupted_outcome())
                raise
            else:
                message = ""
                if refused:
                    report.refused[pk] = refused
                    message = "refused: " + json.dumps(refused)
                record_attempt(pk, Outcome({"status": EmailStatus.SENT}, EmailStatus.SENT, message))
                report.sent.append(pk)
    finally:
        # Whatever stops the loop (cancel, server gone, an exception), rows never
        # handed to the server go back to the queue unchanged.
        release([row[0] for row in rows[done:]])
    return report


@dataclass
class Outcome:
    fields: dict  # post_office_email columns to set
    log_status: int  # the Log row's status: sent or failed
    message: str = ""
    exception_type: str = ""


def failed_outcome(exc: BaseException) -> Outcome:
    return Outcome({"status": EmailStatus.FAILED}, EmailStatus.FAILED, str(exc), type(exc).__name__)


def interrupted_outcome() -> Outcome:
    return Outcome({"status": EmailStatus.FAILED}, EmailStatus.FAILED, INTERRUPTED, "Interrupted")


def retry_outcome(pk: int, retries: int | None, exc, limit: int, report: DeliveryReport) -> Outcome:
    """post_office's rule: requeued with one more retry while retries remain, else failed."""
    retries = retries or 0
    report.errors[pk] = str(exc)
    message, kind = str(exc), type(exc).__name__
    if retries + 1 >= limit:  # this was the last attempt
        report.failed.append(pk)
        return Outcome({"status": EmailStatus.FAILED}, EmailStatus.FAILED, message, kind)
    report.deferred.append(pk)
    fields = {
        "status": EmailStatus.REQUEUED,
        "number_of_retries": retries + 1,
        "scheduled_time": datetime.now() + RETRY_INTERVAL,
    }
    return Outcome(fields, EmailStatus.FAILED, message, kind)


def record_attempt(pk: int, outcome: Outcome) -> None:
    """One attempt's outcome, committed on its own: the email, its log, the claim released."""
    now = datetime.now()
    with database.atomic():
        Email.update(**outcome.fields, last_updated=now).where(Email.id == pk).execute()
        Log.insert(
            email=pk,
            date=now,
            status=outcome.log_status,
            message=outcome.message,
            exception_type=outcome.exception_type[:255],
        ).execute()
        OutboxEntry.update(claim="").where(OutboxEntry.email_id == pk).execute()


def release(ids: Sequence[int]) -> None:
    if ids:
        OutboxEntry.update(claim="").where(OutboxEntry.email_id.in_(list(ids))).execute()


def defer_unreachable(ids: Sequence[int], error: str, limit: int) -> DeliveryReport:
    """The server could not be reached: each waiting email of ``ids`` fails this attempt."""
    report = DeliveryReport(unreachable=error)
    exc = MailUnavailable(error)
    # read every row first: updating while iterating a scan of the status index
    # would meet the requeued rows again
    rows = list(
        Email.select(Email.id, Email.number_of_retries)
        .where(Email.id.in_(list(ids)) & Email.status.in_(EmailStatus.WAITING))
        .tuples()
    )
    for pk, retries in rows:
        record_attempt(pk, retry_outcome(pk, retries, exc, limit, report))
    return report


def due_ids(now: datetime | None = None, limit: int = 1000, job: str | None = None) -> list[int]:
    """post_office's ``get_queued``: waiting, scheduled time come, not expired; by priority."""
    now = now or datetime.now()
    query = (
        Email.select(Email.id)
        .join(OutboxEntry, pw_left(), on=(OutboxEntry.email_id == Email.id))
        .where(
            Email.status.in_(EmailStatus.WAITING)
            & (Email.scheduled_time.is_null() | (Email.scheduled_time <= now))
            & (Email.expires_at.is_null() | (Email.expires_at > now))
            & (OutboxEntry.claim.is_null() | (OutboxEntry.claim == ""))
        )
    )
    if job is not None:
        query = query.where(OutboxEntry.job == job)
    query = query.order_by(Email.priority.desc(nulls="last"), Email.id).limit(limit)
    return [pk for (pk,) in query.tuples()]


def pw_left():
    from peewee import JOIN

    return JOIN.LEFT_OUTER


def send_due(connection, now: datetime | None = None, limit: int = 1000) -> DeliveryReport:
    """Deliver what is due: the embedded default's "send queued mail"."""
    uncertain = recover_interrupted(now=now)
    report = deliver(due_ids(now, limit), connection=connection)
    report.uncertain = uncertain
    return report


SITE_SEND_TASK = "post_office.tasks.send_queued_mail"


def send_queued(backends) -> DeliveryReport:
    """ "Send queued mail": the site's workers do it when the site's broker is configured.

    The console then only sends the site's own Celery task by name and never
    delivers a post_office email itself: one sender per message.
    """
    if backends.settings.celery_broker_url:
        from tqconsole.backends import celery

        broker = celery.open(backends.settings)
        try:
            task_id = broker.send(SITE_SEND_TASK)
        finally:
            broker.close()
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


def recover_interrupted(now: datetime | None = None, job: str | None = None) -> list[int]:
    """Claims left by a sender that died; the ids of the emails in doubt.

    A sender records each outcome before it hands over the next message of its
    claim, so only the first row still claimed may have reached the server: it
    is failed as interrupted (never resent blindly), the rest is released.
    """
    query = (
        OutboxEntry.select(OutboxEntry.email_id, OutboxEntry.claim)
        .join(Email, on=(Email.id == OutboxEntry.email_id))
        .where(OutboxEntry.claim != "")
    )
    if job is None:
        query = query.where(Email.last_updated < (now or datetime.now()) - STALE_SENDING)
    else:
        query = query.where(OutboxEntry.job == job)
    claims: dict[str, list[int]] = {}
    for pk, token in query.order_by(OutboxEntry.email_id).tuples():
        claims.setdefault(token, []).append(pk)
    uncertain = [pks[0] for pks in claims.values()]
    for pk in uncertain:
        record_attempt(pk, interrupted_outcome())
    release([pk for pks in claims.values() for pk in pks[1:]])
    return uncertain


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
