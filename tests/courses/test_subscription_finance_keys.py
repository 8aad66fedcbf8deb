"""The subscription screen's keys for the site's finance actions: V redeems a voucher,
$ sends the payment reminder, O marks paid online, M matches partners (on the site's data)."""

from __future__ import annotations

import pytest

from tests.support.tui_support import settle
from tqconsole.app import TQConsole
from tqconsole.settings import load


@pytest.fixture
def site(site_url, smtp_server, monkeypatch):
    from tests.conftest import make_backends
    from tqconsole.services.db.schema import init

    monkeypatch.setenv("TQ_EMAIL_URL", smtp_server.url)
    b = make_backends()
    init(b)
    yield b, smtp_server
    b.close()


def row(db, sql: str, *params):
    return db.execute_sql(sql, params).fetchone()


def sub_id(usi: str) -> int:
    from tqconsole.models import Subscribe

    return Subscribe.get(Subscribe.usi == usi).id


async def test_v_redeems_a_voucher_after_the_key_and_a_confirmation(site):
    from tqconsole.models import Subscribe

    db = Subscribe._meta.database
    app = TQConsole(load(), location=f"models/courses_subscribe/{sub_id('7H476R')}")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("V")
        await settle(pilot)
        await pilot.press(*"mwx3py", "enter")  # typed text lands in the dialog's field
        await settle(pilot)
        assert row(db, "SELECT used FROM courses_voucher WHERE key = 'MWX3PY'") == (False,)
        await pilot.press("enter")  # the confirmation
        await settle(pilot)
        messages = [n.message for n in app._notifications]
    assert any("voucher MWX3PY: CHF 70.00 off 7H476R" in m for m in messages), messages
    assert row(db, "SELECT used FROM courses_voucher WHERE key = 'MWX3PY'") == (True,)


async def key_then_enter(usi: str, key: str) -> list[str]:
    """On the record of ``usi``: ``key``, then enter on its confirmation; the notifications."""
    app = TQConsole(load(), location=f"models/courses_subscribe/{sub_id(usi)}")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press(key)
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        return [n.message for n in app._notifications]


async def test_dollar_sends_the_sites_payment_reminder(site, monkeypatch):
    from tqconsole.models import PaymentReminder, Subscribe

    _, smtp = site
    monkeypatch.setenv("TQ_DEPLOYMENT_DOMAIN", "tq.example.ch")  # the site's links
    messages = await key_then_enter("UP7X77", "$")
    assert any(m.startswith("UP7X77: reminder mail #") and m.endswith(" sent") for m in messages)
    (envelope,) = smtp.messages
    assert envelope.rcpt_tos == ["carla.keller@proton.me"]
    assert b"Reply-To: finanzen@tanzquotient.org" in envelope.original_content
    assert b"https://tq.example.ch/de/payment/UP7X77/" in envelope.original_content
    sub = Subscribe.get(Subscribe.usi == "UP7X77")
    assert PaymentReminder.select().where(PaymentReminder.subscription == sub.id).count() >= 1


async def test_o_marks_paid_online_and_mails_the_payment_received(site):
    from tqconsole.models import Subscribe

    _, smtp = site
    await key_then_enter("GJKBW4", "O")
    sub = Subscribe.get(Subscribe.usi == "GJKBW4")
    assert (sub.state, sub.paymentmethod) == ("payed", "online")
    (envelope,) = smtp.messages
    assert b"We received your payment for Tango Argentino 1" in envelope.original_content
    assert b"Reply-To: finanzen@tanzquotient.org" in envelope.original_content


def test_cli_twins_refuse_what_the_site_refuses(site, capsys):
    from tqconsole.cli import main

    assert main(["subs", "redeem", "7H476R", "MWX3PY", "--user", "finanzen"]) == 0
    assert main(["subs", "redeem", "7H476R", "MWX3PY"]) == 2  # bad input
    assert "was used already" in capsys.readouterr().err
    assert main(["subs", "remind", "XYBKKT"]) == 2  # new: the site reminds confirmed ones only
    assert "only confirmed" in capsys.readouterr().err
    assert main(["subs", "match", "H9GXUM", "KUQEHA", "--user", "tqadmin", "--json"]) == 0
    assert '"state": "new"' in capsys.readouterr().out
