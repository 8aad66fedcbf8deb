"""The interface every mail backend implements, and its errors.

A backend delivers raw messages: ``deliver_raw(sender, recipients, data)``
returns the recipients the server refused (address -> reply) and raises
``DeliveryError`` when nothing was delivered.  ``send_messages`` is Django's
method on top of it.  The outbox stores exactly what ``deliver_raw`` got, so a
retry resends the same bytes.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable

from tqconsole.errors import BackendUnavailable, ConsoleError, ReadOnlyError


class MailError(ConsoleError):
    """A message was not delivered."""


class DeliveryError(MailError):
    """Delivery failed; ``temporary`` failures (4xx, server gone) are worth retrying."""

    def __init__(self, message: str, temporary: bool = False, refused: dict | None = None):
        super().__init__(message)
        self.temporary = temporary
        self.refused = refused or {}


class MailUnavailable(DeliveryError, BackendUnavailable):
    """The mail server could not be reached (always temporary)."""

    def __init__(self, message: str):
        super().__init__(message, temporary=True)


class BaseEmailBackend:
    """Open/close a connection, deliver messages; usable as a context manager.

    ``settings`` are those the backend was opened with: messages built for it read
    their options (default sender, limits, payment details) through ``option``.
    """

    scheme = ""

    def __init__(
        self, fail_silently: bool = False, read_only: bool = False, settings=None, **options
    ):
        self.fail_silently = fail_silently
        self.read_only = read_only
        self.settings = settings
        self.options = options
        self._lock = threading.RLock()

    def option(self, name: str, default=None):
        """The typed option ``name`` of the settings (``TQ_NAME``, the profile), else ``default``."""
        return getattr(self.settings, name) if self.settings is not None else default

    @classmethod
    def from_url(cls, url: str, **options) -> BaseEmailBackend:
        return cls(**options)

    def open(self) -> bool:
        """Open a connection; True when this call opened it (the caller closes it)."""
        return False

    def close(self) -> None:
        pass

    def __enter__(self):
        try:
            self.open()
        except Exception:
            self.close()
            raise
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def check_writable(self) -> None:
        if self.read_only:
            raise ReadOnlyError("read-only mode: sending mail refused")

    def deliver_raw(self, sender: str, recipients: list[str], data: bytes) -> dict[str, str]:
        raise NotImplementedError

    def deliver(self, message) -> dict[str, str]:
        sender, recipients = message.envelope()
        return self.deliver_raw(sender, recipients, message.as_bytes())

    def send_messages(self, messages: Iterable) -> int:
        """Send messages over one connection; return how many were delivered."""
        messages = list(messages)
        if not messages:
            return 0
        self.check_writable()
        with self._lock:
            try:
                created = self.open()
            except MailError:
                if self.fail_silently:
                    return 0
                raise
            sent = 0
            try:
                for message in messages:
                    if not message.recipients():
                        continue
                    try:
                        self.deliver(message)
                    except MailError:
                        if not self.fail_silently:
                            raise
                    else:
                        sent += 1
            finally:
                if created:
                    self.close()
        return sent

    def probe(self) -> tuple[str, list[tuple[str, str]]]:
        """(version, figures) for the dashboard and ``tqconsole check``."""
        return self.scheme, []
