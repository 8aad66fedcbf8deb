"""The model browser as staff read it: first columns, labels, the column chooser, `:`,
breadcrumbs, lists that stay true, filters with phrases, read-only footers (pilot tests
on the demo data) and snapshots of the column chooser."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.db.test_screen import db_rows, status, table_of, type_filter
from tests.db.test_snapshots import data_shown
from tests.support.tui_support import settle, shown, until
from tqconsole.app import TQConsole
from tqconsole.models.choices import SubscribeState
from tqconsole.settings import load

pytestmark = pytest.mark.asyncio


def visible_header(app) -> str:
    """The header line of the table as it is drawn (after sideways scrolling)."""
    table = table_of(app)
    return table.render_line(0).text


async def test_subscriptions_open_with_the_columns_staff_read_first_at_80(demo_sqlite):
    app = TQConsole(load(), location="subs")
    async with app.run_test(size=(80, 24)) as pilot:
        await data_shown(pilot)
        table = table_of(app)
        assert table.headers[:6] == [
            "user",
            "course",
            "state",
            "usi",
            "open amount",
            "paymentmethod",
        ]
        header = visible_header(app)
        assert "state" in header and "usi" in header, header
        usi = table.cursor_cells[3]
        row = table.render_line(1).text
        assert usi in row, row  # the USI is on screen at 80 columns
        state = db_rows("SELECT state FROM courses_subscribe WHERE id = ?", table.cursor_key)
        label = dict(SubscribeState.CHOICES)[state[0][0]]  # the label, not the stored value
        assert table.cursor_cells[2] == label
        assert "subscribes" in str(app.screen.query_one("#table-title").render())


async def test_first_column_stays_while_scrolling_sideways(demo_sqlite):
    app = TQConsole(load(), location="models/courses_subscribe")
    async with app.run_test(size=(80, 24)) as pilot:
        await data_shown(pilot)
        table = table_of(app)
        person = table.cursor_cells[0]
        for _ in range(len(table.headers) - 1):
            await pilot.press("l")
        await settle(pilot)
        assert table.scroll_offset.x > 0
        assert visible_header(app).startswith("  user")
        assert person[:10] in table.render_line(1).text
        assert table.headers[table.cursor_column][:10] in visible_header(app)


async def test_booleans_show_as_ticks_and_payments_open_with_date_amount_name(demo_sqlite):
    app = TQConsole(load(), location="courses")
    async with app.run_test(size=(160, 50)) as pilot:
        await data_shown(pilot)
        table = table_of(app)
        assert table.headers[0] == "name"
        active = table.headers.index("active")
        assert table.cursor_cells[active] in {"✓", "✗"}
        await pilot.press("colon", *"payments", "enter")
        await data_shown(pilot)
        assert app.screen.location == "models/payment_payment"
        assert table_of(app).headers[:5] == [
            "date",
            "amount",
            "name",
            "remittance user string",
            "state",
        ]


async def test_column_chooser_hides_moves_and_is_remembered(demo_sqlite):
    app = TQConsole(load(), location="models/courses_subscribe")
    async with app.run_test(size=(120, 40)) as pilot:
        await data_shown(pilot)
        await pilot.press("v")
        await until(pilot, lambda: type(app.screen).__name__ == "Columns")
        await pilot.press("j", "space")  # hide course
        await pilot.press("j", "J")  # state moves below USI
        await pilot.press("enter")
        await data_shown(pilot)
        headers = table_of(app).headers
        assert "course" not in headers
        assert headers[:3] == ["user", "usi", "state"]
    saved = json.loads((Path(os.environ["TQ_DATA_DIR"]) / "columns.json").read_text())
    assert saved["courses_subscribe"][:3] == ["user", "usi", "state"]

    again = TQConsole(load(), location="models/courses_subscribe")
    async with again.run_test(size=(120, 40)) as pilot:
        await data_shown(pilot)
        assert table_of(again).headers[:3] == ["user", "usi", "state"]
        await pilot.press("v")
        await until(pilot, lambda: type(again.screen).__name__ == "Columns")
        await pilot.press("backspace")  # the table's own order again
        await data_shown(pilot)
        assert table_of(again).headers[:2] == ["user", "course"]


async def test_a_broken_columns_file_is_ignored(demo_sqlite):
    data = Path(os.environ["TQ_DATA_DIR"])
    data.mkdir(parents=True, exist_ok=True)
    (data / "columns.json").write_text("{not json")
    app = TQConsole(load(), location="models/courses_subscribe")
    async with app.run_test(size=(120, 40)) as pilot:
        await data_shown(pilot)
        assert table_of(app).headers[0] == "user"


@pytest.mark.parametrize(
    ("typed", "location"),
    [
        ("subs", "models/courses_subscribe"),
        ("payments", "models/payment_payment"),
        ("users", "models/auth_user"),
        ("courses_offering", "models/courses_offering"),
        ("outbox", "mail/outbox"),
        ("celery", "celery"),
    ],
)
async def test_colon_takes_aliases_and_bare_table_names(demo_sqlite, typed, location):
    app = TQConsole(load())
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("colon", *typed, "enter")
        await until(pilot, lambda: app.screen.location == location)


async def test_colon_tab_and_right_accept_the_suggestion(demo_sqlite):
    from textual.widgets import Input

    app = TQConsole(load())
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("colon", *"paym")
        field = app.screen.query_one("#command-input", Input)
        await until(pilot, lambda: field._suggestion == "payments")
        await pilot.press("tab")
        assert field.value == "payments"
        await pilot.press("enter")
        await until(pilot, lambda: app.screen.location == "models/payment_payment")
        await pilot.press("colon", *"cou")
        field = app.screen.query_one("#command-input", Input)
        await until(pilot, lambda: field._suggestion == "courses")
        await pilot.press("right", "enter")
        await until(pilot, lambda: app.screen.location == "models/courses_course")


async def test_a_place_in_the_breadcrumbs_is_reopened_fresh(demo_sqlite):
    app = TQConsole(load(), location="subs")
    async with app.run_test(size=(120, 40)) as pilot:
        await data_shown(pilot)
        await type_filter(pilot, "state=confirmed")
        filtered = app.screen
        await pilot.press("colon", *"courses", "enter")
        await data_shown(pilot)
        await pilot.press("colon", *"subs", "enter")
        await data_shown(pilot)
        assert app.screen is not filtered
        assert app.screen.filter_text == ""
        locations = [getattr(s, "location", "") for s in app.screen_stack]
        assert locations.count("models/courses_subscribe") == 1
        assert "models/courses_course" not in locations


async def test_breadcrumbs_shorten_from_the_left_and_keep_the_current_place(demo_sqlite):
    from tqconsole.widgets.breadcrumbs import Breadcrumbs

    app = TQConsole(load(), location="models")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        for place in ("subs", "payments", "courses", "users", "tasks", "cache"):
            await pilot.press("colon", *place, "enter")
            await settle(pilot)
        await pilot.press("colon", *"courses_offering", "enter")
        await data_shown(pilot)
        line = str(app.screen.query_one(Breadcrumbs).render())
        assert len(line) <= 80
        assert line.rstrip().endswith("offerings"), line
        assert line.startswith("…"), line
    assert Breadcrumbs.trail(["Models", "x" * 100], 40).plain.endswith("x")
    assert len(Breadcrumbs.trail(["Models", "x" * 100], 40).plain) <= 40


async def test_the_list_shows_a_change_made_in_the_record(demo_sqlite):
    sub = db_rows("SELECT id FROM courses_subscribe WHERE state = 'new' ORDER BY id LIMIT 1")[0][0]
    app = TQConsole(load(), location="subs")
    async with app.run_test(size=(120, 40)) as pilot:
        await type_filter(pilot, f"id={sub}")
        await data_shown(pilot)
        assert table_of(app).cursor_cells[2] == "new"
        await pilot.press("enter")
        await until(pilot, lambda: getattr(app.screen, "record", None) is not None)
        await pilot.press("C")  # confirm (singles in couple courses too)
        await settle(pilot)
        await pilot.press("enter")
        state = "SELECT state FROM courses_subscribe WHERE id = ?"
        await until(pilot, lambda: db_rows(state, sub)[0][0] != "new")
        await pilot.press("escape")
        await until(pilot, lambda: app.screen.location == "models/courses_subscribe")
        await until(pilot, lambda: (table_of(app).cursor_cells or [""] * 3)[2] != "new")
        labels = dict(SubscribeState.CHOICES)
        assert table_of(app).cursor_cells[2] == labels[db_rows(state, sub)[0][0]]


async def test_a_live_table_reads_itself_again(demo_sqlite, monkeypatch):
    from tqconsole.services.db import tables

    monkeypatch.setattr(tables, "LIVE_SECONDS", 0.2)
    app = TQConsole(load(), location="models/tqconsole_auditentry")
    async with app.run_test(size=(120, 40)) as pilot:
        await data_shown(pilot)
        before = table_of(app).total
        from tqconsole.backends.db import from_url

        db = from_url(load().database_url)
        try:
            db.execute_sql(
                "INSERT INTO tqconsole_auditentry (at, os_user, client_addr, action, "
                "target_table, target_pk, summary) "
                "VALUES ('2026-11-30 12:00:00', 'test', 'local', 'note', 'x', '1', '')"
            )
        finally:
            db.close()
        await until(pilot, lambda: table_of(app).total == before + 1)


async def test_a_quoted_phrase_filters_a_column_and_stands_alone(demo_sqlite):
    name = db_rows("SELECT name FROM courses_course WHERE name LIKE '% %' ORDER BY id LIMIT 1")
    phrase = name[0][0]
    expected = db_rows("SELECT COUNT(*) FROM courses_course WHERE name LIKE ?", f"%{phrase}%")
    app = TQConsole(load(), location="courses")
    async with app.run_test(size=(120, 40)) as pilot:
        await data_shown(pilot)
        await type_filter(pilot, f'name~"{phrase}"')
        assert f"of {expected[0][0]:,}" in status(app)
        await type_filter(pilot, f'"{phrase}"')
        assert f"of {expected[0][0]:,}" in status(app)
        assert not app.screen.query_one("#filter-error").has_class("-shown")


async def test_read_only_footer_offers_no_write_keys_on_any_screen(demo_sqlite, monkeypatch):
    from tqconsole.widgets.bindings import WRITE_ACTIONS

    monkeypatch.setenv("TQ_READ_ONLY", "1")
    app = TQConsole(load(), location="subs")
    async with app.run_test(size=(120, 40)) as pilot:
        for place in ("subs", "cache", "tasks", "celery", "buckets"):
            await pilot.press("colon", *place, "enter")
            await settle(pilot)
            offered = {  # the screen's own keys (a list's j/k "move" is no bucket move)
                b.binding.action.partition("(")[0]
                for b in app.screen.active_bindings.values()
                if b.node is app.screen
            }
            assert not offered & WRITE_ACTIONS, (place, offered & WRITE_ACTIONS)


@pytest.mark.parametrize("size", [(80, 24), (160, 50)])
def test_snapshot_column_chooser(demo_sqlite, snap_compare, size):
    async def open_chooser(pilot) -> None:
        await data_shown(pilot)
        await pilot.press("v")
        await shown(pilot, lambda: type(pilot.app.screen).__name__ == "Columns")

    app = TQConsole(load(), location="models/courses_subscribe")
    assert snap_compare(app, terminal_size=size, run_before=open_chooser)


async def test_picker_labels_subscriptions_and_starts_on_the_current_row(demo_sqlite):
    from textual.widgets import Input

    from tqconsole.screens.record_edit import EditScreen
    from tqconsole.widgets.dialogs.pick import Pick
    from tqconsole.widgets.record_form import RecordForm

    rows = db_rows(
        "SELECT sp.id, s.id, s.usi, u.first_name FROM payment_subscriptionpayment sp "
        "JOIN courses_subscribe s ON s.id = sp.subscription_id "
        "JOIN auth_user u ON u.id = s.user_id ORDER BY s.id DESC LIMIT 1"
    )
    if not rows:
        pytest.skip("the demo data has no subscription payment")
    pk, sub, usi, first = rows[0]
    app = TQConsole(load(), location=f"models/payment_subscriptionpayment/{pk}")
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: getattr(app.screen, "record", None) is not None)
        await pilot.press("e")
        await until(
            pilot,
            lambda: isinstance(app.screen, EditScreen) and app.screen.query_one(RecordForm).specs,
        )
        await until(pilot, lambda: app.screen.query("#in-subscription"))
        app.screen.query_one("#in-subscription", Input).focus()
        await pilot.press("ctrl+f")
        dialog = await until(pilot, lambda: isinstance(app.screen, Pick) and app.screen)
        await until(pilot, lambda: dialog.shown_for == "")
        table = dialog.query_one("#pick-rows")
        chosen = dialog.rows[table.cursor_row]
        assert chosen[0] == sub
        assert usi in chosen[1] and first in chosen[1], chosen


async def test_record_view_shows_labels_with_the_stored_value(demo_sqlite):
    from tqconsole.widgets.lists import KeyTable

    sub, state = db_rows("SELECT id, state FROM courses_subscribe WHERE state = 'payed' LIMIT 1")[0]
    app = TQConsole(load(), location=f"models/courses_subscribe/{sub}")
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: getattr(app.screen, "record", None) is not None)
        table = app.screen.query_one(KeyTable)
        assert str(table.get_cell("f:state", "field")) == "state"
        assert str(table.get_cell("f:state", "value")) == "paid  payed"
        assert str(table.get_cell("f:usi", "field")) == "usi"
        sharing = str(table.get_cell("f:personal_data_sharing", "value"))
        assert sharing in {"✓  true", "✗  false"}
