"""The command line: init, demo, check, db tables, errors as one line."""

import json
import os
import subprocess
import sys

import pytest

from tqconsole.cli import main, with_default_command
from tqconsole.models import ALL_MODELS


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_init_demo_check_tables_on_both_databases(db_url, capsys):
    code, out, _ = run(capsys, "init")
    assert code == 0 and f"created {len(ALL_MODELS)} tables" in out
    code, out, _ = run(capsys, "init")
    assert "nothing changed" in out
    code, out, _ = run(capsys, "demo")
    assert code == 0 and "courses_subscribe: 6,000" in out
    code, out, _ = run(capsys, "check")
    assert code == 0 and "Database" in out and " ok " in out
    code, out, _ = run(capsys, "check", "--json")
    [database] = [c for c in json.loads(out) if c["family"] == "database"]
    assert database["ok"] and database["rtt_ms"] > 0
    assert database["version"].startswith(("SQLite", "PostgreSQL"))
    assert database["figures"]["open subscriptions"]
    code, out, _ = run(capsys, "db", "tables", "--json")
    tables = {t["name"]: t for t in json.loads(out)}
    assert tables["courses_subscribe"]["rows"] == 6000 and tables["courses_subscribe"]["exact"]
    assert tables["auth_user"]["model"] == "User"


def test_check_fails_in_one_line_when_postgresql_is_down(capsys, monkeypatch):
    monkeypatch.setenv("TQ_DATABASE_URL", "postgresql://tq:hunter2@127.0.0.1:1/tq")
    code, out, err = run(capsys, "check")
    assert code == 1
    assert "FAIL" in out and "hunter2" not in out + err and "***" in out
    code, out, err = run(capsys, "db", "tables")
    assert code == 1 and err.count("\n") == 1 and "unavailable" in err


def test_bad_configuration_exits_2_naming_the_variable(capsys, monkeypatch):
    monkeypatch.setenv("TQ_QUEUE_URL", "amqp://rabbit")
    code, _, err = run(capsys, "check")
    assert code == 2
    assert err.startswith("tqconsole: TQ_QUEUE_URL: unknown scheme 'amqp'")


def test_unwritable_data_dir(capsys, monkeypatch, tmp_path):
    blocked = tmp_path / "file-not-dir"
    blocked.write_text("")
    monkeypatch.setenv("TQ_DATA_DIR", str(blocked / "sub"))
    code, _, err = run(capsys, "init")
    assert code == 2 and "not writable" in err and "Traceback" not in err


def test_read_only_flag_refuses_init_on_an_empty_database(sqlite_url, capsys):
    code, _, err = run(capsys, "--read-only", "init")
    assert code == 1 and "read-only" in err


def test_demo_into_a_foreign_database_refuses(capsys, sqlite_url):
    run(capsys, "init")
    from tests.conftest import make_backends
    from tqconsole.models import Group

    b = make_backends()
    Group.insert(name="Real group").execute()
    Group.insert(name="x").execute()
    from tqconsole.models import User

    User.insert(username="real", date_joined="2020-01-01").execute()
    b.close()
    code, _, err = run(capsys, "demo")
    assert code == 1 and "--force" in err


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        ([], ["tui"]),
        (["models/courses_course"], ["tui", "models/courses_course"]),
        (["--profile", "prod", "cache"], ["--profile", "prod", "tui", "cache"]),
        (["--read-only", "check"], ["--read-only", "check"]),
        (["--version"], ["--version"]),
        (["nosuchcommand"], ["nosuchcommand"]),  # left to the parser: an error
        (["tasks/abc"], ["tui", "tasks/abc"]),
    ],
)
def test_location_defaults_to_the_tui(argv, expected):
    assert with_default_command(argv, {"tui", "check", "db"}) == expected


def test_a_mistyped_command_is_one_line_and_no_console(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["nosuchcommand"])
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "invalid choice: 'nosuchcommand'" in err
    with pytest.raises(SystemExit):
        main(["db", "show", "courses_course", "--limit", "abc"])
    assert capsys.readouterr().err.count("\n") == 1


def test_the_console_needs_a_terminal(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "tqconsole", "dashboard"],
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )
    assert proc.returncode == 1 and "needs a terminal" in proc.stderr


def test_no_traceback_from_a_real_process(tmp_path):
    env = {**os.environ, "TQ_DATABASE_URL": "postgresql://u:pw@127.0.0.1:1/x"}
    env["TQ_DATA_DIR"] = str(tmp_path)
    proc = subprocess.run(
        [sys.executable, "-m", "tqconsole", "db", "tables"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr and proc.stderr.count("\n") == 1


def test_a_dropped_terminal_closes_the_console_cleanly(sqlite_url, queue_name, monkeypatch):
    """SIGHUP (an SSH session gone) stops the embedded consumer cleanly: stopped, not dead."""
    import fcntl
    import pty
    import select
    import signal
    import struct
    import termios
    import time

    from tests.tasks_support import bound, make_backends
    from tqconsole.services.task_monitor import consumers

    backends = make_backends()
    queue = bound(backends)
    env = {**os.environ, "TQ_EMBEDDED_CONSUMER": "1"}
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    proc = subprocess.Popen(
        [sys.executable, "-m", "tqconsole"], stdin=slave, stdout=slave, stderr=slave, env=env,
        start_new_session=True,
    )  # fmt: skip
    os.close(slave)
    try:
        deadline = time.monotonic() + 60
        while not [c for c in consumers(queue) if c.alive]:
            assert time.monotonic() < deadline and proc.poll() is None, "no consumer started"
            if select.select([master], [], [], 0.2)[0]:
                os.read(master, 65536)  # keep the terminal drained
        proc.send_signal(signal.SIGHUP)
        while proc.poll() is None and time.monotonic() < deadline:
            if select.select([master], [], [], 0.2)[0]:
                try:
                    os.read(master, 65536)
                except OSError:
                    break
        assert proc.wait(30) is not None
        assert [c.status for c in consumers(queue)] == ["stopped"]
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        os.close(master)
        backends.close()
