"""The errors of the storage backends (besides NotFound, InvalidInput and ReadOnlyError)."""

from __future__ import annotations

from tqconsole.errors import ConsoleError, InvalidInput


class SuspiciousKey(InvalidInput):
    """A key that would reach outside its bucket (``..``, an absolute path, a symlink out)."""


class ObjectExists(ConsoleError):
    """``save(..., overwrite=False)`` met an existing key."""


class AccessDenied(ConsoleError):
    """The server refused the operation (or the credentials: BadCredentials)."""


class BadCredentials(AccessDenied):
    """The server does not know the access key or the secret does not match."""


class Cancelled(ConsoleError):
    """A transfer was cancelled by the user; nothing partial is left behind."""
