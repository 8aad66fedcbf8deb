"""Message construction: Django's EmailMessage semantics on the stdlib email package."""

from __future__ import annotations

from email import message_from_bytes, policy
from email.header import decode_header, make_header

import pytest

from tqconsole.backends.mail import BadHeaderError, EmailMessage, EmailMultiAlternatives
from tqconsole.backends.mail.message import AttachmentError, InvalidAddress


@pytest.fixture(scope="module")
def django_mail():
    from django.conf import settings

    from tqconsole.services.mail.templates import DJANGO_SETTINGS

    if not settings.configured:
        settings.configure(**DJANGO_SETTINGS)
    from django.core import mail

    return mail


def tree(msg) -> list:
    """The content types of a message as a nested list (parts in order)."""
    if msg.is_multipart():
        return [msg.get_content_type(), [tree(p) for p in msg.get_payload()]]
    return [msg.get_content_type(), msg.get_filename()]


def parse(data: bytes):
    return message_from_bytes(data, policy=policy.default)


def both(django_mail, cls_name: str, *args, attach=(), html=None, **kwargs):
    ours = globals()[cls_name](*args, **kwargs)
    theirs = getattr(django_mail, cls_name)(*args, **kwargs)
    for m in (ours, theirs):
        if html:
            m.attach_alternative(html, "text/html")
        for a in attach:
            m.attach(*a)
    return ours, theirs


MIXED = dict(
    subject="Grüezi — Kurs",
    body="Hallo Jörg\nbis bald\n",
    from_email="Tanzquotient <info@tanzquotient.org>",
    to=["Jörg Müller <joerg@münchen.de>", "b@example.ch"],
    cc=["c@example.ch"],
    bcc=["hidden@example.ch"],
    reply_to=["office@example.ch"],
    headers={"X-Campaign": "fs26"},
)


@pytest.mark.parametrize(
    "cls_name,html,attach",
    [
        ("EmailMessage", None, ()),
        ("EmailMultiAlternatives", "<p>Hallo</p>", ()),
        (
            "EmailMessage",
            None,
            [("notes.txt", "Notizen", None), ("scan.pdf", b"%PDF\x00\xff", None)],
        ),
        (
            "EmailMultiAlternatives",
            "<p>Hallo</p>",
            [("liste.csv", b"a;b\n1;2\n", None), ("bild.png", b"\x89PNG\r\n", None)],
        ),
    ],
)
def test_structure_headers_and_envelope_match_django(django_mail, cls_name, html, attach):
    ours, theirs = both(django_mail, cls_name, html=html, attach=attach, **MIXED)
    mine = parse(ours.as_bytes())
    django = parse(theirs.message().as_bytes())
    assert tree(mine) == tree(django)
    skip = {"date", "message-id", "content-type"}
    assert {k.lower() for k in mine} == {k.lower() for k in django}
    for name in mine:
        if name.lower() not in skip:
            assert str(mine[name]) == str(django[name]), name
    assert ours.recipients() == theirs.recipients()
    assert "hidden@example.ch" not in ours.as_bytes().decode("utf-8", "replace")
    assert "Bcc" not in mine


def test_alternative_and_attachment_nest_like_django():
    m = EmailMultiAlternatives("s", "text", "a@example.ch", ["b@example.ch"])
    m.attach_alternative("<b>x</b>", "text/html")
    m.attach("f.txt", "content", None)
    assert tree(parse(m.as_bytes())) == [
        "multipart/mixed",
        [
            ["multipart/alternative", [["text/plain", None], ["text/html", None]]],
            ["text/plain", "f.txt"],
        ],
    ]


def test_lists_are_required_and_bare_strings_refused():
    for field in ("to", "cc", "bcc", "reply_to"):
        with pytest.raises(TypeError):
            EmailMessage("s", "b", "a@example.ch", **{field: "x@example.ch"})


@pytest.mark.parametrize(
    "kwargs",
    [
        {"subject": "hi\nBcc: victim@example.ch"},
        {"subject": "hi\rthere"},
        {"headers": {"X-Tag": "a\nb"}},
        {"to": ["a@example.ch\nBcc: x@example.ch"]},
        {"from_email": "a@example.ch\r\nX: y"},
    ],
)
def test_newline_in_any_header_is_refused(kwargs):
    args = {"subject": "s", "body": "b", "from_email": "a@example.ch", "to": ["b@example.ch"]}
    args.update(kwargs)
    with pytest.raises(BadHeaderError) as info:
        EmailMessage(**args).as_bytes()
    assert isinstance(info.value, ValueError)
    assert "line break" in str(info.value)


def test_every_line_break_of_splitlines_is_refused():
    from tqconsole.backends.mail.message import LINE_BREAK

    breaks = [chr(c) for c in range(0x110000) if len(f"a{chr(c)}b".splitlines()) > 1]
    assert all(LINE_BREAK.search(c) for c in breaks), breaks
    assert not LINE_BREAK.search("Zoë Ärni <zoe@münchen.de>\t")


def test_line_break_in_an_attachment_name_is_refused():
    m = EmailMessage("s", "b", "a@example.ch", ["b@example.ch"])
    m.attach("x\x0bContent-Type: text/html.txt", "t")
    with pytest.raises(BadHeaderError):
        m.as_bytes()


def test_idna_domains_and_rfc2047_names():
    m = EmailMessage("Grüsse", "b", "Büro <buero@tänzer.ch>", ["Zoë Ärni <zoe@münchen.de>"])
    raw = m.as_bytes()
    assert raw.isascii() or b"\r\n\r\n" in raw
    headers = raw.split(b"\r\n\r\n", 1)[0].decode("ascii")
    assert "zoe@xn--mnchen-3ya.de" in headers
    assert "buero@xn--tnzer-gra.ch" in headers
    assert "=?utf-8?" in headers
    parsed = parse(raw)
    assert str(make_header(decode_header(parsed["Subject"]))) == "Grüsse"
    assert parsed["To"].addresses[0].display_name == "Zoë Ärni"
    assert m.envelope() == ("buero@xn--tnzer-gra.ch", ["zoe@xn--mnchen-3ya.de"])


def test_date_and_message_id_added_unless_given():
    plain = parse(EmailMessage("s", "b", "a@example.ch", ["b@example.ch"]).as_bytes())
    assert plain["Date"] and plain["Message-ID"]
    given = EmailMessage(
        "s",
        "b",
        "a@example.ch",
        ["b@example.ch"],
        headers={"Date": "Sat, 21 Nov 2026 10:00:00 +0100", "Message-ID": "<fixed@tq>"},
    )
    parsed = parse(given.as_bytes())
    assert parsed["Message-ID"] == "<fixed@tq>"
    assert parsed["Date"] == "Sat, 21 Nov 2026 10:00:00 +0100"
    assert len(parsed.get_all("Message-ID")) == 1


@pytest.mark.parametrize("bad", ["no-at-sign", "a@", "@example.ch", "a b@example.ch", "x@@y.ch"])
def test_invalid_addresses_are_refused(bad):
    with pytest.raises(InvalidAddress) as info:
        EmailMessage("s", "b", "a@example.ch", [bad]).as_bytes()
    assert bad in str(info.value)


def test_non_utf8_text_attachment_goes_as_octet_stream_unchanged():
    latin = "Grüsse aus Zürich".encode("latin-1")
    m = EmailMessage("s", "b", "a@example.ch", ["b@example.ch"])
    m.attach("brief.txt", latin, None)
    part = parse(m.as_bytes()).get_payload()[1]
    assert part.get_content_type() == "application/octet-stream"
    assert part.get_payload(decode=True) == latin


def test_attach_file_guesses_type_and_refuses_missing_or_oversized(tmp_path, monkeypatch):
    csv = tmp_path / "bank.csv"
    csv.write_bytes(b"a,b\n" * 100)
    from tqconsole.backends.mail import get_connection
    from tqconsole.settings import load

    connection = get_connection("dummy://", settings=load())  # the limit is its option
    m = EmailMessage("s", "b", "a@example.ch", ["b@example.ch"], connection=connection)
    m.attach_file(csv)
    assert m.attachments[0].mimetype == "text/csv"
    with pytest.raises(AttachmentError, match="does not exist"):
        m.attach_file(tmp_path / "missing.pdf")
    monkeypatch.setenv("TQ_MAIL_MAX_ATTACHMENT_BYTES", "100")  # read when settings load
    m.connection = get_connection("dummy://", settings=load())
    with pytest.raises(AttachmentError, match="over the limit of 100"):
        m.attach_file(csv)
    with pytest.raises(AttachmentError, match="over the limit"):
        m.attach("big.bin", b"x" * 101, None)
