"""Inputs where tab completes (and keeps the focus): locations, local file and folder names."""

from __future__ import annotations

import os
from pathlib import Path

from textual.suggester import Suggester
from textual.widgets import Input

from tqconsole.widgets.bindings import bind


class PathSuggester(Suggester):
    """Suggests the first entry of the typed folder that starts with the typed name."""

    def __init__(self) -> None:
        super().__init__(use_cache=False, case_sensitive=True)

    async def get_suggestion(self, value: str) -> str | None:
        if not value:
            return None
        folder, _, start = value.rpartition("/")
        absolute = value.startswith("/")
        base = Path(os.path.expanduser(folder)) if folder else Path("/" if absolute else ".")
        try:
            names = sorted(
                entry.name + ("/" if entry.is_dir() else "")
                for entry in os.scandir(base)
                if entry.name.startswith(start)
                and (start.startswith(".") or not entry.name.startswith("."))
            )
        except OSError:
            return None
        if not names or names[0] == start:
            return None
        return f"{folder}/{names[0]}" if folder or absolute else names[0]


class CompletingInput(Input):
    """Tab takes the suggestion (as → does) and never moves the focus out of the field:
    what is typed after it must still go into the field, not to the screen's keys."""

    BINDINGS = [bind("input.complete", "cursor_right", show=False)]


class PathInput(CompletingInput):
    def __init__(self, value: str = "", **kwargs) -> None:
        super().__init__(value, suggester=PathSuggester(), **kwargs)
