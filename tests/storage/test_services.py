"""Storage services and ``tqconsole storage``: usage, uploads, previews, the CLI, init, demo, check."""

from __future__ import annotations

import csv
import io
import json
import os

import pytest

from tqconsole.backends import storage as storage_family
from tqconsole.cli import main
from tqconsole.errors import InvalidInput, NotFound
from tqconsole.services.storage import buckets, object_preview
from tqconsole.services.storage import transfers as bucket_transfers
from tqconsole.services.storage import usage as bucket_usage
from tqconsole.settings import load


@pytest.fixture
def backends(sqlite_url):
    from tests.conftest import make_backends
    from tqconsole.services.db.schema import init

    b = make_backends()
    init(b)  # tables and buckets
    yield b
    b.close()


@pytest.fixture
def media(backends):
    return backends.get("storage").storage("media")


def test_split_target(backends):
    storage, key = buckets.split_target(backends, "finance/bank/a.csv")
    assert (storage.name, key) == ("finance", "bank/a.csv")
    assert buckets.split_target(backends, "media")[1] == ""
    with pytest.raises(NotFound, match="unknown storage 'backup'"):
        buckets.split_target(backends, "backup/x")
    with pytest.raises(InvalidInput):
        buckets.split_target(backends, " ")


def test_usage_per_prefix_progressive(media):
    from tests.storage.test_backends import seed

    seed(media, [f"img/{i:04d}.png" for i in range(2100)] + ["docs/a.txt", "top.txt"])
    media.save("docs/b.txt", b"12345")
    snapshots = list(bucket_usage.usage(media))
    assert len(snapshots) == 3  # one per page of 1,000
    last = snapshots[-1]
    assert last.done and last.objects == 2103 and last.size == 5
    assert [(e.name, e.objects) for e in last.largest()] == [
        ("docs/", 2),
        ("img/", 2100),
        ("top.txt", 1),
    ]
    sub = bucket_usage.usage_total(media, "docs/")
    assert [(e.name, e.size) for e in sub.largest()] == [("b.txt", 5), ("a.txt", 0)]


def test_plan_upload_skips_and_reports(tmp_path):
    folder = tmp_path / "site"
    (folder / "css").mkdir(parents=True)
    (folder / "css" / "a.css").write_text("body{}")
    (folder / "empty.txt").write_bytes(b"")
    os.mkfifo(folder / "pipe")
    os.symlink(folder / "missing-target", folder / "dangling")
    plan = bucket_transfers.plan_upload(folder, "assets")
    assert [key for _, key in plan.items] == ["assets/css/a.css", "assets/empty.txt"]
    into = bucket_transfers.plan_upload(folder, "web/")
    assert [key for _, key in into.items] == ["web/site/css/a.css", "web/site/empty.txt"]
    assert plan.total_bytes == 6
    assert set(plan.skipped) == {str(folder / "pipe"), str(folder / "dangling")}
    single = bucket_transfers.plan_upload(folder / "css" / "a.css", "x/")
    assert single.items == [(folder / "css" / "a.css", "x/a.css")]
    with pytest.raises(NotFound):
        bucket_transfers.plan_upload(tmp_path / "nope", "x")
    (tmp_path / "hollow").mkdir()
    with pytest.raises(InvalidInput, match="no files"):
        bucket_transfers.plan_upload(tmp_path / "hollow", "x")


def test_upload_download_delete_with_audit(backends, media, tmp_path):
    from tqconsole.models import AuditEntry

    folder = tmp_path / "up"
    folder.mkdir()
    for i in range(12):
        (folder / f"f{i:02d}.txt").write_text(f"file {i}")
    plan = bucket_transfers.upload(backends, media, bucket_transfers.plan_upload(folder, "batch"))
    assert len(plan.result.done) == 12
    again = bucket_transfers.upload(
        backends, media, bucket_transfers.plan_upload(folder, "batch"), overwrite=False
    )
    assert len(again.result.errors) == 12 and "exists already" in next(
        iter(again.result.errors.values())
    )
    down = bucket_transfers.plan_download(media, ["batch/"], tmp_path / "down")
    meter = bucket_transfers.TransferMeter(down)
    bucket_transfers.download(media, down, meter.bytes, meter.cancel, meter.file)
    assert (tmp_path / "down" / "batch" / "f03.txt").read_text() == "file 3"
    assert meter.done_files == 12 and meter.fraction == 1.0
    result = buckets.delete(backends, media, ["batch/"])
    assert len(result.deleted) == 12
    actions = [e.action for e in AuditEntry.select().order_by(AuditEntry.id)]
    assert "storage.put" in actions and "storage.rm" in actions


def test_preview_kinds(media):
    media.save("a.json", b'{"b": [1, 2]}')
    media.save("s.csv", "Datum;Betrag\n01.10.2026;120.00\n".encode("cp1252"))
    media.save("t.txt", "grüezi".encode())
    media.save("p.png", b"\x89PNG\x00\x00")
    media.save("e.txt", b"")
    media.save("big.txt", b"x" * (object_preview.PREVIEW_BYTES + 10))
    assert object_preview.preview(media, "a.json").text == '{\n  "b": [\n    1,\n    2\n  ]\n}'
    table = object_preview.preview(media, "s.csv")
    assert table.kind == "csv" and table.rows == [["Datum", "Betrag"], ["01.10.2026", "120.00"]]
    assert object_preview.preview(media, "t.txt").text == "grüezi"
    assert object_preview.preview(media, "p.png").kind == "binary"
    assert object_preview.preview(media, "e.txt").kind == "empty"
    big = object_preview.preview(media, "big.txt")
    assert big.truncated and len(big.text) == object_preview.PREVIEW_BYTES


def test_name_filter():
    from datetime import UTC, datetime

    nov = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)
    assert buckets.name_filter("ZKB")("bank/zkb-2026-11.csv", 10, nov)
    assert buckets.name_filter(">1kb")("a", 2048, nov)
    assert not buckets.name_filter(">1kb")("a", 1024, nov)
    assert not buckets.name_filter(">1kb")("folder/", None, None)
    assert buckets.name_filter("< 1.5 MB")("a", 1024**2, nov)
    assert buckets.name_filter("@2026-11")("a", 1, nov)
    assert not buckets.name_filter("@2026-10")("a", 1, nov)
    with pytest.raises(InvalidInput, match="size filter"):
        buckets.name_filter(">lots")


# --- the CLI
def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_put_ls_get_url_du_rm(backends, tmp_path, capsys):
    src = tmp_path / "report.csv"
    src.write_text("a;b\n1;2\n")
    assert run(capsys, "storage", "put", str(src), "finance/reports/")[0] == 0
    code, out, _ = run(capsys, "storage", "ls", "finance/reports/", "--json")
    listing = json.loads(out)
    assert [e["key"] for e in listing] == ["reports/report.csv"]
    assert listing[0]["content_type"] == "text/csv"
    code, out, _ = run(capsys, "storage", "ls", "--json")
    assert {r["storage"]: r["access"] for r in json.loads(out)}["finance"] == "private"
    code, out, _ = run(capsys, "storage", "get", "finance/reports/report.csv", str(tmp_path / "d"))
    assert code == 0 and (tmp_path / "d").read_text() == "a;b\n1;2\n"
    code, out, _ = run(capsys, "storage", "url", "finance/reports/report.csv", "--expires", "60")
    assert out.startswith("file://") and out.strip().endswith("/finance/reports/report.csv")
    code, out, _ = run(capsys, "storage", "du", "finance", "--json")
    assert json.loads(out)["entries"] == [{"name": "reports/", "objects": 1, "size": 8}]
    code, _, err = run(capsys, "storage", "rm", "finance/reports/report.csv")
    assert code == 1 and "pass --yes" in err
    code, out, _ = run(capsys, "storage", "rm", "finance/reports/", "--yes")
    assert code == 0 and "deleted 1 object(s) from finance" in out


@pytest.mark.parametrize("kind", ["file", "s3"])
def test_cli_rm_reports_missing_keys(request, kind, sqlite_url, capsys):
    from tests.conftest import make_backends
    from tqconsole.services.db.schema import init

    if kind == "s3":
        request.getfixturevalue("s3_url")
    b = make_backends()
    init(b)
    b.get("storage").storage("media").save("here.txt", b"x")
    b.close()
    code, out, err = run(capsys, "storage", "rm", "media/gone.txt", "--yes")
    assert code == 1
    assert err.strip() == "tqconsole: not found: media/gone.txt"
    assert out.strip() == "deleted 0 object(s) from media; 1 not found"
    code, out, err = run(capsys, "storage", "rm", "media/here.txt", "media/gone.txt", "--yes")
    assert code == 1 and "not found: media/gone.txt" in err and "here.txt" not in err
    assert out.strip() == "deleted 1 object(s) from media; 1 not found"
    code, out, err = run(capsys, "storage", "rm", "media/here.txt", "--yes")
    assert code == 1 and "not found: media/here.txt" in err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (("storage", "put", "/nonexistent/file", "media/x"), "does not exist"),
        (("storage", "get", "media/nothing.png"), "does not exist"),
        (("storage", "ls", "backups/"), "unknown storage"),
        (("storage", "put", "{src}", "media/../etc/passwd"), "leaves its folder"),
        (("storage", "url", "finance/x.csv", "--expires", "9999999"), "7 days"),
        (("storage", "mb", "Bad_Name"), "invalid bucket name"),
        (("storage", "url", "media/missing.png"), "does not exist"),
    ],
)
def test_cli_bad_input_is_one_line(backends, tmp_path, capsys, argv, message):
    src = tmp_path / "f.txt"
    src.write_text("x")
    argv = [a.replace("{src}", str(src)) for a in argv]
    code, _, err = run(capsys, *argv)
    assert code != 0
    assert message in err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_cli_read_only_refuses(backends, tmp_path, capsys):
    src = tmp_path / "f.txt"
    src.write_text("x")
    code, _, err = run(capsys, "--read-only", "storage", "put", str(src), "media/f.txt")
    assert code != 0 and "read-only" in err


def test_cli_unreachable_s3(capsys, monkeypatch):
    from tests.storage.test_s3 import free_port

    monkeypatch.setenv("TQ_STORAGE_URL", f"s3://k:s@127.0.0.1:{free_port()}?secure=0")
    code, _, err = run(capsys, "storage", "ls", "media/")
    assert code == 1 and "unreachable" in err and len(err.strip().splitlines()) == 1


# --- init, check, demo
def bucket_creations(sqlite_url: str) -> list[str]:
    import sqlite3

    with sqlite3.connect(sqlite_url.removeprefix("sqlite:///")) as db:
        rows = db.execute(
            "SELECT target_pk FROM tqconsole_auditentry WHERE action = 'storage.create_bucket'"
        )
        return sorted(pk for (pk,) in rows)


def test_init_creates_buckets_on_s3(sqlite_url, s3_url, capsys):
    """Only what init created is reported and audited (S3 in us-east-1 answers 200 to
    creating a bucket one owns already)."""
    settings = load()
    storage_family.open(settings).create_bucket(settings.bucket("static"))
    code, out, _ = run(capsys, "init")
    created = [settings.bucket("media"), settings.bucket("finance")]
    assert code == 0 and f"created bucket(s) {', '.join(created)} in S3" in out
    assert f"bucket(s) {settings.bucket('static')} exist already" in out
    assert bucket_creations(sqlite_url) == sorted(created)
    code, out, _ = run(capsys, "init")
    assert "created bucket" not in out and "exist already" in out
    assert bucket_creations(sqlite_url) == sorted(created)
    code, out, _ = run(capsys, "check", "--json")
    storage = next(h for h in json.loads(out) if h["family"] == "storage")
    assert storage["ok"] and storage["figures"]["finance"].endswith("(private, ok)")


def test_check_reports_missing_buckets(sqlite_url, s3_url, capsys):
    code, out, _ = run(capsys, "check", "--json")
    storage = next(h for h in json.loads(out) if h["family"] == "storage")
    assert not storage["ok"] and "run tqconsole init" in storage["error"]


def test_demo_statements_reference_real_subscriptions(demo_sqlite, demo_template):
    """The session's demo data put ZKB statements into its storage folder."""
    from tqconsole.backends import Backends
    from tqconsole.models import Subscribe
    from tqconsole.services.demo.buckets import HEADER
    from tqconsole.settings import Settings, default_urls

    folder = demo_template.parent
    b = Backends(Settings(urls=default_urls(folder), data_dir=folder))
    finance = b.get("storage").storage("finance")
    b.database  # noqa: B018
    keys = [o.key for o in finance.list("bank/incoming/").objects]
    assert keys == [f"bank/incoming/zkb-statement-2026-{m}.csv" for m in ("09", "10", "11")]
    rows = []
    for key in keys:
        text = finance.read(key).decode("utf-8")
        reader = csv.reader(io.StringIO(text), delimiter=";")
        assert next(reader) == HEADER
        rows += list(reader)
    usis = {row[9].split()[0][4:] for row in rows if row[9].startswith("USI-")}
    known = {s.usi: s for s in Subscribe.select().where(Subscribe.usi.in_(list(usis)))}
    assert 0 < len(usis - set(known)) < len(usis) / 4  # a few unknown USIs, most real
    assert {s.state for s in known.values()} <= {"confirmed", "payed"}
    assert any(row[5] for row in rows) and any(row[6] for row in rows)  # debits and credits
    assert all(row[0][2] == "." and row[0][5] == "." for row in rows)  # dd.mm.yyyy
    media = b.get("storage").storage("media")
    assert media.read("site/banner.png").startswith(b"\x89PNG")
    b.close()


def test_delete_steps_report_and_stop(backends, media):
    import threading

    from tests.storage.test_backends import seed

    seed(media, [f"old/{i:04d}" for i in range(2500)])
    cancel = threading.Event()
    seen = []

    def on_file(key, error):
        seen.append(key)
        cancel.set()  # stop after the first thousand

    result = buckets.delete(backends, media, ["old/"], on_file=on_file, cancel=cancel)
    assert len(result.deleted) == len(seen) == buckets.DELETE_STEP
    assert len(list(media.iter_objects("old/"))) == 1500


def test_cli_put_refuses_existing_keys_unless_overwrite(backends, media, tmp_path, capsys):
    src = tmp_path / "rules.txt"
    src.write_text("new")
    media.save("docs/rules.txt", b"old")
    code, out, err = run(capsys, "storage", "put", str(src), "media/docs/")
    assert code == 1 and "--overwrite replaces them" in err and "exist already" in err
    assert "uploaded 0 of 1 file(s)" in out and "into media/docs/ (bucket " in out
    assert media.read("docs/rules.txt") == b"old"
    code, out, err = run(capsys, "storage", "put", str(src), "media/docs/", "--overwrite")
    assert code == 0 and "uploaded 1 of 1 file(s)" in out and err == ""
    assert media.read("docs/rules.txt") == b"new"


def test_list_all_reads_every_page_in_key_order(media):
    from tests.storage.test_backends import seed

    seed(media, [f"many/{i:04d}.txt" for i in range(1203)] + ["many/sub/x.txt"])
    entries = buckets.list_all(media, "many/")
    assert [e.key for e in entries][:2] == ["many/0000.txt", "many/0001.txt"]
    assert len(entries) == 1204 and entries[-1].folder and entries[-1].name == "sub/"
    flat = buckets.list_all(media, "many/", recursive=True)
    assert len(flat) == 1204 and flat[-1].key == "many/sub/x.txt" and flat[-1].size == 0
