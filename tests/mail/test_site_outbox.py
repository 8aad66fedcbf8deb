"""The outbox on the site's own post_office rows: listing, logs, attachments, pages,
counts, requeue, and "send queued mail" handed to the site's Celery workers."""

from __future__ import annotations

import json

import pytest

from tests.support.celery_support import site_broker
from tests.tasks.test_celery_cli import run
from tqconsole.models.mail import Attachment, AttachmentEmail, Email, EmailTemplate, Log

POST_OFFICE = (EmailTemplate, Email, Log, Attachment, AttachmentEmail)
SITE_COUNTS = {"sent": 947, "failed": 11, "queued": 2, "requeued": 5}


@pytest.fixture
def site(site_url):
    from tests.conftest import make_backends

    backends = make_backends()
    yield backends
    backends.close()


def test_models_are_the_sites_tables(site):
    from tqconsole.services.db.schema import drift, init

    db = site.database
    for model in POST_OFFICE:
        assert drift(db, model).lines() == [], model.__name__
    report = init(site)  # only the console's side table is created in the site's database
    assert "tqconsole_outboxentry" in report.created
    assert not [t for t in report.created if t.startswith("post_office")]


def test_listing_by_status_with_logs(site, capsys):
    from tqconsole.services.mail import outbox

    site.database  # noqa: B018 - binds the models
    assert outbox.status_counts() == SITE_COUNTS
    code, out, _ = run(capsys, "mail", "outbox", "--status", "failed", "--json", "--limit", "100")
    failed = json.loads(out)
    assert code == 0 and len(failed) == 11
    # the relay was down: six attempts, each with its failed log, retries used up
    assert {(r["retries"], r["attempts"]) for r in failed} == {(5, 6)}
    assert all(log["status"] == "failed" for r in failed for log in r["logs"])
    assert all(r["error"] for r in failed)
    code, out, _ = run(capsys, "mail", "outbox", "--status", "requeued", "--json")
    requeued = json.loads(out)
    assert len(requeued) == 5 and all(r["scheduled_time"] and r["retries"] == 1 for r in requeued)
    code, out, _ = run(capsys, "mail", "outbox", "--status", "lost")
    assert code != 0


def test_one_mail_with_its_attachment_as_it_would_be_sent(site):
    from tqconsole.services.mail import outbox

    site.database  # noqa: B018
    link = AttachmentEmail.select().order_by(AttachmentEmail.id).first()
    row = outbox.get_email(link.email_id, with_message=False)
    assert row.attachments and row.attachments[0][0].startswith("QR-bill-USI-")
    plain = Email.select().where(Email.id.not_in(AttachmentEmail.select(AttachmentEmail.email)))
    mail = outbox.get_email(plain.order_by(Email.id).first().id)
    # built from post_office's columns as its email_message() does: headers, To, the body
    assert b"Reply-To: " in mail.message and f"To: {mail.to}".encode() in mail.message


def test_pages_from_any_position(site):
    from tqconsole.services.mail.outbox import OutboxWindow

    window = OutboxWindow(site.database)
    total, _ = window.estimate()
    assert total == sum(SITE_COUNTS.values())
    first = window.fetch(0, 20)
    assert [r.key for r in first.rows] == sorted((r.key for r in first.rows), reverse=True)
    last = window.fetch(total - 20, 20)
    assert last.rows[-1].key == Email.select(Email.id).order_by(Email.id).first().id
    failed = OutboxWindow(site.database, "failed")
    assert failed.estimate()[0] == 11
    assert {r.cells[1] for r in failed.fetch(0, 20).rows} == {"failed"}


@pytest.fixture
def initialized(site):
    """The site's database after ``tqconsole init`` (the console's own tables added)."""
    from tqconsole.services.db.schema import init

    init(site)
    return site


def test_requeue_as_the_admin_action_and_read_only_refuses(initialized, capsys, monkeypatch):
    pk = Email.get(Email.status == 1).id
    monkeypatch.setenv("TQ_READ_ONLY", "1")
    code, _, err = run(capsys, "mail", "requeue", str(pk))
    assert code != 0 and "read-only" in err and Email.get_by_id(pk).status == 1
    monkeypatch.delenv("TQ_READ_ONLY")
    code, out, _ = run(capsys, "mail", "requeue", str(pk))
    assert code == 0 and f"#{pk}" in out
    assert Email.get_by_id(pk).status == 2  # queued; retries and schedule as they were
    code, _, err = run(capsys, "mail", "requeue", "999999")
    assert code != 0 and "no message #999999" in err


SEND_TASK = "post_office.tasks.send_queued_mail"


@pytest.fixture
def site_configured(initialized, redis_url, smtp_server, monkeypatch):
    """The site's broker (its redis.jsonl) and an SMTP sink configured: (broker, tasks before)."""
    monkeypatch.setenv("TQ_CELERY_BROKER_URL", redis_url)
    monkeypatch.setenv("TQ_EMAIL_URL", smtp_server.url)
    broker = site_broker(redis_url)
    yield broker, broker.task_counts("celery")[SEND_TASK]
    broker.close()


def test_send_queued_mail_is_the_sites_task_when_the_site_is_configured(
    site_configured, smtp_server, capsys
):
    broker, before = site_configured
    code, out, _ = run(capsys, "mail", "retry")
    assert code == 0 and "post_office.tasks.send_queued_mail" in out
    assert broker.task_counts("celery")[SEND_TASK] == before + 1
    pk = Email.get(Email.status == 1).id
    code, out, _ = run(capsys, "mail", "resend", str(pk))
    assert code == 0 and f"#{pk} requeued" in out
    assert broker.task_counts("celery")[SEND_TASK] == before + 2
    assert not smtp_server.messages  # the console never delivered a site mail itself
    assert Email.get_by_id(pk).status == 2


def test_a_message_sent_with_the_site_configured_is_left_to_the_sites_workers(
    site_configured, smtp_server, capsys
):
    broker, before = site_configured
    argv = ["mail", "send", "--to", "a@example.ch", "--subject", "Hallo", "--body", "Text"]
    code, out, _ = run(capsys, *argv)
    assert code == 0 and "1 queued for the site's workers" in out
    assert broker.task_counts("celery")[SEND_TASK] == before + 1
    email = Email.select().order_by(Email.id.desc()).first()
    assert (email.to, email.status, email.message) == ("a@example.ch", 2, "Text")
    assert not smtp_server.messages  # the console never delivers beside the site's workers
