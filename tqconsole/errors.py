"""The console's own error types.

Every error a user can cause or meet (bad configuration, a server that is down,
read-only mode, invalid input) is a ``ConsoleError``: the CLI prints its message
as one line and exits with ``exit_code``; the TUI shows it as a notification.
"""


class ConsoleError(Exception):
    exit_code = 1


class ConfigError(ConsoleError):
    """Configuration that cannot be used (unknown URL scheme, malformed URL, bad file)."""

    exit_code = 2


class BackendUnavailable(ConsoleError):
    """A server could not be reached or refused the connection."""


class ReadOnlyError(ConsoleError):
    """A write was attempted in read-only mode."""


class NotFound(ConsoleError):
    """The named table, key, object, task or record does not exist."""


class SchemaMissing(NotFound):
    """A table the console needs does not exist yet: ``tqconsole init`` creates it."""


class InvalidInput(ConsoleError):
    """A value given by the user does not fit (filter, field value, key, address)."""

    exit_code = 2


def one_line(exc: BaseException) -> str:
    """The first line of an exception's message, else the name of its type."""
    text = str(exc).strip().splitlines()
    first = text[0] if text else ""
    return first or type(exc).__name__
