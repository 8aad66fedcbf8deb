"""``smtp://``, ``smtp+starttls://``, ``smtps://user:password@host:port?timeout=S``.

``?cafile=PATH`` trusts the certificate authority in PATH (a private CA or a
self-signed server certificate) in addition to the system's.

One connection serves many messages; a connection the server dropped is
reopened once.  Replies 4xx and lost connections are temporary (the outbox
retries them), 5xx are permanent.  Recipients the server refuses are reported
per address while the others are delivered.
"""

from __future__ import annotations

import smtplib
import socket
import ssl
from urllib.parse import parse_qs, unquote, urlsplit

from tqconsole.backends.mail.base import BaseEmailBackend, DeliveryError, MailUnavailable
from tqconsole.errors import ConfigError

DEFAULT_PORTS = {"smtp": 25, "smtp+starttls": 587, "smtps": 465}
DEFAULT_TIMEOUT = 10.0


class Greeted:
    """Keeps the server's greeting (the 220 line) that smtplib reads and drops."""

    greeting = ""

    def connect(self, host="localhost", port=0, source_address=None):
        code, message = super().connect(host, port, source_address)
        lines = message.decode("utf-8", "replace").splitlines() if message else []
        self.greeting = lines[0] if lines else ""
        return code, message


class GreetedSMTP(Greeted, smtplib.SMTP):
    pass


class GreetedSMTPSSL(Greeted, smtplib.SMTP_SSL):
    pass


def reply_text(code: int, message: bytes | str) -> str:
    text = message.decode("utf-8", "replace") if isinstance(message, bytes) else str(message)
    return f"{code} {' '.join(text.split())}"


class SmtpBackend(BaseEmailBackend):
    scheme = "smtp"

    def __init__(
        self,
        host: str = "localhost",
        port: int | None = None,
        username: str | None = None,
        password: str | None = None,
        use_tls: bool = False,
        use_ssl: bool = False,
        timeout: float = DEFAULT_TIMEOUT,
        cafile: str | None = None,
        **options,
    ):
        super().__init__(**options)
        self.cafile = cafile
        if use_tls and use_ssl:
            raise ConfigError("use STARTTLS or implicit TLS (smtps), not both")
        self.host = host
        self.port = port or (465 if use_ssl else 587 if use_tls else 25)
        self.username = username
        self.password = password
        self.use_tls = use_tls
        self.use_ssl = use_ssl
        self.timeout = timeout
        self.connection: smtplib.SMTP | None = None

    @classmethod
    def from_url(cls, url, **options):
        parts = urlsplit(url)
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        try:
            timeout = float(query.get("timeout", DEFAULT_TIMEOUT))
            port = parts.port
        except ValueError as exc:
            raise ConfigError(f"TQ_EMAIL_URL: {exc}") from None
        settings = {
            "host": parts.hostname or "localhost",
            "port": port or DEFAULT_PORTS[parts.scheme],
            "username": unquote(parts.username) if parts.username else None,
            "password": unquote(parts.password) if parts.password else None,
            "use_tls": parts.scheme == "smtp+starttls",
            "use_ssl": parts.scheme == "smtps",
            "timeout": timeout,
            "cafile": query.get("cafile"),
        }
        settings.update({k: v for k, v in options.items() if v is not None})
        return cls(**settings)

    @property
    def where(self) -> str:
        return f"{self.host}:{self.port}"

    def _connect(self) -> smtplib.SMTP:
        """A logged-in connection; its greeting (220 line) is kept in ``greeting``."""
        try:
            context = (
                ssl.create_default_context(cafile=self.cafile)
                if self.use_ssl or self.use_tls
                else None
            )
            if self.use_ssl:
                conn = GreetedSMTPSSL(self.host, self.port, timeout=self.timeout, context=context)
            else:
                conn = GreetedSMTP(self.host, self.port, timeout=self.timeout)
            if self.use_tls:
                conn.starttls(context=context)
            if self.username and self.password:
                conn.login(self.username, self.password)
        except smtplib.SMTPAuthenticationError as exc:
            raise DeliveryError(
                f"mail server {self.where} refused the login: {reply_text(exc.smtp_code, exc.smtp_error)}"
            ) from None
        except smtplib.SMTPNotSupportedError as exc:
            raise DeliveryError(f"mail server {self.where}: {exc}") from None
        except (OSError, smtplib.SMTPException) as exc:
            raise MailUnavailable(
                f"mail server {self.where} unavailable: {describe(exc)}"
            ) from None
        return conn

    def open(self) -> bool:
        with self._lock:
            if self.connection is not None:
                return False
            self.connection = self._connect()
            return True

    def close(self) -> None:
        with self._lock:
            conn, self.connection = self.connection, None
            if conn is None:
                return
            try:
                conn.quit()
            except (OSError, smtplib.SMTPException):
                conn.close()

    def deliver_raw(self, sender, recipients, data):
        self.check_writable()
        with self._lock:
            created = self.open()
            try:
                return self._sendmail(sender, recipients, data, reconnect=not created)
            finally:
                if created:
                    self.close()

    def _sendmail(self, sender, recipients, data, reconnect: bool) -> dict[str, str]:
        """One message; a kept-open connection the server dropped while idle is reopened once."""
        try:
            refused = self.connection.sendmail(sender, recipients, data)
        except smtplib.SMTPServerDisconnected as exc:
            self.connection = None
            if not reconnect:
                raise MailUnavailable(f"mail server {self.where}: {describe(exc)}") from None
            self.open()
            return self._sendmail(sender, recipients, data, reconnect=False)
        except smtplib.SMTPRecipientsRefused as exc:
            replies = {addr: reply_text(code, msg) for addr, (code, msg) in exc.recipients.items()}
            temporary = all(400 <= code < 500 for code, _ in exc.recipients.values())
            self._reset()
            raise DeliveryError(
                "every recipient was refused: "
                + "; ".join(f"{a}: {r}" for a, r in replies.items()),
                temporary=temporary,
                refused=replies,
            ) from None
        except smtplib.SMTPResponseException as exc:
            self._reset()
            raise DeliveryError(
                f"mail server {self.where}: {reply_text(exc.smtp_code, exc.smtp_error)}",
                temporary=400 <= exc.smtp_code < 500,
            ) from None
        except (OSError, smtplib.SMTPException) as exc:
            self.connection = None
            raise MailUnavailable(f"mail server {self.where}: {describe(exc)}") from None
        return {addr: reply_text(code, msg) for addr, (code, msg) in refused.items()}

    def _reset(self) -> None:
        try:
            self.connection.rset()
        except (OSError, smtplib.SMTPException):
            self.connection = None

    def probe(self):
        """Connect, read the greeting and EHLO; report TLS and authentication.

        A connection of its own, without the backend's lock: a long send on the
        shared connection never holds up the dashboard's probe.
        """
        conn = self._connect()
        try:
            conn.ehlo_or_helo_if_needed()
            if self.use_ssl:
                tls = f"{conn.sock.version()} (implicit)"
            elif self.use_tls:
                tls = f"{conn.sock.version()} (STARTTLS)"
            elif conn.has_extn("starttls"):
                tls = "none (server offers STARTTLS: use smtp+starttls://)"
            else:
                tls = "none"
            figures = [("tls", tls), ("auth", "login" if self.username else "none")]
            version = f"{conn.greeting or 'SMTP'}; TLS: {tls}"
        finally:
            try:
                conn.quit()
            except (OSError, smtplib.SMTPException):
                conn.close()
        return version, figures


def describe(exc: BaseException) -> str:
    if isinstance(exc, socket.timeout | TimeoutError):
        return "timed out"
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused"
    if isinstance(exc, smtplib.SMTPResponseException):
        return reply_text(exc.smtp_code, exc.smtp_error)
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return str(exc) or type(exc).__name__
