"""The front desk: one field finds a person (name, email or USI); one screen shows her.

``people`` (key 8, ``:people``) is the finder: type, the matches follow as you
type, ↓/↑ choose, enter opens the person.  ``people/USER_ID`` is the person:
her profile line, every subscription with its course title, state, USI, price,
open amount and payment method, and her payments.  ``m`` takes the open amount
at the counter (a dialog prefilled with it; Cancel has the focus first), enter
opens the subscription's record.  The service is ``tqconsole.services.courses.people``
(``tqconsole people …`` is the command line twin).
"""

from __future__ import annotations

from rich.cells import cell_len
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.timer import Timer
from textual.widgets import Button, Input, Label, Static

from tqconsole.screens.base import ConsoleScreen
from tqconsole.visible_text import one_line
from tqconsole.widgets.breadcrumbs import Breadcrumbs
from tqconsole.widgets.dialogs.confirm import ConfirmDialog
from tqconsole.widgets.lists import KeyTable

DEBOUNCE = 0.3  # seconds after the last keystroke before the search runs
SUBSCRIPTIONS = "courses_subscribe"


def show_rows(table: KeyTable, columns: tuple[str, ...], rows: list[tuple]) -> None:
    """Replace the rows of ``table``, each column as wide as its widest cell (at most 40,
    the last one unbounded), the cursor kept on its row number."""
    row = table.cursor_row
    table.clear(columns=True)
    cells = [[one_line(c.plain if isinstance(c, Text) else str(c)) for c in r] for r in rows]
    for i, name in enumerate(columns):
        width = max([cell_len(name), *(cell_len(r[i]) for r in cells)])
        table.add_column(name, key=name, width=width if i == len(columns) - 1 else min(width, 40))
    for r in rows:
        table.add_row(*r)
    if rows:
        table.move_cursor(row=min(max(row, 0), len(rows) - 1))


class PeopleScreen(ConsoleScreen):
    route = "people"
    crumb = "People"
    DEFAULT_CSS = """
    PeopleScreen #people-search { margin: 0 1; }
    PeopleScreen #people-status { height: 1; padding: 0 1; color: $text-muted; }
    PeopleScreen #people-rows { height: 1fr; }
    """
    BINDINGS = [
        Binding("down", "move('down')", "Next", show=False, id="people.down"),
        Binding("up", "move('up')", "Previous", show=False, id="people.up"),
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


class AmountDialog(ConfirmDialog):
    """The confirmation with an amount: prefilled, Cancel focused first; enter in the
    amount moves to the action's button, enter there returns the amount (None: cancel)."""

    DEFAULT_CSS = ConfirmDialog.DEFAULT_CSS.replace("ConfirmDialog", "AmountDialog")

    def __init__(self, title: str, question: str, amount: str, action: str) -> None:
        super().__init__(title, question, action=action)
        self.amount = amount

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = self.title_text
            yield Static(self.question, classes="question", markup=False)
            yield Label("Amount taken (CHF):")
            yield Input(self.amount, id="amount")
            with Horizontal():
                yield Button("Cancel", id="cancel")
                yield Button(self.action, id="ok", variant="error")

    def on_mount(self) -> None:
        self.query_one("#cancel").focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.query_one("#ok").focus()

    def submit(self) -> None:
        self.dismiss(self.query_one("#amount", Input).value)

    def action_cancel(self) -> None:
        self.dismiss(None)


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
        Binding("m", "pay_counter", "Paid (counter)", id="person.pay_counter"),
        Binding("enter", "open_record", "Record", id="person.record"),
        Binding("r", "refresh", "Refresh", id="person.refresh"),
    ]
    SUB_COLUMNS = ("USI", "course", "state", "open", "price", "method", "course name")
    PAY_COLUMNS = ("date", "amount", "USI", "booked", "state", "type", "remittance")

    def __init__(self, user_id: int) -> None:
        super().__init__()
        self.user_id = user_id
        self.person = None

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
        show_rows(
            self.query_one("#person-subs", KeyTable),
            self.SUB_COLUMNS,
            [
                (
                    s.usi,
                    s.title,
                    s.state,
                    Text(str(s.open_amount), style="bold" if s.open_amount else "dim"),
                    str(s.price),
                    s.paymentmethod or "",
                    s.course,
                )
                for s in found.subscriptions
            ],
        )
        show_rows(
            self.query_one("#person-payments", KeyTable),
            self.PAY_COLUMNS,
            [
                (p.date, str(p.amount), p.usi, str(p.linked), p.state, p.type, p.remittance)
                for p in found.payments
            ],
        )
        crumbs = self.query_one(Breadcrumbs)
        crumbs.update(crumbs.render_crumbs())  # the crumb is her name now

    def selected(self):
        if self.person is None or not self.person.subscriptions:
            return None
        row = self.query_one("#person-subs", KeyTable).cursor_row
        return self.person.subscriptions[row] if 0 <= row < len(self.person.subscriptions) else None

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
