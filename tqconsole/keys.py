"""The console's key vocabulary: every verb once, with its id and its default key.

Plain data (no Textual), so the ``?`` panel, the palette, the CLI's docs and the tests
can read it. Screens build their ``BINDINGS`` from it (``widgets/bindings.py``); the
binding id is the verb's id, so ``keymap`` in the settings (a table of id → keys)
moves a verb on every screen at once.

Shared verbs have bare ids (``filter``); a screen's own verbs are prefixed with the
screen (``cache.cull``). One key means one thing on a screen: a shared verb's key is
that verb everywhere (``escape`` is ``back``; in a dialog it closes the dialog), and no
screen's own verb takes it; two screens may give one key each a verb of their own.
Running work is cancelled with ``cancel`` (ctrl+x) on every screen.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Verb:
    key: str  # Textual key name(s), comma separated
    description: str  # what the footer and ``?`` show
    display: str = ""  # how the key is shown when its name is not what is typed

    @property
    def shown(self) -> str:
        """The key as a hint names it (``!``, not ``exclamation_mark``)."""
        return self.display or self.key


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
    "retry": Verb("R", "Retry"),
    # moving in lists, tables and viewers
    "down": Verb("j,down", "Down"),
    "up": Verb("k,up", "Up"),
    "page_down": Verb("ctrl+d", "Page down"),
    "page_up": Verb("ctrl+u", "Page up"),
    "first": Verb("g,home", "First"),
    "last": Verb("G,end", "Last"),
    # the app's own
    "go_to": Verb(":", "Go to"),
    "help": Verb("?", "Keys"),
    "quit": Verb("q", "Quit"),
}

SCREENS: dict[str, Verb] = {
    "buckets.upload": Verb("u", "Upload"),
    "buckets.download": Verb("o", "Download"),
    "buckets.move": Verb("m", "Rename/move"),
    "buckets.reverse": Verb("S", "Reverse sort"),
    "buckets.usage": Verb("U", "Usage"),
    "buckets.uploads": Verb("I", "Incomplete uploads"),
    "buckets.abort_all": Verb("A", "Abort all"),
    "buckets.parent": Verb("backspace", "Up"),
    "cache.ttl": Verb("t", "TTL"),
    "cache.clear_pattern": Verb("x", "Clear pattern"),
    "cache.clear_all": Verb("X", "Clear all"),
    "cache.flush": Verb("F", "Flush db"),
    "cache.cull": Verb("p", "Cull expired"),
    "cache.switch": Verb("C", "Other cache"),
    "cache.namespaces": Verb("N", "Namespaces"),
    # tasks and celery
    "tasks.next_tab": Verb("l", "Next tab"),
    "tasks.previous_tab": Verb("h", "Prev tab"),
    "tasks.retry_all": Verb("T", "Retry all failed"),
    "tasks.revoke": Verb("v", "Revoke"),
    "tasks.revoke_name": Verb("V", "Revoke task name"),
    "tasks.restore": Verb("b", "Restore"),
    "tasks.restore_name": Verb("B", "Restore task name"),
    "tasks.run_now": Verb("exclamation_mark", "Run now", "!"),
    "tasks.flush": Verb("P", "Flush queue"),
    "tasks.celery": Verb("c", "Celery"),
    "celery.terminate": Verb("K", "Terminate"),
    # mail
    "mail.switch_tab": Verb("ctrl+n", "Compose/Outbox"),
    "mail.send": Verb("ctrl+s", "Send"),
    "mail.preview": Verb("ctrl+o", "Preview"),
    "mail.template": Verb("ctrl+t", "Template"),
    "mail.editor": Verb("ctrl+g", "$EDITOR"),
    "mail.html": Verb("ctrl+b", "HTML"),
    "mail.drafts": Verb("ctrl+l", "Drafts"),
    "mail.outbox.filter": Verb("f", "Status filter"),
    "mail.outbox.resend": Verb("ctrl+r", "Send again now"),
    "mail.outbox.resume": Verb("u", "Resume job"),
    "mail.outbox.all_jobs": Verb("J", "All jobs"),
    # database
    "db.find_usi": Verb("u", "Find USI"),
    "db.columns": Verb("v", "Columns"),
    "db.export": Verb("E", "Export"),
    "db.copy_row": Verb("Y", "Copy row"),
    "db.email": Verb("at", "Email", "@"),
    "db.save": Verb("ctrl+s", "Save"),
    "db.pick": Verb("ctrl+f", "Pick row"),
    "db.participants": Verb("P", "Participants CSV"),
    "db.confirm_waiting": Verb("W", "Confirm waiting list"),
    "subs.confirm": Verb("c", "Confirm"),
    "subs.confirm_singles": Verb("C", "Confirm singles"),
    "subs.admit": Verb("a", "Admit"),
    "subs.waiting_list": Verb("w", "Wait list"),
    "subs.reject": Verb("x", "Reject"),
    "subs.paid_counter": Verb("m", "Paid (counter)"),
    "subs.paid_online": Verb("O", "Paid (online)"),
    "subs.match": Verb("M", "Match partners"),
    "subs.redeem": Verb("V", "Redeem voucher"),
    "subs.remind": Verb("$", "Payment reminder"),
    # front desk and finance
    "finance.link": Verb("l", "Link"),
    "finance.irrelevant": Verb("i", "Irrelevant"),
    "finance.to_reimburse": Verb("t", "To reimburse"),
    "finance.switch": Verb("tab", "Switch list"),
    "finance.unmatched": Verb("U", "Unmatched"),
    "finance.statement": Verb("f", "Statement"),
    "finance.match": Verb("M", "Match now"),
    "finance.send": Verb("S", "Send reminders"),
    # the big tables (widgets/windowed_table.py)
    "table.next_column": Verb("l,right", "Next column"),
    "table.previous_column": Verb("h,left", "Previous column"),
    "table.next_page": Verb("pagedown", "Page down"),
    "table.previous_page": Verb("pageup", "Page up"),
}

# Dialogs and fields hold the keys while open: theirs may be any key (``back``
# still closes a dialog, ``cancel`` still stops its work).
DIALOGS: dict[str, Verb] = {
    "dialog.yes": Verb("enter", "Yes"),
    "dialog.no": Verb("n", "No"),
    "dialog.close": Verb("q", "Close"),
    "dialog.take_theirs": Verb("t", "Take theirs"),
    "columns.toggle": Verb("space", "Show/hide"),
    "columns.up": Verb("K,shift+up", "Move up"),
    "columns.down": Verb("J,shift+down", "Move down"),
    "columns.keep": Verb("enter", "Keep"),
    "columns.reset": Verb("backspace", "Table's order"),
    "input.complete": Verb("tab", "Complete"),
}

VERBS: dict[str, Verb] = SHARED | SCREENS | DIALOGS
