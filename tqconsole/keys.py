"""The console's key vocabulary: every verb once, with its id and its default key.

Plain data (no Textual), so the ``?`` panel, the palette, the CLI's docs and the tests
can read it. Screens build their ``BINDINGS`` from it (``widgets/bindings.py``); the
binding id is the verb's id, so ``keymap`` in the settings (a table of id → keys)
moves a verb on every screen at once.

Shared verbs have bare ids (``filter``); a screen's own verbs are prefixed with the
screen (``cache.cull``). One key means one thing: no two verbs share a key, except
``escape``, which is ``back`` everywhere (in a dialog it closes the dialog). Running
work is cancelled with ``cancel`` (ctrl+x) on every screen.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Verb:
    key: str  # Textual key name(s), comma separated
    description: str  # what the footer and ``?`` show
    display: str = ""  # how the key is shown when its name is not what is typed


SHARED: dict[str, Verb] = {
    "filter": Verb("slash", "Filter", "/"),
    "sort": Verb("s", "Sort"),
    "mark": Verb("space", "Mark"),
    "delete": Verb("d", "Delete"),
    "refresh": Verb("r", "Refresh"),
    "copy": Verb("y", "Copy"),
    "cancel": Verb("ctrl+x", "Cancel"),
    "next_page": Verb("right_square_bracket", "Next page", "]"),
    "previous_page": Verb("left_square_bracket", "Previous page", "["),
    "open": Verb("enter", "Open"),
    "back": Verb("escape", "Back"),
    "edit": Verb("e", "Edit"),
    "create": Verb("n", "New"),
}

SCREENS: dict[str, Verb] = {
    "buckets.upload": Verb("u", "Upload"),
    "buckets.download": Verb("o", "Download"),
    "buckets.move": Verb("m", "Rename/move"),
    "buckets.reverse": Verb("S", "Reverse sort"),
    "buckets.usage": Verb("U", "Usage"),
    "buckets.uploads": Verb("I", "Incomplete uploads"),
    "buckets.parent": Verb("backspace", "Up"),
    "cache.ttl": Verb("t", "TTL"),
    "cache.clear_pattern": Verb("x", "Clear pattern"),
    "cache.clear_all": Verb("X", "Clear all"),
    "cache.flush": Verb("F", "Flush db"),
    "cache.cull": Verb("p", "Cull expired"),
    "cache.switch": Verb("C", "Other cache"),
    "cache.namespaces": Verb("N", "Namespaces"),
    # front desk and finance
    "people.next": Verb("down", "Next"),
    "people.previous": Verb("up", "Previous"),
    "people.pay_counter": Verb("B", "Paid (counter)"),
    "finance.link": Verb("l", "Link"),
    "finance.irrelevant": Verb("i", "Irrelevant"),
    "finance.to_reimburse": Verb("Z", "To reimburse"),
    "finance.switch": Verb("tab", "Switch list"),
    "finance.unmatched": Verb("L", "Unmatched"),
    "finance.statement": Verb("f", "Statement"),
    "finance.match": Verb("M", "Match now"),
    "finance.send": Verb("R", "Send reminders"),
}

VERBS: dict[str, Verb] = SHARED | SCREENS
