"""Snapshots of the model browser at 80x24, 120x40 and 160x50 (demo data dated 2026-11-21).

Each waits for the data it shows (tests/support/tui_support.py ``shown``), never for time.
"""

from __future__ import annotations

import pytest

from tests.support.tui_support import shown, until
from tqconsole.app import TQConsole
from tqconsole.settings import load


def model_data_on_screen(app) -> bool:
    """The navigator's row counts, the table's rows on screen, or the record's fields."""
    from tqconsole.screens.model_record import RecordScreen
    from tqconsole.screens.model_table import TableScreen
    from tqconsole.screens.models import ModelsScreen
    from tqconsole.widgets.lists import KeyTable
    from tqconsole.widgets.windowed_table import WindowedTable

    screen = app.screen
    if isinstance(screen, ModelsScreen):
        table = screen.query_one(KeyTable)
        return all(table.get_cell(name, "rows") != "…" for name in screen.tables)
    if isinstance(screen, TableScreen):
        rows = screen.query_one(WindowedTable)
        top = int(rows.scroll_offset.y)
        visible = range(top, min(rows.total, top + rows.window_height))
        return rows.loaded and all(i in rows.rows for i in visible)
    if isinstance(screen, RecordScreen):
        return screen.record is not None
    return False


async def data_shown(pilot) -> None:
    await shown(pilot, lambda: model_data_on_screen(pilot.app))


@pytest.mark.parametrize("size", [(80, 24), (120, 40), (160, 50)])
@pytest.mark.parametrize(
    "location",
    ["models", "models/courses_subscribe", "models/courses_subscribe/17"],
    ids=["navigator", "table", "record"],
)
def test_snapshot(demo_sqlite, snap_compare, location, size):
    app = TQConsole(load(), location=location)
    assert snap_compare(app, terminal_size=size, run_before=data_shown)


def test_snapshot_filter_error(demo_sqlite, snap_compare):
    async def type_bad_filter(pilot) -> None:
        await data_shown(pilot)
        await pilot.press("slash", *"state in (new, amount>=x", "enter")
        error = pilot.app.screen.query_one("#filter-error")
        await shown(pilot, lambda: error.has_class("-shown"))

    app = TQConsole(load(), location="models/payment_payment")
    assert snap_compare(app, terminal_size=(80, 24), run_before=type_bad_filter)


def test_snapshot_edit_form(demo_sqlite, snap_compare):
    async def edit(pilot) -> None:
        from tqconsole.screens.record_edit import EditScreen
        from tqconsole.widgets.record_form import RecordForm

        await data_shown(pilot)
        await pilot.press("e")
        await until(pilot, lambda: isinstance(pilot.app.screen, EditScreen))
        form = pilot.app.screen.query_one(RecordForm)

        def labels_shown() -> bool:  # the form, and the row each foreign key set names
            refs = [
                (r, form.query_one(f"#in-{r.id.removeprefix('ref-')}"))
                for r in form.query(".form-ref")
            ]
            return (
                bool(form.specs)
                and not form.pending
                and all(str(ref.render()) or not field.value for ref, field in refs)
            )

        await shown(pilot, labels_shown)

    app = TQConsole(load(), location="models/courses_subscribe/17")
    assert snap_compare(app, terminal_size=(80, 24), run_before=edit)


def test_snapshot_confirm_dialog(demo_sqlite, snap_compare):
    async def confirm(pilot) -> None:
        from textual.screen import ModalScreen

        await data_shown(pilot)
        await pilot.press("space", "space", "c")
        await shown(pilot, lambda: isinstance(pilot.app.screen, ModalScreen))

    app = TQConsole(load(), location="models/courses_subscribe")
    assert snap_compare(app, terminal_size=(80, 24), run_before=confirm)
