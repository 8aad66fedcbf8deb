"""The model browser in the TUI (pilot tests on the scale-1 demo data) and its snapshots."""

from __future__ import annotations

import json

import pytest

from tests.support import services
from tests.support.tui_support import settle, until
from tqconsole.app import TQConsole
from tqconsole.settings import load

pytestmark = pytest.mark.asyncio


def table_of(app):
    from tqconsole.widgets.windowed_table import WindowedTable

    return app.screen.query_one(WindowedTable)


def status(app) -> str:
    return str(app.screen.query_one("#table-status").render())


def db_rows(sql: str, *params):
    """Rows of this test's database, on a connection of its own (binds no model)."""
    from tqconsole.backends.db import from_url

    db = from_url(load().database_url)
    try:
        return db.execute_sql(sql, params).fetchall()
    finally:
        db.close()


async def type_filter(pilot, text: str) -> None:
    """Open the filter line, put ``text`` in it (typing it costs a frame a key) and submit."""
    from textual.widgets import Input

    await pilot.press("slash")
    pilot.app.screen.query_one("#filter-input", Input).value = text
    await pilot.press("enter")
    await settle(pilot)


async def test_navigator_lists_models_and_other_tables(demo_sqlite):
    import sqlite3

    path = demo_sqlite.removeprefix("sqlite:///")
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE legacy_notes (note TEXT)")
        conn.executemany("INSERT INTO legacy_notes VALUES (?)", [("a",), ("b",)])
    app = TQConsole(load(), location="models")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        from tqconsole.widgets.lists import KeyTable

        table = app.screen.query_one(KeyTable)
        assert table.get_row("courses_subscribe")[3] == "6,000"
        assert table.get_row("legacy_notes") == ["other", "legacy_notes", "(reflected)", "2"]
        table.move_cursor(row=table.get_row_index("legacy_notes"))
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen.location == "models/legacy_notes"
        assert "row 1 of 2" in status(app)
        assert "read-only" in str(app.screen.query_one("#table-title").render())


async def test_paging_at_both_ends(demo_sqlite):
    app = TQConsole(load(), location="models/courses_subscribe")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        table = table_of(app)
        assert "row 1 of 6,000" in status(app)
        assert len(table.rows) < 1000  # only pages around the window
        await pilot.press("G")
        await settle(pilot)
        assert "row 6,000 of 6,000" in status(app)
        assert table.cursor_key == 6000
        await pilot.press("k", "ctrl+u")
        await settle(pilot)
        assert table.cursor_row == 5998 - table.window_height // 2
        await pilot.press("g")
        await settle(pilot)
        assert table.cursor_key == 1
        await pilot.press("pagedown", "ctrl+d", "j")
        await settle(pilot)
        assert table.cursor_row == table.window_height + table.window_height // 2 + 1
        assert table.cursor_key == table.cursor_row + 1


async def test_filter_applies_and_a_bad_one_keeps_the_last_result(demo_sqlite):
    app = TQConsole(load(), location="models/courses_subscribe")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        waiting = db_rows("SELECT COUNT(*) FROM courses_subscribe WHERE state = ?", "waiting_list")
        await type_filter(pilot, "state=waiting_list")
        assert f"of {waiting[0][0]:,}" in status(app)
        await type_filter(pilot, "date>2026-13-01 course.name~salsa")
        error = str(app.screen.query_one("#filter-error").render())
        assert error.startswith("     ^ date") and "is not a date" in error
        assert f"of {waiting[0][0]:,}" in status(app)  # the last good result stays
        await type_filter(pilot, "course.name~salsa state=confirmed")
        expected = db_rows(
            "SELECT COUNT(*) FROM courses_subscribe s JOIN courses_course c ON c.id = s.course_id "
            "WHERE lower(c.name) LIKE '%salsa%' AND s.state = 'confirmed'"
        )[0][0]
        assert f"of {expected:,}" in status(app)
        cells = table_of(app).cursor_cells
        headers = table_of(app).headers
        assert "Salsa" in cells[headers.index("course")]


async def test_sort_by_column_both_ways(demo_sqlite):
    app = TQConsole(load(), location="models/courses_subscribe")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        table = table_of(app)
        # the declared columns first, then the site's order: …, payment method, id, date
        for _ in range(7):
            await pilot.press("l")
        assert table.headers[table.cursor_column] == "date"
        await pilot.press("s")
        await settle(pilot)
        first = db_rows("SELECT id FROM courses_subscribe ORDER BY date, id LIMIT 1")[0][0]
        assert table.cursor_key == first
        await pilot.press("s")
        await settle(pilot)
        last = db_rows("SELECT id FROM courses_subscribe ORDER BY date DESC, id DESC LIMIT 1")[0][0]
        assert table.cursor_key == last
        assert "sort -date" in str(app.screen.query_one("#table-title").render())
        await pilot.press("G")
        await settle(pilot)
        assert table.cursor_key == first


async def test_record_view_relations_and_back_to_the_same_row(demo_sqlite):
    app = TQConsole(load(), location="models/courses_subscribe")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+d", "ctrl+d", "j")
        row = table_of(app).cursor_row
        key = table_of(app).cursor_key
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen.location == f"models/courses_subscribe/{key}"
        from tqconsole.widgets.lists import KeyTable

        fields = app.screen.query_one(KeyTable)
        user_id = db_rows("SELECT user_id FROM courses_subscribe WHERE id = ?", key)[0][0]
        assert f"#{user_id}" in str(fields.get_row("f:user")[1])
        fields.move_cursor(row=fields.get_row_index("f:user"))
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen.location == f"models/auth_user/{user_id}"
        fields = app.screen.query_one(KeyTable)
        fields.move_cursor(row=fields.get_row_index("r:courses_subscribe:user"))
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen.location == "models/courses_subscribe"
        mine = db_rows("SELECT COUNT(*) FROM courses_subscribe WHERE user_id = ?", user_id)[0][0]
        assert f"of {mine}" in status(app)
        await pilot.press("escape", "escape", "escape")
        await settle(pilot)
        assert table_of(app).cursor_row == row and table_of(app).cursor_key == key


async def test_long_text_is_cut_in_the_list_and_whole_in_its_view(demo_sqlite):
    big = "Ä" + "x" * (10 * 1024 * 1024)
    from tqconsole.backends import Backends

    b = Backends(load())
    from tqconsole.models import Subscribe

    b.database  # noqa: B018
    Subscribe.update(comment=big).where(Subscribe.id == 1).execute()
    b.close()
    app = TQConsole(load(), location="models/courses_subscribe/1")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        from tqconsole.widgets.lists import KeyTable

        fields = app.screen.query_one(KeyTable)
        shown = str(fields.get_row("f:comment")[1])
        assert "10,485,761 characters" in shown and len(shown) < 400
        fields.move_cursor(row=fields.get_row_index("f:comment"))
        await pilot.press("enter")
        await settle(pilot)
        from textual.widgets import Log

        log = app.screen.query_one(Log)
        assert sum(len(line) for line in log.lines) == len(big)
        # 80 columns less the viewer's border and padding
        assert log.lines[0].startswith("Äxxx") and len(log.lines[0]) == 76
        await pilot.press("escape")


async def test_edit_conflict_shows_both_versions_and_overwrites_nothing(demo_sqlite):
    app = TQConsole(load(), location="models/courses_subscribe/7")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("e")
        await settle(pilot)
        from textual.widgets import Input

        comment = app.screen.query_one("#in-comment", Input)
        comment.value = "mine"
        state = db_rows("SELECT state FROM courses_subscribe WHERE id = 7")[0][0]
        other = "rejected" if state != "rejected" else "new"
        from tqconsole.models import database

        database.execute_sql("UPDATE courses_subscribe SET state = ? WHERE id = 7", (other,))
        await pilot.press("ctrl+s")
        await settle(pilot)
        from tqconsole.widgets.dialogs.confirm import Conflict

        assert isinstance(app.screen, Conflict)
        assert app.screen.changed == ["state"]
        assert db_rows("SELECT state, comment FROM courses_subscribe WHERE id = 7")[0][0] == other
        await pilot.press("t")  # take theirs into the form, then save again
        await settle(pilot)
        comment = app.screen.query_one("#in-comment", Input)
        comment.value = "mine"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert db_rows("SELECT state, comment FROM courses_subscribe WHERE id = 7")[0] == (
            other,
            "mine",
        )


async def test_edit_validation_and_unique_violation_lose_nothing(demo_sqlite):
    app = TQConsole(load(), location="models/courses_subscribe/7")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("e")
        await settle(pilot)
        from textual.widgets import Input

        app.screen.query_one("#in-price_to_pay", Input).value = "lots"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "not a decimal number" in str(app.screen.query_one("#err-price_to_pay").render())
        app.screen.query_one("#in-price_to_pay", Input).value = "10"
        other = db_rows("SELECT usi FROM courses_subscribe WHERE id = 8")[0][0]
        app.screen.query_one("#in-usi", Input).value = other
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "not saved" in str(app.screen.query_one("#form-message").render())
        assert app.screen.query_one("#in-usi", Input).value == other  # the form keeps it


def reference(app, name: str) -> str:
    """What the edit form shows beside the foreign key ``name``."""
    return str(app.screen.query_one(f"#ref-{name}").render())


async def edit_subscription(pilot, pk: int) -> None:
    """The edit form of subscription ``pk``, its labels looked up, the focus in its first field."""
    from tqconsole.screens.model_record import RecordScreen
    from tqconsole.screens.record_edit import EditScreen
    from tqconsole.widgets.record_form import RecordForm

    app = pilot.app
    await until(pilot, lambda: isinstance(app.screen, RecordScreen) and app.screen.record)
    await pilot.press("e")

    def form_ready() -> bool:
        screen = app.screen
        if not isinstance(screen, EditScreen) or screen.focused is None:
            return False
        return not screen.query_one(RecordForm).pending and bool(reference(app, "user"))

    await until(pilot, form_ready)
    assert app.screen.focused.id == "in-date"  # the site's column order


async def test_edit_foreign_key_shows_its_row_and_refuses_a_missing_one(demo_sqlite):
    from textual.widgets import Input

    (user, name), (other, other_name) = db_rows(
        "SELECT u.id, u.first_name || ' ' || u.last_name FROM auth_user u WHERE u.id = "
        "(SELECT user_id FROM courses_subscribe WHERE id = 7) OR u.id = 1 ORDER BY u.id DESC"
    )
    app = TQConsole(load(), location="models/courses_subscribe/7")
    async with app.run_test(size=(80, 24)) as pilot:
        await edit_subscription(pilot, 7)
        assert reference(app, "user") == f"→ {name}"
        assert reference(app, "partner") == ""  # a blank nullable key is fine
        field = app.screen.query_one("#in-user", Input)
        field.value = "999999"
        await until(pilot, lambda: reference(app, "user") == "no auth_user #999999")
        assert app.screen.query_one("#ref-user").has_class("-missing")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "not saved: 1 field" in str(app.screen.query_one("#form-message").render())
        assert reference(app, "user") == "no auth_user #999999"
        assert db_rows("SELECT user_id FROM courses_subscribe WHERE id = 7")[0][0] == user
        field.value = str(other)
        await until(pilot, lambda: reference(app, "user") == f"→ {other_name}")
        assert not app.screen.query_one("#ref-user").has_class("-missing")


async def test_edit_foreign_key_picker_finds_a_user_by_name(demo_sqlite):
    from textual.widgets import Input

    from tqconsole.screens.record_edit import EditScreen
    from tqconsole.widgets.dialogs.pick import Pick

    before = db_rows("SELECT user_id FROM courses_subscribe WHERE id = 7")[0][0]
    target, first, last = db_rows(
        "SELECT id, first_name, last_name FROM auth_user WHERE id != ? ORDER BY id DESC LIMIT 1",
        before,
    )[0]
    app = TQConsole(load(), location="models/courses_subscribe/7")
    async with app.run_test(size=(80, 24)) as pilot:
        await edit_subscription(pilot, 7)
        app.screen.query_one("#in-user", Input).focus()
        await pilot.press("ctrl+f")
        dialog = await until(pilot, lambda: isinstance(app.screen, Pick) and app.screen)
        search = dialog.query_one("#pick-filter", Input)
        search.value = "state=("
        await until(pilot, lambda: "at column" in str(dialog.query_one("#pick-status").render()))
        search.value = f"{first} {last}"  # bare words: the user's name
        await until(pilot, lambda: dialog.shown_for == search.value)
        ids = [row[0] for row in dialog.rows]
        assert target in ids
        await pilot.press(*["down"] * ids.index(target), "enter")
        await settle(pilot)
        assert isinstance(app.screen, EditScreen)
        field = app.screen.query_one("#in-user", Input)
        assert field.value == str(target) and app.screen.focused is field
        assert reference(app, "user") == f"→ {first} {last}"
        await pilot.press("ctrl+f")
        dialog = await until(pilot, lambda: isinstance(app.screen, Pick) and app.screen)
        await pilot.press("z", "z", "escape")  # esc leaves the field as it was
        await settle(pilot)
        assert app.screen.query_one("#in-user", Input).value == str(target)
        app.screen.query_one("#in-comment", Input).focus()
        await pilot.press("ctrl+f")  # not a foreign key: the Input's own ctrl+f
        await settle(pilot)
        assert isinstance(app.screen, EditScreen)


async def test_staff_actions_on_a_selection(demo_sqlite):
    app = TQConsole(load(), location="models/courses_subscribe")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await type_filter(pilot, "state=new")
        table = table_of(app)
        await pilot.press("space", "space")
        ids = sorted(table.selected)
        assert len(ids) == 2
        await pilot.press("C")  # confirm, singles in couple courses too (the site's option)
        await settle(pilot)
        await pilot.press("y", "enter")  # a bulk action wants its name and count typed
        await settle(pilot)
        assert db_rows("SELECT state FROM courses_subscribe WHERE id = ?", ids[0])[0][0] == "new"
        await pilot.press("ctrl+u", *"confirm 2", "enter")
        await settle(pilot)
        marks = "?, ?"
        rows = db_rows(f"SELECT state FROM courses_subscribe WHERE id IN ({marks})", *ids)
        assert {r[0] for r in rows} <= {"confirmed", "completed"}
        confirmations = db_rows(
            f"SELECT COUNT(*) FROM courses_confirmation WHERE subscription_id IN ({marks})", *ids
        )
        assert confirmations[0][0] >= 2
        # reject the row under the cursor with a reason
        key = table.cursor_key
        await pilot.press("x")
        await settle(pilot)
        await pilot.press("j", "j", "enter")  # overbooked
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert db_rows("SELECT state FROM courses_subscribe WHERE id = ?", key)[0][0] == "rejected"
        reason = db_rows("SELECT reason FROM courses_rejection WHERE subscription_id = ?", key)
        assert reason[-1][0] == "overbooked"


async def test_waiting_list_admit_and_counter_payment_keys(demo_sqlite):
    sub = db_rows("SELECT id FROM courses_subscribe WHERE state = 'new' ORDER BY id LIMIT 1")[0][0]
    app = TQConsole(load(), location=f"models/courses_subscribe/{sub}")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        steps = (("w", "waiting_list"), ("a", "new"), ("C", "confirmed"), ("m", "payed"))
        for key, state in steps:
            await pilot.press(key)
            await settle(pilot)
            await pilot.press("enter")
            await settle(pilot)
            row = db_rows("SELECT state, paymentmethod FROM courses_subscribe WHERE id = ?", sub)
            if row[0][0] == "completed":  # a free course completes on admission
                break
            assert row[0][0] == state
        if state == "payed":
            assert row[0][1] == "counter"


async def test_keys_help_lists_the_staff_keys_and_read_only_hides_them(demo_sqlite, monkeypatch):
    from tqconsole.widgets.keys_help import key_groups

    def own_keys(app) -> dict[str, str]:
        return {what: keys for keys, what in dict(key_groups(app.screen))["This screen"]}

    app = TQConsole(load(), location="models/courses_subscribe")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        keys = own_keys(app)
    assert keys["Paid (counter)"] == "m" and keys["Reject"] == "x" and keys["Find USI"] == "u"
    assert keys["Export"] == "E" and keys["Delete"] == "d" and "Payment reminder" in keys
    monkeypatch.setenv("TQ_READ_ONLY", "1")
    app = TQConsole(load(), location="models/courses_subscribe")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        keys = own_keys(app)
    assert "Export" in keys and not {"Reject", "Delete", "Edit", "New"} & set(keys), keys


async def test_find_by_usi_opens_the_subscription(demo_sqlite):
    sub, usi = db_rows("SELECT id, usi FROM courses_subscribe WHERE id = 42")[0]
    app = TQConsole(load(), location="models")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("u", *f"usi-{usi.lower()}", "enter")
        await settle(pilot)
        assert app.screen.location == f"models/courses_subscribe/{sub}"
        await pilot.press("u", *"nope", "enter")
        await settle(pilot)
        assert app.screen.location == f"models/courses_subscribe/{sub}"


async def test_export_view_to_json(demo_sqlite, tmp_path):
    target = tmp_path / "waiting.json"
    app = TQConsole(load(), location="models/courses_subscribe")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await type_filter(pilot, "state=waiting_list")
        await pilot.press("E")
        await settle(pilot)
        from textual.widgets import Input

        app.screen.query_one(Input).value = str(target)
        await pilot.press("enter")
        await settle(pilot, 6)
    data = json.loads(target.read_text())
    count = db_rows("SELECT COUNT(*) FROM courses_subscribe WHERE state = 'waiting_list'")[0][0]
    assert len(data) == count and {d["state"] for d in data} == {"waiting_list"}


async def test_export_by_name_goes_to_the_exports_folder_and_asks_before_replacing(
    demo_sqlite,
):
    from textual.widgets import Input

    from tqconsole.widgets.dialogs.confirm import ConfirmDialog

    settings = load()
    target = settings.data_dir / "exports" / "rooms.csv"
    app = TQConsole(settings, location="models/courses_room")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        messages = lambda: [n.message for n in app._notifications]  # noqa: E731
        for round_ in range(2):
            app.clear_notifications()
            await pilot.press("E")
            await until(pilot, lambda: isinstance(app.screen.focused, Input))
            app.screen.query_one(Input).value = "rooms.csv"
            await pilot.press("enter")
            if round_ == 1:
                await until(pilot, lambda: isinstance(app.screen, ConfirmDialog))
                first = target.read_text()
                await pilot.press(*"yyy", "enter")  # typed text never confirms; Cancel has focus
                await until(pilot, lambda: not isinstance(app.screen, ConfirmDialog))
                assert target.read_text() == first and not messages()
                await pilot.press("E")
                await until(pilot, lambda: isinstance(app.screen.focused, Input))
                app.screen.query_one(Input).value = "rooms.csv"
                await pilot.press("enter")
                await until(pilot, lambda: isinstance(app.screen, ConfirmDialog))
                await pilot.press("tab", "enter")  # Overwrite
            await until(pilot, lambda: any("exported" in m for m in messages()))
        assert any(f"to {target}" in m for m in messages())
    rows = db_rows("SELECT COUNT(*) FROM courses_room")[0][0]
    assert len(target.read_text().splitlines()) == rows + 1


async def test_read_only_mode_offers_no_write_keys(demo_sqlite, monkeypatch):
    monkeypatch.setenv("TQ_READ_ONLY", "1")
    sub = db_rows("SELECT id FROM courses_subscribe WHERE state = 'new' ORDER BY id LIMIT 1")
    app = TQConsole(load(), location=f"models/courses_subscribe/{sub[0][0]}")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        offered = {b.binding.action for b in app.screen.active_bindings.values()}
        assert "reload" in offered
        assert not offered & {"staff('confirm')", "edit", "delete"}, offered
        await pilot.press("c", "e")
        await settle(pilot)
        assert app.screen.location == f"models/courses_subscribe/{sub[0][0]}"
        messages = [n.message for n in app._notifications]
        assert any("read-only mode: Confirm is not offered" in m for m in messages), messages
    assert db_rows("SELECT state FROM courses_subscribe WHERE id = ?", sub[0][0])[0][0] == "new"


async def test_database_stopped_while_browsing_keeps_the_page_and_retries(monkeypatch, pg_drops):
    """The database disappears under the table (connections killed, renamed), then returns."""
    name, url = services.create_pg_database()
    monkeypatch.setenv("TQ_DATABASE_URL", url)
    import psycopg2

    conn = psycopg2.connect(url)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute("CREATE TABLE readings (id serial primary key, value text)")
        cur.execute("INSERT INTO readings (value) SELECT 'v' || g FROM generate_series(1, 500) g")
    conn.close()
    admin = services.pg_admin_connection()
    try:
        app = TQConsole(load(), location="models/readings")
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            assert "row 1 of 500" in status(app)
            with admin.cursor() as cur:
                cur.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
                    (name,),
                )
                cur.execute(f'ALTER DATABASE "{name}" RENAME TO "{name}_away"')
            await pilot.press("G")
            await settle(pilot)
            table = table_of(app)
            assert table.error and "r retries" in status(app)
            assert 0 in table.rows  # the last page stays
            with admin.cursor() as cur:
                cur.execute(f'ALTER DATABASE "{name}_away" RENAME TO "{name}"')
            await pilot.press("r")
            await settle(pilot)
            await pilot.press("G")
            await settle(pilot)
            assert not table.error and table.cursor_key == 500
    finally:
        admin.close()
        pg_drops.drop(f"{name}_away")  # there only if the test stopped half-way
        pg_drops.drop(name)


async def test_delete_asks_for_the_label_and_shows_what_cascades(demo_sqlite):
    sub = db_rows(
        "SELECT s.id, s.usi FROM courses_subscribe s WHERE EXISTS (SELECT 1 FROM "
        "courses_confirmation c WHERE c.subscription_id = s.id) AND NOT EXISTS (SELECT 1 FROM "
        "payment_subscriptionpayment p WHERE p.subscription_id = s.id) ORDER BY s.id LIMIT 1"
    )[0]
    app = TQConsole(load(), location=f"models/courses_subscribe/{sub[0]}")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("d")
        await settle(pilot)
        from tqconsole.widgets.dialogs.confirm import ConfirmDialog

        dialog = app.screen
        assert isinstance(dialog, ConfirmDialog) and dialog.typed == sub[1]
        assert any("courses_confirmation" in line for line in dialog.question)
        await pilot.press(*"wrong", "enter")
        await settle(pilot)
        assert db_rows("SELECT COUNT(*) FROM courses_subscribe WHERE id = ?", sub[0])[0][0] == 1
        await pilot.press("ctrl+u", *sub[1], "enter")
        await settle(pilot)
    assert db_rows("SELECT COUNT(*) FROM courses_subscribe WHERE id = ?", sub[0])[0][0] == 0
    left = db_rows("SELECT COUNT(*) FROM courses_confirmation WHERE subscription_id = ?", sub[0])
    assert left[0][0] == 0


def readings_table(url: str, rows: int = 500) -> None:
    """A table no model describes, with ``rows`` rows, on PostgreSQL (not through any proxy)."""
    import psycopg2

    conn = psycopg2.connect(url)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute("CREATE TABLE readings (id serial primary key, value text)")
        cur.execute(
            "INSERT INTO readings (value) SELECT 'v' || g FROM generate_series(1, %s) g", (rows,)
        )
    conn.close()


async def test_table_comes_back_by_itself_when_postgresql_returns(pg_proxy, pg_url):
    """PostgreSQL goes away under the table and returns: the rows come without pressing r."""
    readings_table(pg_url)
    app = TQConsole(load(), location="models/readings")
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: "row 1 of 500" in status(app))
        table = table_of(app)
        pg_proxy.stop()
        await pilot.press("G")
        await until(pilot, lambda: table.error)
        assert "again in" in status(app) and "r retries now" in status(app)
        assert table.cursor_key is None  # the last page is not on hand: "…"
        await pilot.press("pagedown", "g", "G")
        pg_proxy.start()
        await until(pilot, lambda: table.cursor_key == 500, timeout=10)
        assert not table.error and "row 500 of 500" in status(app)


async def test_table_opened_while_postgresql_is_down_opens_when_it_returns(pg_proxy, pg_url):
    readings_table(pg_url, rows=30)
    pg_proxy.stop()
    app = TQConsole(load(), location="models/readings")
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: "unavailable" in status(app) and "again in" in status(app))
        pg_proxy.start()
        await until(pilot, lambda: "row 1 of 30" in status(app), timeout=10)
