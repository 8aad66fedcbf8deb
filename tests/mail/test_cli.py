"""``tqconsole mail``: send, outbox, test, and bad input as one line (never a traceback)."""

from __future__ import annotations

import json

import pytest

from tests.support import services
from tqconsole.cli import main


@pytest.fixture
def cli(mail_sqlite, smtp_server, monkeypatch):
    monkeypatch.setenv("TQ_EMAIL_URL", smtp_server.url)
    return smtp_server


def test_send_with_everything(cli, tmp_path, capsys):
    body = tmp_path / "body.txt"
    body.write_text("Grüezi\n", encoding="utf-8")
    html = tmp_path / "body.html"
    html.write_text("<p>Grüezi</p>", encoding="utf-8")
    attachment = tmp_path / "liste.csv"
    attachment.write_text("a;b\n", encoding="utf-8")
    code = main(
        [
            "mail", "send", "--to", "a@example.ch,b@example.ch", "--cc", "c@example.ch",
            "--bcc", "d@example.ch", "--reply-to", "r@example.ch", "--from", "Büro <o@example.ch>",
            "--subject", "Kurs", "--body-file", str(body), "--html-file", str(html),
            "--attach", str(attachment),
        ]
    )  # fmt: skip
    assert code == 0, capsys.readouterr().err
    assert "sent #1" in capsys.readouterr().out
    (envelope,) = cli.messages
    assert envelope.mail_from == "o@example.ch"
    assert envelope.rcpt_tos == ["a@example.ch", "b@example.ch", "c@example.ch", "d@example.ch"]
    content = envelope.original_content
    assert b"multipart/alternative" in content and b'filename="liste.csv"' in content
    assert b"d@example.ch" not in content


def test_outbox_json_and_table(cli, capsys):
    assert main(["mail", "test", "ops@example.ch"]) == 0
    capsys.readouterr()
    assert main(["mail", "outbox", "--json"]) == 0
    (row,) = json.loads(capsys.readouterr().out)
    assert row["status"] == "sent" and row["recipients"] == ["ops@example.ch"]
    assert row["subject"].startswith("tqconsole test message")
    assert main(["mail", "outbox", "--status", "failed"]) == 0
    assert capsys.readouterr().out.strip().startswith("ID")
    assert main(["mail", "show", str(row["id"])]) == 0
    assert "This is a test message" in capsys.readouterr().out


def test_key_makes_a_send_idempotent(cli, capsys):
    args = ["mail", "send", "--to", "a@example.ch", "--subject", "s", "--body", "b", "--key", "k"]
    assert main(args) == 0 and main(args) == 0
    assert "nothing sent again" in capsys.readouterr().out
    assert len(cli.messages) == 1


@pytest.mark.parametrize(
    "args,message",
    [
        (["--to", "not an address", "--subject", "s", "--body", "b"], "invalid address"),
        (
            ["--to", "a@example.ch", "--subject", "s\nBcc: x@example.ch", "--body", "b"],
            "line break",
        ),
        (["--to", "a@example.ch", "--subject", "s\x0bBcc: x@example.ch", "--body", "b"], "U+000B"),
        (
            ["--to", "a@example.ch", "--subject", "s\u2028Bcc: x@example.ch", "--body", "b"],
            "U+2028",
        ),
        (
            ["--to", "a@example.ch\nx@example.ch", "--subject", "s", "--body", "b"],
            "To holds a line",
        ),
        (["--to", "a@example.ch\r\nb@example.ch", "--subject", "s"], "To holds a line"),
        (
            [
                "--to",
                "a@example.ch",
                "--reply-to",
                "r@example.ch\nBcc: x@example.ch",
                "--subject",
                "s",
            ],
            "Reply-To holds",
        ),
        (["--to", "Ada\x1c <a@example.ch>", "--subject", "s", "--body", "b"], "U+001C"),
        (["--to", "a@example.ch", "--from", "Büro\x85 <o@example.ch>", "--subject", "s"], "U+0085"),
        (
            ["--to", "a@example.ch", "--subject", "s", "--attach", "/nonexistent/x.pdf"],
            "does not exist",
        ),
        (["--to", "a@example.ch", "--subject", "s", "--body-file", "LATIN"], "not UTF-8"),
        (["--subject", "s", "--body", "b"], "no recipient"),
        (["--to", "a@example.ch", "--subject", "s", "--attach", "BIG"], "over the limit"),
        (["--template", "payment_reminder"], "--record"),
        (["--template", "nope", "--record", "auth_user/1"], "no row"),
        (["--query", "course=abc", "--subject", "s", "--yes"], "recipients query: course"),
    ],
)
def test_bad_input_is_one_line(cli, tmp_path, monkeypatch, capsys, args, message):
    latin = tmp_path / "latin.txt"
    latin.write_bytes("Grüsse".encode("latin-1"))
    big = tmp_path / "big.bin"
    big.write_bytes(b"x" * 2000)
    monkeypatch.setenv("TQ_MAIL_MAX_ATTACHMENT_BYTES", "1000")
    args = [{"LATIN": str(latin), "BIG": str(big)}.get(a, a) for a in args]
    code = main(["mail", "send", *args])
    err = capsys.readouterr().err
    assert code != 0
    assert message in err
    assert len(err.strip().splitlines()) == 1, err
    assert "Traceback" not in err
    assert not cli.messages


def test_server_down_queues_and_says_so(mail_sqlite, monkeypatch, capsys):
    monkeypatch.setenv("TQ_EMAIL_URL", f"smtp://127.0.0.1:{services.free_port()}?timeout=2")
    code = main(["mail", "send", "--to", "a@example.ch", "--subject", "s", "--body", "b"])
    err = capsys.readouterr().err
    assert code == 1 and "connection refused" in err and "queued as #1" in err
    assert main(["mail", "outbox", "--status", "requeued", "--json"]) == 0
    (row,) = json.loads(capsys.readouterr().out)
    assert (row["attempts"], row["retries"]) == (1, 1)  # post_office's retry, with its log
    assert row["logs"][0]["status"] == "failed" and "connection refused" in row["error"]


def test_check_line_for_mail(cli, capsys):
    main(["check"])
    out = capsys.readouterr().out
    line = next(ln for ln in out.splitlines() if ln.startswith("Mail"))
    assert "ok" in line and "TLS: none" in line


def test_the_same_bulk_message_again_is_refused_unless_asked(cli, capsys):
    from datetime import datetime

    from tqconsole.models import User

    for n in range(3):
        User.create(username=f"u{n}", email=f"u{n}@example.ch", date_joined=datetime.now())
    send = ["mail", "send", "--query", "users: email~@example.ch", "--subject", "s", "--body", "b"]
    assert main([*send, "--yes"]) == 0
    job = capsys.readouterr().out.split()[1].rstrip(":")
    assert main([*send, "--yes"]) != 0
    err = capsys.readouterr().err
    assert f"went to this query before: job {job}" in err and "(3 of 3 sent)" in err
    assert len(cli.messages) == 3
    assert main([*send, "--job", job, "--yes"]) == 0  # resuming it sends nothing more
    assert len(cli.messages) == 3
    assert main([*send, "--again", "--yes"]) == 0
    assert len(cli.messages) == 6


def test_unknown_placeholder_refuses_the_bulk_job_naming_the_known_ones(cli, capsys):
    from datetime import datetime

    from tqconsole.models import User
    from tqconsole.models.mail import Email

    User.create(username="u0", email="u0@example.ch", date_joined=datetime.now())
    send = ["mail", "send", "--query", "users: email~@example.ch", "--yes"]
    code = main([*send, "--subject", "Hi {frist_name}", "--body", "dear {first_name}"])
    err = capsys.readouterr().err
    assert code != 0 and len(err.strip().splitlines()) == 1, err
    assert "unknown placeholder (subject: {frist_name})" in err and "{first_name}" in err
    assert not cli.messages and Email.select().count() == 0


def test_from_names_the_sender(cli, capsys):
    code = main(["mail", "send", "--to", "a@example.ch", "--subject", "s", "--body", "b",
                 "--from", "Tanzquotient <finanzen@tanzquotient.org>"])  # fmt: skip
    assert code == 0, capsys.readouterr().err
    (message,) = cli.messages
    assert message.mail_from == "finanzen@tanzquotient.org"
    assert b"From: Tanzquotient <finanzen@tanzquotient.org>" in message.original_content
