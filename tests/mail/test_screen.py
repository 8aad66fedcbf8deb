"""The mail screen: compose, preview, send, bulk job, outbox (Pilot and snapshots)."""

from __future__ import annotations

import asyncio
from datetime import date, datetime

import pytest

from tests.support.tui_support import settle, shown, until
from tqconsole.app import TQConsole
from tqconsole.models.mail import Email, EmailPriority, EmailStatus, Log, OutboxEntry
from tqconsole.settings import load

FIXED = datetime(2026, 11, 21, 9, 30)


def viewer_text(screen) -> str:
    """The lines a TextViewer shows."""
    from textual.widgets import Log

    return "\n".join(line.rstrip() for line in screen.query_one("#viewer-text", Log).lines)


@pytest.fixture
def mail_env(mail_sqlite, smtp_server, monkeypatch):
    monkeypatch.setenv("TQ_EMAIL_URL", smtp_server.url)
    return smtp_server


def po_email(status: int, to: str, subject: str, job: str = "", key: str = "", **fields) -> int:
    """A post_office email as the site's ``mail.send`` writes it (and the console's side row)."""
    email = Email.create(
        from_email="office@example.ch",
        to=to,
        subject=subject,
        message="body",
        status=status,
        priority=EmailPriority.MEDIUM,
        created=FIXED,
        last_updated=FIXED,
        **fields,
    )
    if job or key:
        OutboxEntry.create(email_id=email.id, key=key or f"fixed:{email.id}", job=job)
    return email.id


def fixed_outbox() -> None:
    """post_office emails in each status with their logs, fixed times (stable snapshots)."""
    sent = po_email(EmailStatus.SENT, "ada@example.ch", "Participation confirmed: Salsa 1")
    failed = po_email(
        EmailStatus.FAILED, "bob@example.ch", "Payment reminder: Tango 2", number_of_retries=5
    )
    requeued = po_email(
        EmailStatus.REQUEUED,
        "mia@example.ch",
        "Hello Mia",
        job="bulk-fixed",
        number_of_retries=1,
        scheduled_time=FIXED.replace(minute=45),
    )
    news = po_email(
        EmailStatus.SENT, "zoe@example.ch, gone@example.ch", "Course news", "bulk-fixed"
    )
    logs = [(sent, EmailStatus.SENT, "", "")]
    logs += [(failed, EmailStatus.FAILED, "SMTPRecipientsRefused", "550 5.1.1 mailbox unavailable")]
    logs += [(requeued, EmailStatus.FAILED, "SMTPServerDisconnected", "connection refused")]
    logs += [(news, EmailStatus.SENT, "", 'refused: {"gone@example.ch": "550"}')]
    for email, status, kind, message in logs:
        Log.create(email=email, date=FIXED, status=status, exception_type=kind, message=message)


def salsa_course(*first_names: str, state: str = "confirmed"):
    """A course with one subscription per first name (users u0, u1, … at example.ch)."""
    from tqconsole.models import Course, CourseType, Offering, Period, Subscribe, User

    period = Period.create(date_from=date(2026, 9, 14), date_to=date(2026, 12, 18))
    offering = Offering.create(name="Kurse", period=period)
    course = Course.create(name="Salsa 1", type=CourseType.create(), offering=offering)
    subs = []
    for n, name in enumerate(first_names):
        user = User.create(
            username=f"u{n}", first_name=name, email=f"u{n}@example.ch", date_joined=FIXED
        )
        subs.append(
            Subscribe.create(user=user, course=course, date=FIXED, state=state, usi=f"AAAA{n:02d}")
        )
    return course, subs


async def send_bulk(pilot, subject: str, query: str, body: str, typed: str) -> str:
    """Fill in a bulk message, ctrl+s, type ``typed`` into the confirmation; its question."""
    await type_into(pilot, "#field-subject", subject)
    await type_into(pilot, "#field-query", query)
    await type_into(pilot, "#body", body)
    await pilot.press("ctrl+s")
    await until(pilot, lambda: pilot.app.screen.query("#typed"))
    question = str(pilot.app.screen.query_one(".question").render())
    pilot.app.screen.query_one("#typed").value = typed
    await pilot.press("enter")
    await settle(pilot)
    return question


async def type_into(pilot, selector: str, text: str) -> None:
    """Fill a field (the value set at once: pressing each key would take seconds)."""
    widget = pilot.app.screen.query_one(selector)
    widget.focus()
    if hasattr(widget, "load_text"):
        widget.load_text(text)
    else:
        widget.value = text
    await pilot.pause()


@pytest.mark.asyncio
async def test_compose_preview_and_send(mail_env):
    app = TQConsole(load(), location="mail")
    async with app.run_test(size=(80, 24)) as pilot:
        await type_into(pilot, "#field-to", "ada@example.ch")
        await type_into(pilot, "#field-bcc", "boss@example.ch")
        await type_into(pilot, "#field-subject", "Hallo")
        await type_into(pilot, "#body", "Grüezi")
        await pilot.press("ctrl+o")
        await settle(pilot)
        viewer = app.screen
        text = viewer_text(viewer)
        head, _, body = text.partition("\n\n")  # the blank line between head and body shows
        assert "To: ada@example.ch" in head and "Bcc:" not in head and body
        assert "to 2 recipient(s)" in text and "text/plain" in text
        await pilot.press("escape")
        await pilot.press("ctrl+s")
        await settle(pilot)
        await pilot.press("tab", "enter")
        await settle(pilot)
        assert [m.rcpt_tos for m in mail_env.messages] == [["ada@example.ch", "boss@example.ch"]]
        assert "sent #1" in str(app.screen.query_one("#compose-status").render())
        # the draft is gone: a second ctrl+s cannot mail the same message again
        assert app.screen.query_one("#field-to").value == ""
        assert app.screen.query_one("#body").text == ""


async def draft_picker(pilot):
    """Wait for the list of drafts Mail opens with (it comes after the first paint)."""
    from tqconsole.widgets.dialogs.pick import ChooseDialog

    return await until(
        pilot, lambda: isinstance(pilot.app.screen, ChooseDialog) and pilot.app.screen
    )


def drafts() -> list:
    from tqconsole.services.mail.compose import list_drafts

    return list_drafts(load().data_dir)


@pytest.mark.asyncio
async def test_leaving_compose_keeps_the_draft_until_sent(mail_env):
    app = TQConsole(load(), location="mail")
    async with app.run_test(size=(80, 24)) as pilot:
        await type_into(pilot, "#field-to", "ada@example.ch")
        await type_into(pilot, "#field-subject", "Kept")
        await type_into(pilot, "#body", "half written")
        await pilot.press("escape")  # back to the dashboard: the screen is gone
        await settle(pilot)
        assert app.screen.route == "dashboard" and len(drafts()) == 1
        assert any("draft kept" in n.message for n in app._notifications)
    app = TQConsole(load(), location="mail")  # a new console: the draft is offered
    async with app.run_test(size=(80, 24)) as pilot:
        picker = await draft_picker(pilot)
        assert "1 unsent draft" in str(picker.query_one(".title").render())
        await pilot.press("enter")  # the newest draft
        await settle(pilot)
        assert app.screen.query_one("#field-subject").value == "Kept"
        assert app.screen.query_one("#body").text == "half written"
        assert "draft restored" in str(app.screen.query_one("#compose-status").render())
        await pilot.press("ctrl+s")
        await settle(pilot)
        await pilot.press("tab", "enter")
        await settle(pilot)
        assert [m.rcpt_tos for m in mail_env.messages] == [["ada@example.ch"]]
        assert not drafts()  # sent: a crash now cannot offer it again
        await pilot.press("escape")
        await settle(pilot)
    assert not drafts()


@pytest.mark.asyncio
async def test_every_unsent_draft_is_kept_until_sent_or_discarded(mail_env):
    from tqconsole.models import User

    user = User.create(username="bob", first_name="Bob", email="bob@example.ch", date_joined=FIXED)
    app = TQConsole(load(), location="mail")
    async with app.run_test(size=(80, 24)) as pilot:
        await type_into(pilot, "#field-subject", "First")
        await pilot.press("escape")
        await settle(pilot)
    # `@` on another record: a new message, the first draft stays
    app = TQConsole(load(), location=f"mail/compose/auth_user/{user.id}")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await until(
            pilot, lambda: any("1 unsent draft(s) kept" in n.message for n in app._notifications)
        )
        await type_into(pilot, "#field-subject", "Second")
        await pilot.press("escape")
        await settle(pilot)
    assert sorted(d.typed["subject"] for d in drafts()) == ["First", "Second"]
    # two consoles at once: each keeps its own
    one, two = TQConsole(load(), location="mail"), TQConsole(load(), location="mail")
    async with one.run_test(size=(80, 24)) as p1, two.run_test(size=(80, 24)) as p2:
        for pilot, subject in ((p1, "Third"), (p2, "Fourth")):
            await draft_picker(pilot)
            await pilot.press("escape")  # no draft picked: a new message
            await settle(pilot)
            await type_into(pilot, "#field-subject", subject)
        for pilot in (p1, p2):
            await pilot.press("escape")
            await settle(pilot)
    subjects = sorted(d.typed["subject"] for d in drafts())
    assert subjects == ["First", "Fourth", "Second", "Third"]
    # ctrl+l lists them; discarding is a choice, confirmed
    app = TQConsole(load(), location="mail")
    async with app.run_test(size=(80, 24)) as pilot:
        await draft_picker(pilot)
        await pilot.press("enter")  # the newest
        await settle(pilot)
        picked = app.screen.query_one("#field-subject").value
        await pilot.press("ctrl+l")
        await draft_picker(pilot)
        await pilot.press("end", "enter")  # "Discard the message on the form"
        await until(pilot, lambda: app.screen.__class__.__name__ == "ConfirmDialog")
        await pilot.press("tab", "enter")
        await settle(pilot)
        assert app.screen.query_one("#field-subject").value == ""
        await pilot.press("escape")
        await settle(pilot)
    assert sorted(d.typed["subject"] for d in drafts()) == sorted(set(subjects) - {picked})


@pytest.mark.asyncio
@pytest.mark.parametrize(
    "fields,message",
    [
        ({"to": "not an address", "subject": "x"}, "invalid address"),
        ({"to": "a@example.ch", "subject": "Hi\x0bBcc: all@example.ch"}, "Subject holds a line"),
        ({"to": "a@example.ch", "subject": "Hi", "reply_to": "Eve\u2028 <e@x.ch>"}, "U+2028"),
    ],
)
async def test_bad_input_shows_a_line_and_sends_nothing(mail_env, fields, message):
    app = TQConsole(load(), location="mail")
    async with app.run_test(size=(80, 24)) as pilot:
        for name, value in fields.items():
            await type_into(pilot, f"#field-{name}", value)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert message in str(app.screen.query_one("#compose-status").render())
        assert app.screen.__class__.__name__ == "MailScreen"  # no dialog opened
        assert not mail_env.messages and Email.select().count() == 0


@pytest.mark.asyncio
async def test_bulk_job_from_a_query_with_typed_confirmation(mail_env):
    course, _ = salsa_course(*(f"U{n}" for n in range(7)))
    app = TQConsole(load(), location="mail")
    async with app.run_test(size=(80, 24)) as pilot:
        await type_into(pilot, "#field-subject", "Hi {first_name}")
        await type_into(pilot, "#field-query", f"course={course.id}")
        await type_into(pilot, "#body", "see you in {course}")
        await pilot.press("ctrl+s")
        await settle(pilot)
        await pilot.press(*"6", "enter")  # the wrong count: refused
        await settle(pilot)
        assert not mail_env.messages
        dialog = app.screen
        dialog.query_one("#typed").value = "7"
        await pilot.press("enter")
        await settle(pilot)
        assert sorted(m.rcpt_tos[0] for m in mail_env.messages) == [
            f"u{n}@example.ch" for n in range(7)
        ]
        assert b"Subject: Hi U0" in mail_env.messages[0].original_content
        assert "7 sent" in str(app.screen.query_one("#job-status").render())
        po_email(EmailStatus.SENT, "b@example.ch", "other")
        await pilot.press("ctrl+n")  # the outbox shows the job's recipients, one row each
        await settle(pilot)
        table = app.screen.query_one("#outbox-table")
        assert table.total == 7
        await pilot.press("J")  # every job
        await settle(pilot)
        assert table.total == 8


@pytest.mark.asyncio
async def test_address_completion_from_users(mail_env):
    from tqconsole.models import User

    User.create(username="ada", email="ada.muster@example.ch", date_joined=FIXED)
    app = TQConsole(load(), location="mail")
    async with app.run_test(size=(80, 24)) as pilot:
        await type_into(pilot, "#field-to", "bob@example.ch, ad")
        await pilot.press("a")
        field = app.screen.query_one("#field-to")
        await until(pilot, lambda: field._suggestion)  # the completion is on screen
        await pilot.press("right")  # accept the suggestion
        value = app.screen.query_one("#field-to").value
        assert value == "bob@example.ch, ada.muster@example.ch"


@pytest.mark.asyncio
async def test_outbox_filter_open_requeue_and_resend(mail_env):
    fixed_outbox()
    bob = Email.get(Email.to == "bob@example.ch").id
    app = TQConsole(load(), location="mail/outbox/failed")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        table = app.screen.query_one("#outbox-table")
        assert table.total == 1
        await pilot.press("enter")  # the failed mail shows its log
        await settle(pilot)
        text = viewer_text(app.screen)
        assert "failed SMTPRecipientsRefused 550 5.1.1" in text and "retries: 5" in text
        await pilot.press("escape")
        await pilot.press("R")  # requeue, as the site's admin action: status queued, nothing sent
        await settle(pilot)
        await pilot.press("tab", "enter")
        await settle(pilot)
        await until(pilot, lambda: Email.get_by_id(bob).status == EmailStatus.QUEUED)
        assert not mail_env.messages
        await pilot.press("f")  # failed -> all
        await settle(pilot)
        assert table.total == 4
        table.move_cursor(row=2)  # bob's, newest first
        await pilot.press("ctrl+r")  # send again now
        await settle(pilot)
        await pilot.press("tab", "enter")
        await settle(pilot)
        await until(pilot, lambda: Email.get_by_id(bob).status == EmailStatus.SENT)
        assert mail_env.messages and mail_env.messages[0].rcpt_tos == ["bob@example.ch"]


def test_unknown_mail_location_is_a_message(mail_env):
    from tqconsole.screens.mail import MailScreen

    with pytest.raises(ValueError, match="unknown status"):
        MailScreen.from_location("outbox/lost")
    assert MailScreen.from_location("outbox/sent").location == "mail/outbox/sent"
    assert MailScreen.from_location("compose/auth_user/3").location == "mail/compose/auth_user/3"


@pytest.mark.parametrize("size", [(80, 24), (120, 40), (160, 50)])
def test_snapshot_compose(mail_env, snap_compare, size):
    async def fill(pilot):
        await type_into(pilot, "#field-to", "Ada Muster <ada@example.ch>")
        await type_into(pilot, "#field-subject", "Kursstart Salsa 1")
        await type_into(pilot, "#body", "Hallo Ada\n\nDer Kurs beginnt am Montag.")
        await shown(pilot, lambda: pilot.app.screen.query_one("#body").text.endswith("Montag."))

    assert snap_compare(TQConsole(load(), location="mail"), terminal_size=size, run_before=fill)


@pytest.mark.parametrize("size", [(80, 24), (120, 40), (160, 50)])
def test_snapshot_outbox(mail_env, snap_compare, size):
    fixed_outbox()

    async def loaded(pilot):
        def listed() -> bool:
            table = pilot.app.screen.query("#outbox-table")
            return bool(table) and table.first().total == 4

        await shown(pilot, listed)

    assert snap_compare(
        TQConsole(load(), location="mail/outbox"), terminal_size=size, run_before=loaded
    )


@pytest.mark.asyncio
async def test_email_this_user_location_fills_the_address(mail_env):
    from tqconsole.models import User, database

    user = User.create(username="ada", first_name="Ada", email="ada@example.ch", date_joined=FIXED)
    database.initialize(None)  # as in a fresh console: the screen must open the database itself
    app = TQConsole(load(), location=f"mail/compose/auth_user/{user.id}")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert app.screen.query_one("#field-to").value == "Ada <ada@example.ch>"


def pending_timers(screen) -> int:
    """Timers of the screen itself still waiting to fire (one-shot or repeating)."""
    return sum(1 for t in screen._timers if t._task is not None and not t._task.done())


@pytest.mark.asyncio
async def test_refresh_never_adds_a_poller(mail_env):
    fixed_outbox()
    app = TQConsole(load(), location="mail/outbox")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = app.screen
        before = pending_timers(screen)
        for _ in range(5):
            await pilot.press("r")
            await settle(pilot)
        assert screen.query_one("#outbox-table").total == 4
        assert pending_timers(screen) == before


def test_one_key_one_verb_on_the_mail_screen_and_its_panels():
    from tests.app.test_keys import console_bindings
    from tqconsole.keys import VERBS
    from tqconsole.screens.mail import MailScreen
    from tqconsole.widgets.mail_compose import ComposeForm
    from tqconsole.widgets.mail_fields import MessageFields
    from tqconsole.widgets.mail_outbox import OutboxPanel

    mail = [
        b
        for cls in (MailScreen, ComposeForm, MessageFields, OutboxPanel)
        for b in console_bindings(cls)
    ]
    assert [b.key for b in mail if b.id not in VERBS] == []
    by_key: dict[str, set[str]] = {}
    for binding in mail + console_bindings(TQConsole):
        for key in binding.key.split(","):
            by_key.setdefault(key.strip(), set()).add(binding.id)
    assert {key: ids for key, ids in by_key.items() if len(ids) > 1} == {}


@pytest.mark.asyncio
async def test_keys_help_lists_each_tab_with_its_help(mail_env):
    from tqconsole.widgets.keys_help import KeysHelp

    def listed(help_screen) -> dict[str, str]:
        return {what: keys for _, entries in help_screen.groups for keys, what in entries}

    app = TQConsole(load(), location="mail")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        compose = KeysHelp(app.screen)  # `?` is typed into the field here: built as `?` would
        assert compose.help.startswith("**Compose**")
        keys = listed(compose)
        assert keys["Send"] == "^s" and keys["Drafts"] == "^l" and keys["Compose/Outbox"] == "^n"
        assert "Cancel job" not in keys  # no job runs
        await pilot.press("ctrl+n")
        await settle(pilot)
        await pilot.press("question_mark")
        outbox = await until(pilot, lambda: isinstance(app.screen, KeysHelp) and app.screen)
        assert outbox.help.startswith("**Outbox**")
        keys = listed(outbox)
        assert keys["Send again now"] == "^r" and keys["Refresh"] == "r"
        assert "All jobs" not in keys  # no job's rows only
        assert keys["Status filter"] == "f" and keys["Compose/Outbox"] == "^n"


@pytest.mark.asyncio
async def test_a_line_break_from_a_record_refuses_the_bulk_job(mail_env):
    course, (*_, sub) = salsa_course("Ada", "Bob", "Eve\x1cBcc: all@example.ch")
    app = TQConsole(load(), location="mail")
    async with app.run_test(size=(80, 24)) as pilot:
        await type_into(pilot, "#field-subject", "Hi {first_name}")
        await type_into(pilot, "#field-query", f"course={course.id}")
        await pilot.press("ctrl+s")  # refused while checking, before the confirmation
        await settle(pilot)
        status = str(app.screen.query_one("#compose-status").render())
        assert f"courses_subscribe/{sub.id}" in status and "U+001C" in status
        assert app.screen.__class__.__name__ == "MailScreen"
        assert not mail_env.messages and Email.select().count() == 0


@pytest.mark.asyncio
async def test_staff_action_on_screen_shows_a_refused_mail(mail_env):
    _, (sub,) = salsa_course("Eve\x0bBcc: x@example.ch", state="new")
    app = TQConsole(load(), location=f"models/courses_subscribe/{sub.id}")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        screen = app.screen
        outcome = await asyncio.to_thread(
            screen.apply_staff_action, "confirm", [sub.id], {"allow_singles": True}
        )
        screen.show_outcome(outcome)
        await settle(pilot)
        messages = [n.message for n in app._notifications]
        assert any("1 mail(s) NOT sent" in m for m in messages)
        assert any(m.startswith("AAAA00: mail refused") and "U+000B" in m for m in messages)


@pytest.mark.asyncio
async def test_the_same_bulk_message_twice_needs_a_confirmation_naming_the_job(mail_env):
    course, _ = salsa_course(*[""] * 9)

    async def send(pilot, typed: str) -> str:
        return await send_bulk(pilot, "Kursausfall", f"course={course.id}", "kein Kurs", typed)

    app = TQConsole(load(), location="mail")
    async with app.run_test(size=(100, 30)) as pilot:
        await send(pilot, "9")
        assert len(mail_env.messages) == 9
        # sent: the message left the form, so ctrl+s cannot send it again by itself
        assert app.screen.query_one("#field-subject").value == ""
        assert app.screen.query_one("#body").text == ""
        job = OutboxEntry.select(OutboxEntry.job).first().job
        question = await send(pilot, "9")  # the count alone no longer confirms
        assert f"already went to this query: job {job}" in question
        assert len(mail_env.messages) == 9 and app.screen.__class__.__name__ != "MailScreen"
        app.screen.query_one("#typed").value = "again"
        await pilot.press("enter")
        await settle(pilot)
        assert len(mail_env.messages) == 18


@pytest.mark.asyncio
async def test_bulk_preview_shows_the_bodies_of_the_first_recipients(mail_env):
    course, _ = salsa_course("Ada", "Bea", "Cleo", "Dora")
    app = TQConsole(load(), location="mail")
    async with app.run_test(size=(80, 24)) as pilot:
        await type_into(pilot, "#field-subject", "Hi {first_name}")
        await type_into(pilot, "#field-query", f"course={course.id}")
        await type_into(pilot, "#body", "see you in *{course}*, {first_name}")
        await pilot.press("ctrl+b", "ctrl+o")  # with an HTML part from the Markdown
        await until(pilot, lambda: app.screen.query("#viewer-text"))
        text = viewer_text(app.screen)
        assert "bulk job: 4 messages" in text
        for n, name in enumerate(("Ada", "Bea", "Cleo"), 1):
            assert f"=== {n} of 4: u{n - 1}@example.ch\nSubject: Hi {name}" in text
            assert f"see you in *Salsa 1*, {name}" in text  # the text part
            assert f"see you in Salsa 1, {name}" in text  # the HTML part, as text
        assert "Dora" not in text
        assert not mail_env.messages


@pytest.mark.asyncio
async def test_unknown_placeholder_is_an_error_before_sending(mail_env):
    course, _ = salsa_course("Ada")
    app = TQConsole(load(), location="mail")
    async with app.run_test(size=(80, 24)) as pilot:
        await type_into(pilot, "#field-subject", "Hi {frist_name}")
        await type_into(pilot, "#field-query", f"course={course.id}")
        for key in ("ctrl+o", "ctrl+s"):
            await pilot.press(key)
            await settle(pilot)
            line = str(app.screen.query_one("#compose-status").render())
            assert "unknown placeholder (subject: {frist_name})" in line
            assert app.screen.__class__.__name__ == "MailScreen"  # no preview, no dialog
        assert "{first_name}" in line and "{open_amount}" in line
        assert not mail_env.messages and Email.select().count() == 0


@pytest.mark.asyncio
async def test_from_offers_the_senders_and_is_sent(mail_env):
    app = TQConsole(load(), location="mail")
    async with app.run_test(size=(80, 24)) as pilot:
        sender = app.screen.query_one("#field-from")
        assert sender.placeholder.startswith(app.screen.settings.default_from_email)
        sender.focus()
        await pilot.press(*"fin")
        await until(pilot, lambda: sender._suggestion == "finanzen@tanzquotient.org")
        await pilot.press("right")
        assert sender.value == "finanzen@tanzquotient.org"
        await type_into(pilot, "#field-to", "ada@example.ch")
        await type_into(pilot, "#field-subject", "Rechnung")
        await pilot.press("ctrl+s")
        await settle(pilot)
        await pilot.press("tab", "enter")
        await until(pilot, lambda: mail_env.messages)
        assert mail_env.messages[0].mail_from == "finanzen@tanzquotient.org"
