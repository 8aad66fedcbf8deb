"""The top line: where you are (the screen stack), the profile and read-only mode."""

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
        app = self.app
        text = Text()
        text.append("tqconsole", style="bold")
        for screen in app.screen_stack:
            if hasattr(screen, "crumb"):  # a console screen (dialogs carry no crumb)
                text.append(" › ", style="dim")
                text.append(screen.crumb or screen.location)
        settings = app.settings
        badges = []
        if settings.profile:
            badges.append((f" {settings.profile} ", "reverse"))
        if settings.read_only:
            badges.append((" READ-ONLY ", "bold reverse yellow"))
        if badges:
            width = self.size.width - 2 if self.size.width else 0
            badge_len = sum(len(b) + 1 for b, _ in badges)
            pad = max(1, width - text.cell_len - badge_len)
            text.append(" " * pad)
            for label, style in badges:
                text.append(" ")
                text.append(label, style=style)
        return text

    def on_resize(self) -> None:
        self.update(self.render_crumbs())
