"""Course admin (issue 13, story 3) on the site's fixture: places of courses, the warning
over the maximum, confirming a waiting list in one action, the participants export."""

from __future__ import annotations

import json

import pytest

from tests.support import course_finance_support
from tests.support.course_finance_support import run_cli
from tests.support.tui_support import app_at, idle, settle, shown, until

site = course_finance_support.site
MILONGA = 24  # max 10, full, a matched couple on the waiting list
SALSA_MI = 7  # max 12, a single without partner waiting


def counted(db, course: int) -> dict:
    """The figures by plain SQL, apart from the service's grouped query."""

    def n(where: str) -> int:
        sql = f"SELECT count(*) FROM courses_subscribe WHERE course_id = %s AND {where}"
        return db.execute_sql(sql, (course,)).fetchone()[0]

    holding = "state NOT IN ('rejected','to_reimburse','waiting_list')"
    return {
        "accepted": n("state IN ('confirmed','payed','completed')"),
        "admitted": n(holding),
        "waiting": n("state = 'waiting_list'"),
        "lead": n(f"{holding} AND lead_follow = 'l'"),
        "follow": n(f"{holding} AND lead_follow = 'f'"),
    }


def test_places_of_every_course_match_sql_and_the_free_place_rule(site):
    from tqconsole.models import Course, Subscribe
    from tqconsole.services.courses.places import places_of
    from tqconsole.services.courses.subscription_model import Places

    db = Subscribe._meta.database
    ids = [c.id for c in Course.select()]
    places = places_of(ids)
    assert sorted(places) == sorted(ids)
    for cid in ids:
        p = places[cid]
        want = counted(db, cid)
        assert {k: getattr(p, k) for k in want} == want, p.name
        assert p.free == Places(cid).free(), p.name
    full = places[MILONGA]
    assert (full.accepted, full.limit, full.waiting, full.free) == (10, 10, 2, 0)
    assert "10/10" in full.cell() and "2 wait" in full.cell() and "0 free" in full.cell()


def test_places_is_two_queries_for_a_page(site):
    from tqconsole.models import Course, Subscribe
    from tqconsole.services.courses.places import place_cells

    db = Subscribe._meta.database.obj
    ids = [c.id for c in Course.select()]
    queries = []
    original = db.execute_sql

    def counting(sql, params=None, *args, **kwargs):
        queries.append(sql)
        return original(sql, params, *args, **kwargs)

    db.execute_sql = counting
    try:
        cells = place_cells(ids)
    finally:
        db.execute_sql = original
    assert len(cells) == len(ids)
    assert len(queries) == 2


def test_record_figures_and_list_column(site):
    from tqconsole.models import Course
    from tqconsole.services.db.records import load
    from tqconsole.services.db.table_query import TableQuery

    query = TableQuery.build(site.database, "courses_course", f"id={MILONGA}")
    assert query.headers[-1] == "places"
    record = load(Course, MILONGA)
    assert record.figures["accepted / max"] == "10 / 10"
    assert record.figures["waiting list"] == "2"
    assert record.figures["free places"] == "0"


def test_capacity_warning_names_the_numbers(site):
    from tqconsole.models import Subscribe
    from tqconsole.services.courses.places import capacity_warnings, course_places

    places = course_places(SALSA_MI)
    new = [
        s.id
        for s in Subscribe.select().where(
            (Subscribe.course == SALSA_MI) & (Subscribe.state == "new")
        )
    ]
    after = places.accepted + len(new)
    assert after > places.limit
    (warning,) = capacity_warnings("confirm", new)
    assert f"confirming {len(new)} makes {after} accepted of max {places.limit}" in warning
    room = places.limit - places.accepted
    assert capacity_warnings("confirm", new[:room]) == []
    assert capacity_warnings("reject", new) == []


def test_confirm_waiting_list_admits_and_confirms(site):
    from tqconsole.models import Subscribe
    from tqconsole.services.courses.places import confirm_waiting_list, course_places

    waiting = [
        s.usi
        for s in Subscribe.select().where(
            (Subscribe.course == MILONGA) & (Subscribe.state == "waiting_list")
        )
    ]
    run = confirm_waiting_list(MILONGA)
    assert sorted(s.usi for s in run.confirmed.done) == sorted(waiting)
    assert {s.state for s in run.confirmed.done} == {"confirmed"}
    after = course_places(MILONGA)
    assert (after.accepted, after.waiting) == (12, 0)


def test_confirm_waiting_list_leaves_singles_of_couple_courses(site):
    from tqconsole.services.courses.places import confirm_waiting_list, course_places

    run = confirm_waiting_list(SALSA_MI)
    assert not run.admitted.done and run.confirmed is None
    assert "no partner" in run.left[0][1]
    assert course_places(SALSA_MI).waiting == 1


def test_export_goes_to_the_data_dir_and_never_overwrites(site, tmp_path):
    from tqconsole.errors import InvalidInput
    from tqconsole.services.courses.participants_export import export_file

    path = export_file(tmp_path, MILONGA)
    assert path == tmp_path / "exports" / f"participants-course-{MILONGA}.csv"
    first = path.read_text()
    assert first.splitlines()[0].startswith("first_name;last_name;email;state;usi")
    path.write_text("kept")
    with pytest.raises(InvalidInput, match="export exists"):
        export_file(tmp_path, MILONGA)
    assert path.read_text() == "kept"
    export_file(tmp_path, MILONGA, overwrite=True)
    assert path.read_text() == first


def test_cli_places_export_and_confirm_waiting(site, capsys):
    code, out, _ = run_cli(capsys, "courses", "places", str(MILONGA), "--json")
    assert code == 0
    (row,) = json.loads(out)
    assert (row["accepted"], row["limit"], row["waiting"], row["free"]) == (10, 10, 2, 0)
    code, out, _ = run_cli(capsys, "courses", "export", str(MILONGA))
    assert code == 0 and "exports/participants-course-24.csv" in out
    code, _, err = run_cli(capsys, "courses", "export", str(MILONGA))
    assert code != 0 and "export exists" in err and "--overwrite" in err
    code, out, _ = run_cli(capsys, "courses", "confirm-waiting", str(MILONGA), "--yes", "--json")
    assert code == 0
    assert [c["state"] for c in json.loads(out)["confirmed"]] == ["confirmed", "confirmed"]


async def test_tui_confirm_waiting_list_with_the_typed_count(site):
    from tqconsole.screens.model_table import TableScreen
    from tqconsole.services.courses.places import course_places
    from tqconsole.widgets.dialogs.confirm import ConfirmDialog

    app = app_at("models/courses_course")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, TableScreen)
        await pilot.press("slash", *f"id={MILONGA}", "enter")
        await until(pilot, lambda: screen.query_one("WindowedTable").total == 1)
        await pilot.press("W")
        dialog = await until(pilot, lambda: isinstance(app.screen, ConfirmDialog) and app.screen)
        text = "\n".join(dialog.question)
        assert "2 on the waiting list" in text and "over the maximum: 12" in text
        await pilot.press(*"confirm 2", "enter")
        await until(pilot, lambda: app.screen is screen and idle(app))
    assert course_places(MILONGA).waiting == 0


async def test_tui_export_asks_before_overwriting(site):
    from tqconsole.widgets.dialogs.confirm import ConfirmDialog

    app = app_at("models/courses_course")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("P")
        await until(pilot, lambda: any("written to" in n.message for n in app._notifications))
        path = app.settings.data_dir / "exports" / "participants-course-1.csv"
        assert path.is_file()
        path.write_text("kept")
        await pilot.press("P")
        dialog = await until(pilot, lambda: isinstance(app.screen, ConfirmDialog) and app.screen)
        assert str(path) in dialog.question
        await pilot.press("enter")  # Cancel has the focus first
        await until(pilot, lambda: not isinstance(app.screen, ConfirmDialog))
        assert path.read_text() == "kept"
        await pilot.press("P")
        await until(pilot, lambda: isinstance(app.screen, ConfirmDialog))
        await pilot.press("tab", "enter")
        await until(pilot, lambda: path.read_text() != "kept")


@pytest.mark.parametrize("size", [(80, 24), (160, 50)], ids=["80x24", "160x50"])
def test_snapshot_waiting_list_dialog(site, snap_compare, size):
    from tqconsole.widgets.dialogs.confirm import ConfirmDialog

    async def ask(pilot) -> None:
        await settle(pilot)
        await pilot.press("G", "k", "W")
        await shown(pilot, lambda: isinstance(pilot.app.screen, ConfirmDialog))

    assert snap_compare(app_at("models/courses_course"), terminal_size=size, run_before=ask)


async def test_confirm_dialog_warns_over_the_maximum(site):
    from tqconsole.models import Subscribe
    from tqconsole.widgets.dialogs.confirm import ConfirmDialog

    new = Subscribe.select().where((Subscribe.course == SALSA_MI) & (Subscribe.state == "new"))
    before = new.count()
    app = app_at("models/courses_subscribe")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        screen = app.screen
        await pilot.press("slash", *f"course={SALSA_MI} state=new", "enter")
        await until(pilot, lambda: screen.query_one("WindowedTable").total == new.count())
        await pilot.press(*["space"] * new.count(), "c")
        dialog = await until(pilot, lambda: isinstance(app.screen, ConfirmDialog) and app.screen)
        text = "\n".join(dialog.question)
        assert f"over the maximum: HS26 Salsa 1 Mi: confirming {new.count()} makes" in text
        assert "of max 12" in text
        await pilot.press("escape")
    assert new.count() == before  # nothing confirmed


async def test_courses_list_shows_places_among_the_first_columns_at_80(site):
    from tests.db.test_screen import table_of
    from tests.db.test_snapshots import data_shown

    app = app_at("courses")
    async with app.run_test(size=(80, 24)) as pilot:
        await data_shown(pilot)
        table = table_of(app)
        assert table.headers[:2] == ["name", "places"]
        assert "places" in table.render_line(0).text
        accepted_of_max = table.cursor_cells[1].split(",")[0]  # e.g. 21/40
        assert "/" in accepted_of_max and accepted_of_max in table.render_line(1).text
