"""Helpers of the Pilot tests: open the console at a place, let its workers finish, wait."""

from __future__ import annotations

import time


def app_at(location: str):
    from tqconsole.app import TQConsole
    from tqconsole.settings import load

    return TQConsole(load(), location=location)


async def settle(pilot, rounds: int = 4) -> None:
    """Let the screen's workers finish and their results reach the screen."""
    await pilot.pause()
    for _ in range(rounds):
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()


async def until(pilot, predicate, timeout: float = 15.0, interval: float = 0.05):
    """Wait for ``predicate`` while the app's event loop keeps running (timers, workers).

    A blocking wait here would freeze the loop and with it whatever the test waits for.
    """
    deadline = time.monotonic() + timeout
    while not (value := predicate()):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {predicate}")
        await pilot.pause(interval)
    return value
