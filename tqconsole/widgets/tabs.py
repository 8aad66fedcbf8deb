"""Tabs that switch only when asked, and tab activations that still hold."""

from __future__ import annotations

from textual.widgets import TabbedContent, TabPane


class KeyTabs(TabbedContent):
    """A ``TabbedContent`` that switches by its keys alone.

    Textual's makes the pane of a newly focused widget the active one.  A focus
    still on its way when the next tab key arrives (keys in one burst) then
    switches back; the console switches tabs explicitly and never needs that.
    """

    def _on_tab_pane_focused(self, event: TabPane.Focused) -> None:
        event.stop()
        event.prevent_default()  # not TabbedContent's handler: the tab stays


def outdated(event: TabbedContent.TabActivated) -> bool:
    """An activation overtaken by a later switch: its pane is no longer shown, so
    nothing in it should take the focus."""
    return event.tabbed_content.active != event.pane.id
