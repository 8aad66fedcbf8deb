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

    from tests.support.tasks_support import bound, make_backends
    from tqconsole.services.tasks.monitor import consumers

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


def test_postgresql_and_smtp_both_down_is_one_line_without_thread_tracebacks(tmp_path):
    env = {**os.environ, "TQ_DATA_DIR": str(tmp_path)}
    env["TQ_DATABASE_URL"] = "postgresql://u:pw@127.0.0.1:1/x"
    env["TQ_EMAIL_URL"] = "smtp://127.0.0.1:1"
    proc = subprocess.run(
        [sys.executable, "-m", "tqconsole", "mail", "send", "--to", "a@example.ch"]
        + ["--subject", "Hi", "--body", "Hello"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert proc.returncode == 1
    assert "Exception in thread" not in proc.stderr and "Traceback" not in proc.stderr
    assert proc.stderr.count("\n") == 1 and "unavailable" in proc.stderr


@pytest.mark.parametrize(
    "argv",
    [
        ["db", "show", "courses_subscribe"],
        ["mail", "outbox"],
        ["subs", "find", "ABCDEF"],
        ["mail", "send", "--to", "a@example.ch", "--subject", "Hi", "--body", "Hello"],
    ],
)
def test_an_uninitialised_data_dir_says_run_init(capsys, argv):
    code, _, err = run(capsys, *argv)
    assert code == 1 and err.count("\n") == 1
    assert "does not exist" in err and "run tqconsole init" in err
    assert "OperationalError" not in err


@pytest.fixture
def pg_console(pg_url, capsys):
    """PostgreSQL with the console's tables and a table of the site's that no model knows."""
    run(capsys, "init")
    from tests.conftest import make_backends

    b = make_backends()
    b.database.execute_sql(
        "CREATE TABLE site_data (id serial PRIMARY KEY, name text, data jsonb, raw bytea)"
    )
    b.database.execute_sql(
        "INSERT INTO site_data (name, data, raw) VALUES ('anna', '{\"dance\": \"salsa\"}', 'x')"
    )
    b.close()
    return pg_url


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["payment_payment", "--filter", "amount>=1e-100000"], "out of range for a decimal"),
        (["tqconsole_outboxentry", "--filter", "data~abc"], "data holds bytes"),
        (["courses_subscribe", "--filter", " ".join(["state=new"] * 500)], "more than 200"),
        (["courses_subscribe", "--filter", "course.name~a " * 11], "across foreign keys"),
        (["courses_subscribe", "--sort=--"], "argument --sort: expected a column, not '--'"),
        (["courses_subscribe", "--sort=-"], "sort: '-' is not a column"),
        (["courses_subscribe", "--sort", "--"], "argument --sort: expected one argument"),
    ],
)
def test_bad_filters_and_sorts_are_one_clear_line(pg_console, capsys, argv, message):
    code, _, err = run_or_exit(capsys, "db", "show", *argv)
    assert code == 2 and err.count("\n") == 1 and message in err


def run_or_exit(capsys, *argv):
    try:
        return run(capsys, *argv)
    except SystemExit as exit_:  # argparse's own errors
        out, err = capsys.readouterr()
        return exit_.code, out, err


def test_filters_on_json_and_many_conditions_work(pg_console, capsys):
    code, out, _ = run(capsys, "db", "show", "site_data", "--filter", "anna", "--json")
    assert code == 0 and json.loads(out)[0]["name"] == "anna"  # the jsonb column is not searched
    code, out, _ = run(capsys, "db", "show", "site_data", "--filter", "data~salsa", "--json")
    assert code == 0 and len(json.loads(out)) == 1
    code, out, _ = run(capsys, "db", "show", "site_data", "--filter", "id>0 " * 200, "--json")
    assert code == 0 and len(json.loads(out)) == 1


def test_a_nul_in_a_filter_is_one_clear_error(pg_console):
    from tests.conftest import make_backends
    from tqconsole.services.db.filter_language import FilterError
    from tqconsole.services.db.table_query import TableQuery

    b = make_backends()
    try:
        for text in ("comment=a\x00b", "a\x00b", "comment~\x00"):
            with pytest.raises(FilterError, match="cannot contain a NUL character"):
                TableQuery.build(b.database, "courses_subscribe", text).page()
    finally:
        b.close()


@pytest.mark.parametrize(
    ("family", "argv"), [("CACHE", ["cache", "stats"]), ("QUEUE", ["tasks", "stats"])]
)
def test_a_redis_db_the_server_does_not_have_is_one_line(capsys, monkeypatch, family, argv):
    from tests.support import services

    run(capsys, "init")  # the task commands read the history tables first
    monkeypatch.setenv(
        f"TQ_{family}_URL", f"redis://{services.REDIS_HOST}:{services.REDIS_PORT}/99"
    )
    code, _, err = run(capsys, *argv)
    assert code == 1 and err.count("\n") == 1
    assert "has no db 99 (DB index is out of range)" in err


@pytest.mark.parametrize(
    ("family", "argv"), [("CACHE", ["cache", "stats"]), ("QUEUE", ["tasks", "stats"])]
)
def test_a_redis_url_at_an_http_port_is_one_line(capsys, monkeypatch, family, argv):
    import http.server
    import threading

    class QuietHandler(http.server.BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

    run(capsys, "init")  # the task commands read the history tables first
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), QuietHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        monkeypatch.setenv(f"TQ_{family}_URL", f"redis://127.0.0.1:{server.server_port}/1")
        code, _, err = run(capsys, *argv)
    finally:
        server.shutdown()
        server.server_close()
    assert code == 1 and err.count("\n") == 1
    assert "does not answer as a Redis server" in err


@pytest.mark.parametrize(
    ("var", "value", "message"),
    [
        ("TQ_CACHE_URL", "redis://127.0.0.1:6379/abc", "Redis db 'abc' is not a number"),
        ("TQ_QUEUE_URL", "redis://127.0.0.1:6379/1?socket_timeout=abc", "socket_timeout='abc'"),
        ("TQ_HEARTBEAT_INTERVAL", "abc", "'abc' is not a number"),
        ("TQ_DATABASE_URL", "postgresql://u@127.0.0.1/x?bogus=1", "connection option 'bogus'"),
        (
            "TQ_DATABASE_URL",
            "sqlite:///{tmp}/nonexistent/dir/x.db",
            "/nonexistent/dir does not exist",
        ),
    ],
)
def test_bad_settings_are_one_line_naming_the_setting(
    capsys, monkeypatch, tmp_path, var, value, message
):
    monkeypatch.setenv(var, value.format(tmp=tmp_path))
    code, _, err = run(capsys, "check")
    assert code == 2 and err.count("\n") == 1
    assert err.startswith(f"tqconsole: {var}: ") and message in err


def test_sqlite_in_a_missing_folder_is_not_created_but_the_data_dir_is(
    capsys, monkeypatch, tmp_path
):
    monkeypatch.setenv("TQ_DATABASE_URL", f"sqlite:///{tmp_path / 'nonexistent' / 'dir' / 'x.db'}")
    code, _, err = run(capsys, "init")
    assert code == 2 and "does not exist" in err and not (tmp_path / "nonexistent").exists()
    monkeypatch.delenv("TQ_DATABASE_URL")
    monkeypatch.setenv("TQ_DATA_DIR", str(tmp_path / "fresh" / "data"))
    code, out, _ = run(capsys, "init")
    assert code == 0 and (tmp_path / "fresh" / "data" / "tqconsole.db").exists()


def test_check_never_shows_a_password_of_a_malformed_url(capsys, monkeypatch):
    monkeypatch.setenv("TQ_DATABASE_URL", "postgresql//u:hunter2@127.0.0.1/db")
    code, out, err = run(capsys, "check")
    assert code == 2 and "hunter2" not in out + err and "u:***@" in err
    monkeypatch.delenv("TQ_DATABASE_URL")
    monkeypatch.setenv("TQ_CACHE_URL", "redis://hunter2@127.0.0.1:1/0")
    code, out, err = run(capsys, "check")
    assert code == 1 and "hunter2" not in out + err and "redis://***@127.0.0.1:1/0" in out
