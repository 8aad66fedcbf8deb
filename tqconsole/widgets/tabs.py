"""Tabs that switch by their keys alone."""

from __future__ import annotations

from textual.widgets import TabbedContent, TabPane


class KeyTabs(TabbedContent):
    """A ``TabbedContent`` that switches only when asked, and announces only the tab
    it shows.

    Textual's makes the pane of a newly focused widget the active one, and a screen
    focuses the new tab's table when the activation reaches it.  With tab keys in
    one burst, an activation can arrive after a later switch: its focus would
    switch back.  Here focus never switches tabs, and an activation overtaken by a
    later switch stops at the tabs (the later one follows).
    """

    def _on_tab_pane_focused(self, event: TabPane.Focused) -> None:
        event.stop()
        event.prevent_default()  # not TabbedContent's handler: the tab stays

    def on_tabbed_content_tab_activated(self, event: TabbedContent.TabActivated) -> None:
        if event.tabbed_content is self and event.pane.id != self.active:
            event.stop()
