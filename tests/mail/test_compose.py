"""Drafts as the compose screen and the CLI build them: addresses, attachments from buckets, preview."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from tqconsole.backends.mail.message import AttachmentError, InvalidAddress
from tqconsole.errors import InvalidInput, NotFound
from tqconsole.services.mail.compose import (
    Draft,
    addresses,
    build,
    complete_address,
    draft_for_record,
    preview,
    read_text_file,
)


class TinyStorage:
    """The storage API the buckets feature offers: ``read(key) -> bytes``."""

    def __init__(self, objects: dict[str, bytes]):
        self.objects = objects

    def read(self, key: str) -> bytes:
        try:
            return self.objects[key]
        except KeyError:
            raise NotFound(f"no object {key}") from None


def test_addresses_accept_commas_semicolons_and_names():
    assert addresses('a@x.ch; "Muster, Ada" <ada@x.ch>, b@y.ch') == [
        "a@x.ch",
        '"Muster, Ada" <ada@x.ch>',
        "b@y.ch",
    ]
    with pytest.raises(InvalidAddress):
        addresses("a@x.ch, nonsense")


def test_attachment_from_a_bucket_and_preview():
    storages = {"finance": TinyStorage({"bank/zkb-2026-10.csv": b"date;amount\n"})}
    draft = Draft(
        to="a@example.ch",
        bcc="boss@example.ch",
        subject="Abrechnung",
        body="# Oktober\n\nim Anhang",
        markdown_html=True,
        attachments=["finance:bank/zkb-2026-10.csv"],
    )
    message = build(draft, None, storages)
    assert message.attachments[0].filename == "zkb-2026-10.csv"
    assert message.attachments[0].content == "date;amount\n"
    assert "<h1>Oktober</h1>" in message.alternatives[0].content
    text = preview(message)
    assert (
        "multipart/mixed" in text and "text/csv  zkb-2026-10.csv  13 bytes" in text
    )  # CRLF on the wire
    assert "to 2 recipient(s)" in text and "bcc (envelope only): boss@example.ch" in text
    with pytest.raises(AttachmentError, match="no such object"):
        build(Draft(to="a@x.ch", subject="s", attachments=["finance:missing.csv"]), None, storages)


def test_draft_errors_name_the_field(tmp_path):
    with pytest.raises(InvalidInput, match="no recipient"):
        build(Draft(subject="s"), None)
    with pytest.raises(InvalidInput, match="subject is empty"):
        build(Draft(to="a@x.ch"), None)
    latin = tmp_path / "brief.txt"
    latin.write_bytes("Grüsse".encode("latin-1"))
    with pytest.raises(InvalidInput, match="not UTF-8 text .byte 0xfc at offset 2"):
        read_text_file(str(latin), "body file")


def test_completion_and_email_this_user(mail_sqlite):
    from tqconsole.models import User

    user = User.create(
        username="ada", first_name="Ada", last_name="Muster", email="ada@example.ch",
        date_joined=datetime(2026, 1, 1),
    )  # fmt: skip
    assert complete_address("bob@x.ch, ad") == "bob@x.ch, ada@example.ch"
    assert complete_address("zz") is None
    assert draft_for_record(f"auth_user/{user.id}").to == "Ada Muster <ada@example.ch>"


def test_recipient_queries(demo_sqlite):
    from tests.conftest import make_backends
    from tqconsole.models import Course, Subscribe, User
    from tqconsole.models.choices import SubscribeState
    from tqconsole.services.mail import bulk as bulk_mail

    def recipients_from_query(text):
        return bulk_mail.recipients_from_query(text, None)

    b = make_backends()
    b.database  # noqa: B018
    course = Course.select().order_by(Course.id).first()
    accepted = Subscribe.select().where(
        (Subscribe.course == course.id) & Subscribe.state.in_(SubscribeState.ACCEPTED)
    )
    found = recipients_from_query(f"course={course.id}")
    assert len(found) == accepted.count() > 0
    assert found[0].record.startswith("courses_subscribe/") and found[0].context["usi"]
    waiting = recipients_from_query(f"course={course.id} state in (waiting_list,new)")
    assert all(r.context["state"] in ("waiting_list", "new") for r in waiting)
    staff = recipients_from_query("users: is_staff=true")
    assert (
        len(staff) == User.select().where(User.is_staff, User.is_active, User.email != "").count()
    )
    assert staff[0].record.startswith("auth_user/")
    assert all("ethz" in r.address for r in recipients_from_query("user.email~ethz"))
    assert all("ethz" in r.address for r in recipients_from_query("auth_user:email~ethz"))
    by_name = recipients_from_query(f'course.name~"{course.name}"')
    assert {r.record for r in by_name} >= {r.record for r in found}
    either = recipients_from_query(f"course={course.id} (state=new or state=waiting_list)")
    assert {r.record for r in either} == {r.record for r in waiting}
    period = course.period_id or course.offering.period_id
    assert recipients_from_query(f"period={period}")
    assert recipients_from_query(f"period={period} state=confirmed course={course.id}") == [
        r for r in found if r.context["state"] == "confirmed"
    ]
    for bad, message in [
        ("course=abc", "recipients query: .*at column 8"),
        ("state=lost course=1", "recipients query: .*lost"),
        ("colour=red", "unknown column 'colour' of courses_subscribe"),
        ("users: colour=red", "unknown column 'colour' of auth_user.*at column 8"),
        ("groups: name=x", "no table 'groups'"),
        ("course=(1", "recipients query"),
        ("", "say whom"),
        ("users:", "say whom"),
    ]:
        with pytest.raises(InvalidInput, match=message):
            recipients_from_query(bad)
    b.close()


def test_html_as_text_reads_like_a_mail_client():
    from tqconsole.services.mail.compose import html_to_text

    html = (
        "<html><head><style>p { color: red }</style></head><body><h1>Hi  Anna</h1>"
        '<p>Pay <a href="https://x.ch/pay">here</a>.</p><ul><li>a</li><li>b &amp; c</li></ul>'
    )
    assert html_to_text(html) == "Hi Anna\n\nPay here <https://x.ch/pay>.\n\n• a\n\n• b & c"


def test_sender_addresses_default_to_the_sites():
    from tqconsole.settings import Settings

    senders = Settings(urls={}, data_dir=Path(".")).sender_addresses
    assert senders[0] == "anmeldungen@tanzquotient.org" and "finanzen@tanzquotient.org" in senders
    assert Settings(urls={}, data_dir=Path(".")).sender_addresses is not senders  # not shared
