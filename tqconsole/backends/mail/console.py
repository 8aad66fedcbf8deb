"""``console://``: writes each message to standard output (or the given stream)."""

from __future__ import annotations

import sys

from tqconsole.backends.mail.base import BaseEmailBackend


class ConsoleBackend(BaseEmailBackend):
    scheme = "console"

    def __init__(self, stream=None, **options):
        super().__init__(**options)
        self.stream = stream

    def deliver_raw(self, sender, recipients, data):
        self.check_writable()
        stream = self.stream or sys.stdout
        with self._lock:
            stream.write(data.decode("utf-8", "replace").replace("\r\n", "\n"))
            stream.write("\n" + "-" * 79 + "\n")
            stream.flush()
        return {}

    def probe(self):
        return "console (messages are printed)", []
