"""Bank payments the matcher could not place (key 9, ``:unmatched``).

The list: credits in state new or manual that pay no subscription.  ``l`` links
the payment under the cursor to a subscription (a picker by USI or name, started
with the USI of the remittance text or the payer's name), ``i`` marks it
irrelevant, ``Z`` to reimburse, ``/`` filters the list; each asks first (Cancel has the focus), runs
``tqconsole.services.payments.linking`` (``tqconsole payments …`` is the command
line twin) and the list reloads.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.widgets import Input, Static

from tqconsole.keys import VERBS
from tqconsole.screens.base import ConsoleScreen
from tqconsole.widgets.bindings import bind
from tqconsole.widgets.dialogs.confirm import ConfirmDialog
from tqconsole.widgets.dialogs.pick import Pick
from tqconsole.widgets.lists import KeyTable
from tqconsole.widgets.row_filter import RowFilter, row_holds, show_rows

PICK_LIMIT = 20


class SubscriptionPick(Pick):
    """The row picker over confirmed subscriptions, its filter started with ``start``."""

    def __init__(self, start: str, search, runner) -> None:
        super().__init__("subscriptions: a USI or a name", search, runner, PICK_LIMIT)
        self.start = start

    def on_mount(self) -> None:  # runs before Pick's own on_mount (Textual walks the MRO)
        self.query_one("#pick-filter", Input).value = self.start


class UnmatchedPaymentsScreen(ConsoleScreen):
    route = "unmatched"
    crumb = "Unmatched payments"
    DEFAULT_CSS = """
    UnmatchedPaymentsScreen #unmatched-status { height: auto; padding: 0 1; }
    UnmatchedPaymentsScreen #unmatched-rows { height: 1fr; }
    """
    BINDINGS = [
        bind("finance.link", "link"),
        bind("finance.irrelevant", "settle('irrelevant')"),
        bind("finance.to_reimburse", "settle('to_reimburse')"),
        bind("refresh", "refresh"),
        bind("filter", "filter"),
    ]
    COLUMNS = ("id", "date", "amount", "state", "name", "remittance")

    def __init__(self) -> None:
        super().__init__()
        self.payments: list = []  # all of them
        self.shown: list = []  # those holding the filter's words, as listed

    def compose_body(self) -> ComposeResult:
        yield Static(Text("loading…", style="dim italic"), id="unmatched-status")
        yield KeyTable(id="unmatched-rows", cursor_type="row", zebra_stripes=True)
        yield RowFilter("unmatched-rows", id="unmatched-filter")

    def on_mount(self) -> None:
        self.query_one("#unmatched-rows", KeyTable).focus()
        self.action_refresh()

    def load(self) -> list:
        from tqconsole.services.payments.linking import unmatched

        self.backends.database  # noqa: B018 - binds the models
        return unmatched()

    def action_refresh(self) -> None:
        self.run_blocking(self.load, group="unmatched", done=self.show, failed=self.show_error)

    def show_error(self, message: str) -> None:
        self.query_one("#unmatched-status", Static).update(Text(message, style="bold red"))

    def show(self, payments: list) -> None:
        self.payments = payments
        self.show_rows()

    def show_rows(self) -> None:
        text = self.query_one(RowFilter).value
        rows = [
            (str(p.id), p.date, str(p.amount), p.state, p.name, p.remittance) for p in self.payments
        ]
        shown = [(p, r) for p, r in zip(self.payments, rows, strict=True) if row_holds(text, r)]
        self.shown = [p for p, _ in shown]
        show_rows(self.query_one("#unmatched-rows", KeyTable), self.COLUMNS, [r for _, r in shown])
        counted = f"{len(self.payments)} payment(s) to place"
        if text.strip():
            counted = f"{len(self.shown)} of {len(self.payments)} match {text.strip()!r}"
        keys = " · ".join(
            f"{VERBS[verb].shown} {VERBS[verb].description.lower()}"
            for verb in ("finance.link", "finance.irrelevant", "finance.to_reimburse")
        )
        note = f"{counted} — {keys}" if self.payments else "no unmatched payments"
        self.query_one("#unmatched-status", Static).update(note)

    def action_filter(self) -> None:
        self.query_one(RowFilter).open()

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        self.show_rows()

    def selected(self):
        row = self.query_one("#unmatched-rows", KeyTable).cursor_row
        return self.shown[row] if 0 <= row < len(self.shown) else None

    def action_link(self) -> None:
        payment = self.selected()
        if payment is None:
            return
        self.run_blocking(
            self.hint, payment.id, group="unmatched-hint", done=lambda s: self.pick(payment, s)
        )

    def hint(self, payment_id: int) -> str:
        from tqconsole.services.payments.linking import search_hint

        self.backends.database  # noqa: B018 - binds the models
        return search_hint(payment_id)

    def candidates(self, text: str) -> list:
        from tqconsole.services.payments.linking import candidates

        self.backends.database  # noqa: B018 - binds the models
        return candidates(text, PICK_LIMIT)

    def pick(self, payment, start: str) -> None:
        def picked(row) -> None:
            if row is None:
                return
            usi, label, detail = row
            question = (
                f"Payment #{payment.id}: CHF {payment.amount} from {payment.name or '?'} "
                f"({payment.remittance or 'no remittance text'})\n"
                f"to {usi}: {label} ({detail}).\n"
                "Books what the subscription still owes (at most the payment); fully paid "
                "→ payed, and the rest of the payment to reimburse."
            )
            self.app.push_screen(
                ConfirmDialog("Link payment", question, action="Link"),
                lambda ok: ok and self.run_action(self.do_link, payment.id, usi),
            )

        self.app.push_screen(SubscriptionPick(start, self.candidates, self.run_blocking), picked)

    def do_link(self, payment_id: int, usi: str):
        from tqconsole.services.payments.linking import link

        self.backends.database  # noqa: B018 - binds the models
        outcome = link(payment_id, usi, mail=self.backends.get("email"))
        return outcome.summary(), outcome.warnings

    def action_settle(self, how: str) -> None:
        from tqconsole.services.payments.linking import MARKS

        payment = self.selected()
        if payment is None:
            return
        question = (
            f"Payment #{payment.id}: CHF {payment.amount} from {payment.name or '?'} "
            f"({payment.remittance or 'no remittance text'})\nbecomes {MARKS[how]}."
        )
        label = "Irrelevant" if how == "irrelevant" else "To reimburse"
        self.app.push_screen(
            ConfirmDialog(f"Mark payment #{payment.id}", question, action=label),
            lambda ok: ok and self.run_action(self.do_mark, payment.id, how),
        )

    def do_mark(self, payment_id: int, how: str):
        from tqconsole.services.payments.linking import mark

        self.backends.database  # noqa: B018 - binds the models
        payment = mark(payment_id, how)
        return f"payment #{payment.id}: {payment.state}, {payment.type}", []

    def run_action(self, fn, *args) -> None:
        self.run_blocking(fn, *args, group="unmatched-action", done=self.done)

    def done(self, result) -> None:
        text, warnings = result
        self.notify(text, severity="warning" if warnings else "information", markup=False)
        for warning in warnings:
            self.notify(warning, severity="error", timeout=15, markup=False)
        self.action_refresh()
