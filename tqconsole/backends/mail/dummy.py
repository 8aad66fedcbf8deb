"""``dummy://``: accepts every message and does nothing with it."""

from tqconsole.backends.mail.base import BaseEmailBackend


class DummyBackend(BaseEmailBackend):
    scheme = "dummy"

    def deliver_raw(self, sender, recipients, data):
        self.check_writable()
        return {}

    def probe(self):
        return "dummy (messages are discarded)", []
