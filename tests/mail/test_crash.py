"""Nothing lost, nothing sent twice: a bulk job killed with SIGKILL mid-job, then resumed.

A real ``tqconsole mail send --query … --job J`` process sends to an aiosmtpd
server that holds message 148 (the client waits for the reply to its DATA);
the test kills the process right then, resumes the job as the README says and
counts on the server's side.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import threading
from collections import Counter
from datetime import datetime
from pathlib import Path

import pytest

from tests.support import services
from tqconsole.cli import main
from tqconsole.models import User
from tqconsole.services.mail.outbox import INTERRUPTED, list_outbox

ROOT = Path(__file__).resolve().parents[2]
TOTAL = 296
HELD = 148  # the message in the server's hands when the sender is killed


class HoldingHandler:
    """Accepts every message, but keeps message ``HELD`` unanswered until released."""

    def __init__(self):
        self.received: list[str] = []  # recipients, in order (the held one included)
        self.holding = threading.Event()
        self.release = threading.Event()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        self.received.extend(envelope.rcpt_tos)
        if len(self.received) == HELD and not self.release.is_set():
            self.holding.set()
            while not self.release.is_set():
                await asyncio.sleep(0.01)
        return "250 Message accepted for delivery"


@pytest.fixture
def held_smtp():
    from aiosmtpd.controller import Controller

    handler = HoldingHandler()
    port = services.free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield handler, f"smtp://127.0.0.1:{port}"
    finally:
        handler.release.set()
        controller.stop()


def test_sigkill_mid_job_leaves_one_message_in_doubt(mail_sqlite, held_smtp, monkeypatch, capsys):
    handler, url = held_smtp
    monkeypatch.setenv("TQ_EMAIL_URL", url)
    now = datetime.now()
    User.insert_many(
        [
            {"username": f"p{i}", "first_name": f"P{i}", "email": f"p{i:03d}@example.ch",
             "date_joined": now}
            for i in range(TOTAL)
        ]
    ).execute()  # fmt: skip
    send = ["mail", "send", "--query", "users: email~@example.ch", "--subject", "Hi {first_name}"]
    send += ["--body", "Kurs", "--job", "j296", "--yes"]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "tqconsole", *send],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        if not handler.holding.wait(60):
            out, err = proc.communicate(timeout=5)
            pytest.fail(f"the job never reached message {HELD}: {out!r} {err!r}")
        proc.send_signal(signal.SIGKILL)
        assert proc.wait(10) == -signal.SIGKILL
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    handler.release.set()  # the server keeps what it got: message 148 did go out

    # resume as the README says: the same command again
    assert main(send) == 1  # one message is in doubt: not a clean run
    out = capsys.readouterr().out
    assert f"{TOTAL - HELD} sent" in out and "1 interrupted mid-delivery" in out

    counts = Counter(handler.received)
    duplicates = sum(n - 1 for n in counts.values())
    never = TOTAL - len(counts)
    uncertain = [r for r in list_outbox(status="failed") if r.error == INTERRUPTED]
    sys.__stdout__.write(f"delivered {len(counts)}, duplicates {duplicates}, never mailed {never}, "
          f"uncertain {len(uncertain)}\n")  # fmt: skip
    assert (len(counts), duplicates, never, len(uncertain)) == (TOTAL, 0, 0, 1)
    (doubt,) = uncertain
    assert doubt.status == "failed" and doubt.to == handler.received[HELD - 1]
    assert f"#{doubt.id}" in out  # named, so the user can check and choose

    # shown as such in the outbox; resending it is an explicit choice
    assert main(["mail", "outbox", "--status", "failed", "--json"]) == 0
    (row,) = json.loads(capsys.readouterr().out)
    assert "may or may not have gone out" in row["error"]
    assert main(send) == 0 and Counter(handler.received) == counts  # a re-run resends nothing
    assert main(["mail", "resend", str(doubt.id)]) == 0
    assert Counter(handler.received)[doubt.to] == 2
