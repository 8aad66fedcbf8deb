"""What the compose screen and ``tqconsole mail send`` share: a draft, its message, its preview.

A ``Draft`` holds what a person typed (addresses as text, body, attachments by
path or ``STORAGE:KEY``); ``build`` turns it into an EmailMultiAlternatives for a connection (whose settings
give the default sender and limits),
``preview`` describes the exact MIME that would be sent.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from tqconsole.backends.mail import EmailMultiAlternatives
from tqconsole.backends.mail.message import AttachmentError, split_addresses
from tqconsole.errors import InvalidInput, NotFound


@dataclass
class Draft:
    to: str = ""
    cc: str = ""
    bcc: str = ""
    reply_to: str = ""
    from_email: str = ""
    subject: str = ""
    body: str = ""
    html: str = ""  # an HTML part as given
    markdown_html: bool = False  # render the body (Markdown) as the HTML part
    attachments: list[str] = field(default_factory=list)  # paths, or STORAGE:KEY


def addresses(text: str, field: str = "To") -> list[str]:
    """Addresses typed as "a@x, Name <b@y>; c@z" (commas or semicolons).

    A line break is no separator: it is refused (BadHeaderError), as in any header.
    """
    from tqconsole.backends.mail.message import forbid_newlines, format_address

    text = forbid_newlines(field, text).replace(";", ",").strip()
    parts = [p.strip() for p in split_addresses(text) if p.strip()] if text else []
    for part in parts:
        format_address(part)  # raises InvalidAddress naming the address
    return parts


def read_text_file(path: str, what: str) -> str:
    """A UTF-8 text file; other encodings are refused with a clear line (nothing guessed)."""
    try:
        data = Path(path).expanduser().read_bytes()
    except FileNotFoundError:
        raise InvalidInput(f"{what} {path} does not exist") from None
    except OSError as exc:
        raise InvalidInput(f"{what} {path}: {exc.strerror}") from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidInput(
            f"{what} {path} is not UTF-8 text (byte 0x{data[exc.start]:02x} at offset "
            f"{exc.start}); convert it (iconv -f latin1 -t utf-8) or attach it instead"
        ) from None


def markdown_to_html(text: str) -> str:
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark").render(text)


def attach_source(message, source: str, storages=None) -> None:
    """Attach a file from disk, or ``STORAGE:KEY`` from a bucket (anything with ``read(key)``)."""
    name, colon, key = source.partition(":")
    if colon and storages is not None and name in storages and key:
        storage = storages[name]
        try:
            content = storage.read(key)
        except (FileNotFoundError, NotFound):
            raise AttachmentError(f"attachment {source}: no such object") from None
        message.attach(key.rsplit("/", 1)[-1], content, None)
    else:
        message.attach_file(Path(source).expanduser())


class BucketStorages:
    """The named storages of the configuration as a mapping, opened only when read."""

    def __init__(self, backends):
        self.backends = backends

    def __contains__(self, name: str) -> bool:
        from tqconsole.backends import FAMILIES
        from tqconsole.settings import STORAGES

        return name in STORAGES and "storage" in FAMILIES

    def __getitem__(self, name: str):
        return self.backends.get("storage").storage(name)


def build(draft: Draft, connection, storages=None) -> EmailMultiAlternatives:
    """The message of a draft; every problem is one InvalidInput naming the field."""
    to, cc, bcc = addresses(draft.to), addresses(draft.cc, "Cc"), addresses(draft.bcc, "Bcc")
    if not (to or cc or bcc):
        raise InvalidInput("no recipient: fill in To (or Cc/Bcc)")
    if not draft.subject.strip():
        raise InvalidInput("the subject is empty")
    message = EmailMultiAlternatives(
        draft.subject,
        draft.body,
        draft.from_email or None,
        to,
        bcc=bcc,
        cc=cc,
        reply_to=addresses(draft.reply_to, "Reply-To"),
        connection=connection,
    )
    html = draft.html or (markdown_to_html(draft.body) if draft.markdown_html else "")
    if html:
        message.attach_alternative(html, "text/html")
    for source in draft.attachments:
        attach_source(message, source, storages)
    message.message()  # header injection and bad addresses show up now, not at send time
    return message


def describe_part(part, depth: int = 0) -> list[str]:
    indent = "  " * depth
    kind = part.get_content_type()
    if part.is_multipart():
        lines = [f"{indent}{kind}"]
        for sub in part.get_payload():
            lines.extend(describe_part(sub, depth + 1))
        return lines
    payload = part.get_payload(decode=True) or b""
    filename = part.get_filename()
    extra = f"  {filename}" if filename else ""
    encoding = part.get("Content-Transfer-Encoding", "")
    return [f"{indent}{kind}{extra}  {len(payload):,} bytes  {encoding}".rstrip()]


def preview(message) -> str:
    """Headers, the MIME tree with sizes, and the envelope, as the server would get them."""
    from email import message_from_bytes

    data = message.as_bytes()
    parsed = message_from_bytes(data)
    sender, recipients = message.envelope()
    lines = [f"{name}: {value}" for name, value in parsed.items() if name != "Content-Type"]
    lines.append("")
    lines.extend(describe_part(parsed))
    lines.append("")
    lines.append(f"envelope: from {sender} to {len(recipients)} recipient(s)")
    if message.bcc:
        lines.append(f"bcc (envelope only): {', '.join(message.bcc)}")
    lines.append(f"size: {len(data):,} bytes")
    return "\n".join(lines)


BLOCK_TAGS = frozenset(
    [
        "p",
        "div",
        "br",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "li",
        "tr",
        "table",
        "ul",
        "ol",
        "blockquote",
        "pre",
        "hr",
        "section",
        "article",
    ]
)


def html_to_text(html: str) -> str:
    """HTML as staff read it in a mail client: text, a line per block, links with their target."""
    import re
    from html.parser import HTMLParser

    out: list[str] = []

    class Reader(HTMLParser):
        skip = 0  # inside <script>/<style>/<head>
        href = None  # the target of the open link

        def handle_starttag(self, tag, attrs):
            if tag in ("script", "style", "head"):
                self.skip += 1
            elif tag in BLOCK_TAGS:
                out.append("\n")
            if tag == "li":
                out.append("• ")
            if tag == "a":
                self.href = dict(attrs).get("href")

        def handle_endtag(self, tag):
            if tag in ("script", "style", "head"):
                self.skip = max(0, self.skip - 1)
            elif tag in BLOCK_TAGS:
                out.append("\n")
            elif tag == "a" and self.href:
                out.append(f" <{self.href}>")
                self.href = None

        def handle_data(self, data):
            if not self.skip:
                out.append(re.sub(r"\s+", " ", data))  # line breaks come from the tags

    reader = Reader(convert_charrefs=True)
    reader.feed(html)
    reader.close()
    lines = [" ".join(line.split()) for line in "".join(out).splitlines()]
    text = "\n".join(lines)
    while "\n\n\n" in text:
        text = text.replace("\n\n\n", "\n\n")
    return text.strip()


def body_preview(message) -> str:
    """What the reader sees: the text part, and the HTML part rendered as text."""
    lines = ["--- text", message.body.rstrip() or "(empty)"]
    for alternative in message.alternatives:
        if alternative.mimetype == "text/html":
            lines += ["--- HTML, as text", html_to_text(alternative.content) or "(empty)"]
    return "\n".join(lines)


def complete_address(text: str) -> str | None:
    """``text`` with its last address completed from the users' emails (prefix match)."""
    from tqconsole.models import User

    head, sep, last = text.rpartition(",")
    prefix = last.strip()
    if len(prefix) < 2 or "<" in prefix:
        return None
    match = (
        User.select(User.email)
        .where(User.email.startswith(prefix.lower()))
        .order_by(User.email)
        .limit(1)
        .scalar()
    )
    if not match:
        return None
    return f"{head}{sep}{' ' if sep else ''}{match}"


def draft_for_record(ref: str) -> Draft:
    """A draft addressed to the user of a record (``auth_user/PK``, ``courses_subscribe/PK``)."""
    from tqconsole.services.mail.templates import load_record, recipient

    return Draft(to=recipient(load_record(ref)))


# --- unsent drafts: one file each in the data dir, kept until sent or discarded
DRAFTS = "drafts"
LEGACY_DRAFT = "draft.json"  # the one slot of earlier versions, adopted as a draft


@dataclass
class SavedDraft:
    id: str
    typed: dict  # field name -> text, as typed
    saved: datetime

    def label(self) -> str:
        """One line to pick it by: subject, recipients or query, when it was left."""
        subject = str(self.typed.get("subject") or "").strip() or "(no subject)"
        to = str(self.typed.get("to") or self.typed.get("query") or "").strip() or "(nobody yet)"
        text = f"{subject} — {to} · left {self.saved:%d.%m. %H:%M}"
        return "".join(c if c.isprintable() else "\N{REPLACEMENT CHARACTER}" for c in text)


def new_draft_id() -> str:
    import uuid

    return uuid.uuid4().hex[:16]


def draft_path(data_dir: Path, draft_id: str) -> Path:
    if not draft_id.isalnum():
        raise InvalidInput(f"no draft {draft_id!r}")
    return Path(data_dir) / DRAFTS / f"{draft_id}.json"


def save_draft(data_dir: Path, draft_id: str, typed: dict) -> bool:
    """Keep what was typed under the draft's own id; nothing typed discards it.

    True when a draft is now saved.  Written atomically: a crash leaves the old one.
    Each console (each compose screen) has its own id, so none overwrites another's.
    """
    import json
    import os
    import tempfile

    path = draft_path(data_dir, draft_id)
    if not any(v for v in typed.values() if isinstance(v, str) and v.strip()):
        path.unlink(missing_ok=True)
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".draft-")
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        json.dump(typed, out, ensure_ascii=False)
    os.replace(tmp, path)
    return True


def discard_draft(data_dir: Path, draft_id: str) -> None:
    draft_path(data_dir, draft_id).unlink(missing_ok=True)


def read_draft(path: Path) -> dict | None:
    import json

    try:
        typed = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return typed if isinstance(typed, dict) else None


def list_drafts(data_dir: Path) -> list[SavedDraft]:
    """Every unsent draft, the most recently left first."""
    folder = Path(data_dir) / DRAFTS
    legacy = Path(data_dir) / LEGACY_DRAFT
    if legacy.is_file():
        folder.mkdir(parents=True, exist_ok=True)
        legacy.replace(folder / f"{new_draft_id()}.json")
    drafts = []
    for path in folder.glob("*.json") if folder.is_dir() else ():
        typed = read_draft(path)
        try:
            saved = datetime.fromtimestamp(path.stat().st_mtime)
        except OSError:
            continue  # opened by another console meanwhile
        if typed is not None:
            drafts.append(SavedDraft(path.stem, typed, saved))
    return sorted(drafts, key=lambda d: d.saved, reverse=True)


def claim_draft(data_dir: Path, draft_id: str, new_id: str) -> dict | None:
    """Take a saved draft over under ``new_id`` (what it holds), None when another took it.

    The rename is atomic: two consoles opening the same draft cannot both get it.
    """
    old, new = draft_path(data_dir, draft_id), draft_path(data_dir, new_id)
    try:
        old.rename(new)
    except FileNotFoundError:
        return None
    return read_draft(new)
