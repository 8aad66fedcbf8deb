"""The parts wired together: staff actions mail the participant and say how it went;
the queue's periodic tasks send what is left."""

from tqconsole.backends.mail import get_connection
from tqconsole.models import Email, OutboxEntry, Rejection, Subscribe, User
from tqconsole.models.choices import SubscribeState
from tqconsole.models.mail import EmailStatus
from tqconsole.services.courses import subscriptions
from tqconsole.services.db.schema import init
from tqconsole.services.mail import outbox
from tqconsole.settings import load


def new_subscriptions(n: int) -> list[int]:
    query = Subscribe.select().where(Subscribe.state == SubscribeState.NEW).limit(n)
    return [s.id for s in query.order_by(Subscribe.id)]


def test_confirm_reject_and_waiting_list_mail_once(demo_sqlite, smtp_server):
    from tests.conftest import make_backends

    b = make_backends()
    init(b)
    mail = get_connection(smtp_server.url, settings=load())
    new = new_subscriptions(3)
    before = Email.select().count()
    confirmed = subscriptions.apply("confirm", [new[0]], mail=mail, allow_singles=True)
    subscriptions.apply("reject", [new[1]], reason="overbooked", mail=mail)
    subscriptions.apply("waiting_list", [new[2]], mail=mail)
    paid = subscriptions.apply("paid_counter", [new[0]], mail=mail)  # no mail for this
    assert not paid.mail
    usi = confirmed.done[0].usi
    assert confirmed.mail[usi].startswith("mail #") and confirmed.mail[usi].endswith(" sent")
    assert "mail sent" in confirmed.summary() and not confirmed.warnings
    queued = list(outbox.list_outbox(limit=3))
    assert Email.select().count() == before + 3
    templates = sorted(e.template for e in queued)
    assert templates == [  # the site's template names
        "move_to_waiting_list",
        "participation_confirmation_without_partner",
        "rejection_overbooked",
    ]
    assert {e.status for e in queued} == {"sent"} and len(smtp_server.messages) == 3
    assert Rejection.get(Rejection.subscription == new[1]).mail_sent  # as the site records it
    # the same event again mails nobody twice (idempotency key of the event)
    from tqconsole.services.mail.workflows import mail_state_changes

    assert mail_state_changes([new[1]], mail)[new[1]][0]
    assert Email.select().count() == before + 3 and len(smtp_server.messages) == 3
    b.close()


def test_a_refused_or_failed_state_mail_is_a_warning(demo_sqlite, smtp_server):
    from tests.conftest import make_backends
    from tests.support import services

    b = make_backends()
    init(b)
    first, second = new_subscriptions(2)
    user = Subscribe.get_by_id(first).user
    User.update(first_name="Eve\x0bBcc: all@example.ch").where(User.id == user.id).execute()
    outcome = subscriptions.apply(
        "confirm", [first], mail=get_connection(smtp_server.url), allow_singles=True
    )
    assert Subscribe.get_by_id(first).state != SubscribeState.NEW  # the change stays
    (warning,) = outcome.warnings
    assert "mail refused" in warning and "line break (U+000B)" in warning
    assert "1 mail(s) NOT sent" in outcome.summary() and not smtp_server.messages
    down = get_connection(f"smtp://127.0.0.1:{services.free_port()}?timeout=2")
    outcome = subscriptions.apply("confirm", [second], mail=down, allow_singles=True)
    (warning,) = outcome.warnings
    assert "NOT sent (queued, retried later)" in warning and "connection refused" in warning
    b.close()


def test_subs_cli_says_what_happened_to_the_mail(demo_sqlite, smtp_server, monkeypatch, capsys):
    from tests.conftest import make_backends
    from tqconsole.cli import main

    monkeypatch.setenv("TQ_EMAIL_URL", smtp_server.url)
    b = make_backends()
    init(b)
    good, bad = (Subscribe.get_by_id(i) for i in new_subscriptions(2))
    User.update(last_name="X\u2028Y").where(User.id == bad.user_id).execute()
    code = main(["subs", "confirm", "--allow-singles", good.usi, bad.usi])
    out, err = capsys.readouterr()
    assert code == 1
    lines = dict(line.split("  ", 1) for line in out.splitlines())
    assert lines[good.usi].endswith("sent)") and "mail #" in lines[good.usi]
    assert "mail refused" in lines[bad.usi] and "U+2028" in lines[bad.usi]
    assert f"tqconsole: {bad.usi}: mail refused" in err
    assert len(smtp_server.messages) == 1
    b.close()


def test_periodic_task_delivers_the_queued_mail(demo_sqlite, smtp_server, monkeypatch):
    from tests.conftest import make_backends
    from tqconsole import tasks
    from tqconsole.services.mail.workflows import queue_state_mail

    monkeypatch.setenv("TQ_EMAIL_URL", smtp_server.url)
    b = make_backends()
    init(b)
    sub, other = (Subscribe.get_by_id(i) for i in new_subscriptions(2))
    subscriptions.apply(
        "confirm", [sub.id], allow_singles=True
    )  # without a mail connection: nothing mailed
    subscriptions.apply("reject", [other.id], reason="overbooked")
    queue_state_mail(sub.id, b.get("email"))
    queue_state_mail(other.id, b.get("email"))
    rejection = Rejection.get(Rejection.subscription == other.id)
    assert rejection.mail_sent  # the site records it when the mail is queued
    tasks.bind(b)
    summary = tasks.send_queued_mail()
    assert "sent" in summary
    rcpts = [r for env in smtp_server.messages for r in env.rcpt_tos]
    assert sub.user.email in rcpts and other.user.email in rcpts
    entry = OutboxEntry.get(OutboxEntry.template.startswith("participation_confirmation"))
    assert Email.get_by_id(entry.email_id).status == EmailStatus.SENT
    assert Rejection.get_by_id(rejection.id).mail_sent  # as the site records it
    assert "send_queued_mail" in tasks.PERIODIC and "send_payment_reminders" in tasks.PERIODIC
    b.close()


async def test_email_this_user_from_a_record_view(demo_sqlite):
    from tqconsole.app import TQConsole

    sub = Subscribe.select().first()
    app = TQConsole(load(), location=f"models/courses_subscribe/{sub.id}")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await pilot.app.workers.wait_for_complete()
        await pilot.press("@")
        await pilot.pause()
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        assert pilot.app.screen.location == f"mail/compose/courses_subscribe/{sub.id}"
        assert sub.user.email in pilot.app.screen.query_one("#field-to").value
