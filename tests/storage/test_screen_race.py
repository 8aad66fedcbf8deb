"""The buckets screen when another client deleted an object meanwhile."""

from __future__ import annotations

import pytest

from tests.storage.test_screen import any_storage, table_keys  # noqa: F401 - the fixture
from tests.support.tui_support import app_at, settle


@pytest.mark.asyncio
async def test_deleting_a_key_deleted_meanwhile_is_reported(any_storage):  # noqa: F811
    media = any_storage.storage("media")
    async with app_at("buckets/media").run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("j", "j", "d")  # photo.png
        await settle(pilot)
        assert "Delete 1 object(s)" in pilot.app.screen.title_text
        media.delete(["photo.png"])  # another client, while the dialog is open
        notes = []
        pilot.app.notify = lambda message, **kw: notes.append((message, kw.get("severity")))
        await pilot.press("enter")
        await settle(pilot)
        assert notes[0] == ("1 not deleted, e.g. photo.png: not found", "error")
        assert notes[1][0].startswith("deleted 0 object(s) from media/ (bucket ")
        assert "photo.png" not in table_keys(pilot.app)
