"""An Input for local paths: completes file and folder names as you type (tab or → accepts)."""

from __future__ import annotations

import os
from pathlib import Path

from textual.binding import Binding
from textual.suggester import Suggester
from textual.widgets import Input


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


class PathInput(Input):
    BINDINGS = [Binding("tab", "cursor_right", "Complete", show=False)]

    def __init__(self, value: str = "", **kwargs) -> None:
        super().__init__(value, suggester=PathSuggester(), **kwargs)
