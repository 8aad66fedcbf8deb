"""The outbox on post_office's tables: statuses, logs, idempotency, retries, requeue, jobs."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest

from tests.support import services
from tqconsole.backends.mail import EmailMessage, MailUnavailable, get_connection
from tqconsole.errors import InvalidInput, ReadOnlyError
from tqconsole.models.mail import Email, EmailStatus, Log, OutboxEntry
from tqconsole.services.mail import outbox
from tqconsole.services.mail.sending import (
    mail_admins,
    mail_managers,
    send_mail,
    send_mass_mail,
    send_messages,
)
from tqconsole.settings import load


def rows() -> dict[int, outbox.OutboxRow]:
    return {r.id: r for r in reversed(outbox.list_outbox(limit=10_000))}


def test_send_mail_records_the_message_as_sent(mail_db, smtp_server):
    conn = get_connection(smtp_server.url)
    assert send_mail("Hallo", "Text", "a@example.ch", ["b@example.ch"], connection=conn) == 1
    (row,) = rows().values()
    assert row.status == "sent" and row.priority == "medium" and row.retries == 0
    assert (row.sender, row.to, row.subject) == ("a@example.ch", "b@example.ch", "Hallo")
    email = Email.get_by_id(row.id)  # post_office's columns, as mail.send writes them
    assert (email.status, email.message, email.number_of_retries) == (
        EmailStatus.SENT,
        "Text",
        None,
    )
    sent = outbox.get_email(row.id)
    assert smtp_server.messages[0].original_content.startswith(sent.message)
    assert [(log.status, log.message) for log in sent.logs] == [("sent", "")]


def test_idempotency_key_never_sends_twice(mail_db, smtp_server):
    conn = get_connection(smtp_server.url)
    for _ in range(3):
        send_mail(
            "Once", "x", "a@example.ch", ["b@example.ch"], connection=conn, idempotency_key="k1"
        )
    assert len(smtp_server.messages) == 1
    assert Email.select().count() == 1 and Log.select().count() == 1


def test_one_refused_recipient_is_recorded_the_others_delivered(mail_db, smtp_server):
    smtp_server.refuse.add("gone@example.ch")
    conn = get_connection(smtp_server.url)
    send_mail("Hi", "x", "a@example.ch", ["ok@example.ch", "gone@example.ch"], connection=conn)
    (row,) = rows().values()
    assert row.status == "sent"
    (log,) = row.logs
    assert list(json.loads(log.message.removeprefix("refused: "))) == ["gone@example.ch"]
    assert smtp_server.messages[0].rcpt_tos == ["ok@example.ch"]


def test_all_refused_fails_and_resend_delivers_later(mail_db, smtp_server):
    smtp_server.refuse.add("b@example.ch")
    conn = get_connection(smtp_server.url)
    with pytest.raises(Exception, match="refused"):
        send_mail("Hi", "x", "a@example.ch", ["b@example.ch"], connection=conn)
    (row,) = rows().values()
    assert row.status == "failed"  # a permanent refusal is not retried
    assert "550" in row.error and row.logs[0].exception_type == "DeliveryError"
    smtp_server.refuse.clear()
    report = outbox.resend(row.id, connection=conn)
    assert report.sent == [row.id]
    assert rows()[row.id].status == "sent"
    assert [log.status for log in rows()[row.id].logs] == ["failed", "sent"]
    with pytest.raises(InvalidInput, match="sent already"):
        outbox.resend(row.id, connection=conn)


def test_server_down_queues_with_backoff_then_delivers_nothing_lost(mail_sqlite):
    from aiosmtpd.controller import Controller

    port = services.free_port()
    conn = get_connection(f"smtp://127.0.0.1:{port}?timeout=2")
    n = 250  # more than one batch: every message is queued, none lost
    with pytest.raises(MailUnavailable, match=f"{n} message.s. stay queued"):
        send_mass_mail(
            [(f"s{i}", "b", "a@example.ch", [f"r{i}@example.ch"]) for i in range(n)],
            connection=conn,
        )
    queued = list(rows().values())
    # post_office's rule: requeued with one retry counted, a log per attempt
    assert [r.status for r in queued] == ["requeued"] * n
    assert all("connection refused" in r.error for r in queued)
    assert all(r.retries == 1 and r.attempts == 1 for r in queued)
    assert all(r.scheduled_time > datetime.now() + timedelta(minutes=14) for r in queued)
    assert outbox.due_ids() == []  # waits for the retry interval
    # Still down at the next attempt: one more retry each, scheduled again.
    later = datetime.now() + timedelta(minutes=16)
    outbox.send_due(connection=conn, now=later)
    again = rows()
    assert all(r.retries == 2 and r.attempts == 2 for r in again.values())
    server = services.SmtpServer("127.0.0.1", port)
    controller = Controller(services.RecordingHandler(server), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        report = outbox.send_due(connection=conn, now=datetime.now() + timedelta(minutes=32))
    finally:
        controller.stop()
    assert len(report.sent) == n
    assert sorted(m.rcpt_tos[0] for m in server.messages) == sorted(
        f"r{i}@example.ch" for i in range(n)
    )
    assert {r.status for r in rows().values()} == {"sent"}


def test_out_of_attempts_is_failed(mail_sqlite, monkeypatch):
    monkeypatch.setenv("TQ_MAIL_MAX_ATTEMPTS", "2")
    conn = get_connection(f"smtp://127.0.0.1:{services.free_port()}?timeout=2", settings=load())
    send_mail("s", "b", "a@example.ch", ["b@example.ch"], connection=conn, fail_silently=True)
    outbox.send_due(connection=conn, now=datetime.now() + timedelta(hours=1))
    (row,) = rows().values()
    assert row.status == "failed" and row.attempts == 2 and row.retries == 1


class CrashingBackend:
    """A real SMTP backend that dies (KeyboardInterrupt) before handing over message ``at``."""

    def __init__(self, url: str, at: int):
        self.inner = get_connection(url)
        self.at = at
        self.count = 0
        self.read_only = False
        self.url = url
        self.settings = None
        self.option = self.inner.option

    def check_writable(self):
        pass

    def __enter__(self):
        self.inner.open()
        return self

    def __exit__(self, *exc):
        self.inner.close()

    def deliver_raw(self, *args):
        self.count += 1
        if self.count == self.at:
            raise KeyboardInterrupt
        return self.inner.deliver_raw(*args)


def test_crash_in_the_middle_of_a_bulk_job_resume_sends_only_the_rest(mail_db, smtp_server):
    from tqconsole.services.mail.bulk import Recipient, create_job, send_bulk

    recipients = [Recipient(f"p{i}@example.ch", {"n": str(i)}) for i in range(120)]
    job, ids = create_job("Hallo {n}", "Text {n}", recipients, None, from_email="a@example.ch")
    with pytest.raises(KeyboardInterrupt):
        send_bulk(job, connection=CrashingBackend(smtp_server.url, at=73))
    counts = outbox.status_counts(job)
    assert counts["sent"] == 72
    assert counts["queued"] == 120 - 73 and not OutboxEntry.select().where(OutboxEntry.claim != "")
    assert counts["failed"] == 1  # the one in the server's hands at the crash: never guessed
    # Creating the job again (same id) adds nothing; resuming sends only the rest.
    create_job("Hallo {n}", "Text {n}", recipients, None, from_email="a@example.ch", job=job)
    report = send_bulk(job, connection=get_connection(smtp_server.url))
    assert len(report.sent) == 120 - 73
    delivered = [m.rcpt_tos[0] for m in smtp_server.messages]
    assert len(delivered) == len(set(delivered)) == 119
    assert "p72@example.ch" not in delivered
    assert outbox.status_counts(job)["sent"] == 119


def test_killed_sender_leaves_sending_rows_that_are_failed_not_resent(mail_sqlite, smtp_server):
    conn = get_connection(smtp_server.url)
    item = outbox.outgoing(EmailMessage("s", "b", "a@example.ch", ["b@example.ch"]))
    (pk,) = outbox.enqueue([item])
    # a sender claimed it an hour ago and died
    OutboxEntry.update(claim="dead-run").execute()
    Email.update(last_updated=datetime.now() - timedelta(hours=1)).execute()
    assert rows()[pk].sending
    report = outbox.send_due(connection=conn)
    assert report.sent == [] and not smtp_server.messages and report.uncertain == [pk]
    assert rows()[pk].status == "failed"
    assert "may or may not" in rows()[pk].error


def test_cancel_leaves_the_rest_queued(mail_sqlite, smtp_server):
    conn = get_connection(smtp_server.url)
    messages = [EmailMessage(f"s{i}", "b", "a@example.ch", [f"r{i}@example.ch"]) for i in range(10)]
    seen = []
    report = send_messages(
        messages, connection=conn, cancelled=lambda: seen.append(1) or len(seen) > 4, job="j"
    )
    assert report.cancelled and len(report.sent) == 4
    assert outbox.status_counts("j")["queued"] == 6


def test_send_mass_mail_counts_and_parallel_connections(mail_db, smtp_server):
    conn = get_connection(smtp_server.url)
    data = [(f"s{i}", f"b{i}", "a@example.ch", [f"r{i}@example.ch"]) for i in range(130)]
    assert send_mass_mail(data, connection=conn) == 130
    assert send_mass_mail(data, connection=conn, connections=3) == 130
    assert len(smtp_server.messages) == 260
    assert outbox.status_counts()["sent"] == 260


def test_mail_admins_and_managers_use_the_configuration(mail_sqlite, smtp_server, monkeypatch):
    conn = get_connection(smtp_server.url, settings=load())
    assert mail_admins("x", "y", connection=conn) == 0  # nobody configured: nothing sent
    monkeypatch.setenv("TQ_ADMINS", "Ada <ada@example.ch>, bob@example.ch")
    monkeypatch.setenv("TQ_MANAGERS", "mia@example.ch")
    conn = get_connection(smtp_server.url, settings=load())  # settings are read once, at load
    assert mail_admins("Alarm", "y", connection=conn) == 1
    assert mail_managers("Report", "y", connection=conn) == 1
    assert smtp_server.messages[0].rcpt_tos == ["ada@example.ch", "bob@example.ch"]
    assert b"Subject: [tqconsole] Alarm" in smtp_server.messages[0].original_content
    assert smtp_server.messages[1].rcpt_tos == ["mia@example.ch"]


def test_email_user(mail_sqlite, smtp_server, monkeypatch):
    from tqconsole.models import User
    from tqconsole.services.mail.sending import email_user

    conn = get_connection(smtp_server.url)
    user = User.create(username="ada", email="ada@example.ch", date_joined=datetime.now())
    assert email_user(user, "Hallo", "Text", "office@example.ch", connection=conn) == 1
    assert smtp_server.messages[0].rcpt_tos == ["ada@example.ch"]
    nobody = User.create(username="nomail", date_joined=datetime.now())
    with pytest.raises(InvalidInput, match="no email"):
        email_user(nobody, "x", "y", connection=conn)


def test_read_only_refuses_before_recording(mail_sqlite, smtp_server):
    conn = get_connection(smtp_server.url, read_only=True)
    with pytest.raises(ReadOnlyError):
        send_mail("s", "b", "a@example.ch", ["b@example.ch"], connection=conn)
    assert Email.select().count() == 0


def test_bad_message_mid_job_stops_there_and_a_rerun_sends_the_rest(mail_sqlite, smtp_server):
    from tqconsole.backends.mail import BadHeaderError

    conn = get_connection(smtp_server.url)
    data = [(f"s{i}", "b", "a@example.ch", [f"r{i}@example.ch"]) for i in range(151)]
    data[120] = ("bad\nBcc: x@example.ch", "b", "a@example.ch", ["r120@example.ch"])
    with pytest.raises(BadHeaderError):
        send_mass_mail(data, connection=conn, job="j")
    sent_first = len(smtp_server.messages)
    assert 0 < sent_first < 151  # like Django: what came before the bad message went out
    data[120] = ("s120", "b", "a@example.ch", ["r120@example.ch"])
    assert send_mass_mail(data, connection=conn, job="j") == 151 - sent_first
    delivered = [m.rcpt_tos[0] for m in smtp_server.messages]
    assert len(delivered) == len(set(delivered)) == 151


def test_due_mail_is_post_office_get_queued(mail_sqlite):
    """Waiting (queued or requeued), scheduled time come, not expired: highest priority first."""
    from tqconsole.models.mail import EmailPriority

    def queue(priority: int, **fields) -> int:
        message = EmailMessage("s", "b", "a@example.ch", ["b@example.ch"])
        (pk,) = outbox.enqueue([outbox.outgoing(message, priority=priority)])
        if fields:
            Email.update(**fields).where(Email.id == pk).execute()
        return pk

    now = datetime.now()
    low = queue(EmailPriority.LOW)
    high = queue(EmailPriority.HIGH, status=EmailStatus.REQUEUED, scheduled_time=now)
    queue(EmailPriority.NOW, scheduled_time=now + timedelta(minutes=5))  # not yet
    queue(EmailPriority.HIGH, expires_at=now - timedelta(minutes=1))  # expired
    queue(EmailPriority.HIGH, status=EmailStatus.FAILED)
    medium = queue(EmailPriority.MEDIUM)
    assert outbox.due_ids(now + timedelta(seconds=1)) == [high, medium, low]
    with pytest.raises(InvalidInput, match="unknown priority"):
        outbox.outgoing(EmailMessage("s", "b", "a@example.ch", ["b@example.ch"]), priority=7)
