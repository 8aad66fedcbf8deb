"""The front desk: one field finds a person (name, email or USI); one screen shows her.

``people`` (key 8, ``:people``) is the finder: type, the matches follow as you
type, ↓/↑ choose, enter opens the person.  ``people/USER_ID`` is the person:
her profile line, every subscription with its course title, state, USI, price,
open amount and payment method, and her payments.  ``B`` (cash: Bar) takes the
open amount at the counter (a dialog prefilled with it; Cancel has the focus
first), enter opens the subscription's record, ``/`` filters both lists.  The
service is ``tqconsole.services.courses.people`` (``tqconsole people …`` is the
command line twin).
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.timer import Timer
from textual.widgets import Input, Static

from tqconsole.screens.base import ConsoleScreen
from tqconsole.visible_text import one_line
from tqconsole.widgets.bindings import bind
from tqconsole.widgets.breadcrumbs import Breadcrumbs
from tqconsole.widgets.dialogs.amount import AmountDialog
from tqconsole.widgets.lists import KeyTable
from tqconsole.widgets.row_filter import RowFilter, row_holds, show_rows

DEBOUNCE = 0.3  # seconds after the last keystroke before the search runs
SUBSCRIPTIONS = "courses_subscribe"


class PeopleScreen(ConsoleScreen):
    route = "people"
    crumb = "People"
    DEFAULT_CSS = """
    PeopleScreen #people-search { margin: 0 1; }
    PeopleScreen #people-status { height: 1; padding: 0 1; color: $text-muted; }
    PeopleScreen #people-rows { height: 1fr; }
    """
    BINDINGS = [
        bind("down", "move('down')", show=False),
        bind("up", "move('up')", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.matches: list = []
        self.shown_for: str | None = None
        self.open_when_shown = False  # enter came before the matches of the latest text
        self.timer: Timer | None = None

    @classmethod
    def from_location(cls, rest: str) -> ConsoleScreen:
        rest = rest.strip("/")
        if not rest:
            return cls()
        if not rest.isdigit():
            raise ValueError(f"people/{rest}: a person is people/USER_ID")
        return PersonScreen(int(rest))

    def compose_body(self) -> ComposeResult:
        yield Input(placeholder="a name, an email or a USI", id="people-search")
        yield Static("type to search; enter opens the person", id="people-status")
        yield KeyTable(id="people-rows", cursor_type="row", zebra_stripes=True)

    def on_mount(self) -> None:
        self.query_one("#people-search", Input).focus()

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        if self.timer is not None:
            self.timer.stop()
        self.timer = self.set_timer(DEBOUNCE, self.search)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if event.value == self.shown_for:
            self.open(self.query_one("#people-rows", KeyTable).cursor_row)
        else:  # typed faster than the search: open the first match of the latest text
            self.open_when_shown = True
            self.search()

    def search(self) -> None:
        if self.timer is not None:
            self.timer.stop()
        text = self.query_one("#people-search", Input).value
        self.run_blocking(
            self.find, text, group="people-find", done=lambda rows: self.show(text, rows)
        )

    def find(self, text: str) -> list:
        from tqconsole.services.courses.people import find

        self.backends.database  # noqa: B018 - binds the models
        return find(text)

    def show(self, text: str, matches: list) -> None:
        self.matches, self.shown_for = matches, text
        show_rows(
            self.query_one("#people-rows", KeyTable),
            ("name", "email", "subs", "id"),
            [(m.name, m.email, str(m.subscriptions), str(m.user_id)) for m in matches],
        )
        if not text.strip():
            note = "type to search; enter opens the person"
        elif not matches:
            note = f"nobody matches {one_line(text)!r}"
        else:
            note = f"{len(matches)} match(es) — ↓↑ choose, enter opens"
        self.query_one("#people-status", Static).update(note)
        if self.open_when_shown:
            self.open_when_shown = False
            self.open(0)

    def action_move(self, direction: str) -> None:
        table = self.query_one("#people-rows", KeyTable)
        table.action_cursor_down() if direction == "down" else table.action_cursor_up()

    def on_data_table_row_selected(self, event) -> None:
        event.stop()
        self.open(event.cursor_row)

    def open(self, row: int) -> None:
        if 0 <= row < len(self.matches):
            self.app.goto(f"people/{self.matches[row].user_id}")


class PersonScreen(ConsoleScreen):
    route = "people"
    DEFAULT_CSS = """
    PersonScreen #person-head { height: auto; padding: 0 1; }
    PersonScreen #person-error { height: auto; padding: 0 1; color: $error; }
    PersonScreen .caption { height: 1; padding: 0 1; text-style: bold; }
    PersonScreen #person-subs { height: auto; max-height: 50%; }
    PersonScreen #person-payments { height: 1fr; min-height: 3; }
    """
    BINDINGS = [
        bind("subs.paid_counter", "pay_counter"),
        bind("open", "open_record", "Record"),
        bind("refresh", "refresh"),
        bind("filter", "filter"),
    ]
    SUB_COLUMNS = ("USI", "course", "state", "open", "price", "method", "course name")
    PAY_COLUMNS = ("date", "amount", "USI", "booked", "state", "type", "remittance")

    def __init__(self, user_id: int) -> None:
        super().__init__()
        self.user_id = user_id
        self.person = None
        self.subscriptions: list = []  # the rows shown (the filter's)

    @property
    def location(self) -> str:
        return f"people/{self.user_id}"

    @property
    def crumb(self) -> str:
        return self.person.name if self.person else f"person #{self.user_id}"

    def compose_body(self) -> ComposeResult:
        yield Static(Text("loading…", style="dim italic"), id="person-head")
        yield Static("", id="person-error")
        yield Static("Subscriptions", classes="caption")
        yield KeyTable(id="person-subs", cursor_type="row", zebra_stripes=True)
        yield Static("Payments", classes="caption")
        yield KeyTable(id="person-payments", cursor_type="row", zebra_stripes=True)
        yield RowFilter("person-subs", id="person-filter")

    def on_mount(self) -> None:
        self.query_one("#person-subs", KeyTable).focus()
        self.action_refresh()

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        # read-only offers no write keys (the service refuses too)
        return not (action == "pay_counter" and self.settings.read_only)

    def load(self):
        from tqconsole.services.courses.people import person

        self.backends.database  # noqa: B018 - binds the models
        return person(self.user_id)

    def action_refresh(self) -> None:
        self.run_blocking(self.load, group="person", done=self.show, failed=self.show_error)

    def show_error(self, message: str) -> None:
        self.query_one("#person-error", Static).update(Text(message))

    def show(self, found) -> None:
        self.person = found
        self.query_one("#person-error", Static).update("")
        head = Text()
        head.append(one_line(found.name), style="bold")
        head.append(f"  {one_line(found.email)}  #{found.user_id}\n")
        head.append(one_line(found.profile), style="dim")
        self.query_one("#person-head", Static).update(head)
        self.show_rows()
        crumbs = self.query_one(Breadcrumbs)
        crumbs.update(crumbs.render_crumbs())  # the crumb is her name now

    def show_rows(self) -> None:
        """Her subscriptions and payments, those holding the filter's words."""
        text = self.query_one(RowFilter).value
        subs = [(s, self.subscription_row(s)) for s in self.person.subscriptions]
        subs = [(s, row) for s, row in subs if row_holds(text, row)]
        self.subscriptions = [s for s, _ in subs]
        show_rows(self.query_one("#person-subs", KeyTable), self.SUB_COLUMNS, [r for _, r in subs])
        payments = [
            (p.date, str(p.amount), p.usi, str(p.linked), p.state, p.type, p.remittance)
            for p in self.person.payments
        ]
        rows = [r for r in payments if row_holds(text, r)]
        show_rows(self.query_one("#person-payments", KeyTable), self.PAY_COLUMNS, rows)

    @staticmethod
    def subscription_row(s) -> tuple:
        open_amount = Text(str(s.open_amount), style="bold" if s.open_amount else "dim")
        return (s.usi, s.title, s.state, open_amount, str(s.price), s.paymentmethod or "", s.course)

    def action_filter(self) -> None:
        self.query_one(RowFilter).open()

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        if self.person is not None:
            self.show_rows()

    def selected(self):
        row = self.query_one("#person-subs", KeyTable).cursor_row
        return self.subscriptions[row] if 0 <= row < len(self.subscriptions) else None

    def action_open_record(self) -> None:
        sub = self.selected()
        if sub is not None:
            self.app.goto(f"models/{SUBSCRIPTIONS}/{sub.id}")

    def action_pay_counter(self) -> None:
        sub = self.selected()
        if sub is None:
            self.notify("no subscription under the cursor", severity="warning")
            return
        question = (
            f"{self.person.name}: {sub.title} ({sub.course}), USI {sub.usi}, {sub.state}.\n"
            f"Open amount CHF {sub.open_amount}. Marks it payed by counter "
            "(recorded in the site's history and the audit log)."
        )

        def done(amount: str | None) -> None:
            if amount is not None:
                self.run_blocking(self.pay, sub.id, amount, group="person-pay", done=self.paid)

        self.app.push_screen(
            AmountDialog("Paid at the counter", question, str(sub.open_amount), "Mark paid"),
            done,
        )

    def pay(self, subscription_id: int, amount: str):
        from tqconsole.services.courses.people import pay_at_counter

        self.backends.database  # noqa: B018 - binds the models
        return pay_at_counter(subscription_id, amount, mail=self.backends.get("email"))

    def paid(self, outcome) -> None:
        text = outcome.summary()
        if outcome.done and not outcome.mail:
            text += "; no mail (the site sends none for a counter payment)"
        severity = "information" if outcome.done and not outcome.warnings else "warning"
        self.notify(text, severity=severity, timeout=8, markup=False)
        for warning in outcome.warnings:
            self.notify(warning, severity="error", timeout=15, markup=False)
        self.action_refresh()
