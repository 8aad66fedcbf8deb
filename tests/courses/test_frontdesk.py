"""Story 1 of issue 13, the front desk: find her, see everything she owes, take the cash."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from tests.db.test_site_parity import EXPECTED
from tests.support import frontdesk_support
from tests.support.frontdesk_support import counts, read_only_app
from tests.support.tui_support import app_at, settle, shown, until

site = frontdesk_support.site  # the fixtures of this module
read_only_site = frontdesk_support.read_only_site
MIA = 13  # Mia Rossi: VEXF39 confirmed (35.00 open), two subscriptions paid online


# --- the service
def test_find_by_name_email_and_usi(site):
    from tqconsole.services.courses.people import find

    assert [m.name for m in find("rossi")] == ["Mia Rossi", "Selina Rossi"]
    assert [m.user_id for m in find("mia ROSSI")] == [MIA]
    assert [m.user_id for m in find("rossi@bluewin")] == [MIA]
    for usi in ("VEXF39", "vexf39", "USI-VEXF39", "usi vexf39"):
        assert [m.user_id for m in find(usi)] == [MIA], usi
    assert find("   ") == []
    assert find("nobody-is-called-this") == []
    assert find("rossi")[0].subscriptions == 3


def test_person_shows_every_subscription_with_the_sites_open_amount(site):
    from tqconsole.services.courses.people import person

    found = person(MIA)
    assert (found.name, found.email) == ("Mia Rossi", "mia.rossi@bluewin.ch")
    assert "student" in found.profile and "legi" in found.profile
    by_usi = EXPECTED["open_amount"]["by_usi"]
    assert {s.usi for s in found.subscriptions} == {"VEXF39", "4TXV8D", "6UQWA4"}
    for s in found.subscriptions:
        want = by_usi[s.usi]
        assert (s.state, str(s.open_amount), str(s.price)) == (
            want["state"],
            want["open_amount"],
            want["price_to_pay"],
        )
        assert s.paymentmethod == want["paymentmethod"]
    vexf39 = next(s for s in found.subscriptions if s.usi == "VEXF39")
    assert (vexf39.title, vexf39.course) == ("Standard 1", "HS26 Standard 1 Mo")
    assert sorted((p.usi, str(p.linked)) for p in found.payments) == [
        ("4TXV8D", "35.00"),
        ("6UQWA4", "35.00"),
    ]


def test_person_unknown_is_a_clear_error(site):
    from tqconsole.errors import NotFound
    from tqconsole.services.courses.people import person

    with pytest.raises(NotFound, match="no person with id 999999"):
        person(999999)


def test_pay_at_counter_takes_the_open_amount_and_leaves_nothing_open(site):
    from tqconsole.models import Subscribe
    from tqconsole.services.courses.people import pay_at_counter, person
    from tqconsole.services.courses.subscriptions import find_by_usi

    db = Subscribe._meta.database
    sub = find_by_usi("VEXF39")
    revisions = counts(db)["reversion_revision"]
    outcome = pay_at_counter(sub.id, "CHF 35.00", user="finanzen")
    assert [s.usi for s in outcome.done] == ["VEXF39"] and not outcome.skipped
    sub = find_by_usi("VEXF39")
    assert (sub.state, sub.paymentmethod) == ("payed", "counter")
    line = next(s for s in person(MIA).subscriptions if s.usi == "VEXF39")
    assert line.open_amount == Decimal("0.00")
    assert counts(db)["reversion_revision"] == revisions + 1
    comment = db.execute_sql(
        "SELECT comment FROM reversion_revision ORDER BY id DESC LIMIT 1"
    ).fetchone()[0]
    assert comment == "Paid using payment method counter"


@pytest.mark.parametrize(
    ("usi", "amount", "message"),
    [
        ("VEXF39", "30", "owes CHF 35.00, not 30.00"),
        ("VEXF39", "36.00", "owes CHF 35.00, not 36.00"),
        ("VEXF39", "thirty", "is not an amount"),
        ("VEXF39", "-35", "is not an amount"),
        ("4TXV8D", "0", "is payed; only confirmed"),
    ],
)
def test_pay_at_counter_refusals_write_nothing(site, usi, amount, message):
    from tqconsole.errors import InvalidInput
    from tqconsole.models import Subscribe
    from tqconsole.services.courses.people import pay_at_counter
    from tqconsole.services.courses.subscriptions import find_by_usi

    db = Subscribe._meta.database
    before = counts(db)
    with pytest.raises(InvalidInput, match=message):
        pay_at_counter(find_by_usi(usi).id, amount)
    assert counts(db) == before


def test_pay_at_counter_is_refused_read_only(read_only_site):
    from tqconsole.errors import ReadOnlyError
    from tqconsole.services.courses.people import pay_at_counter
    from tqconsole.services.courses.subscriptions import find_by_usi

    with pytest.raises(ReadOnlyError, match="read-only mode: marking a counter payment"):
        pay_at_counter(find_by_usi("VEXF39").id, "35.00")


# --- the command line twin
def test_cli_find_show_and_pay(site, capsys):
    from tqconsole.cli import main

    assert main(["people", "find", "usi-vexf39", "--json"]) == 0
    assert [m["user_id"] for m in json.loads(capsys.readouterr().out)] == [MIA]
    assert main(["people", "show", str(MIA), "--json"]) == 0
    shown_ = json.loads(capsys.readouterr().out)
    assert {s["usi"]: s["open_amount"] for s in shown_["subscriptions"]}["VEXF39"] == "35.00"
    assert main(["people", "pay", "VEXF39", "20"]) == 2  # an error: nothing done
    assert "owes CHF 35.00, not 20.00" in capsys.readouterr().err
    assert main(["people", "pay", "VEXF39", "35.00", "--user", "finanzen"]) == 0
    assert "mark paid at the counter: 1 done" in capsys.readouterr().out
    assert main(["people", "show", str(MIA)]) == 0
    vexf39 = next(line for line in capsys.readouterr().out.splitlines() if "VEXF39" in line)
    assert vexf39.split()[-4:] == ["payed", "35.00", "0.00", "counter"]


# --- the screens
def subscription_rows(screen) -> list[list[str]]:
    table = screen.query_one("#person-subs")
    return [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]


async def test_story_from_the_dashboard_in_ten_keys(site):
    """8, "rossi", enter, B, tab, enter: found, seen, paid, shown."""
    from tqconsole.screens.people import AmountDialog, PersonScreen

    app = app_at("dashboard")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("8", *"rossi")
        await until(pilot, lambda: app.screen.query_one("#people-rows").row_count == 2)
        await pilot.press("enter")
        screen = await until(
            pilot, lambda: isinstance(app.screen, PersonScreen) and app.screen.person and app.screen
        )
        rows = subscription_rows(screen)
        assert rows[0][:4] == ["VEXF39", "Standard 1", "confirmed", "35.00"]
        await pilot.press("m")
        dialog = await until(pilot, lambda: isinstance(app.screen, AmountDialog) and app.screen)
        assert dialog.query_one("#amount").value == "35.00"
        assert dialog.focused.id == "cancel"  # Cancel first: enter alone does nothing harmful
        await pilot.press("tab", "enter")
        await until(pilot, lambda: subscription_rows(screen)[0][2] == "payed")
        assert subscription_rows(screen)[0][3] == "0.00"
        assert subscription_rows(screen)[0][5] == "counter"
        notes = [str(n.message) for n in app._notifications]
        assert any("1 done" in n and "no mail" in n for n in notes)


async def test_enter_on_cancel_and_a_wrong_amount_change_nothing(site):
    from tqconsole.screens.people import AmountDialog, PersonScreen

    app = app_at(f"people/{MIA}")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await until(
            pilot, lambda: isinstance(app.screen, PersonScreen) and app.screen.person and app.screen
        )
        await pilot.press("m")
        await until(pilot, lambda: isinstance(app.screen, AmountDialog))
        await pilot.press("enter")  # on Cancel
        await until(pilot, lambda: app.screen is screen)
        await pilot.press("m")
        dialog = await until(pilot, lambda: isinstance(app.screen, AmountDialog) and app.screen)
        dialog.query_one("#amount").value = "3"
        dialog.query_one("#ok").focus()
        await pilot.press("enter")
        await until(pilot, lambda: any("not 3.00" in str(n.message) for n in app._notifications))
        await settle(pilot)
        assert subscription_rows(screen)[0][2] == "confirmed"


async def test_typed_text_in_the_finder_never_runs_a_key(site):
    from tqconsole.screens.people import PeopleScreen

    app = app_at("people")
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, PeopleScreen))
        await pilot.press(*"mq8r?")
        assert isinstance(app.screen, PeopleScreen)
        assert app.screen.query_one("#people-search").value == "mq8r?"


async def test_read_only_offers_no_counter_key(site):
    from tqconsole.screens.people import PersonScreen

    app = read_only_app(f"people/{MIA}")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await until(
            pilot, lambda: isinstance(app.screen, PersonScreen) and app.screen.person and app.screen
        )
        keys = {b.binding.key for b in screen.active_bindings.values()}
        assert "B" not in keys


def person_shown(pilot):
    from tqconsole.screens.people import PersonScreen

    async def wait(pilot) -> None:
        await shown(
            pilot, lambda: isinstance(pilot.app.screen, PersonScreen) and pilot.app.screen.person
        )

    return wait


@pytest.mark.parametrize("size", [(80, 24), (160, 50)], ids=["80x24", "160x50"])
def test_snapshot_person(site, snap_compare, size):
    assert snap_compare(app_at(f"people/{MIA}"), terminal_size=size, run_before=person_shown(None))


@pytest.mark.parametrize("size", [(80, 24), (160, 50)], ids=["80x24", "160x50"])
def test_snapshot_finder(site, snap_compare, size):
    async def search(pilot) -> None:
        await pilot.press(*"rossi")
        await shown(pilot, lambda: pilot.app.screen.shown_for == "rossi")

    assert snap_compare(app_at("people"), terminal_size=size, run_before=search)


async def test_slash_filters_her_lists_and_typed_keys_never_act(site):
    """`/` then a USI in one burst (its digits are goto keys): the letters filter both
    lists, the cursor's subscription is the one shown; esc clears and closes."""
    from tests.app.test_typed_text import burst, drained
    from tqconsole.screens.people import PersonScreen

    app = app_at(f"people/{MIA}")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await until(
            pilot, lambda: isinstance(app.screen, PersonScreen) and app.screen.person and app.screen
        )
        burst(app, *"/4txv8dB")
        await drained(pilot)
        assert app.screen is screen, f"a key opened {app.screen!r}"
        assert screen.query_one("#person-filter").value == "4txv8dB"
        burst(app, "backspace", "enter")  # enter: back to the list, the filter kept
        await drained(pilot)
        assert [r[0] for r in subscription_rows(screen)] == ["4TXV8D"]
        payments = screen.query_one("#person-payments")
        assert [str(payments.get_row_at(i)[2]) for i in range(payments.row_count)] == ["4TXV8D"]
        assert screen.selected().usi == "4TXV8D"
        await pilot.press("slash", "escape")
        assert screen.query_one("#person-filter").value == ""
        assert not screen.query_one("#person-filter").display
        assert len(subscription_rows(screen)) == 3 and payments.row_count == 2
        assert app.screen is screen
