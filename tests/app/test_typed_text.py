"""Typed text never acts: keys of one burst go where the key before them sent the focus.

A paste or a lagging SSH link delivers many keys in one read of the terminal; the
driver posts them all to the app's queue at once.  ``burst`` does the same here,
without the pauses ``pilot.press`` makes between keys.
"""

from __future__ import annotations

import pytest

from tests.db.test_screen import db_rows
from tests.support.tui_support import settle, until
from tqconsole.app import TQConsole
from tqconsole.settings import load

pytestmark = pytest.mark.asyncio


def burst(app, *keys: str) -> None:
    """Post ``keys`` to the app's queue in one go, as the terminal driver does for one read."""
    import unicodedata

    from textual import events
    from textual.keys import _character_to_key, _get_unicode_name_from_key

    for key in keys:
        if len(key) == 1 and not key.isalnum():
            key = _character_to_key(key)
        try:
            char = unicodedata.lookup(_get_unicode_name_from_key(key))
        except KeyError:
            char = key if len(key) == 1 else None
        event = events.Key(key, char)
        event.set_sender(app)
        app.post_message(event)


async def drained(pilot) -> None:
    """Wait until every posted key has been handled (the app's queue is empty and stays so)."""
    app = pilot.app
    order = getattr(app, "key_order", None)
    await until(pilot, lambda: app._message_queue.empty() and not (order and order.busy))
    await settle(pilot)


def states():
    return db_rows("SELECT id, state, paymentmethod FROM courses_subscribe ORDER BY id")


def field_value(app, selector: str) -> str:
    from textual.widgets import Input

    return app.screen.query_one(selector, Input).value


@pytest.mark.parametrize("deliver", ["queue", "pilot"])
async def test_burst_after_slash_goes_into_the_filter(demo_sqlite, deliver):
    before = states()
    app = TQConsole(load(), location="models/courses_subscribe")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        screen = app.screen
        text = "/paymentmethod=counter"
        if deliver == "queue":
            burst(app, *text)
            await drained(pilot)
        else:
            await pilot.press(*text)
            await settle(pilot)
        assert app.screen is screen, f"a key opened {app.screen!r}"
        assert field_value(app, "#filter-input") == "paymentmethod=counter"
        burst(app, "enter")
        await drained(pilot)
        assert app.screen is screen
        assert screen.filter_text == "paymentmethod=counter"
    assert states() == before


async def test_burst_after_colon_goes_into_the_command_line(demo_sqlite):
    app = TQConsole(load(), location="models/courses_subscribe")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        screen = app.screen
        burst(app, *":mo", "tab", *"payment")
        await drained(pilot)
        assert app.screen is screen, f"a key opened {app.screen!r}"
        # tab completed the location; the rest was typed after it
        assert field_value(app, "#command-input") == "modelspayment"


async def test_tab_in_the_command_line_completes_and_keeps_focus(demo_sqlite):
    from textual.widgets import Input

    app = TQConsole(load(), location="models/courses_subscribe")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press(":", "m", "o", "tab")
        await settle(pilot)
        field = app.screen.query_one("#command-input", Input)
        assert app.focused is field
        assert field.value == "models"
        await pilot.press("tab", *"paymnt")  # nothing more to complete: tab stays
        assert app.focused is field
        assert field.value == "modelspaymnt"


async def test_keys_queued_before_a_confirmation_do_not_answer_it(demo_sqlite):
    """`a` opens the admit confirmation; the `y` and enter behind it in the burst are dropped."""
    from tqconsole.widgets.dialogs.confirm import ConfirmDialog

    sub = db_rows("SELECT id FROM courses_subscribe WHERE state = 'waiting_list' LIMIT 1")
    sub = sub[0][0] if sub else db_rows("SELECT id FROM courses_subscribe LIMIT 1")[0][0]
    before = states()
    app = TQConsole(load(), location=f"models/courses_subscribe/{sub}")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        burst(app, "a", "y", "enter", "enter")
        await drained(pilot)
        assert isinstance(app.screen, ConfirmDialog)
        burst(app, "y")  # a letter of ordinary words no longer confirms
        await drained(pilot)
        assert isinstance(app.screen, ConfirmDialog)
        assert states() == before
        burst(app, "escape")
        await drained(pilot)
        assert not isinstance(app.screen, ConfirmDialog)
    assert states() == before


async def test_enter_typed_after_the_confirmation_opened_confirms(demo_sqlite):
    from tqconsole.widgets.dialogs.confirm import ConfirmDialog

    sub = db_rows("SELECT id FROM courses_subscribe WHERE state = 'new' ORDER BY id LIMIT 1")[0][0]
    app = TQConsole(load(), location=f"models/courses_subscribe/{sub}")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("w")
        await until(pilot, lambda: isinstance(app.screen, ConfirmDialog))
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        await until(
            pilot,
            lambda: (
                db_rows("SELECT state FROM courses_subscribe WHERE id = ?", sub)[0][0]
                == "waiting_list"
            ),
        )


async def test_framed_confirmation_wants_enter_on_its_button(demo_sqlite):
    from textual.widgets import Button

    from tqconsole.widgets.dialogs.confirm import ConfirmDialog

    answers = []
    app = TQConsole(load(), location="models")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        app.push_screen(ConfirmDialog("Delete", "delete x?"), answers.append)
        await until(pilot, lambda: isinstance(app.screen, ConfirmDialog))
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        assert answers == [] and isinstance(app.screen, ConfirmDialog)
        await pilot.press("tab")
        assert isinstance(app.focused, Button) and app.focused.id == "ok"
        await pilot.press("enter")
        await until(pilot, lambda: answers == [True])


async def test_burst_of_tab_keys_in_the_task_monitor_moves_each_time(demo_sqlite, redis_url):
    from textual.widgets import TabbedContent

    app = TQConsole(load(), location="tasks")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        tabs = app.screen.query_one(TabbedContent)
        start = tabs.active
        burst(app, "l", "l", "l")
        await drained(pilot)
        from tqconsole.widgets.task_tables import TABS

        # the last key may still be on its way from the app to the screen
        third = TABS[(TABS.index(start) + 3) % len(TABS)]
        await until(pilot, lambda: tabs.active == third)
        await drained(pilot)
        assert tabs.active == third


async def test_burst_after_slash_in_the_task_monitor_goes_into_its_filter(demo_sqlite, redis_url):
    app = TQConsole(load(), location="tasks")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        screen = app.screen
        burst(app, *"/name~export")  # from the pending tab: the filter is on history
        await drained(pilot)
        assert app.screen is screen, f"a key opened {app.screen!r}"
        assert field_value(app, "#history-filter") == "name~export"


@pytest.mark.parametrize("location", ["record", "models", "cache", "mail/outbox", "tasks"])
async def test_burst_after_colon_acts_on_no_screen(demo_sqlite, location):
    """The `:` line on every screen with single-key actions takes the whole burst."""
    if location == "record":
        sub = db_rows("SELECT id FROM courses_subscribe WHERE state = 'new' LIMIT 1")[0][0]
        location = f"models/courses_subscribe/{sub}"
    before = states()
    app = TQConsole(load(), location=location)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        screen = app.screen
        burst(app, *":waxcmdnuyeTXFRrq")
        await drained(pilot)
        assert app.screen is screen, f"a key opened {app.screen!r}"
        assert field_value(app, "#command-input") == "waxcmdnuyeTXFRrq"
    assert states() == before


async def test_paste_in_a_burst_after_slash_goes_into_the_filter(demo_sqlite):
    from textual import events

    app = TQConsole(load(), location="models/courses_subscribe")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        burst(app, "/")
        paste = events.Paste("state=new")
        paste.set_sender(app)
        app.post_message(paste)
        await drained(pilot)
        assert field_value(app, "#filter-input") == "state=new"
