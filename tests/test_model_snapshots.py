"""Snapshots of the model browser at 80x24 and 120x40 (demo data dated 2026-11-21)."""

from __future__ import annotations

import pytest

from tests.tui_support import settle
from tqconsole.app import TQConsole
from tqconsole.settings import load


async def settle_before(pilot) -> None:
    await settle(pilot)


@pytest.mark.parametrize("size", [(80, 24), (120, 40), (160, 50)])
@pytest.mark.parametrize(
    "location",
    ["models", "models/courses_subscribe", "models/courses_subscribe/17"],
    ids=["navigator", "table", "record"],
)
def test_snapshot(demo_sqlite, snap_compare, location, size):
    app = TQConsole(load(), location=location)
    assert snap_compare(app, terminal_size=size, run_before=settle_before)


def test_snapshot_filter_error(demo_sqlite, snap_compare):
    async def type_bad_filter(pilot) -> None:
        await settle(pilot)
        await pilot.press("slash", *"state in (new, amount>=x", "enter")
        await settle(pilot)

    app = TQConsole(load(), location="models/payment_payment")
    assert snap_compare(app, terminal_size=(80, 24), run_before=type_bad_filter)


def test_snapshot_edit_form(demo_sqlite, snap_compare):
    async def edit(pilot) -> None:
        await settle(pilot)
        await pilot.press("e")
        await settle(pilot)

    app = TQConsole(load(), location="models/courses_subscribe/17")
    assert snap_compare(app, terminal_size=(80, 24), run_before=edit)


def test_snapshot_confirm_dialog(demo_sqlite, snap_compare):
    async def confirm(pilot) -> None:
        await settle(pilot)
        await pilot.press("space", "space", "c")
        await settle(pilot)

    app = TQConsole(load(), location="models/courses_subscribe")
    assert snap_compare(app, terminal_size=(80, 24), run_before=confirm)
