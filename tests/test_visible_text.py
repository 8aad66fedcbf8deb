"""Terminal escapes from data are shown, never written raw: CLI output, JSON, the TUI."""

from __future__ import annotations

import json
import pickle
import re
from datetime import datetime

from tqconsole.cli import main
from tqconsole.visible_text import json_text, one_line, visible

CLIP = "Clip\x1b]52;c;SGVsbG8=\x07"  # OSC 52: writes the clipboard
TITLE = "\x1b]0;PWNED\x07\x1b[2J"  # sets the window title, clears the screen
HOSTILE = f"{CLIP}{TITLE}\x9b2J\x7f\u202egnp.exe"
RAW = ("\x1b", "\x07", "\x9b", "\x7f", "\u202e")
SHOWN = re.compile(r"Clip(␛|\\x1b)]52;c;SGVsbG8=(␇|\\x07)")  # as glyphs, or as a repr


def assert_shown(*texts: str) -> None:
    """No raw control character in ``texts``, and the escapes visible in the first."""
    for text in texts:
        leaked = [c for c in RAW if c in text]
        assert not leaked, f"raw {leaked!r} in {text!r}"
    assert SHOWN.search(texts[0]), texts[0]


def assert_escaped(out: str, err: str) -> None:
    """JSON: no raw control character, the escapes as ``\\uXXXX`` (the exact value)."""
    for text in (out, err):
        assert not [c for c in RAW if c in text]
    assert "Clip\\u001b]52;c;SGVsbG8=\\u0007" in out


def run(capsys, *argv) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return code, out, err


# --- the function
def test_visible_pictures_every_control_character():
    assert visible(HOSTILE) == ("Clip␛]52;c;SGVsbG8=␇␛]0;PWNED␇␛[2J\\x9b2J␡\\u202egnp.exe")
    assert visible("a\tb\nc\rd\x00") == "a␉b␊c␍d␀"
    assert visible("a\tb\nc\r", keep="\n\t") == "a\tb\nc␍"
    assert visible("\u2066x\u2069 \x85") == "\\u2066x\\u2069 \\x85"
    assert visible("Zürich — ok") == "Zürich — ok"  # printable text is untouched


def test_one_line_and_json_text():
    assert one_line("a\r\nb\nc\td\x1b") == "a⏎b⏎c d␛"
    text = json_text({"name": HOSTILE, "city": "Zürich"}, indent=2)
    assert_shown(visible(json.loads(text)["name"]))
    assert not any(c in text for c in RAW)
    assert "Zürich" in text  # non-ASCII stays readable
    assert json.loads(text) == {"name": HOSTILE, "city": "Zürich"}  # exact


# --- the command line
def hostile_user(database_url: str) -> int:
    from tqconsole.backends.db import from_url

    db = from_url(database_url)
    try:
        (user_id,) = db.execute_sql("SELECT min(id) FROM auth_user").fetchone()
        db.execute_sql("UPDATE auth_user SET first_name = ? WHERE id = ?", (HOSTILE, user_id))
        return user_id
    finally:
        db.close()


def test_db_show_plain_json_csv_and_errors(demo_sqlite, capsys):
    user_id = hostile_user(demo_sqlite)
    where = ("--filter", f"id={user_id}")
    code, out, err = run(capsys, "db", "show", "auth_user", *where)
    assert code == 0
    assert_shown(out, err)
    code, out, err = run(capsys, "db", "show", "auth_user", *where, "--json")
    assert_escaped(out, err)
    assert json.loads(out)[0]["first_name"] == HOSTILE  # JSON keeps the exact value
    code, out, err = run(capsys, "db", "show", "auth_user", *where, "--csv")
    assert_shown(out, err)
    code, out, err = run(capsys, "db", "show", f"auth{CLIP}")
    assert code != 0
    assert_shown(err, out)  # an error message that echoes input shows it too


def test_storage_ls_and_du(sqlite_url, s3_url, capsys):
    import os

    import boto3

    bucket = os.environ["TQ_STORAGE_MEDIA_BUCKET"]
    assert run(capsys, "init")[0] == 0
    s3 = boto3.client(
        "s3", endpoint_url=f"http://{s3_url.split('@')[1].split('?')[0]}",
        aws_access_key_id="testing", aws_secret_access_key="testing", region_name="us-east-1",
    )  # fmt: skip
    s3.put_object(Bucket=bucket, Key=f"{CLIP}/{TITLE}.txt", Body=b"x")  # put by another tool
    code, out, err = run(capsys, "storage", "ls", "media", "--recursive")
    assert code == 0
    assert_shown(out, err)
    code, out, err = run(capsys, "storage", "ls", "media", "--recursive", "--json")
    assert_escaped(out, err)
    assert json.loads(out)[0]["key"] == f"{CLIP}/{TITLE}.txt"
    code, out, err = run(capsys, "storage", "du", "media")
    assert code == 0
    assert_shown(out, err)


def test_cache_keys_and_get(sqlite_url, redis_url, monkeypatch, capsys):
    import redis

    monkeypatch.setenv("TQ_CACHE_URL", redis_url)
    client = redis.Redis.from_url(redis_url)
    client.set(f":1:{CLIP}", pickle.dumps(HOSTILE))  # a str, as django-redis stores it
    client.set(":1:raw", HOSTILE.encode())
    code, out, err = run(capsys, "cache", "keys")
    assert code == 0
    assert_shown(out, err)
    code, out, err = run(capsys, "cache", "keys", "--json")
    assert_escaped(out, err)
    code, out, err = run(capsys, "cache", "get", f":1:{CLIP}")
    assert code == 0
    assert_shown(out, err)
    assert len(SHOWN.findall(out)) == 2  # the key and the value
    code, out, err = run(capsys, "cache", "get", ":1:raw")
    assert code == 0 and not [c for c in RAW if c in out + err]


def test_tasks_ls_and_show(sqlite_url, capsys):
    from tests.tasks_support import bound, make_backends
    from tqconsole.models.tasks import TaskRecord

    backends = make_backends()
    queue = bound(backends)
    now = datetime.now()
    TaskRecord.create(
        task_id="0123456789abcdef", queue=queue.name, name=CLIP, state="failed", updated_at=now, args=TITLE,
        error=HOSTILE, traceback=f"Traceback\n  {HOSTILE}",
    )  # fmt: skip
    backends.close()
    code, out, err = run(capsys, "tasks", "ls")
    assert code == 0
    assert_shown(out, err)
    code, out, err = run(capsys, "tasks", "show", "01234567")
    assert code == 0
    assert_shown(out, err)


def hostile_mail() -> None:
    from tqconsole.models.mail import Email

    now = datetime.now()
    Email.create(
        created=now, updated=now, idempotency_key="k1", sender="o@example.ch",
        recipients="a@example.ch", subject=HOSTILE, status="failed", error=TITLE,
        message=f"Subject: {HOSTILE}\r\n\r\nbody {TITLE}\r\n".encode(),
    )  # fmt: skip


def test_mail_outbox_and_show(mail_sqlite, capsys):
    hostile_mail()
    code, out, err = run(capsys, "mail", "outbox")
    assert code == 0
    assert_shown(out, err)
    code, out, err = run(capsys, "mail", "outbox", "--json")
    assert_escaped(out, err)
    code, out, err = run(capsys, "mail", "show", "1")
    assert code == 0
    assert_shown(out, err)
