"""Incomplete multipart uploads: aborted when an upload fails, even across an outage;
listed and aborted by ``tqconsole storage uploads`` and the buckets screen."""

from __future__ import annotations

import json

import pytest

from tests.storage.test_s3 import direct_client
from tests.support import services
from tqconsole.backends import storage as storage_family
from tqconsole.cli import main
from tqconsole.errors import BackendUnavailable
from tqconsole.settings import load

MB = 1024 * 1024


@pytest.fixture
def raw(s3_server):
    """A client straight to the server (the proxy's outages do not touch it)."""
    return direct_client(s3_server)


@pytest.fixture
def proxy(s3_url, s3_server, raw, monkeypatch):
    """TQ_STORAGE_URL through a TcpProxy (5 MB parts): ``proxy.stop()`` is an outage."""
    host, port = s3_server.removeprefix("http://").split(":")
    tcp = services.TcpProxy(host, int(port))
    tcp.start()
    monkeypatch.setenv(
        "TQ_STORAGE_URL",
        f"s3://testing:testing@127.0.0.1:{tcp.port}?secure=0&region=us-east-1&multipart_mb=5",
    )
    raw.create_bucket(Bucket=load().bucket("media"))
    yield tcp
    tcp.stop()


def open_uploads(raw, bucket: str) -> list[str]:
    return [u["Key"] for u in raw.list_multipart_uploads(Bucket=bucket).get("Uploads", [])]


def outage_at_first_part(proxy, sent: list[int]):
    """A progress callback that takes the server away once a part's worth is on its way."""

    def progress(*args) -> None:
        sent.append(args[-1])
        if sum(sent) >= 5 * MB and proxy._listener is not None:
            proxy.stop()

    return progress


def test_outage_during_a_folder_upload_leaves_no_parts(proxy, raw, tmp_path):
    """Three big files fail while the server is away; once it answers, their parts go."""
    folder = tmp_path / "videos"
    folder.mkdir()
    for n in range(3):
        (folder / f"v{n}.bin").write_bytes(bytes([n]) * (12 * MB))
    backend = storage_family.open(load())
    media = backend.storage("media")
    failed = []

    def on_file(key, error):
        if error:
            failed.append(key)
        if len(failed) == 3:
            proxy.start()  # the server is back before the upload ends

    items = sorted((path, f"videos/{path.name}") for path in folder.iterdir())
    result = media.save_many(items, progress=outage_at_first_part(proxy, []), on_file=on_file)
    assert len(result.errors) == 3 and result.done == []
    assert result.incomplete == []
    assert open_uploads(raw, media.bucket) == []
    backend.close()


def test_a_failed_save_names_the_parts_it_left(proxy, raw):
    """The server stays away: the error says parts stay and how to abort them; they are listed
    and aborted through the uploads service when it is back."""
    from tqconsole.services.storage import buckets

    backend = storage_family.open(load())
    media = backend.storage("media")
    with pytest.raises(BackendUnavailable) as error:
        media.save("big.bin", b"x" * (12 * MB), progress=outage_at_first_part(proxy, []))
    assert "storage uploads media --abort" in str(error.value)
    proxy.start()
    assert open_uploads(raw, media.bucket) == ["big.bin"]
    uploads = buckets.incomplete_uploads(media)
    assert [u.key for u in uploads] == ["big.bin"]
    result = buckets.abort_uploads(None, media, uploads)
    assert result.deleted == ["big.bin"] and result.errors == {}
    assert open_uploads(raw, media.bucket) == []
    backend.close()


def incomplete_upload(raw, bucket: str, key: str, size: int) -> str:
    upload = raw.create_multipart_upload(Bucket=bucket, Key=key)["UploadId"]
    raw.upload_part(Bucket=bucket, Key=key, UploadId=upload, PartNumber=1, Body=b"p" * size)
    return upload


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_lists_and_aborts_incomplete_uploads(sqlite_url, s3_url, raw, capsys):
    assert run(capsys, "init")[0] == 0
    bucket = load().bucket("media")
    incomplete_upload(raw, bucket, "films/a.mp4", 6 * MB)
    incomplete_upload(raw, bucket, "other/b.mp4", 5 * MB)
    code, out, _ = run(capsys, "storage", "ls")
    media_line = next(line for line in out.splitlines() if line.startswith("media"))
    assert "2 (11.0 MB)" in media_line
    code, out, _ = run(capsys, "storage", "ls", "--json")
    assert {r["storage"]: r["incomplete_uploads"] for r in json.loads(out)}["media"] == 2
    code, out, _ = run(capsys, "storage", "uploads", "media/films/", "--json")
    assert [(u["key"], u["size"], u["parts"]) for u in json.loads(out)] == [
        ("films/a.mp4", 6 * MB, 1)
    ]
    code, _, err = run(capsys, "storage", "uploads", "media", "--abort")
    assert code == 1 and "pass --yes" in err
    code, out, _ = run(capsys, "storage", "uploads", "media/films/", "--abort", "--yes")
    assert code == 0 and "aborted 1 incomplete upload(s) in media, 6.0 MB freed" in out
    assert open_uploads(raw, bucket) == ["other/b.mp4"]
    code, out, _ = run(capsys, "storage", "uploads", "media")
    assert "other/b.mp4" in out and "films/a.mp4" not in out
    code, out, _ = run(capsys, "--read-only", "storage", "uploads", "media", "--abort", "--yes")
    assert code != 0 and open_uploads(raw, bucket) == ["other/b.mp4"]


def test_cli_uploads_on_the_file_backend(sqlite_url, capsys):
    assert run(capsys, "init")[0] == 0
    code, out, _ = run(capsys, "storage", "uploads", "media")
    assert code == 0 and out.strip() == "no incomplete uploads in media"


def test_cli_put_names_the_parts_an_outage_left(proxy, raw, tmp_path, capsys, monkeypatch):
    from tqconsole.services.storage.transfers import TransferMeter

    video = tmp_path / "v.bin"
    video.write_bytes(b"v" * (12 * MB))
    counted = TransferMeter.bytes

    def bytes_then_outage(meter, key, n):
        counted(meter, key, n)
        if meter.done_bytes >= 5 * MB and proxy._listener is not None:
            proxy.stop()

    monkeypatch.setattr(TransferMeter, "bytes", bytes_then_outage)
    code, out, err = run(capsys, "storage", "put", str(video), "media/v.bin")
    assert code == 1 and "uploaded 0 of 1 file(s)" in out
    assert "failed upload(s) stay on the server" in err
    assert "tqconsole storage uploads media --abort" in err
    proxy.start()
    code, out, _ = run(capsys, "storage", "uploads", "media", "--abort", "--yes")
    assert code == 0 and out.startswith("aborted ") and "incomplete upload(s) in media" in out
    assert open_uploads(raw, load().bucket("media")) == []
