"""Textual bindings from the key vocabulary (``tqconsole/keys.py``)."""

from __future__ import annotations

from textual.binding import Binding

from tqconsole.keys import VERBS


def bind(
    verb_id: str,
    action: str,
    description: str = "",
    *,
    show: bool = True,
    priority: bool = False,
) -> Binding:
    """The binding of ``verb_id`` running ``action``; ``description`` words it for this screen."""
    verb = VERBS[verb_id]
    return Binding(
        verb.key,
        action,
        description or verb.description,
        show=show,
        priority=priority,
        key_display=verb.display or None,
        id=verb_id,
    )
