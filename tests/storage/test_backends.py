"""The storage interface, the same cases on the file backend and on S3 (moto over HTTP)."""

from __future__ import annotations

import io
import os
import threading

import pytest

from tqconsole.backends import storage as storage_family
from tqconsole.backends.storage import (
    Cancelled,
    ObjectExists,
    SuspiciousKey,
)
from tqconsole.errors import ConsoleError, InvalidInput, NotFound, ReadOnlyError
from tqconsole.settings import load


@pytest.fixture(params=["file", "s3"])
def server(request):
    """The storage backend of this test with its three buckets created."""
    if request.param == "s3":
        request.getfixturevalue("s3_url")
    backend = storage_family.open(load())
    if request.param == "file":
        backend.root.mkdir(parents=True)
    for name in backend.names:
        backend.create_bucket(backend.buckets[name])
    yield backend
    backend.close()


@pytest.fixture
def media(server):
    return server.storage("media")


def keys(page):
    return [o.key for o in page.objects]


def test_save_stat_read_roundtrip(media):
    info = media.save("docs/readme.txt", b"hello world", metadata={"origin": "test"})
    assert info.size == 11
    assert info.content_type == "text/plain"
    assert info.etag == "5eb63bbbe01eeed093cb22bb8f5acdc3"  # MD5, as S3 gives for simple puts
    stat = media.stat("docs/readme.txt")
    assert (stat.size, stat.content_type, stat.metadata) == (11, "text/plain", {"origin": "test"})
    assert stat.modified.tzinfo is not None
    assert media.read("docs/readme.txt") == b"hello world"
    assert media.read("docs/readme.txt", 6) == b"world"
    assert media.read("docs/readme.txt", 0, 5) == b"hello"
    assert media.read("docs/readme.txt", 100) == b""
    with media.open("docs/readme.txt") as fh:
        assert fh.read(5) == b"hello"
    assert media.exists("docs/readme.txt")
    assert not media.exists("docs/missing.txt")


def test_save_sources_and_content_types(media, tmp_path):
    local = tmp_path / "photo.jpg"
    local.write_bytes(b"\xff\xd8jpeg")
    assert media.save("p/photo.jpg", local).content_type == "image/jpeg"
    assert media.save("p/data.json", io.BytesIO(b"{}")).content_type == "application/json"
    assert media.save("p/blob", b"").size == 0
    assert media.save("p/x.bin", b"1", content_type="image/png").content_type == "image/png"
    assert media.read("p/photo.jpg") == b"\xff\xd8jpeg"
    with pytest.raises(NotFound, match="does not exist"):
        media.save("p/missing", tmp_path / "nope")
    with pytest.raises(InvalidInput):
        media.save("p/s", "text is not bytes")


def test_unicode_and_long_keys(media):
    key = "Fotos/Zürich Ball – 2026/Tänzerin ★.png"
    media.save(key, b"png")
    assert media.read(key) == b"png"
    assert keys(media.list("Fotos/Zürich Ball – 2026/")) == [key]
    longest = "k/" + "/".join(["a" * 200] * 5) + "/" + "b" * 17
    assert len(longest) == 1024
    media.save(longest, b"1")
    assert media.exists(longest)
    with pytest.raises(InvalidInput, match="1024 bytes"):
        media.save("k/" + "ä" * 512, b"1")


@pytest.mark.parametrize(
    "key", ["../escape", "a/../../etc/passwd", "/etc/passwd", "a/./b", "..", "a/.."]
)
def test_traversal_keys_refused(media, key):
    with pytest.raises(SuspiciousKey):
        media.save(key, b"x")
    with pytest.raises(SuspiciousKey):
        media.read(key)


@pytest.mark.parametrize("key", ["", "a//b", "folder/", "tab\there"])
def test_bad_keys_refused(media, key):
    with pytest.raises(InvalidInput):
        media.save(key, b"x")


def test_overwrite_policy(media):
    media.save("a.txt", b"one")
    with pytest.raises(ObjectExists):
        media.save("a.txt", b"two", overwrite=False)
    assert media.read("a.txt") == b"one"
    media.save("a.txt", b"two")
    assert media.read("a.txt") == b"two"


def test_missing_object_and_bucket(media, server):
    with pytest.raises(NotFound):
        media.stat("nothing")
    with pytest.raises(NotFound):
        media.read("nothing")
    ghost = server.bucket("no-such-bucket")
    with pytest.raises(NotFound, match="no-such-bucket"):
        ghost.list()
    assert not server.bucket_exists("no-such-bucket")


def test_list_with_delimiter_orders_like_s3(media):
    for key in ["a-b", "a/b.txt", "a/c/d.txt", "a0", "b/x", "top.txt"]:
        media.save(key, b"x")
    page = media.list()
    assert keys(page) == ["a-b", "a0", "top.txt"]
    assert page.prefixes == ["a/", "b/"]
    page = media.list("a/")
    assert keys(page) == ["a/b.txt"]
    assert page.prefixes == ["a/c/"]
    assert keys(media.list("a", delimiter="")) == ["a-b", "a/b.txt", "a/c/d.txt", "a0"]
    assert [o.key for o in media.iter_objects("a/")] == ["a/b.txt", "a/c/d.txt"]


def seed(storage, keys: list[str]) -> None:
    """Put many empty objects straight into the server's state (uploading is tested elsewhere)."""
    if storage.backend.url.startswith("s3:"):
        from moto.core import DEFAULT_ACCOUNT_ID
        from moto.s3.models import s3_backends

        moto = s3_backends[DEFAULT_ACCOUNT_ID]["aws"]
        for key in keys:
            moto.put_object(storage.bucket, key, b"")
    else:
        folders = set()
        for key in keys:
            path = storage.root / key
            if path.parent not in folders:
                path.parent.mkdir(parents=True, exist_ok=True)
                folders.add(path.parent)
            path.write_bytes(b"")


def test_list_pages_through_thousands(media):
    """3,500 objects and 30 folders in one prefix, listed page by page with tokens."""
    seed(media, [f"big/obj-{i:05d}.txt" for i in range(3500)])
    seed(media, [f"big/sub-{i:02d}/x" for i in range(30)])
    seen, folders, pages, token = [], [], 0, None
    while True:
        page = media.list("big/", page_size=1000, token=token)
        assert len(page.objects) + len(page.prefixes) <= 1000
        seen += keys(page)
        folders += page.prefixes
        pages += 1
        token = page.next_token
        if token is None:
            break
    assert pages == 4
    assert seen == [f"big/obj-{i:05d}.txt" for i in range(3500)]
    assert folders == [f"big/sub-{i:02d}/" for i in range(30)]


def test_delete_many_reports_each_key(media):
    for i in range(5):
        media.save(f"d/{i}", b"x")
    result = media.delete(["d/0", "d/1", "d/missing"])
    assert sorted(result.deleted) == ["d/0", "d/1"]
    assert result.errors == {"d/missing": "not found"} and result.missing == ["d/missing"]
    assert keys(media.list("d/")) == ["d/2", "d/3", "d/4"]
    assert media.delete(["d/0"]).missing == ["d/0"]  # deleted meanwhile by someone else
    assert media.delete([]).deleted == []


def test_delete_many_finds_the_missing_among_a_folder(media):
    names = [f"f/{i:03d}" for i in range(120)]
    seed(media, names[::2])
    result = media.delete(names)
    assert sorted(result.deleted) == names[::2]
    assert sorted(result.missing) == names[1::2]
    assert media.list("f/").objects == []


def test_copy_and_move(media):
    media.save("src.csv", b"a;b", metadata={"k": "v"})
    copied = media.copy("src.csv", "copy/src.csv")
    assert (copied.size, copied.content_type, copied.metadata) == (3, "text/csv", {"k": "v"})
    moved = media.move("src.csv", "moved.csv")
    assert moved.key == "moved.csv"
    assert not media.exists("src.csv")
    assert media.read("moved.csv") == b"a;b"
    with pytest.raises(NotFound):
        media.copy("src.csv", "again.csv")
    with pytest.raises(InvalidInput):
        media.move("moved.csv", "moved.csv")


def test_urls_public_and_presigned(server):
    media, finance = server.storage("media"), server.storage("finance")
    media.save("img/a b.png", b"x")
    finance.save("stmt.csv", b"x")
    public = media.url("img/a b.png")
    private = finance.url("stmt.csv", expires=600)
    if public.startswith("file://"):
        assert public.endswith("/img/a%20b.png")
    else:
        assert public.endswith(f"/{media.bucket}/img/a%20b.png")
        assert "X-Amz-Signature=" in private and "X-Amz-Expires=600" in private
    with pytest.raises(InvalidInput, match="7 days"):
        finance.url("stmt.csv", expires=8 * 24 * 3600)


def test_download_with_progress(media, tmp_path):
    media.save("dl/report.csv", b"x" * 5000)
    seen = []
    dest = media.download("dl/report.csv", tmp_path / "out", progress=seen.append)
    assert dest == tmp_path / "out"
    assert dest.read_bytes() == b"x" * 5000
    assert sum(seen) == 5000
    folder = tmp_path / "folder"
    folder.mkdir()
    assert media.download("dl/report.csv", folder) == folder / "report.csv"
    with pytest.raises(NotFound):
        media.download("dl/none.csv", tmp_path / "none")
    assert not (tmp_path / "none").exists()


def test_save_many_progress_and_cancel(media, tmp_path):
    items = []
    for i in range(20):
        path = tmp_path / f"u{i}.txt"
        path.write_bytes(b"y" * 100)
        items.append((path, f"up/u{i}.txt"))
    missing = (tmp_path / "gone.txt", "up/gone.txt")
    per_key, finished = {}, []

    def progress(key, n):
        per_key[key] = per_key.get(key, 0) + n

    result = media.save_many(
        [*items, missing], progress=progress, on_file=lambda k, e: finished.append((k, e))
    )
    assert len(result.done) == 20
    assert list(result.errors) == [str(missing[0])]
    assert per_key == {key: 100 for _, key in items}
    assert result.bytes == 2000
    assert len(finished) == 21
    back = media.download_many([(key, tmp_path / "back" / key) for _, key in items[:5]])
    assert back.done == sorted(key for _, key in items[:5]) and back.bytes == 500
    assert (tmp_path / "back" / "up/u3.txt").read_bytes() == b"y" * 100
    cancel = threading.Event()
    cancel.set()
    result = media.save_many(items, cancel=cancel)
    assert result.cancelled and result.done == []


def test_cancelled_save_leaves_nothing(media):
    cancel = threading.Event()

    def progress(n):
        cancel.set()

    with pytest.raises(Cancelled):
        media.save("big.bin", b"z" * (3 * 1024 * 1024), progress=progress, cancel=cancel)
    assert not media.exists("big.bin")


def test_read_only_refuses_writes(server, monkeypatch):
    server.storage("media").save("keep.txt", b"1")
    monkeypatch.setenv("TQ_READ_ONLY", "1")
    ro = storage_family.open(load())
    media = ro.storage("media")
    for write in (
        lambda: media.save("x.txt", b"1"),
        lambda: media.delete(["keep.txt"]),
        lambda: media.copy("keep.txt", "y.txt"),
        lambda: media.move("keep.txt", "y.txt"),
        lambda: ro.create_bucket("other-bucket"),
    ):
        with pytest.raises(ReadOnlyError):
            write()
    assert media.read("keep.txt") == b"1"


def test_named_storages_follow_settings(server):
    assert server.names == ["media", "static", "finance"]
    assert server.storage("finance").public is False
    assert server.storage("static").public is True
    with pytest.raises(NotFound, match="unknown storage"):
        server.storage("backups")
    names = {b.name for b in server.list_buckets()}
    assert set(server.buckets.values()) <= names


# --- file backend only
@pytest.fixture
def folder_backend(tmp_path):
    backend = storage_family.from_url(f"file://{tmp_path / 'st'}", buckets={"media": "media"})
    (tmp_path / "st").mkdir()
    backend.create_bucket("media")
    return backend


def test_file_symlink_out_refused(folder_backend, tmp_path):
    media = folder_backend.storage("media")
    outside = tmp_path / "secret"
    outside.mkdir()
    (outside / "passwd").write_text("root")
    os.symlink(outside, folder_backend.root / "media" / "link")
    with pytest.raises(SuspiciousKey):
        media.read("link/passwd")
    with pytest.raises(SuspiciousKey):
        media.save("link/new", b"x")
    assert media.list().prefixes == []
    with pytest.raises(SuspiciousKey):
        media.list("link/")
    assert not (outside / "new").exists()


def test_file_write_is_atomic(folder_backend):
    media = folder_backend.storage("media")
    media.save("a.txt", b"old")

    class Broken(io.BytesIO):
        def read(self, n=-1):
            if self.tell() > 0:
                raise OSError("disk gone")
            return super().read(4)

    with pytest.raises(OSError):
        media.save("a.txt", Broken(b"new data"))
    assert media.read("a.txt") == b"old"
    assert list((folder_backend.root / ".tqtmp").iterdir()) == []


def test_file_foreign_files_and_empty_folders(folder_backend):
    media = folder_backend.storage("media")
    foreign = folder_backend.root / "media" / "upload" / "doc.pdf"
    foreign.parent.mkdir()
    foreign.write_bytes(b"%PDF")
    info = media.stat("upload/doc.pdf")
    assert (info.size, info.content_type) == (4, "application/pdf")
    media.delete(["upload/doc.pdf"])
    assert not foreign.parent.exists()  # S3 has no empty folders
    with pytest.raises(InvalidInput, match="folder"):
        media.save("upload", b"x") if media.save("upload/x", b"1") else None


def test_file_long_segment_is_a_clear_error(folder_backend):
    media = folder_backend.storage("media")
    with pytest.raises(InvalidInput, match="over 250 bytes"):
        media.save("a" * 251, b"x")
    info = media.save("a" * 250 + "/" + "b" * 250, b"x", content_type="text/x-long")
    assert media.stat(info.key).content_type == "text/x-long"  # its metadata fits too


def test_file_metadata_paths_never_collide(folder_backend):
    """``m`` keeps its metadata in ``m.json``; ``m.json/b`` must not need that as a folder."""
    media = folder_backend.storage("media")
    for first, second in (("m", "m.json/b"), ("n.json/b", "n"), ("o.d/x", "o/x")):
        media.save(first, b"1", content_type="text/x-first")
        media.save(second, b"22", content_type="text/x-second")
        assert media.stat(first).content_type == "text/x-first"
        assert media.stat(second).content_type == "text/x-second"
        assert media.delete([first, second]).deleted == [first, second]
    assert not (folder_backend.root / ".tqmeta" / "media").exists() or not any(
        (folder_backend.root / ".tqmeta" / "media").rglob("*.json")
    )


def test_file_failed_write_leaves_nothing(folder_backend):
    """When its metadata cannot be stored, the object is not written either."""
    media = folder_backend.storage("media")
    media.save("here.txt", b"x")  # the metadata folders exist
    blocker = folder_backend.root / ".tqmeta" / "media" / "x"
    blocker.write_bytes(b"a stray file where a metadata folder goes")
    with pytest.raises(ConsoleError, match="metadata folder"):
        media.save("x/y.txt", b"data")
    assert not (folder_backend.root / "media" / "x").exists()
    assert [o.key for o in media.list().objects] == ["here.txt"]


def test_file_url_must_be_absolute():
    from tqconsole.errors import ConfigError

    with pytest.raises(ConfigError, match="absolute"):
        storage_family.from_url("file://relative/path")


def test_unknown_scheme():
    from tqconsole.errors import ConfigError

    with pytest.raises(ConfigError):
        storage_family.from_url("ftp://x")


def test_cancelled_download_leaves_no_file(media, tmp_path):
    media.save("dl/big.bin", b"q" * (3 * 1024 * 1024))
    cancel = threading.Event()

    def progress(n):
        cancel.set()

    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(Cancelled):
        media.download("dl/big.bin", out / "big.bin", progress=progress, cancel=cancel)
    assert list(out.iterdir()) == []
