"""Finance (issue 13, story 4) on the site's fixture: the matching report per payment, the
reminder dry run, their CLI, and the finance screen (8)."""

from __future__ import annotations

import json
from datetime import date

import pytest

from tests.conftest import SITE_FIXTURE
from tests.support import course_finance_support
from tests.support.course_finance_support import run_cli
from tests.support.tui_support import app_at, settle, shown, until

site = course_finance_support.site
FIXTURE_NOW = date(2026, 12, 15)  # the fixture's "now" (its README)
STATEMENT_A = SITE_FIXTURE / "statements" / "statement-a.csv"
EXPECTED = (
    json.loads((SITE_FIXTURE / "expected.json").read_text())
    if (SITE_FIXTURE / "expected.json").is_file()
    else {}
)
# what the report says of the edge cases of statement-a (line → outcome)
OUTCOMES = {
    1: "matched",
    4: "matched",
    9: "partial",  # two USIs, the money covers the first and part of the second
    10: "unknown USI",
    11: "partial",
    12: "over-paid",
    13: "manual",
    14: "manual",
    16: "debit",
    17: "no USI",
    18: "no USI",  # "Musikabend" is no USI for the console (README)
}


@pytest.fixture
def imported(site):
    from tqconsole.services.payments.matching import import_statement

    report = import_statement(STATEMENT_A.read_bytes(), STATEMENT_A.name, "zkb/statement-a.csv")
    return report


def by_line(report) -> dict[int, object]:
    from tqconsole.models import Payment

    lines = EXPECTED["matching"]["files"]["statement-a.csv"]["lines"]
    ids = {Payment.get(Payment.transaction_id == ln["zkb_ref"]).id: ln["line"] for ln in lines}
    return {ids[p.payment]: p for p in report.payments}


def test_report_names_each_case_of_the_statement(imported):
    from tqconsole.services.payments.matching import MatchReport

    outcomes = by_line(imported)
    assert {n: outcomes[n].outcome for n in OUTCOMES} == OUTCOMES
    assert "25.00 to reimburse" in outcomes[12].why
    assert "XK7HQ9" in outcomes[10].why
    assert outcomes[11].subscriptions and "owes" in outcomes[11].why
    # the outcome agrees with the site's state of every line
    for ln in EXPECTED["matching"]["files"]["statement-a.csv"]["lines"]:
        got, site_payment = outcomes[ln["line"]], ln["payment"]
        if site_payment["credit_debit"] == "debit":
            assert got.outcome == "debit"
        elif got.outcome in ("matched", "partial"):
            assert site_payment["state"] == "processed", ln["case"]
        elif got.outcome != "no USI":  # the Musikabend line: README
            assert site_payment["state"] == "manual", ln["case"]
    text = "\n".join(MatchReport([imported]).lines())
    assert "2 partial" in text and "1 unknown USI" in text and "1 over-paid" in text


def test_report_of_a_past_statement_reads_the_same(imported):
    from tqconsole.models import FinanceFile
    from tqconsole.services.payments.matching import statement_report, statements

    file_id = FinanceFile.get(FinanceFile.file == "zkb/statement-a.csv").id
    assert statements()[0][0] == file_id
    again = statement_report(file_id)
    assert [(p.payment, p.outcome) for p in again.payments] == [
        (p.payment, p.outcome) for p in imported.payments
    ]


def test_reminder_dry_run_says_who_why_and_template_and_writes_nothing(site):
    from tqconsole.models import PaymentReminder
    from tqconsole.services.payments.reminder_preview import reminder_preview
    from tqconsole.services.payments.reminders import TEMPLATE, due_reminders

    before = PaymentReminder.select().count()
    due = reminder_preview(FIXTURE_NOW)
    assert [r.subscription for r in due] == [s.id for s in due_reminders(FIXTURE_NOW)]
    assert due and {r.template for r in due} == {TEMPLATE}
    for r in due:
        assert r.started is not None and (FIXTURE_NOW - r.started).days > 14
        assert r.last_reminder is None or (FIXTURE_NOW - r.last_reminder).days > 7
        assert f"{r.open_amount} open" in r.why
    assert PaymentReminder.select().count() == before


def test_cli_report_and_reminders(imported, capsys):
    code, out, _ = run_cli(capsys, "finance", "report", "--json")
    assert code == 0
    listed = json.loads(out)
    assert listed[0]["file"] == "zkb/statement-a.csv"
    code, out, _ = run_cli(capsys, "finance", "report", str(listed[0]["id"]), "--json")
    assert code == 0
    payments = json.loads(out)["files"][0]["payments"]
    assert {p["outcome"] for p in payments} >= {"matched", "partial", "over-paid", "debit"}
    code, out, _ = run_cli(capsys, "finance", "report", str(listed[0]["id"]))
    assert "unknown USI" in out and "#" in out
    code, out, _ = run_cli(capsys, "finance", "reminders", "--date", "2026-12-15", "--json")
    assert code == 0 and {r["template"] for r in json.loads(out)} == {"payment_reminder"}
    code, out, _ = run_cli(capsys, "finance", "reminders", "--date", "2026-12-15")
    assert "nothing sent" in out.splitlines()[0]


@pytest.fixture
def at_fixture_now(monkeypatch):
    monkeypatch.setattr("tqconsole.screens.finance.today", lambda: FIXTURE_NOW)


def loaded(app) -> bool:
    from tqconsole.screens.finance import FinanceScreen

    return isinstance(app.screen, FinanceScreen) and app.screen.report is not None


async def test_finance_screen_opens_rows_and_unmatched(site, at_fixture_now):
    from tqconsole.screens.model_record import RecordScreen
    from tqconsole.screens.unmatched_payments import UnmatchedPaymentsScreen
    from tqconsole.services.payments.reminder_preview import reminder_preview

    app = app_at("dashboard")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("9")
        await until(pilot, lambda: loaded(app))
        screen = app.screen
        reminders = screen.query_one("#reminders")
        assert reminders.row_count == len(reminder_preview(FIXTURE_NOW))
        payments = screen.query_one("#payments")
        first = sorted(screen.report.payments, key=lambda p: p.outcome in ("matched", "debit"))[0]
        await pilot.press("enter")
        record = await until(pilot, lambda: isinstance(app.screen, RecordScreen) and app.screen)
        assert (record.table_name, str(record.pk)) == ("payment_payment", str(first.payment))
        await pilot.press("escape")
        await until(pilot, lambda: app.screen is screen)
        await pilot.press("tab", "enter")
        record = await until(pilot, lambda: isinstance(app.screen, RecordScreen) and app.screen)
        assert record.table_name == "courses_subscribe"
        await pilot.press("escape")
        await until(pilot, lambda: app.screen is screen)
        await pilot.press("U")
        await until(pilot, lambda: isinstance(app.screen, UnmatchedPaymentsScreen))
        assert payments.row_count


async def test_finance_screen_picks_another_statement(site, at_fixture_now):
    from tqconsole.widgets.dialogs.pick import ChooseDialog

    app = app_at("finance")
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: loaded(app))
        screen = app.screen
        newest = screen.statement
        await pilot.press("f")
        await until(pilot, lambda: isinstance(app.screen, ChooseDialog))
        await pilot.press("j", "enter")
        await until(pilot, lambda: app.screen is screen and screen.statement != newest)
        await until(pilot, lambda: screen.report.name.endswith(".csv") and screen.report.payments)


@pytest.mark.parametrize("size", [(80, 24), (160, 50)], ids=["80x24", "160x50"])
def test_snapshot_finance(site, at_fixture_now, snap_compare, size):
    async def ready(pilot) -> None:
        await shown(pilot, lambda: loaded(pilot.app))

    assert snap_compare(app_at("finance"), terminal_size=size, run_before=ready)


async def test_send_asks_for_the_typed_count_and_cancel_sends_nothing(site, at_fixture_now):
    from tqconsole.models import PaymentReminder
    from tqconsole.widgets.dialogs.confirm import ConfirmDialog

    before = PaymentReminder.select().count()
    app = app_at("finance")
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: loaded(app))
        screen = app.screen
        await pilot.press("S")
        dialog = await until(pilot, lambda: isinstance(app.screen, ConfirmDialog) and app.screen)
        assert dialog.typed == f"send {len(screen.due)}"
        await pilot.press("escape")
        await until(pilot, lambda: app.screen is screen)
    assert PaymentReminder.select().count() == before


@pytest.mark.parametrize(
    "where",
    [
        "tqconsole.screens.people:PeopleScreen",
        "tqconsole.screens.people:PersonScreen",
        "tqconsole.screens.unmatched_payments:UnmatchedPaymentsScreen",
        "tqconsole.screens.finance:FinanceScreen",
    ],
)
def test_front_desk_and_finance_keys_are_verbs_of_the_vocabulary(where):
    """Every key of these screens is a verb of keys.py; no key means two things on one."""
    import importlib

    from tests.app.test_keys import console_bindings
    from tqconsole.app import TQConsole
    from tqconsole.keys import VERBS

    module, name = where.split(":")
    screen = getattr(importlib.import_module(module), name)
    by_key: dict[str, set[str]] = {}
    for binding in console_bindings(screen) + console_bindings(TQConsole):
        by_key.setdefault(binding.key, set()).add(binding.id)
    assert not {k: ids for k, ids in by_key.items() if len(ids) > 1}
    assert all(b.id in VERBS for b in console_bindings(screen))


def test_reminder_dry_run_on_the_sqlite_demo(demo_sqlite, capsys):
    """SQLite hands the first lesson back as text; the dry run reads it as a day."""
    code, out, err = run_cli(capsys, "finance", "reminders", "--date", "2026-12-01", "--json")
    assert code == 0, err
    due = json.loads(out)
    assert due and all(date.fromisoformat(d["started"]) < date(2026, 11, 17) for d in due)
