"""The parts wired together: staff actions queue mail; the queue's periodic tasks send it."""

from tqconsole.models import Email, Rejection, Subscribe
from tqconsole.models.choices import SubscribeState
from tqconsole.services import subscriptions
from tqconsole.services.schema import init


def test_confirm_reject_and_waiting_list_queue_their_mail_once(demo_sqlite):
    from tests.conftest import make_backends

    b = make_backends()
    init(b)
    new = [s.id for s in Subscribe.select().where(Subscribe.state == SubscribeState.NEW).limit(3)]
    before = Email.select().count()
    subscriptions.apply("confirm", [new[0]], allow_singles=True)
    subscriptions.apply("reject", [new[1]], reason="overbooked")
    subscriptions.apply("waiting_list", [new[2]])
    subscriptions.apply("paid_counter", [new[0]])  # no mail for a counter payment
    queued = list(Email.select().where(Email.id > 0).order_by(Email.id.desc()).limit(3))
    assert Email.select().count() == before + 3
    templates = sorted(e.template for e in queued)
    assert templates == ["participation_confirmed", "rejection_overbooked", "waiting_list"]
    assert {e.status for e in queued} == {"queued"}
    # the same event again queues nothing more (idempotency key of the event)
    from tqconsole.services.mail_workflows import on_state_change

    on_state_change(Subscribe.get_by_id(new[1]), "reject", {})
    assert Email.select().count() == before + 3
    b.close()


def test_periodic_task_delivers_the_queued_mail(demo_sqlite, smtp_server, monkeypatch):
    from tests.conftest import make_backends
    from tqconsole import tasks

    monkeypatch.setenv("TQ_EMAIL_URL", smtp_server.url)
    b = make_backends()
    init(b)
    sub, other = Subscribe.select().where(Subscribe.state == SubscribeState.NEW).limit(2)
    subscriptions.apply("confirm", [sub.id], allow_singles=True)
    subscriptions.apply("reject", [other.id], reason="overbooked")
    rejection = Rejection.get(Rejection.subscription == other.id)
    assert rejection.mail_sent  # the site records it when the mail is queued
    tasks.bind(b)
    summary = tasks.send_queued_mail()
    assert "sent" in summary
    rcpts = [r for env in smtp_server.messages for r in env.rcpt_tos]
    assert sub.user.email in rcpts and other.user.email in rcpts
    assert Email.get(Email.template == "participation_confirmed").status == "sent"
    assert Rejection.get_by_id(rejection.id).mail_sent  # as the site records it
    assert "send_queued_mail" in tasks.PERIODIC and "send_payment_reminders" in tasks.PERIODIC
    b.close()


async def test_email_this_user_from_a_record_view(demo_sqlite):
    from tqconsole.app import TQConsole
    from tqconsole.settings import load

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
