"""Textual bindings from the key vocabulary (``tqconsole/keys.py``)."""

from __future__ import annotations

import functools
from collections.abc import Callable

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


# Actions that change data: a read-only console neither offers nor runs them.
WRITE_ACTIONS = frozenset(
    {
        "clear_all",
        "clear_pattern",
        "confirm_waiting",
        "create",
        "create_bucket",
        "cull",
        "delete",
        "dismiss_failed",
        "edit",
        "enqueue",
        "flush",
        "link",
        "match",
        "move",
        "pay_counter",
        "redeem",
        "remind",
        "requeue",
        "resend",
        "restore",
        "restore_name",
        "resume_job",
        "retry",
        "retry_all",
        "revoke",
        "revoke_name",
        "run_now",
        "save",
        "send",
        "settle",
        "staff",
        "toggle_enabled",
        "ttl",
        "upload",
    }
)


def refuses_writes(check_action: Callable) -> Callable:
    """``check_action`` that first hides the write actions of a read-only console."""
    if getattr(check_action, "refuses_writes", False):
        return check_action

    @functools.wraps(check_action)
    def checked(screen, action: str, parameters: tuple) -> bool | None:
        if action in WRITE_ACTIONS and screen.app.settings.read_only:
            return False
        return check_action(screen, action, parameters)

    checked.refuses_writes = True
    return checked
