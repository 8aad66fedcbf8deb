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
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache

from peewee import JOIN

from tqconsole.backends.mail.base import DeliveryError, MailUnavailable
from tqconsole.errors import InvalidInput
from tqconsole.models import database
from tqconsole.models.mail import Email, EmailStatus, Log, OutboxEntry

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
    handed_over: list[int] = field(default_factory=list)  # left queued for the site's workers
    delegated: str = ""  # the site's workers deliver: what was asked of them

    def merge(self, other: DeliveryReport) -> None:
        for name in ("sent", "failed", "deferred", "skipped", "uncertain", "handed_over"):
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
    from tqconsole.services.mail.outbox_views import envelope, wire_message

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
    """One attempt's outcome, committed on its own: the email, its log, the claim released.

    Written as plain SQL: it runs once per message between two SMTP transactions
    (peewee's query builder would cost more than the statements themselves).
    """
    now = datetime.now()
    fields = {**outcome.fields, "last_updated": now}
    names = tuple(sorted(fields))
    columns = Email._meta.fields
    db = database.obj
    log_values = (pk, now, outcome.log_status, outcome.message, outcome.exception_type[:255])
    with database.atomic():
        params = [columns[name].db_value(fields[name]) for name in names]
        db.execute_sql(email_update(db, names), [*params, pk])
        db.execute_sql(
            log_insert(db), [f.db_value(v) for f, v in zip(LOG_FIELDS, log_values, strict=True)]
        )
        db.execute_sql(claim_release(db), [pk])


LOG_FIELDS = (Log.email, Log.date, Log.status, Log.message, Log.exception_type)


@lru_cache(maxsize=32)
def email_update(db, names: tuple[str, ...]) -> str:
    columns = Email._meta.fields
    assignments = ", ".join(f"{db.quote_name(columns[n].column_name)} = {db.param}" for n in names)
    table = db.quote_name(Email._meta.table_name)
    return f"UPDATE {table} SET {assignments} WHERE {db.quote_name('id')} = {db.param}"


@lru_cache(maxsize=4)
def log_insert(db) -> str:
    columns = ", ".join(db.quote_name(f.column_name) for f in LOG_FIELDS)
    values = ", ".join([db.param] * len(LOG_FIELDS))
    return f"INSERT INTO {db.quote_name(Log._meta.table_name)} ({columns}) VALUES ({values})"


@lru_cache(maxsize=4)
def claim_release(db) -> str:
    table = db.quote_name(OutboxEntry._meta.table_name)
    return f"UPDATE {table} SET {db.quote_name('claim')} = '' WHERE {db.quote_name('email_id')} = {db.param}"


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
        .join(OutboxEntry, JOIN.LEFT_OUTER, on=(OutboxEntry.email_id == Email.id))
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
