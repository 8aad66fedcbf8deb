"""Templates rendered from demo records; the payment reminder rule at its boundaries."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest

from tests.conftest import DEMO_TODAY, make_backends
from tqconsole.backends.mail import get_connection
from tqconsole.errors import InvalidInput, NotFound
from tqconsole.models import (
    Course,
    CourseType,
    Offering,
    Payment,
    PaymentReminder,
    Period,
    PriceReduction,
    Rejection,
    Subscribe,
    SubscriptionPayment,
    User,
)
from tqconsole.models.choices import RejectionReason, SubscribeState
from tqconsole.services.mail.template_seed import console_templates, seed_templates
from tqconsole.services.mail.templates import fill, load_record, render
from tqconsole.services.payments.amounts import open_amount
from tqconsole.services.payments.reminders import due_reminders, send_payment_reminders


@pytest.fixture
def demo(demo_sqlite):
    from tqconsole.services.db.schema import init

    b = make_backends()
    init(b)  # the outbox table
    yield b
    b.close()


def a_subscription(state: str, reason: str | None = None) -> Subscribe:
    query = Subscribe.select().where(Subscribe.state == state).order_by(Subscribe.id)
    if reason:
        query = query.join(Rejection).where(Rejection.reason == reason)
    sub = query.first()
    assert sub is not None, (state, reason)
    return sub


@pytest.mark.parametrize("name", sorted(console_templates()))
def test_every_seeded_template_renders_from_a_demo_record(demo, name):
    state = SubscribeState.REJECTED if name.startswith("rejection_") else SubscribeState.CONFIRMED
    if name.startswith(("subscription_confirmation", "move_to")):
        state = SubscribeState.NEW
    sub = a_subscription(state)
    subject, body = render(name, sub, None)
    assert body.startswith(f"Hi {sub.user.first_name},\n")
    assert "{" not in subject + body and "None" not in body
    if name == "payment_reminder":
        assert f"/payment/{sub.usi}/" in body
        assert f"Open: {open_amount(sub):.2f}".replace(".", ",") in body  # localised


def test_open_amount_subtracts_reductions_and_payments_never_below_zero(demo):
    sub = a_subscription(SubscribeState.CONFIRMED)
    price = Decimal(str(sub.price_to_pay))
    PriceReduction.create(subscription=sub, amount=Decimal("5"))
    payment = Payment.create(date=datetime(2026, 11, 1), transaction_id="t1", amount=10)
    SubscriptionPayment.create(payment=payment, subscription=sub, amount=Decimal("10"))
    assert open_amount(sub) == max(price - 15, 0)
    SubscriptionPayment.create(payment=payment, subscription=sub, amount=Decimal("1000"))
    assert open_amount(sub) == 0


def test_records_and_placeholders(demo):
    with pytest.raises(NotFound):
        load_record("courses_subscribe/999999")
    with pytest.raises(InvalidInput):
        load_record("courses_subscribe")
    with pytest.raises(NotFound, match="no mail template 'nope'"):
        render("nope", a_subscription(SubscribeState.NEW), None)
    assert (
        fill("Hi {first_name} {unknown} {", {"first_name": "Ada"}) == "Hi {first_name} {unknown} {"
    )
    assert fill("Hi {first_name} {unknown}", {"first_name": "Ada"}) == "Hi Ada {unknown}"


def test_cli_sends_a_template_and_a_bulk_query(demo, smtp_server, monkeypatch, capsys):
    from tqconsole.cli import main

    monkeypatch.setenv("TQ_EMAIL_URL", smtp_server.url)
    sub = a_subscription(SubscribeState.CONFIRMED)
    code = main(
        [
            "mail",
            "send",
            "--template",
            "payment_reminder",
            "--record",
            f"courses_subscribe/{sub.id}",
        ]
    )
    assert code == 0, capsys.readouterr().err
    assert smtp_server.messages[0].rcpt_tos == [sub.user.email]
    code = main(
        [
            "mail", "send", "--query", f"course={sub.course_id}", "--subject", "Hi {first_name}",
            "--body", "see you in {course}", "--job", "j1", "--yes",
        ]
    )  # fmt: skip
    out = capsys.readouterr().out
    assert code == 0 and "job j1:" in out
    accepted = Subscribe.select().where(
        (Subscribe.course == sub.course_id) & Subscribe.state.in_(SubscribeState.ACCEPTED)
    )
    assert len(smtp_server.messages) == 1 + accepted.count()
    assert main(["mail", "send", "--query", f"course={sub.course_id}", "--job", "j1", "--subject", "Hi {first_name}", "--body", "x", "--yes"]) == 0  # fmt: skip
    assert "0 sent" in capsys.readouterr().out  # resumed: nothing left to send


# --- the reminder rule, on its own small data (SQLite and PostgreSQL)
START = date(2026, 9, 14)


@pytest.fixture
def one_course(mail_db):
    period = Period.create(name="HS 2026", date_from=START, date_to=date(2026, 12, 20))
    kind = CourseType.create()
    offering = Offering.create(name="Workshops", period=period)
    course = Course.create(
        name="Salsa 1 Mo", type=kind, offering=offering, period=period, price_without_legi=70
    )
    workshop = Course.create(name="Workshop", type=kind, offering=offering, price_without_legi=30)

    def subscribe(n: int, state=SubscribeState.CONFIRMED, course=course, price=70.0):
        user = User.create(
            username=f"u{n}",
            first_name=f"U{n}",
            email=f"u{n}@example.ch",
            date_joined=datetime(2026, 1, 1),
        )
        return Subscribe.create(
            user=user, course=course, date=datetime(2026, 9, 1), state=state, usi=f"AAAA{n:02d}",
            price_to_pay=price,
        )  # fmt: skip

    return subscribe, course, workshop


def test_reminder_rule_boundaries(one_course):
    subscribe, course, workshop = one_course
    unpaid = subscribe(1)
    paid = subscribe(2, state=SubscribeState.PAYED)
    free = subscribe(3, price=0.0)
    via_offering = subscribe(4, course=workshop, price=30.0)
    covered = subscribe(5)
    payment = Payment.create(date=datetime(2026, 9, 20), transaction_id="t", amount=70)
    SubscriptionPayment.create(payment=payment, subscription=covered, amount=70)
    assert due_reminders(START + timedelta(days=14)) == []  # the site: more than 14 days
    due = {s.id for s in due_reminders(START + timedelta(days=15))}
    assert due == {unpaid.id, via_offering.id}
    assert paid.id not in due and free.id not in due and covered.id not in due
    PaymentReminder.create(subscription=unpaid, date=datetime(2026, 9, 28, 17, 30))
    day = date(2026, 9, 28)
    assert {s.id for s in due_reminders(day + timedelta(days=7))} == {via_offering.id}
    assert {s.id for s in due_reminders(day + timedelta(days=8))} == {unpaid.id, via_offering.id}


def test_send_payment_reminders_records_and_never_twice_a_day(one_course, smtp_server):
    subscribe, _, _ = one_course
    sub = subscribe(1)
    conn = get_connection(smtp_server.url)
    today = START + timedelta(days=20)
    report = send_payment_reminders(today, connection=conn)
    assert report.due == 1 and len(report.delivery.sent) == 1
    assert PaymentReminder.select().where(PaymentReminder.subscription == sub.id).count() == 1
    assert b"Subject: Payment reminder:" in smtp_server.messages[0].original_content
    assert b"/payment/AAAA01/" in smtp_server.messages[0].original_content
    assert send_payment_reminders(today, connection=conn).due == 0
    assert len(smtp_server.messages) == 1
    assert send_payment_reminders(today + timedelta(days=8), connection=conn).due == 1


def test_state_mails_are_queued_once_per_event(one_course):
    from tqconsole.models.mail import OutboxEntry
    from tqconsole.services.mail.workflows import queue_state_mail

    subscribe, _, _ = one_course
    sub = subscribe(1, state=SubscribeState.REJECTED)
    Rejection.create(subscription=sub, date=datetime(2026, 9, 2), reason=RejectionReason.OVERBOOKED)
    first = queue_state_mail(sub.id, None)
    assert queue_state_mail(sub.id, None) == first
    assert OutboxEntry.get_by_id(first).template == "rejection_overbooked"
    Subscribe.update(state=SubscribeState.WAITING_LIST).where(Subscribe.id == sub.id).execute()
    assert OutboxEntry.get_by_id(queue_state_mail(sub.id, None)).template == "move_to_waiting_list"
    Subscribe.update(state=SubscribeState.PAYED).where(Subscribe.id == sub.id).execute()
    assert queue_state_mail(sub.id, None) is None


def test_demo_outbox(demo):
    from tqconsole.services.mail.outbox import status_counts

    counts = status_counts()
    assert counts["failed"] == 1 and counts["requeued"] == 1 and counts["sent"] >= 10


def test_cli_reminders_lists_then_sends(demo, smtp_server, monkeypatch, capsys):
    import json

    from tqconsole.cli import main

    monkeypatch.setenv("TQ_EMAIL_URL", smtp_server.url)
    assert main(["mail", "reminders", "--date", str(DEMO_TODAY), "--json"]) == 0
    due = json.loads(capsys.readouterr().out)
    assert due and all(float(r["open"]) > 0 for r in due)
    assert len(smtp_server.messages) == 0  # listing sends nothing
    assert main(["mail", "reminders", "--date", str(DEMO_TODAY), "--send"]) == 0
    assert f"{len(due)} reminder(s) due" in capsys.readouterr().out
    assert len(smtp_server.messages) == len(due)
    assert main(["mail", "reminders", "--date", str(DEMO_TODAY), "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == []
    assert main(["mail", "reminders", "--date", "21.11.2026"]) == 2


def test_init_seeds_the_consoles_templates_and_keeps_edited_ones(mail_db):
    from tqconsole.services.db.schema import init
    from tqconsole.services.mail.templates import TemplateRow, get_template

    names = {r.name for r in TemplateRow.select()}
    assert names == set(console_templates())
    TemplateRow.update(subject="edited").where(TemplateRow.name == "payment_reminder").execute()
    assert seed_templates() == 0 and init(mail_db)
    assert get_template("payment_reminder").subject == "edited"
