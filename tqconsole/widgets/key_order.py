"""Keys reach the console one at a time, each where the key before it sent the focus.

A paste or a lagging SSH link delivers many keys in one read of the terminal, and
Textual forwards them all to the focused widget at once: the key bindings of the
first (``/`` opens a filter field) run only after the rest were already handed to
the table, so typed text ran the screen's single-key actions.  ``KeyOrder`` holds
each key (and paste) until the one before it has passed the widgets, its binding
has run and the screen has refreshed (a field it opened has the focus); a dialog
only takes keys typed after it opened, and a printable key that still meets a text
field with the focus is typed into it, never read as a binding.
"""

from __future__ import annotations

from collections import deque
from weakref import WeakKeyDictionary

from textual import events
from textual._time import get_time  # the clock Textual stamps each event with
from textual.message import Message
from textual.message_pump import MessagePump
from textual.screen import ModalScreen, Screen, SystemModalScreen
from textual.widgets import Input

# A key whose way seems lost without its widget or screen going away is given up
# after this long, so the keys behind it still come through (never seen so far:
# a safety net, long enough for a loaded machine).
GIVE_UP = 10.0


class KeyPassed(Message):
    """Follows a key through the widgets it was handed to; reaching the app, it has passed."""

    def __init__(self, serial: int) -> None:
        super().__init__()
        self.serial = serial


def takes_text(widget) -> bool:
    """A field that types printable keys (so none of them is a binding there)."""
    from textual.widgets import TextArea  # here: the console starts without it

    if isinstance(widget, TextArea):
        return not widget.read_only
    return isinstance(widget, Input)


def shown(widget) -> bool:
    """Not hidden with an ancestor (the pane of a tab switched away from)."""
    return widget is None or all(node.display for node in widget.ancestors_with_self)


def wants_fresh_keys(screen: Screen) -> bool:
    """Dialogs (confirmations above all) answer only keys typed after they opened."""
    return isinstance(screen, ModalScreen) and not isinstance(screen, SystemModalScreen)


class KeyOrder:
    """The app's queue of keys not yet handed on; see the module's docstring."""

    def __init__(self, app, dispatch) -> None:
        self.app = app
        self.dispatch = dispatch  # Textual's own handling of a key (priority bindings, forward)
        self.held: deque[events.Event] = deque()
        self.opened: WeakKeyDictionary[Screen, float] = WeakKeyDictionary()
        self.current: events.Event | None = None
        self.target: MessagePump | None = None
        self.waiting_on: MessagePump | None = None
        self.since = 0.0
        self.serial = 0
        self.reached_app = False
        self.before: tuple = (None, None)  # (screen, focused) when the key was handed on

    @property
    def busy(self) -> bool:
        return self.current is not None or bool(self.held)

    def screen_opened(self, screen: Screen) -> None:
        self.opened[screen] = get_time()

    async def arrive(self, event: events.Event) -> None:
        self.held.append(event)
        if self.current is None:
            await self.hand_on()

    async def hand_on(self) -> None:
        """Hand the oldest held key to the focused widget (or the screen)."""
        while self.current is None and self.held:
            event = self.held.popleft()
            screen = self.app.screen
            if wants_fresh_keys(screen) and event.time < self.opened.get(screen, 0.0):
                continue  # typed before the dialog opened: not an answer to it
            target = self.target = self.app.focused or screen
            self.serial += 1
            self.current, self.reached_app, self.since = event, False, get_time()
            self.before = (screen, self.app.focused)
            await self.dispatch(event)
            if event.is_forwarded and target.post_message(KeyPassed(self.serial)):
                self.waiting_on = target  # a priority binding would have taken it instead
            else:  # a priority binding took it
                self.after_bindings()

    def reached(self, event: events.Key) -> bool:
        """The key came back to the app unhandled: False if its bindings must not run.

        A printable key that meets a text field with the focus was meant for that
        field (it was handed on before the field took the focus): it is typed there.
        """
        current = event is self.current
        if current:
            self.reached_app = True
        focused = self.app.focused
        if not (event.is_printable and takes_text(focused)):
            return True
        if current and self.target is not focused:
            copy = events.Key(event.key, event.character)
            copy.set_sender(self.app)
            focused._forward_event(copy)
        return False

    def passed(self, message: KeyPassed) -> None:
        if message.serial != self.serial or self.current is None:
            return
        if self.reached_app:  # a binding may have run: let what it set off happen first
            self.after_bindings()
        else:
            self.release(self.serial)

    def after_bindings(self) -> None:
        """After what the binding queued (``focus()`` queues the change): settled yet?"""
        self.waiting_on = self.app.screen
        self.app.call_later(self.settle, self.serial)

    def settle(self, serial: int) -> None:
        if serial != self.serial or self.current is None:
            return
        focused = self.app.focused
        screen, was_focused = self.before
        if self.app.screen is screen and focused is was_focused and shown(focused):
            self.release(serial)
        else:  # the new screen, field or tab takes the focus once painted
            self.waiting_on = self.app.screen
            self.app.call_after_refresh(self.release, serial)

    def release(self, serial: int) -> None:
        if serial != self.serial or self.current is None:
            return
        self.current = self.target = self.waiting_on = None
        self.app.call_later(self.hand_on)

    def check_stuck(self) -> None:
        """Give up on a key whose widget went away (or that waits implausibly long)."""
        if self.current is None:
            return
        pump = self.waiting_on
        gone = pump is not None and not (pump.is_running and pump.is_attached)
        if isinstance(pump, Screen) and pump not in self.app.screen_stack:
            gone = True
        if gone or get_time() - self.since > GIVE_UP:
            self.release(self.serial)
