"""Helpers of the Pilot tests: open the console at a place, let its workers finish, wait.

Tests wait for what they check, never for time: ``until`` polls a condition
while the event loop runs; ``shown`` is the wait before a snapshot (the data
on screen, no work still running, steady cursors).
"""

from __future__ import annotations

import time


def app_at(location: str):
    from tqconsole.app import TQConsole
    from tqconsole.settings import load

    return TQConsole(load(), location=location)


async def settle(pilot, rounds: int = 4) -> None:
    """Let the screen's workers finish and their results reach the screen."""
    from textual.worker import WorkerCancelled

    await pilot.pause()
    for _ in range(rounds):
        try:
            await pilot.app.workers.wait_for_complete()
        except WorkerCancelled:  # an exclusive worker replaced by a newer one: the next round waits
            pass
        await pilot.pause()


async def until(pilot, predicate, timeout: float = 30.0, interval: float = 0.05):
    """Wait for ``predicate`` while the app's event loop keeps running (timers, workers).

    A blocking wait here would freeze the loop and with it whatever the test waits for.
    """
    deadline = time.monotonic() + timeout
    while not (value := predicate()):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {predicate}")
        await pilot.pause(interval)
    return value


def idle(app) -> bool:
    """No worker of the console is pending or running."""
    return all(w.is_finished for w in app.workers)


async def shown(pilot, predicate, timeout: float = 30.0) -> None:
    """Before a snapshot: wait until ``predicate`` (the data the picture shows) holds and
    no worker is still running, then make blinking cursors steady (a blink is a timer:
    under load the shot could fall on either phase)."""
    await until(pilot, lambda: predicate() and idle(pilot.app), timeout)
    steady_cursors(pilot.app)
    await pilot.pause()


def steady_cursors(app) -> None:
    from textual.widgets import Input, TextArea

    for widget in app.screen.query("Input, TextArea"):
        if isinstance(widget, Input | TextArea):
            widget.cursor_blink = False
