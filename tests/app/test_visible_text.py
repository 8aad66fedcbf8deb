"""Terminal escapes from data are shown, never written raw: CLI output, JSON, the TUI."""

from __future__ import annotations

import json
import os
import pickle
import re
import shlex
import shutil
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

import pytest

from tests.support.tui_support import app_at, settle, until
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
    from tests.support.tasks_support import bound, make_backends
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
    from tqconsole.models.mail import Email, EmailStatus, Log, OutboxEntry

    now = datetime.now()
    email = Email.create(
        created=now, last_updated=now, from_email="o@example.ch", to="a@example.ch",
        subject=HOSTILE, status=EmailStatus.FAILED, message=f"body {TITLE}",
    )  # fmt: skip
    Log.create(email=email, date=now, status=EmailStatus.FAILED, message=TITLE)
    data = f"Subject: {HOSTILE}\r\n\r\nbody {TITLE}\r\n".encode()
    OutboxEntry.create(email_id=email.id, key="k1", data=data)


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


# --- the TUI
def terminal_output(app) -> str:
    """What the driver would write to the terminal for a full repaint of the screen."""
    update = app.screen._compositor.render_update(full=True)
    return update.render_segments(app.console)


def own_sequences(output: str) -> str:
    """``output`` without Textual's own sequences (SGR styles and cursor moves)."""
    return re.sub(r"\x1b\[[0-9;]*[mH]", "", output)


async def on_screen(location: str, width: int = 160, notify: str = "") -> str:
    """The terminal output of the console at ``location`` once the data is on screen
    (with ``notify``: after that notification, which nothing but the filter treats)."""
    app = app_at(location)
    async with app.run_test(size=(width, 30), notifications=True) as pilot:
        await settle(pilot)
        if notify:
            app.notify(notify, timeout=30)
        await until(pilot, lambda: "Clip" in terminal_output(app))
        output = terminal_output(app)
    assert "\x1b[2J" not in output and "\x1b]" not in output
    return own_sequences(output)


@pytest.mark.asyncio
async def test_record_view_shows_escapes(demo_sqlite):
    user_id = hostile_user(demo_sqlite)
    assert_shown(await on_screen(f"models/auth_user/{user_id}"))


@pytest.mark.asyncio
async def test_table_view_shows_escapes(demo_sqlite):
    hostile_user(demo_sqlite)
    assert_shown(await on_screen("models/auth_user", width=200))


@pytest.mark.asyncio
async def test_outbox_list_shows_escapes(mail_sqlite):
    hostile_mail()
    assert_shown(await on_screen("mail/outbox"))


@pytest.mark.asyncio
async def test_anything_else_on_screen_is_caught_by_the_filter(sqlite_url):
    output = await on_screen("dashboard", notify=f"failed: {HOSTILE}")
    assert not [c for c in RAW if c in output]
    assert "Clip␛]52;c;SGVsbG8=␛]0;PWNED␛[2J" in output  # (Rich drops BEL itself)


@pytest.mark.skipif(not shutil.which("tmux"), reason="needs tmux")
def test_in_a_real_terminal_the_title_clipboard_and_screen_stay(demo_sqlite, tmp_path):
    """tmux runs the console on a record with escapes: nothing of them reaches tmux."""
    user_id = hostile_user(demo_sqlite)
    env = {k: v for k, v in os.environ.items() if k.startswith(("TQ_", "TEXTUAL"))}
    env["PYTHONPATH"] = str(Path(__file__).resolve().parents[2])
    command = shlex.join(
        ["env", *(f"{k}={v}" for k, v in env.items()), sys.executable, "-m", "tqconsole"]
        + [f"models/auth_user/{user_id}"]
    )
    socket = f"tq-escapes-{os.getpid()}"

    def tmux(*args: str) -> str:
        done = subprocess.run(["tmux", "-L", socket, *args], capture_output=True, text=True)
        return done.stdout

    config = tmp_path / "tmux.conf"
    config.write_text("set -g set-clipboard on\n")  # an OSC 52 write would fill a buffer
    tmux("-f", str(config), "new-session", "-d", "-x", "120", "-y", "30", command)
    try:
        tmux("select-pane", "-T", "staff-title")
        deadline = time.monotonic() + 60
        while "date joined" not in (screen := tmux("capture-pane", "-p")):
            assert time.monotonic() < deadline, screen
            time.sleep(0.1)
        assert tmux("display", "-p", "#{pane_title}").strip() == "staff-title"
        assert tmux("list-buffers") == ""  # no OSC 52 clipboard write
        assert screen.startswith(" tqconsole › ")  # the header is still there: no clear
        assert "Clip␛]52;c;SGVsbG8=␇␛]0;PWNED␇␛[2J" in screen
    finally:
        tmux("kill-server")
