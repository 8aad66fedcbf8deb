"""Payment matching on demo-like bank CSVs, and the payment_match / export tasks end to end."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.support.tasks_support import bound, wait_for
from tqconsole.errors import InvalidInput
from tqconsole.models import AuditEntry, FinanceFile, Payment, Subscribe, SubscriptionPayment
from tqconsole.models.choices import CreditDebit, PaymentState, PaymentType, SubscribeState
from tqconsole.services.payments import amounts
from tqconsole.services.payments import matching as pm
from tqconsole.services.payments.zkb_statement import ZKB_COLUMNS

HEADER = ";".join(ZKB_COLUMNS)


def line(ref, amount, text, debit=False, date="03.11.2026", payer="Anna Muster"):
    debit_cell, credit_cell = (f"{amount}", "") if debit else ("", f"{amount}")
    return f'{date};Gutschrift;;{ref};;{debit_cell};{credit_cell};{date};;"{text}";{payer}'


def statement(*lines: str) -> bytes:
    return ("\n".join([HEADER, *lines]) + "\n").encode("utf-8")


@pytest.fixture
def backends(demo_sqlite):
    from tests.support.tasks_support import make_backends

    b = make_backends()
    yield b
    b.close()


@pytest.fixture
def confirmed(backends):
    """Six confirmed subscriptions with nothing paid yet, and their open amounts."""
    from tqconsole.services.payments.amounts import price_to_pay

    subs = list(
        Subscribe.select()
        .where((Subscribe.state == SubscribeState.CONFIRMED) & (Subscribe.price_to_pay > 0))
        .order_by(Subscribe.id)
    )
    opens = amounts.open_amounts_of([s.id for s in subs])
    chosen = [s for s in subs if 0 < opens[s.id] == price_to_pay(s)][:6]
    assert len(chosen) == 6
    return [(s, opens[s.id]) for s in chosen]


def test_matching_rules_on_a_statement(backends, confirmed):
    """The site's rules: each USI gets min(price after reductions, what is left)."""
    (a, open_a), (b, open_b), (c, open_c), (d, open_d), (e, open_e), _ = confirmed
    data = statement(
        line("R1", open_a, f"USI-{a.usi} Tanzkurs"),  # matched
        line("R2", open_b / 2, f"Kurs usi-{b.usi.lower()}"),  # partial, lower case
        line("R3", open_c + 10, f"USI-{c.usi}"),  # over-paid
        line("R4", "70.00", "USI-ABCDEF Kurs"),  # unknown USI
        line("R5", "35.00", "Beitrag Musikabend"),  # no USI (a word is no USI)
        line("R6", "1'250.00", "Raummiete", debit=True, payer="ASVZ"),  # debit
        line("R7", open_d + open_e, f"USI-{d.usi} USI-{e.usi}"),  # one payment, two subscriptions
    )
    report = pm.import_statement(data, "zkb-test.csv", "bank/zkb-test.csv")
    assert (report.lines, report.matched, report.manual, report.irrelevant) == (7, 3, 3, 1)

    def pay(ref):
        return Payment.get(Payment.transaction_id == ref)

    def state(sub):
        return Subscribe.get_by_id(sub.id).state

    assert pay("R1").state == PaymentState.PROCESSED and state(a) == SubscribeState.PAYED
    assert amounts.open_amounts_of([a.id])[a.id] == 0
    # a part payment is used up in full: processed, the subscription stays confirmed
    assert pay("R2").state == PaymentState.PROCESSED and state(b) == SubscribeState.CONFIRMED
    assert amounts.open_amounts_of([b.id])[b.id] == open_b - (open_b / 2).quantize(Decimal("0.01"))
    assert pay("R3").state == PaymentState.MANUAL and state(c) == SubscribeState.PAYED
    assert pay("R3").amount_to_reimburse == Decimal("10.00")
    assert pay("R4").state == PaymentState.MANUAL
    assert pay("R4").type == PaymentType.SUBSCRIPTION_PAYMENT
    assert pay("R4").amount_to_reimburse == Decimal("70.00")
    assert pay("R5").state == PaymentState.MANUAL and pay("R5").type == PaymentType.UNKNOWN
    assert pay("R6").type == PaymentType.IRRELEVANT and pay("R6").state == PaymentState.NEW
    assert pay("R6").credit_debit == CreditDebit.DEBIT and pay("R6").amount == Decimal("1250.00")
    assert pay("R7").state == PaymentState.PROCESSED
    assert state(d) == state(e) == SubscribeState.PAYED
    assert SubscriptionPayment.select().where(SubscriptionPayment.payment == pay("R7")).count() == 2
    assert FinanceFile.get(FinanceFile.file == "bank/zkb-test.csv").processed

    payments, links = Payment.select().count(), SubscriptionPayment.select().count()
    assert pm.import_statement(data, "zkb-test.csv", "bank/zkb-test.csv").status == "skipped"
    again = pm.import_statement(data, "zkb-copy.csv", "bank/zkb-copy.csv")
    assert again.duplicates == 7
    assert (Payment.select().count(), SubscriptionPayment.select().count()) == (payments, links)


@pytest.mark.parametrize("data", [b"", b"Date,Amount\n1,2\n", b"\xff\xfe not text"])
def test_a_file_that_is_not_a_statement_is_refused_and_writes_nothing(backends, data):
    before = Payment.select().count()
    with pytest.raises(InvalidInput, match="not a ZKB statement"):
        pm.import_statement(data, "bad.csv", "bank/bad.csv")
    assert Payment.select().count() == before
    assert not FinanceFile.select().where(FinanceFile.file == "bank/bad.csv").exists()


@pytest.mark.parametrize(
    "bad, message",
    [
        (line("R1", "12.00", "x", date="31.02.2026"), "line 2: '31.02.2026' is not a date"),
        (line("R1", "12,00.x", "x"), "line 2: '12,00.x' is not an amount"),
        (line("", "12.00", "x"), "line 2: no ZKB-Referenz"),
        ("03.11.2026;only;three", "line 2: neither a credit nor a debit amount"),
    ],
)
def test_an_unreadable_line_is_reported_and_the_rest_processed(backends, bad, message):
    report = pm.import_statement(
        statement(bad, line("OK1", "12.00", "Spende")), "part.csv", "bank/part.csv"
    )
    assert [message in why for why in report.unreadable] == [True]
    assert report.unreadable[0].startswith("part.csv line 2")
    assert Payment.get(Payment.transaction_id == "OK1").state == PaymentState.MANUAL
    assert FinanceFile.get(FinanceFile.file == "bank/part.csv").processed
    assert any("part.csv line 2" in text for text in pm.MatchReport([report]).lines())


@pytest.fixture
def finance(backends):
    return backends.get("storage").storage("finance")


def test_payment_match_task_end_to_end(backends, confirmed, finance, monkeypatch):
    from tqconsole.services.tasks.monitor import detail, enqueue
    from tqconsole.tasks.consumers import ConsoleConsumer

    monkeypatch.setenv("TQ_QUEUE_URL", "memory://")
    (a, open_a), *_ = confirmed
    finance.save("bank/2026/zkb-2026-11.csv", statement(line("T1", open_a, f"USI-{a.usi}")))
    finance.save("bank/2026/zkb-broken.csv", b"this is; not a statement\n")
    finance.save("readme.txt", b"not a csv")
    queue = bound(backends)
    consumer = ConsoleConsumer(backends, in_thread=True, periodic=False).start_thread()
    try:
        task_id = enqueue(queue, "payment_match")
        queue.recorder.flush()
        result = wait_for(lambda: detail(queue, task_id).result)
        raw = queue.peek_result(task_id)
    finally:
        consumer.stop()
    assert "'status': 'processed'" in result and "'matched': 1" in result
    # the display is cut after the first file; the stored result names the broken one
    assert b"zkb-broken.csv" in raw and b"failed" in raw
    assert Subscribe.get_by_id(a.id).state == SubscribeState.PAYED
    failure = AuditEntry.get(AuditEntry.action == "payment_match_failed")
    assert "zkb-broken.csv" in failure.summary and "not a ZKB statement" in failure.summary
    # no row is left for it, so it cannot break later statements
    assert not FinanceFile.select().where(FinanceFile.file == "bank/2026/zkb-broken.csv").exists()
    # the second run skips the processed file and reports the broken one again
    report = pm.match_storage_files(backends)
    assert [(f.name, f.status) for f in report.files] == [("bank/2026/zkb-broken.csv", "failed")]


def test_export_participants_writes_csv_into_media(backends, finance):
    from tqconsole.models import Course
    from tqconsole.services.courses.participants_export import export_to_media

    course = Course.select().join(Subscribe).group_by(Course.id).first()
    key = export_to_media(backends, course.id)
    data = backends.get("storage").storage("media").read(key).decode()
    assert data.startswith("first_name;last_name;email;state;usi")
    assert len(data.splitlines()) > 1
