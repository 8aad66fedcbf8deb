"""The top line: where you are (the screen stack), the profile and read-only mode.

When the line is too narrow the oldest places give way first (``… › courses``):
the current place is always shown, cut from its left only when it alone is too long.
"""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static


class Breadcrumbs(Static):
    DEFAULT_CSS = """
    Breadcrumbs {
        dock: top;
        height: 1;
        background: $panel;
        color: $text;
        padding: 0 1;
    }
    """

    def on_mount(self) -> None:
        self.update(self.render_crumbs())

    def render_crumbs(self) -> Text:
        from tqconsole.visible_text import one_line

        app = self.app
        crumbs = [
            one_line(screen.crumb or screen.location)
            for screen in app.screen_stack
            if hasattr(screen, "crumb")  # a console screen (dialogs carry no crumb)
        ]
        settings = app.settings
        badges = []
        if settings.profile:
            badges.append((f" {settings.profile} ", "reverse"))
        if settings.read_only:
            badges.append((" READ-ONLY ", "bold reverse yellow"))
        width = self.size.width - 2 if self.size.width else 0
        badge_len = sum(len(b) + 1 for b, _ in badges)
        text = self.trail(crumbs, width - badge_len - 1 if width else 0)
        if badges:
            pad = max(1, width - text.cell_len - badge_len)
            text.append(" " * pad)
            for label, style in badges:
                text.append(" ")
                text.append(label, style=style)
        return text

    def on_resize(self) -> None:
        self.update(self.render_crumbs())

    @staticmethod
    def trail(crumbs: list[str], room: int) -> Text:
        """``tqconsole › a › b › c`` in ``room`` cells (0: any), dropping from the left."""
        head = "tqconsole"
        dropped = 0
        while room and dropped < len(crumbs) - 1:
            if len(head) + sum(len(c) + 3 for c in crumbs[dropped:]) <= room:
                break
            head, dropped = "…", dropped + 1
        text = Text()
        text.append(head, style="bold")
        for i, crumb in enumerate(crumbs[dropped:]):
            last = i == len(crumbs) - dropped - 1
            if last and room and text.cell_len + 3 + len(crumb) > room:
                crumb = "…" + crumb[-max(1, room - text.cell_len - 4) :]
            text.append(" › ", style="dim")
            text.append(crumb)
        return text
