"""Email messages with the semantics of Django's EmailMessage, on the stdlib ``email`` package.

To, cc, bcc and reply-to are lists (a bare string is refused with TypeError),
Date and Message-ID are added unless given, a line break in any header (any
character ``str.splitlines`` splits on, as the email package does) raises
BadHeaderError (a ValueError), the sender defaults to the connection's
``default_from_email`` option, domains are IDNA-encoded and non-ASCII names
RFC 2047-encoded, and Bcc travels only in the SMTP envelope.  With an HTML
alternative and an attachment the structure is Django's:
multipart/mixed → (multipart/alternative → text/plain, text/html), attachment.
"""

from __future__ import annotations

import mimetypes
import re
import socket
from email import charset as charsets
from email import encoders
from email.errors import HeaderParseError
from email.generator import BytesGenerator
from email.header import Header
from email.headerregistry import Address, parser
from email.message import Message
from email.mime.base import MIMEBase
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import formataddr, formatdate, getaddresses, make_msgid
from functools import cache, lru_cache
from io import BytesIO
from pathlib import Path
from typing import NamedTuple

from tqconsole.errors import InvalidInput

DEFAULT_ATTACHMENT_MIME_TYPE = "application/octet-stream"
DEFAULT_MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
# UTF-8 text goes out as 8bit (as Django sends it), quoted-printable only for
# lines over the RFC 5322 limit of 998 characters.
utf8_8bit = charsets.Charset("utf-8")
utf8_8bit.body_encoding = None
utf8_qp = charsets.Charset("utf-8")
utf8_qp.body_encoding = charsets.QP
SIMPLE_ADDRESS = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*")
ADDRESS_HEADERS = frozenset({"from", "to", "cc", "reply-to", "sender"})
# What str.splitlines() splits on: the email package folds and parses headers by
# it, so each of these would start a new header line.
LINE_BREAK = re.compile("[\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")
DEFAULT_FROM_EMAIL = "webmaster@localhost"


class BadHeaderError(InvalidInput, ValueError):
    """A header value holds a newline (header injection)."""


class InvalidAddress(InvalidInput, ValueError):
    """Text that is not one email address."""


class AttachmentError(InvalidInput, ValueError):
    """An attachment that cannot be sent: missing, unreadable or too large."""


class EmailAttachment(NamedTuple):
    filename: str | None
    content: str | bytes
    mimetype: str


class EmailAlternative(NamedTuple):
    content: str
    mimetype: str


@cache
def dns_name() -> str:
    """This host's name for Message-IDs (looked up once: getfqdn can be slow)."""
    return socket.getfqdn()


def option(connection, name: str, default):
    """An option of the settings the connection was opened with (``default`` without)."""
    return connection.option(name, default) if connection is not None else default


def max_attachment_bytes(connection) -> int:
    value = option(connection, "mail_max_attachment_bytes", DEFAULT_MAX_ATTACHMENT_BYTES)
    try:
        return int(value)
    except (TypeError, ValueError):
        return DEFAULT_MAX_ATTACHMENT_BYTES


def forbid_newlines(name: str, value: str) -> str:
    """``value``, or BadHeaderError when it holds a line break of any kind."""
    value = str(value)
    found = LINE_BREAK.search(value)
    if found:
        raise BadHeaderError(
            f"header {name} holds a line break (U+{ord(found.group()):04X}): {value!r} "
            "(header injection refused)"
        )
    return value


@lru_cache(maxsize=4096)  # a bulk job parses the same sender for every message
def parse_address(text: str) -> Address:
    """One address as ``Address``: the domain IDNA-encoded, the name kept for RFC 2047."""
    text = forbid_newlines("address", text).strip()
    try:
        token, rest = parser.get_mailbox(text)
    except (HeaderParseError, ValueError, IndexError):
        raise InvalidAddress(f"invalid address {text!r}") from None
    local, domain = token.local_part, token.domain
    if local and not local.isascii():
        raise InvalidAddress(f"address {text!r}: a non-ASCII mailbox name is not supported")
    if rest or not local or not domain or token.all_defects:
        raise InvalidAddress(f"invalid address {text!r}")
    try:
        domain = domain.encode("idna").decode("ascii")
    except UnicodeError:
        raise InvalidAddress(f"invalid domain in address {text!r}") from None
    try:
        return Address(token.display_name or "", local, domain)
    except (ValueError, IndexError, HeaderParseError):
        raise InvalidAddress(f"invalid address {text!r}") from None


def addr_spec(text: str) -> str:
    """The bare ``local@domain`` of an address, as the SMTP envelope carries it."""
    if SIMPLE_ADDRESS.fullmatch(text) and ".." not in text and not text.startswith("."):
        return text
    return parse_address(text).addr_spec


def format_address(text: str) -> str:
    """An address for a header: name RFC 2047-encoded if not ASCII, domain IDNA-encoded."""
    if SIMPLE_ADDRESS.fullmatch(text) and ".." not in text and not text.startswith("."):
        return text
    address = parse_address(text)
    name = address.display_name
    if name and not name.isascii():
        name = Header(name, "utf-8").encode()
    return formataddr((name, address.addr_spec))


def encode_header(value: str) -> str:
    return value if value.isascii() else Header(value, "utf-8").encode()


def address_list(name: str, value) -> list[str]:
    if not value:
        return []
    if isinstance(value, str):
        raise TypeError(f'"{name}" argument must be a list or tuple')
    return list(value)


class EmailMessage:
    """A message to one or more recipients (Django's constructor and methods)."""

    content_subtype = "plain"
    mixed_subtype = "mixed"

    def __init__(
        self,
        subject="",
        body="",
        from_email=None,
        to=None,
        bcc=None,
        connection=None,
        attachments=None,
        headers=None,
        cc=None,
        reply_to=None,
    ):
        self.to = address_list("to", to)
        self.cc = address_list("cc", cc)
        self.bcc = address_list("bcc", bcc)
        self.reply_to = address_list("reply_to", reply_to)
        self.connection = connection
        self.from_email = from_email or str(
            option(connection, "default_from_email", DEFAULT_FROM_EMAIL)
        )
        self.subject = subject
        self.body = body or ""
        self.attachments: list[EmailAttachment] = []
        for attachment in attachments or ():
            self.attach(*attachment)
        self.extra_headers = dict(headers or {})

    def get_connection(self, fail_silently=False):
        from tqconsole.backends.mail import get_connection

        if not self.connection:
            self.connection = get_connection(fail_silently=fail_silently)
        return self.connection

    def recipients(self) -> list[str]:
        """Every envelope recipient: to, cc and bcc."""
        return [email for email in (self.to + self.cc + self.bcc) if email]

    def envelope(self) -> tuple[str, list[str]]:
        """(sender, recipients) as bare addresses for the SMTP envelope."""
        return addr_spec(self.from_email), [addr_spec(a) for a in self.recipients()]

    def send(self, fail_silently=False) -> int:
        if not self.recipients():
            return 0
        return self.get_connection(fail_silently).send_messages([self])

    # --- attachments
    def attach(self, filename=None, content=None, mimetype=None) -> None:
        """Attach content (str or bytes); the type is guessed from the name if not given.

        Text that is not UTF-8 is sent as application/octet-stream (nothing is lost).
        """
        if content is None:
            raise ValueError("content must be provided.")
        size = len(content.encode() if isinstance(content, str) else content)
        limit = max_attachment_bytes(self.connection)
        if size > limit:
            raise AttachmentError(
                f"attachment {filename or ''} is {size:,} bytes, over the limit of {limit:,} "
                "(option mail_max_attachment_bytes)"
            )
        mimetype = (
            mimetype
            or (mimetypes.guess_type(filename)[0] if filename else None)
            or DEFAULT_ATTACHMENT_MIME_TYPE
        )
        if mimetype.startswith("text/") and isinstance(content, bytes):
            try:
                content = content.decode()
            except UnicodeDecodeError:
                mimetype = DEFAULT_ATTACHMENT_MIME_TYPE
        self.attachments.append(EmailAttachment(filename, content, mimetype))

    def attach_file(self, path, mimetype=None) -> None:
        path = Path(path)
        try:
            size = path.stat().st_size
            limit = max_attachment_bytes(self.connection)
            if size > limit:
                raise AttachmentError(
                    f"attachment {path} is {size:,} bytes, over the limit of {limit:,} "
                    "(option mail_max_attachment_bytes)"
                )
            content = path.read_bytes()
        except FileNotFoundError:
            raise AttachmentError(f"attachment {path} does not exist") from None
        except IsADirectoryError:
            raise AttachmentError(f"attachment {path} is a folder, not a file") from None
        except OSError as exc:
            raise AttachmentError(f"attachment {path}: {exc.strerror}") from None
        self.attach(path.name, content, mimetype)

    # --- the MIME message
    def message(self) -> Message:
        msg = self._create_message(self._text_part(self.body, self.content_subtype))
        headers = {k.lower(): v for k, v in self.extra_headers.items()}
        msg["Subject"] = encode_header(forbid_newlines("Subject", self.subject))
        self._set_addresses(msg, "From", [headers.get("from", self.from_email)])
        self._set_addresses(msg, "To", [headers["to"]] if "to" in headers else self.to)
        self._set_addresses(msg, "Cc", [headers["cc"]] if "cc" in headers else self.cc)
        self._set_addresses(
            msg, "Reply-To", [headers["reply-to"]] if "reply-to" in headers else self.reply_to
        )
        if "date" not in headers:
            msg["Date"] = formatdate(localtime=True)
        if "message-id" not in headers:
            msg["Message-ID"] = make_msgid(domain=dns_name())
        for name, value in self.extra_headers.items():
            if name.lower() not in ADDRESS_HEADERS and name.lower() != "bcc":
                msg[forbid_newlines(name, name)] = encode_header(forbid_newlines(name, value))
        return msg

    def as_bytes(self) -> bytes:
        """The message in wire format (CRLF line ends), as the outbox stores it."""
        out = BytesIO()
        BytesGenerator(out, mangle_from_=False).flatten(self.message(), linesep="\r\n")
        return out.getvalue()

    @staticmethod
    def _set_addresses(msg: Message, name: str, values: list[str]) -> None:
        formatted = []
        for value in values:
            for part in split_addresses(forbid_newlines(name, value)):
                formatted.append(format_address(part))
        if formatted:
            msg[name] = ", ".join(formatted)

    def _text_part(self, text: str, subtype: str) -> Message:
        charset = utf8_qp if any(len(line) > 998 for line in text.splitlines()) else utf8_8bit
        return MIMEText(text, subtype, charset)

    def _create_message(self, body: Message) -> Message:
        return self._create_attachments(body)

    def _create_attachments(self, body: Message) -> Message:
        if not self.attachments:
            return body
        msg = MIMEMultipart(self.mixed_subtype)
        if self.body or body.is_multipart():
            msg.attach(body)
        for filename, content, mimetype in self.attachments:
            part = self._mime_part(content, mimetype)
            if filename:
                forbid_newlines("Content-Disposition (attachment name)", filename)
                name = filename if filename.isascii() else ("utf-8", "", filename)
                part.add_header("Content-Disposition", "attachment", filename=name)
            msg.attach(part)
        return msg

    def _mime_part(self, content: str | bytes, mimetype: str) -> Message:
        maintype, subtype = mimetype.split("/", 1)
        if maintype == "text":
            return self._text_part(content, subtype)
        part = MIMEBase(maintype, subtype)
        part.set_payload(content.encode() if isinstance(content, str) else content)
        encoders.encode_base64(part)
        return part


def split_addresses(value: str) -> list[str]:
    """Split a header-style list ("A <a@x>, b@y") into single addresses, honouring quotes."""
    value = re.sub(r"(\s*,\s*)+", ", ", value).strip(", ")  # empty items are no addresses
    if "," not in value:
        return [value] if value else []
    pairs = getaddresses([value])
    if any(not addr for _, addr in pairs):
        raise InvalidAddress(f"invalid address list {value!r}")
    return [formataddr(pair) if pair[0] else pair[1] for pair in pairs]


class EmailMultiAlternatives(EmailMessage):
    """A message with alternative representations of the body (usually HTML)."""

    alternative_subtype = "alternative"

    def __init__(self, *args, alternatives=None, **kwargs):
        # EmailMessage's arguments; as in Django, ``alternatives`` is the ninth
        # positional one (after headers, before cc and reply_to)
        if len(args) > 8:
            if alternatives is not None:
                raise TypeError("got multiple values for argument 'alternatives'")
            alternatives, args = args[8], args[:8] + args[9:]
        super().__init__(*args, **kwargs)
        self.alternatives = [EmailAlternative(*a) for a in (alternatives or [])]

    def attach_alternative(self, content, mimetype) -> None:
        if content is None or mimetype is None:
            raise ValueError("Both content and mimetype must be provided.")
        self.alternatives.append(EmailAlternative(content, mimetype))

    def _create_message(self, body: Message) -> Message:
        if self.alternatives:
            alternative = MIMEMultipart(self.alternative_subtype)
            if self.body:
                alternative.attach(body)
            for content, mimetype in self.alternatives:
                alternative.attach(self._mime_part(content, mimetype))
            body = alternative
        return self._create_attachments(body)
