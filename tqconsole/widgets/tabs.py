"""Tab activations that still hold."""

from __future__ import annotations


def outdated(event) -> bool:
    """A ``TabbedContent.TabActivated`` overtaken by a later switch (keys in one burst).

    Acting on it would focus a widget in its pane, and Textual makes the pane of a
    focused widget the active one: the tab would jump back.
    """
    return event.tabbed_content.active != event.pane.id
