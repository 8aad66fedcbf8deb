"""Story 2 of issue 13: an unmatched bank payment linked to its subscription, or set aside."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from tests.support import frontdesk_support
from tests.support.frontdesk_support import counts, read_only_app
from tests.support.tui_support import app_at, shown, until

site = frontdesk_support.site  # the fixtures of this module
read_only_site = frontdesk_support.read_only_site
# credits in state new/manual paying no subscription in the fixture
UNMATCHED = {66, 73, 80, 87, 94, 101, 116, 118, 119, 120, 146, 150, 151, 152, 153}


def payment(pid: int):
    from tqconsole.models import Payment

    return Payment.get_by_id(pid)


def subscription(usi: str):
    from tqconsole.services.courses.subscriptions import find_by_usi

    return find_by_usi(usi)


def test_unmatched_lists_credits_that_pay_nothing_yet(site):
    from tqconsole.services.payments.linking import unmatched

    found = unmatched()
    assert {p.id for p in found} == UNMATCHED  # no debit, nothing linked, nothing set aside
    first = found[0]
    assert (first.date, first.amount) == ("2026-12-10", Decimal("40.00"))


def test_link_pays_a_confirmed_subscription_in_full(site):
    from tqconsole.models import SubscriptionPayment
    from tqconsole.services.payments.amounts import open_amount
    from tqconsole.services.payments.linking import link, unmatched

    outcome = link(150, "usi-q8th77", user="finanzen")
    assert (outcome.amount, outcome.payment_state, outcome.to_reimburse) == (
        Decimal("40.00"),
        "processed",
        Decimal("0.00"),
    )
    p, sub = payment(150), subscription("Q8TH77")
    assert (p.state, p.type, p.amount_to_reimburse) == ("processed", "subscription_payment", 0)
    assert (sub.state, sub.paymentmethod, open_amount(sub)) == ("payed", "online", 0)
    rows = SubscriptionPayment.select().where(SubscriptionPayment.payment == 150)
    assert [(r.subscription_id, r.amount) for r in rows] == [(sub.id, Decimal("40.00"))]
    assert 150 not in {u.id for u in unmatched()}
    db = p._meta.database
    comment, user = db.execute_sql(
        "SELECT r.comment, u.username FROM reversion_revision r "
        "JOIN auth_user u ON u.id = r.user_id ORDER BY r.id DESC LIMIT 1"
    ).fetchone()
    assert (comment, user) == ("Paid using payment method online", "finanzen")
    action = db.execute_sql(
        "SELECT action, target_pk FROM tqconsole_auditentry ORDER BY id DESC LIMIT 1"
    ).fetchone()
    assert action == ("payment.link", "150")


def test_link_an_over_payment_leaves_the_rest_to_reimburse(site):
    from tqconsole.services.payments.linking import link

    outcome = link(116, "VEXF39")  # 70.00 for a subscription owing 35.00
    assert (outcome.amount, outcome.payment_state, outcome.to_reimburse) == (
        Decimal("35.00"),
        "manual",
        Decimal("35.00"),
    )
    assert subscription("VEXF39").state == "payed"
    assert "CHF 35.00 to reimburse" in outcome.summary()


def test_link_a_part_payment_keeps_the_subscription_confirmed(site):
    from tqconsole.services.payments.amounts import open_amount
    from tqconsole.services.payments.linking import link

    outcome = link(118, "NFKWGQ")  # 35.00 for a subscription owing 80.00
    assert (outcome.amount, outcome.payment_state) == (Decimal("35.00"), "processed")
    sub = subscription("NFKWGQ")
    assert (sub.state, open_amount(sub)) == ("confirmed", Decimal("45.00"))
    assert "still owes" in outcome.mail


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (("link", 119, "4TXV8D"), "is payed; a bank payment pays only a confirmed"),
        (("link", 116, "3VYD7G"), "is rejected; a bank payment pays only a confirmed"),
        (("link", 74, "VEXF39"), "is processed; only new or manual"),
        (("link", 154, "VEXF39"), "is a debit: money out"),
        (("link", 999999, "VEXF39"), "no payment 999999"),
        (("link", 116, "QQQQQQ"), "no subscription with USI QQQQQQ"),
        (("link", 116, "nonsense!"), "is not a USI"),
        (("mark", 74, "irrelevant"), "is processed; only new or manual"),
        (("mark", 154, "to_reimburse"), "is a debit: nothing came in"),
        (("mark", 73, "archive"), "unknown mark 'archive'"),
    ],
)
def test_refusals_write_nothing(site, call, message):
    from tqconsole.errors import ConsoleError
    from tqconsole.models import Payment
    from tqconsole.services.payments import linking as payment_linking

    name, *args = call
    db = Payment._meta.database
    before = counts(db)
    with pytest.raises(ConsoleError, match=message):
        getattr(payment_linking, name)(*args)
    assert counts(db) == before


def test_link_twice_is_refused(site):
    from tqconsole.errors import InvalidInput
    from tqconsole.models import SubscriptionPayment
    from tqconsole.services.payments.linking import link

    sub = subscription("NFKWGQ")  # a part booked by hand in the site's admin
    SubscriptionPayment.create(payment=116, subscription=sub.id, amount=Decimal("10.00"))
    with pytest.raises(InvalidInput, match="already booked on NFKWGQ"):
        link(116, "NFKWGQ")


def test_mark_irrelevant_and_to_reimburse(site):
    from tqconsole.services.payments.linking import mark, unmatched

    mark(73, "irrelevant")
    p = payment(73)
    assert (p.state, p.type) == ("processed", "irrelevant")
    mark(118, "to_reimburse")
    p = payment(118)
    assert (p.state, p.type, p.amount_to_reimburse) == (
        "manual",
        "subscription_payment_to_reimburse",
        Decimal("35.00"),
    )
    assert {u.id for u in unmatched()} == UNMATCHED - {73, 118}


def test_read_only_refuses_in_the_service(read_only_site):
    from tqconsole.errors import ReadOnlyError
    from tqconsole.services.payments.linking import link, mark

    with pytest.raises(ReadOnlyError, match="read-only mode: linking a payment refused"):
        link(150, "Q8TH77")
    with pytest.raises(ReadOnlyError, match="read-only mode: marking a payment refused"):
        mark(73, "irrelevant")


def test_candidates_by_usi_and_by_name(site):
    from tqconsole.services.payments.linking import candidates, search_hint

    assert search_hint(150) == "Q8TH77"
    assert search_hint(118) == "Mia Keller"
    [(usi, label, detail)] = candidates("Q8TH77")
    assert usi == "Q8TH77" and "Lindy Hop 2" in label and detail == "confirmed, open CHF 40.00"
    by_name = candidates("rossi")
    assert [c[0] for c in by_name] == ["VEXF39"]  # only confirmed ones can be paid


def test_cli_unmatched_link_mark(site, capsys):
    from tqconsole.cli import main

    assert main(["payments", "unmatched", "--json"]) == 0
    assert {p["id"] for p in json.loads(capsys.readouterr().out)} == UNMATCHED
    assert main(["payments", "link", "150", "Q8TH77", "--json"]) == 0
    linked = json.loads(capsys.readouterr().out)
    assert (linked["amount"], linked["subscription_state"]) == ("40.00", "payed")
    assert main(["payments", "link", "150", "Q8TH77"]) == 2
    assert "is processed" in capsys.readouterr().err
    assert main(["payments", "mark", "73", "irrelevant"]) == 0
    assert "payment #73: processed, irrelevant" in capsys.readouterr().out
    assert main(["payments", "unmatched"]) == 0
    out = capsys.readouterr().out
    assert "USI-Q8TH77" not in out and "7NR9XU" not in out and "USI-FHEJ79" in out


# --- the screen
async def list_shown(pilot):
    """The list screen once its payments are on it."""
    from tqconsole.screens.unmatched_payments import UnmatchedPaymentsScreen

    app = pilot.app
    return await until(
        pilot,
        lambda: (
            isinstance(app.screen, UnmatchedPaymentsScreen) and app.screen.payments and app.screen
        ),
    )


def ids_shown(screen) -> list[int]:
    table = screen.query_one("#unmatched-rows")
    return [int(str(table.get_row_at(i)[0])) for i in range(table.row_count)]


async def test_story_link_from_the_list_in_four_keys(site):
    """9 (the list), l (picker started with the USI of the remittance), enter, tab, enter."""
    from tqconsole.screens.unmatched_payments import SubscriptionPick
    from tqconsole.widgets.dialogs.confirm import ConfirmDialog

    app = app_at("dashboard")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("0")
        screen = await list_shown(pilot)
        assert ids_shown(screen)[0] == 153
        await pilot.press("j", "j", "j")  # 150: Joël Studer, USI-Q8TH77
        await pilot.press("l")
        pick = await until(pilot, lambda: isinstance(app.screen, SubscriptionPick) and app.screen)
        await until(pilot, lambda: pick.shown_for == "Q8TH77")
        await pilot.press("enter")
        dialog = await until(pilot, lambda: isinstance(app.screen, ConfirmDialog) and app.screen)
        assert dialog.focused.id == "cancel"
        await pilot.press("tab", "enter")
        await until(pilot, lambda: 150 not in ids_shown(screen))
        assert subscription("Q8TH77").state == "payed"
        assert any("booked on Q8TH77" in str(n.message) for n in app._notifications)


async def test_mark_from_the_list_and_cancel(site):
    from tqconsole.widgets.dialogs.confirm import ConfirmDialog

    app = app_at("unmatched")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await list_shown(pilot)
        await pilot.press("i")
        await until(pilot, lambda: isinstance(app.screen, ConfirmDialog))
        await pilot.press("enter")  # on Cancel: nothing
        await until(pilot, lambda: app.screen is screen)
        assert payment(153).state == "new"
        await pilot.press("t")
        await until(pilot, lambda: isinstance(app.screen, ConfirmDialog))
        await pilot.press("tab", "enter")
        await until(pilot, lambda: 153 not in ids_shown(screen))
        assert payment(153).type == "subscription_payment_to_reimburse"


async def test_read_only_offers_no_write_keys(site):

    app = read_only_app("unmatched")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await list_shown(pilot)
        keys = {b.binding.key for b in screen.active_bindings.values()}
        assert not keys & {"l", "i", "t"}


@pytest.mark.parametrize("size", [(80, 24), (160, 50)], ids=["80x24", "160x50"])
def test_snapshot_unmatched(site, snap_compare, size):
    from tqconsole.screens.unmatched_payments import UnmatchedPaymentsScreen

    async def listed(pilot) -> None:
        await shown(
            pilot,
            lambda: (
                isinstance(pilot.app.screen, UnmatchedPaymentsScreen) and pilot.app.screen.payments
            ),
        )

    assert snap_compare(app_at("unmatched"), terminal_size=size, run_before=listed)


async def test_slash_filters_the_list_and_typed_keys_never_act(site):
    """`/` then a USI in one burst (q quits, 8 is a goto key, l links, i marks elsewhere):
    the letters filter; the cursor's payment is the one shown; esc clears and closes."""
    from tests.app.test_typed_text import burst, drained

    before = {pid: payment(pid).state for pid in UNMATCHED}
    app = app_at("unmatched")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await list_shown(pilot)
        burst(app, *"/q8th77 li")
        await drained(pilot)
        assert app.screen is screen, f"a key opened {app.screen!r}"
        assert screen.query_one("#unmatched-filter").value == "q8th77 li"
        burst(app, "backspace", "backspace", "backspace", "enter")
        await drained(pilot)
        assert ids_shown(screen) == [150]
        assert screen.selected().id == 150
        await pilot.press("slash", "escape")
        assert screen.query_one("#unmatched-filter").value == ""
        assert not screen.query_one("#unmatched-filter").display
        assert set(ids_shown(screen)) == UNMATCHED
        assert app.screen is screen
    assert {pid: payment(pid).state for pid in UNMATCHED} == before
