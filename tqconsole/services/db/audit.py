"""The one way the console writes data: every write is recorded in the audit log.

``audited(action, table, pk, summary)`` opens a transaction, lets the caller
write, and records who did it (OS user, SSH client address) in the same
transaction, so a write and its audit entry land together or not at all.
"""

from __future__ import annotations

import getpass
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from tqconsole.models import AuditEntry, database


def who() -> tuple[str, str]:
    """(OS user, SSH client address or 'local')."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = str(os.getuid())
    ssh = os.environ.get("SSH_CLIENT") or os.environ.get("SSH_CONNECTION") or ""
    return user, (ssh.split()[0] if ssh else "local")


@dataclass
class Write:
    """What the caller fills in while writing: the target's pk and a summary of the change."""

    action: str
    table: str
    pk: Any = ""
    summary: Any = field(default_factory=dict)


def write_transaction():
    """A transaction that writes: on SQLite it takes the write lock at BEGIN (IMMEDIATE).

    A deferred SQLite transaction that reads first and writes later fails at
    once ("database is locked") when another connection committed in between —
    the task recorder, heartbeats and the in-process consumer write concurrently.
    """
    if getattr(database.obj, "vendor", "") == "sqlite":
        return database.atomic(lock_type="IMMEDIATE")
    return database.atomic()


@contextmanager
def audited(action: str, table: str, pk: Any = "", summary: Any = None) -> Iterator[Write]:
    write = Write(action, table, pk, summary if summary is not None else {})
    with write_transaction():
        yield write
        record(write)


def record(write: Write) -> None:
    user, client = who()
    summary = write.summary
    if not isinstance(summary, str):
        summary = json.dumps(summary, default=str, ensure_ascii=False)
    AuditEntry.insert(
        at=datetime.now(),
        os_user=user[:64],
        client_addr=client[:64],
        action=write.action[:64],
        target_table=write.table[:64],
        target_pk=str(write.pk)[:64],
        summary=summary,
    ).execute()


def note(action: str, target: str, pk: Any = "", summary: Any = None) -> None:
    """Record a write made outside the database (cache, storage, mail, queue).

    Best effort: the write already happened, so a database that is down or
    read-only must not turn it into an error.
    """
    try:
        with write_transaction():
            record(Write(action, target, pk, summary if summary is not None else {}))
    except Exception:
        pass
