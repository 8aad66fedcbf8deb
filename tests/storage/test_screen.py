"""The buckets screen, driven with Pilot, and its snapshots at 80x24 and 120x40."""

from __future__ import annotations

import os
from datetime import datetime

import pytest

from tests.storage.test_backends import seed
from tests.support.tui_support import app_at, settle, shown
from tqconsole.app import TQConsole

FIXED = datetime(2026, 11, 20, 14, 30).timestamp()
FILES = {
    "docs/readme.txt": b"Tanzquotient media bucket\n",
    "docs/rules.json": b'{"no_overwrite": true}',
    "img/ball-2026.png": b"\x89PNG\r\n\x1a\n" + b"\x00" * 2048,
    "img/salsa.png": b"\x89PNG\r\n\x1a\n" + b"\x00" * 512,
    "photo.png": b"\x89PNG\r\n\x1a\n" + b"\x00" * 64,
    "statement.csv": "Datum;Buchungstext;Gutschrift CHF;Zahlungszweck\n"
    "02.11.2026;Gutschrift Anna Müller;120.00;USI-ABC123 Salsa\n"
    "03.11.2026;Gutschrift Luca Keller;60.00;USI-XYZ789 Tango\n".encode(),
}


def fill(sqlite_url):
    """Tables, buckets and a few objects; on the file backend with fixed dates (for snapshots)."""
    from tests.conftest import make_backends
    from tqconsole.services.db.schema import init

    backends = make_backends()
    init(backends)
    backend = backends.get("storage")
    objects = [("media", key, data) for key, data in FILES.items()]
    objects.append(("finance", "bank/zkb-2026-11.csv", FILES["statement.csv"]))
    for name, key, data in objects:
        storage = backend.storage(name)
        storage.save(key, data)
        if hasattr(storage, "root"):
            os.utime(storage.root / key, (FIXED, FIXED))
    return backends


@pytest.fixture
def storage(sqlite_url):
    """The embedded (file) storage, filled."""
    backends = fill(sqlite_url)
    yield backends.get("storage")
    backends.close()


@pytest.fixture(params=["file", "s3"])
def any_storage(request, sqlite_url):
    """The same, once on the file backend and once on S3 (moto over HTTP)."""
    if request.param == "s3":
        request.getfixturevalue("s3_url")
    backends = fill(sqlite_url)
    yield backends.get("storage")
    backends.close()


def table_keys(app) -> list[str]:
    from tqconsole.widgets.lists import KeyTable

    table = app.screen.query_one(KeyTable)
    return [str(row.key.value) for row in table.ordered_rows]


def heading(app) -> str:
    return str(app.screen.query_one("#heading").render())


@pytest.mark.asyncio
async def test_overview_counts_storages(storage):
    async with app_at("buckets").run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        from tqconsole.widgets.lists import KeyTable

        table = pilot.app.screen.query_one(KeyTable)
        assert table_keys(pilot.app) == ["media", "static", "finance"]
        assert table.get_cell("media", "objects") == "6"
        assert table.get_cell("finance", "objects") == "1"
        assert table.get_cell("static", "objects") == "0"
        await pilot.press("enter")
        await settle(pilot)
        assert pilot.app.screen.location == "buckets/media"


@pytest.mark.asyncio
async def test_browse_folders_and_back(any_storage):
    async with app_at("buckets/media").run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert table_keys(pilot.app) == [
            "docs/",
            "img/",
            "photo.png",
            "statement.csv",
        ]
        await pilot.press("j", "enter")
        await settle(pilot)
        assert pilot.app.screen.location == "buckets/media/img"
        assert table_keys(pilot.app) == ["img/ball-2026.png", "img/salsa.png"]
        await pilot.press("s")  # sort by size
        assert table_keys(pilot.app) == ["img/salsa.png", "img/ball-2026.png"]
        await pilot.press("backspace")
        await settle(pilot)
        assert pilot.app.screen.location == "buckets/media"


@pytest.mark.asyncio
async def test_prefix_loads_page_by_page(any_storage):
    media = any_storage.storage("media")
    seed(media, [f"many/{i:05d}.txt" for i in range(2500)])
    async with app_at("buckets/media/many").run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = pilot.app.screen
        assert len(screen.objects.entries) == 60  # the first, small page only
        assert "more below" in heading(pilot.app)
        await pilot.press("G")
        await settle(pilot)
        assert len(screen.objects.entries) == 1060
        table = screen.query_one("#objects")
        table.scroll_end(animate=False, immediate=True)  # the mouse wheel moves no cursor
        await settle(pilot)
        assert len(screen.objects.entries) == 2060
        await pilot.press("G")
        await settle(pilot)
        assert len(screen.objects.entries) == 2500
        assert "more below" not in heading(pilot.app)
        assert table_keys(pilot.app)[-1] == "many/02499.txt"


@pytest.mark.asyncio
async def test_keys_that_look_like_markup_show_as_typed(storage):
    storage.storage("media").save("odd/[bold]x[red] [1].csv", b"a;[b]\n1;[/]\n")
    async with app_at("buckets/media/odd").run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        table = pilot.app.screen.query_one("#objects")
        assert str(table.get_cell_at((0, 1))) == "[bold]x[red] [1].csv"
        await pilot.press("enter")
        await settle(pilot)
        preview = pilot.app.screen.query_one("#preview-table")
        assert str(preview.get_cell_at((0, 1))) == "[/]"


@pytest.mark.asyncio
async def test_filter_by_name(storage):
    async with app_at("buckets/media").run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("slash", "s", "t", "a")
        assert table_keys(pilot.app) == ["statement.csv"]
        assert "match 'sta'" in heading(pilot.app)
        await pilot.press("escape")
        assert len(table_keys(pilot.app)) == 4
        await pilot.press("slash", *">100b")
        assert table_keys(pilot.app) == ["statement.csv"]


@pytest.mark.asyncio
async def test_delete_marked_objects(any_storage):
    media = any_storage.storage("media")
    async with app_at("buckets/media").run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("j", "j", "space", "space", "d")
        await settle(pilot)
        from tqconsole.widgets.dialogs.confirm import ConfirmDialog

        dialog = pilot.app.screen
        assert isinstance(dialog, ConfirmDialog)
        assert "Delete 2 object(s) from media?" in dialog.title_text
        await pilot.press("enter")
        await settle(pilot)
        assert table_keys(pilot.app) == ["docs/", "img/"]
    assert not media.exists("photo.png")


@pytest.mark.asyncio
async def test_bulk_delete_needs_the_name_typed(storage):
    media = storage.storage("media")
    for i in range(11):
        media.save(f"old/{i}.txt", b"x")
    async with app_at("buckets/media").run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("j", "j", "d")  # the folder old/
        await settle(pilot)
        dialog = pilot.app.screen
        assert dialog.typed == "media" and "11 object(s)" in dialog.title_text
        await pilot.press("y", "enter")  # y is typed into the field, not a yes
        await pilot.pause()
        assert pilot.app.screen is dialog
        assert media.exists("old/0.txt")
        await pilot.press("backspace", *"media", "enter")
        await settle(pilot)
        assert "old/" not in table_keys(pilot.app)
    assert media.list("old/").objects == []


@pytest.mark.asyncio
async def test_upload_folder_with_progress(any_storage, tmp_path):
    folder = tmp_path / "new-photos"
    folder.mkdir()
    for i in range(5):
        (folder / f"p{i}.png").write_bytes(b"\x89PNG" + bytes(100))
    async with app_at("buckets/media/img").run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("u")
        await pilot.pause()
        field = pilot.app.screen.query_one("#ask-input")
        field.value = str(folder)
        await pilot.press("enter")
        await settle(pilot)
        assert "img/new-photos/" in table_keys(pilot.app)
        assert pilot.app.screen.transfers.meter is None
    assert any_storage.storage("media").stat("img/new-photos/p3.png").content_type == "image/png"


@pytest.mark.asyncio
async def test_upload_missing_path_is_a_message(storage, tmp_path):
    async with app_at("buckets/media").run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("u")
        await pilot.pause()
        pilot.app.screen.query_one("#ask-input").value = str(tmp_path / "nope")
        await pilot.press("enter")
        await settle(pilot)
        messages = [n.message for n in pilot.app._notifications]
        assert any("does not exist" in m for m in messages)
        assert pilot.app.screen.location == "buckets/media"


@pytest.mark.asyncio
async def test_copy_presigned_url_of_finance(any_storage):
    async with app_at("buckets/finance/bank").run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("y")
        await pilot.pause()
        await pilot.press("j", "enter")  # valid for 1 day
        await settle(pilot)
        url = pilot.app.clipboard
        if url.startswith("file://"):
            assert url.endswith("/finance/bank/zkb-2026-11.csv")
        else:  # presigned, valid for a day
            assert "/bank/zkb-2026-11.csv?" in url and "X-Amz-Expires=86400" in url
        assert any("valid for 1 day" in n.message for n in pilot.app._notifications)


@pytest.mark.asyncio
async def test_url_of_an_object_deleted_meanwhile_is_a_message(any_storage):
    async with app_at("buckets/media").run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("j", "j")  # photo.png
        any_storage.storage("media").delete(["photo.png"])  # another client
        await pilot.press("y")  # copy URL
        await settle(pilot)
        assert pilot.app.clipboard == ""
        messages = [n.message for n in pilot.app._notifications]
        assert any("media/photo.png does not exist" in m for m in messages), messages


async def upload_into_docs(pilot, path, overwrite: bool) -> list[str]:
    """Upload ``path`` with the dialog (ticking overwrite or not); the messages shown."""
    from textual.widgets import Checkbox

    await pilot.press("u")
    await pilot.pause()
    dialog = pilot.app.screen
    assert dialog.query_one("#ask-check", Checkbox).value is False  # off by default
    dialog.query_one("#ask-input").value = str(path)
    dialog.query_one("#ask-check", Checkbox).value = overwrite
    await pilot.press("enter")
    await settle(pilot)
    return [n.message for n in pilot.app._notifications]


@pytest.mark.asyncio
async def test_upload_refuses_existing_objects_unless_ticked(any_storage, tmp_path):
    media = any_storage.storage("media")
    (tmp_path / "readme.txt").write_text("replaced")
    async with app_at("buckets/media/docs").run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        messages = await upload_into_docs(pilot, tmp_path / "readme.txt", overwrite=False)
        assert any("exist already" in m and "into media/docs/ (bucket " in m for m in messages)
        assert media.read("docs/readme.txt") == FILES["docs/readme.txt"]
        pilot.app.clear_notifications()
        messages = await upload_into_docs(pilot, tmp_path / "readme.txt", overwrite=True)
        assert any(m.startswith("done: 1 of 1 file(s)") for m in messages), messages
    assert media.read("docs/readme.txt") == b"replaced"


@pytest.mark.asyncio
async def test_object_detail_and_csv_preview(storage):
    async with app_at("buckets/media").run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("G", "enter")
        await settle(pilot)
        from tqconsole.widgets.dialogs.viewer import ObjectDialog

        dialog = pilot.app.screen
        assert isinstance(dialog, ObjectDialog)
        assert ("type", "text/csv") in dialog.facts
        table = dialog.query_one("#preview-table")
        assert table.row_count == 2
        await pilot.press("escape")
        assert pilot.app.screen.location == "buckets/media"


@pytest.mark.asyncio
async def test_move_object(storage):
    media = storage.storage("media")
    async with app_at("buckets/media").run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("j", "j", "m")
        await pilot.pause()
        pilot.app.screen.query_one("#ask-input").value = "img/"
        await pilot.press("enter")
        await settle(pilot)
        assert "photo.png" not in table_keys(pilot.app)
    assert media.exists("img/photo.png")


@pytest.mark.asyncio
async def test_usage_view(storage):
    async with app_at("buckets/media").run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("U")
        await settle(pilot)
        screen = pilot.app.screen
        assert screen.names == ["img/", "statement.csv", "photo.png", "docs/"]
        assert "complete" in str(screen.query_one("#usage-heading").render())


@pytest.mark.asyncio
async def test_unknown_storage_and_read_only(storage, monkeypatch):
    async with app_at("buckets/backups").run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert "unknown storage 'backups'" in heading(pilot.app)
    monkeypatch.setenv("TQ_READ_ONLY", "1")
    async with app_at("buckets/media").run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("j", "j", "d")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert any("read-only" in n.message for n in pilot.app._notifications)
    assert storage.storage("media").exists("photo.png")


@pytest.mark.asyncio
async def test_incomplete_uploads_listed_and_aborted(sqlite_url, s3_url, s3_server):
    """The overview names the parts failed uploads left; I lists them, A aborts them."""
    from tests.storage.test_s3 import direct_client
    from tests.storage.test_uploads import incomplete_upload, open_uploads

    backends = fill(sqlite_url)
    bucket = backends.get("storage").buckets["media"]
    raw = direct_client(s3_server)
    incomplete_upload(raw, bucket, "films/a.mp4", 5 * 1024 * 1024)
    incomplete_upload(raw, bucket, "films/b.mp4", 5 * 1024 * 1024)
    try:
        async with app_at("buckets").run_test(size=(100, 24)) as pilot:
            await settle(pilot)
            assert "incomplete uploads: media 2 (10.0 MB) — I lists them" in heading(pilot.app)
            await pilot.press("I")
            await settle(pilot)
            from tqconsole.screens.bucket_uploads import UploadsScreen

            screen = pilot.app.screen
            assert isinstance(screen, UploadsScreen)
            assert [u.key for u in screen.uploads] == ["films/a.mp4", "films/b.mp4"]
            await pilot.press("A")
            await settle(pilot)
            dialog = pilot.app.screen
            assert dialog.typed == "media" and "Abort 2 incomplete upload(s)" in dialog.title_text
            await pilot.press("y", "enter")  # not the name: nothing happens
            await pilot.pause()
            assert pilot.app.screen is dialog and len(open_uploads(raw, bucket)) == 2
            await pilot.press("backspace", *"media", "enter")
            await settle(pilot)
            assert pilot.app.screen is screen and screen.uploads == []
        assert open_uploads(raw, bucket) == []
    finally:
        backends.close()


# --- snapshots: each waits for the data it shows (tui_support.shown), never for time
def snap_app(location: str) -> TQConsole:
    return app_at(location)


def heading_of(app) -> str:
    return str(app.screen.query_one("#heading").render())


def storages_counted(app) -> bool:
    """Every storage's objects and size are counted to the end (no "…", no "+")."""
    from tqconsole.screens.bucket_storages import StoragesScreen
    from tqconsole.widgets.lists import KeyTable

    screen = app.screen
    if not isinstance(screen, StoragesScreen) or not getattr(screen, "rows", None):
        return False
    table = screen.query_one(KeyTable)
    cells = [str(table.get_cell(r.name, "objects")) for r in screen.rows if r.exists]
    return all(c and c != "…" and not c.endswith("+") for c in cells)


def objects_listed(app) -> bool:
    from tqconsole.screens.buckets import BucketsScreen
    from tqconsole.widgets.lists import KeyTable

    screen = app.screen
    return (
        isinstance(screen, BucketsScreen)
        and "loading" not in heading_of(app)
        and screen.query_one(KeyTable).row_count > 0
    )


async def listed(pilot) -> None:
    await shown(pilot, lambda: objects_listed(pilot.app))


@pytest.mark.parametrize("size", [(80, 24), (120, 40), (160, 50)])
def test_snapshot_overview(storage, snap_compare, size):
    async def counted(pilot):
        await shown(pilot, lambda: storages_counted(pilot.app))

    assert snap_compare(snap_app("buckets"), terminal_size=size, run_before=counted)


@pytest.mark.parametrize("size", [(80, 24), (120, 40), (160, 50)])
def test_snapshot_browse(storage, snap_compare, size):
    assert snap_compare(snap_app("buckets/media"), terminal_size=size, run_before=listed)


@pytest.mark.parametrize("size", [(80, 24), (120, 40), (160, 50)])
def test_snapshot_object_preview(storage, snap_compare, size):
    async def open_csv(pilot):
        from tqconsole.widgets.dialogs.viewer import ObjectDialog

        await listed(pilot)
        await pilot.press("G", "enter")

        def preview_shown() -> bool:
            dialog = pilot.app.screen
            return isinstance(dialog, ObjectDialog) and bool(dialog.query("#preview-table"))

        await shown(pilot, preview_shown)

    assert snap_compare(snap_app("buckets/media"), terminal_size=size, run_before=open_csv)


@pytest.mark.parametrize("size", [(80, 24), (120, 40), (160, 50)])
def test_snapshot_usage(storage, snap_compare, size):
    async def usage(pilot):
        from tqconsole.screens.bucket_usage import UsageScreen

        await listed(pilot)
        await pilot.press("U")

        def counted() -> bool:
            screen = pilot.app.screen
            heading = screen.query("#usage-heading")
            return isinstance(screen, UsageScreen) and "complete" in str(heading.first().render())

        await shown(pilot, counted)

    assert snap_compare(snap_app("buckets/media"), terminal_size=size, run_before=usage)


@pytest.mark.asyncio
async def test_move_dialog_and_messages_keep_brackets(storage):
    media = storage.storage("media")
    media.save("odd/[b]x[i].txt", b"x")
    async with app_at("buckets/media/odd").run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("m")
        await pilot.pause()
        assert "[b]x[i].txt" in str(pilot.app.screen.query_one(".title").render())
        pilot.app.screen.query_one("#ask-input").value = "odd/[i]y[b].txt"
        await pilot.press("enter")
        await settle(pilot)
        assert any("[i]y[b].txt" in n.message for n in pilot.app._notifications)
    assert media.exists("odd/[i]y[b].txt")
