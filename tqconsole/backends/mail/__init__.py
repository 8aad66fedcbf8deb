"""Mail backends: SMTP (plain, STARTTLS, implicit TLS), files, console, memory, dummy.

``from_url(url)`` picks the implementation by scheme; ``get_connection(url=None,
settings=None)`` is Django's function (no URL: the email URL of the settings handed
down; the settings are never loaded here).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from tqconsole.backends.mail.base import (
    BaseEmailBackend,
    DeliveryError,
    MailError,
    MailUnavailable,
)
from tqconsole.backends.mail.message import (
    BadHeaderError,
    EmailMessage,
    EmailMultiAlternatives,
    InvalidAddress,
)
from tqconsole.errors import ConfigError

if TYPE_CHECKING:
    from tqconsole.backends.health import Health
    from tqconsole.settings import Settings

BACKENDS = {
    "smtp": "tqconsole.backends.mail.smtp:SmtpBackend",
    "smtp+starttls": "tqconsole.backends.mail.smtp:SmtpBackend",
    "smtps": "tqconsole.backends.mail.smtp:SmtpBackend",
    "file": "tqconsole.backends.mail.file:FileBackend",
    "console": "tqconsole.backends.mail.console:ConsoleBackend",
    "locmem": "tqconsole.backends.mail.locmem:LocmemBackend",
    "dummy": "tqconsole.backends.mail.dummy:DummyBackend",
}


def from_url(url: str, **options) -> BaseEmailBackend:
    scheme = url.split(":", 1)[0]
    if scheme not in BACKENDS:
        known = ", ".join(BACKENDS)
        raise ConfigError(f"unknown mail scheme {scheme!r} (use one of: {known})")
    module, _, name = BACKENDS[scheme].partition(":")
    backend = getattr(importlib.import_module(module), name).from_url(url, **options)
    backend.url = url
    return backend


def get_connection(
    url: str | None = None,
    fail_silently: bool = False,
    settings: Settings | None = None,
    **options,
):
    """A backend for ``url``, else for the email URL of ``settings`` (one is needed)."""
    if url is None:
        if settings is None:
            raise ConfigError(
                "no mail connection: give a URL or the settings (none are loaded here)"
            )
        url = settings.url("email")
        options.setdefault("read_only", settings.read_only)
    return from_url(url, fail_silently=fail_silently, settings=settings, **options)


def open(settings: Settings) -> BaseEmailBackend:  # noqa: A001 - the family interface
    return from_url(settings.url("email"), read_only=settings.read_only, settings=settings)


def probe(backend: BaseEmailBackend, health: Health) -> None:
    """Greeting and TLS of the server (or what the backend is).

    A server that is down is reported in ``health.error`` rather than raised, so
    the panel still shows what waits in the outbox.
    """
    try:
        health.version, health.figures = backend.probe()
    except MailError as exc:
        health.error = str(exc)


__all__ = [
    "BACKENDS",
    "BadHeaderError",
    "BaseEmailBackend",
    "DeliveryError",
    "EmailMessage",
    "EmailMultiAlternatives",
    "InvalidAddress",
    "MailError",
    "MailUnavailable",
    "from_url",
    "get_connection",
    "open",
    "probe",
]
