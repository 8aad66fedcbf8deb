"""The settings of the command line (``--profile``, ``--read-only``) reach every mail path.

Nothing below the command line loads the configuration again: a profile-only
option (sender, IBAN, the mail URL itself) shows up in what the server receives.
"""

from __future__ import annotations

import pytest

from tqconsole.backends.mail import get_connection
from tqconsole.cli import main
from tqconsole.errors import ConfigError
from tqconsole.models import Subscribe
from tqconsole.models.choices import SubscribeState
from tqconsole.settings import load


@pytest.fixture
def prod(demo_sqlite, smtp_server, tmp_path, monkeypatch):
    """A configuration whose top level mails nowhere; only [profiles.prod] reaches the server."""
    config = tmp_path / "tq.toml"
    config.write_text(
        f"""
email_url = "dummy://"
default_from_email = "top@example.ch"
payment_iban = "CH00 TOP"

[profiles.prod]
email_url = "{smtp_server.url}"
default_from_email = "Prod Office <prod@example.ch>"
payment_iban = "CH99 PROD"
""",
        encoding="utf-8",
    )
    monkeypatch.setenv("TQ_CONFIG", str(config))
    from tests.conftest import make_backends
    from tqconsole.services.db.schema import init

    b = make_backends()
    init(b)
    yield smtp_server
    b.close()


def test_mail_send_uses_the_profile(prod, capsys):
    code = main(["--profile", "prod", "mail", "send", "--to", "a@example.ch", "--subject", "s"])
    assert code == 0, capsys.readouterr().err
    (envelope,) = prod.messages
    assert envelope.mail_from == "prod@example.ch"
    assert b"From: Prod Office <prod@example.ch>" in envelope.original_content


def test_template_bulk_and_staff_action_use_the_profile(prod, capsys):
    sub = Subscribe.select().where(Subscribe.state == SubscribeState.CONFIRMED).first()
    args = ["--profile", "prod", "mail", "send", "--template", "payment_reminder"]
    assert main([*args, "--record", f"courses_subscribe/{sub.id}"]) == 0
    args = ["--profile", "prod", "mail", "send", "--query", f"id={sub.id}"]
    assert main([*args, "--subject", "IBAN {payment_iban}", "--yes"]) == 0
    new = Subscribe.select().where(Subscribe.state == SubscribeState.NEW).first()
    assert main(["--profile", "prod", "subs", "confirm", "--allow-singles", new.usi]) == 0, (
        capsys.readouterr()
    )
    assert [m.mail_from for m in prod.messages] == ["prod@example.ch"] * 3
    reminder, bulk, confirmation = (m.original_content for m in prod.messages)
    # the site's mails link the payment page; the profile's IBAN fills the composer's fields
    assert f"/payment/{sub.usi}/".encode() in reminder and b"Subject: IBAN CH99 PROD" in bulk
    assert f"/payment/{new.usi}/".encode() in confirmation


def test_periodic_mail_tasks_use_the_consumers_settings(prod):
    from tqconsole import tasks
    from tqconsole.backends import Backends
    from tqconsole.services.mail.workflows import queue_state_mail

    backends = Backends(load(profile="prod"))  # what `tqconsole --profile prod consumer` has
    try:
        tasks.bind(backends)
        sub = Subscribe.select().where(Subscribe.state == SubscribeState.WAITING_LIST).first()
        queue_state_mail(sub.id, backends.get("email"))
        assert "sent" in tasks.send_queued_mail()  # with the demo's queued message
        (mine,) = [m for m in prod.messages if m.rcpt_tos == [sub.user.email]]
        assert mine.mail_from == "prod@example.ch"
        assert tasks.huey is backends.get("queue").huey
    finally:
        backends.close()


def test_get_connection_never_loads_settings(sqlite_url):
    with pytest.raises(ConfigError, match="no mail connection"):
        get_connection()
    assert get_connection(settings=load(read_only=True)).read_only
