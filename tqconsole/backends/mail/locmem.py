"""``locmem://``: keeps sent messages in ``outbox`` (a module-level list), for tests."""

from __future__ import annotations

from dataclasses import dataclass
from email import message_from_bytes, policy

from tqconsole.backends.mail.base import BaseEmailBackend


@dataclass
class SentMessage:
    sender: str
    recipients: list[str]
    data: bytes

    def message(self):
        return message_from_bytes(self.data, policy=policy.default)


outbox: list[SentMessage] = []


class LocmemBackend(BaseEmailBackend):
    scheme = "locmem"

    def deliver_raw(self, sender, recipients, data):
        self.check_writable()
        outbox.append(SentMessage(sender, list(recipients), bytes(data)))
        return {}

    def probe(self):
        return "in-memory outbox", [("held", f"{len(outbox):,} messages")]
