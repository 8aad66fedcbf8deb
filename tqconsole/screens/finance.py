"""Finance: the payment reminder dry run and the matching report of the bank statements.

Top: who a reminder run today would mail, why, with which template (nothing is
sent until ``R`` and the typed confirmation).  Bottom: what matching made of
each payment of a statement (matched, partial, over-paid, unknown USI, no USI,
manual, debits); ``f`` picks another statement, ``M`` imports the statements
waiting in the finance storage.  Enter opens the row under the cursor (the
subscription, the payment); ``L`` opens the unmatched payments.
"""

from __future__ import annotations

from datetime import date

from rich.text import Text
from textual.app import ComposeResult
from textual.widgets import Static

from tqconsole.screens.base import ConsoleScreen
from tqconsole.widgets.bindings import bind
from tqconsole.widgets.lists import KeyTable

# fixed widths: the tables are right at their first paint, the essential columns first
REMINDER_COLUMNS = (
    ("USI", 6),
    ("participant", 20),
    ("open", 7),
    ("started", 10),
    ("reminded", 10),
    ("template", 16),
    ("course", 28),
)
PAYMENT_COLUMNS = (
    ("outcome", 11),
    ("payment", 7),
    ("amount", 8),
    ("why", 40),
    ("name", 24),
    ("date", 10),
)
OUTCOME_STYLE = {
    "matched": "green",
    "partial": "yellow",
    "over-paid": "yellow",
    "unknown USI": "red",
    "no USI": "red",
    "manual": "red",
    "new": "cyan",
}


def today() -> date:
    return date.today()


class FinanceScreen(ConsoleScreen):
    route = "finance"
    crumb = "Finance"
    DEFAULT_CSS = """
    FinanceScreen .heading { height: 1; padding: 0 1; background: $boost; }
    FinanceScreen KeyTable { height: 1fr; }
    """
    BINDINGS = [
        bind("finance.switch", "switch", show=False),
        bind("open", "open"),
        bind("finance.unmatched", "unmatched"),
        bind("finance.statement", "pick_statement"),
        bind("finance.match", "match", show=False),
        bind("finance.send", "send", "Send"),
        bind("refresh", "reload", "Reload", show=False),
    ]

    def __init__(self, statement: int | None = None) -> None:
        super().__init__()
        self.statement = statement
        self.due: list = []
        self.day = today()
        self.report = None

    @classmethod
    def from_location(cls, rest: str) -> ConsoleScreen:
        rest = rest.strip("/")
        return cls(int(rest)) if rest.isdigit() else cls()

    @property
    def location(self) -> str:
        return self.route

    def compose_body(self) -> ComposeResult:
        yield Static("Payment reminders: loading…", id="reminders-title", classes="heading")
        yield KeyTable(id="reminders", cursor_type="row", zebra_stripes=True)
        yield Static("Matching: loading…", id="matching-title", classes="heading")
        yield KeyTable(id="payments", cursor_type="row", zebra_stripes=True)

    def on_mount(self) -> None:
        reminders = self.query_one("#reminders", KeyTable)
        for label, width in REMINDER_COLUMNS:
            reminders.add_column(label, width=width)
        payments = self.query_one("#payments", KeyTable)
        for label, width in PAYMENT_COLUMNS:
            payments.add_column(label, width=width)
        payments.focus()
        self.action_reload()

    # --- loading
    def action_reload(self) -> None:
        self.run_blocking(self.load, self.statement, group="finance-load", done=self.show)

    def load(self, statement: int | None):
        from tqconsole.services.payments.matching import statement_report, statements
        from tqconsole.services.payments.reminder_preview import reminder_preview

        self.backends.database  # noqa: B018 - binds the models
        self.day = today()
        due = reminder_preview(self.day)
        files = statements(limit=1) if statement is None else []
        chosen = statement if statement is not None else (files[0][0] if files else None)
        report = statement_report(chosen) if chosen is not None else None
        return due, chosen, report

    def show(self, loaded) -> None:
        from tqconsole.services.payments.reminder_preview import rule_text

        self.due, self.statement, self.report = loaded
        self.query_one("#reminders-title", Static).update(
            Text(f"Reminders, dry run for {self.day:%d.%m.%Y}: {len(self.due)} due ({rule_text()})")
        )
        table = self.query_one("#reminders", KeyTable)
        row = table.cursor_row
        table.clear()
        for r in self.due:
            table.add_row(
                r.usi,
                r.participant,
                r.open_amount,
                f"{r.started:%d.%m.%Y}" if r.started else "?",
                f"{r.last_reminder:%d.%m.%Y}" if r.last_reminder else "never",
                r.template,
                r.course,
            )
        table.move_cursor(row=min(row, max(table.row_count - 1, 0)))
        title = self.query_one("#matching-title", Static)
        payments = self.query_one("#payments", KeyTable)
        row = payments.cursor_row
        payments.clear()
        if self.report is None:
            title.update("Matching: no bank statement imported yet (M imports them)")
            return
        counts = ", ".join(f"{n} {k}" for k, n in self.report.counts().items()) or "no payments"
        title.update(Text(f"Matching of statement {self.statement} {self.report.name}: {counts}"))
        # what needs a look first, then the rest in id order
        lines = sorted(self.report.payments, key=lambda p: p.outcome in ("matched", "debit"))
        for p in lines:
            payments.add_row(
                Text(p.outcome, style=OUTCOME_STYLE.get(p.outcome, "dim")),
                f"#{p.payment}",
                p.amount,
                p.why,
                p.name,
                p.date,
                key=str(p.payment),
            )
        payments.move_cursor(row=min(row, max(payments.row_count - 1, 0)))

    # --- keys
    def action_switch(self) -> None:
        reminders, payments = self.query_one("#reminders"), self.query_one("#payments")
        (payments if reminders.has_focus else reminders).focus()

    def on_data_table_row_selected(self, event) -> None:
        event.stop()
        self.action_open()

    def action_open(self) -> None:
        from tqconsole.screens.model_record import RecordScreen

        reminders = self.query_one("#reminders", KeyTable)
        if reminders.has_focus and self.due:
            sub = self.due[min(reminders.cursor_row, len(self.due) - 1)]
            self.app.push_screen(RecordScreen("courses_subscribe", str(sub.subscription)))
            return
        payments = self.query_one("#payments", KeyTable)
        if payments.row_count:
            key = payments.coordinate_to_cell_key(payments.cursor_coordinate).row_key.value
            self.app.push_screen(RecordScreen("payment_payment", key))

    def action_unmatched(self) -> None:
        self.app.goto("unmatched")

    def action_pick_statement(self) -> None:
        self.run_blocking(self.list_statements, group="finance-pick", done=self.choose_statement)

    def list_statements(self):
        from tqconsole.services.payments.matching import statements

        self.backends.database  # noqa: B018 - binds the models
        return statements(limit=50)

    def choose_statement(self, files) -> None:
        from tqconsole.widgets.dialogs.pick import ChooseDialog

        if not files:
            self.notify("no bank statement imported yet", severity="warning")
            return

        def chosen(file_id) -> None:
            if file_id is not None:
                self.statement = file_id
                self.action_reload()

        choices = [
            (fid, f"{fid}: {name}  ({count} payments, {created:%Y-%m-%d})")
            for fid, name, created, count in files
        ]
        self.app.push_screen(ChooseDialog("Matching report of statement", choices), chosen)

    def action_match(self) -> None:
        from tqconsole.widgets.dialogs.confirm import ConfirmDialog

        storage = self.settings.masked("storage")
        question = (
            "Import every unprocessed statement (*.csv) of the finance storage "
            f"({storage}) and match the payments waiting, as the site's payment_match does."
        )

        def go(ok: bool) -> None:
            if ok:
                self.run_blocking(self.run_match, group="finance-match", done=self.matched)

        self.app.push_screen(ConfirmDialog("Match payments", question, action="Match"), go)

    def run_match(self):
        from tqconsole.services.payments.matching import match_storage_files

        self.backends.database  # noqa: B018 - binds the models
        return match_storage_files(self.backends)

    def matched(self, report) -> None:
        failed = [f for f in report.files if f.status == "failed"]
        for f in failed:
            self.notify_error(f"{f.name}: {f.error}")
        done = [f for f in report.files if f.status == "processed"]
        self.notify(report.lines()[0] if not done else f"{len(done)} statement(s) matched")
        self.statement = None  # the newest one
        self.action_reload()

    def action_send(self) -> None:
        from tqconsole.widgets.dialogs.confirm import ConfirmDialog

        if not self.due:
            self.notify("no reminder due today")
            return
        n = len(self.due)
        question = (
            f"Send {n} payment reminder(s) now (template payment_reminder), recorded as the "
            "site's reminders; each participant gets one mail through the outbox."
        )

        def go(ok: bool) -> None:
            if ok:
                self.run_blocking(self.send, group="finance-send", done=self.sent)

        self.app.push_screen(ConfirmDialog("Send reminders", question, f"send {n}", "Send"), go)

    def send(self):
        from tqconsole.services.payments.reminders import send_payment_reminders

        self.backends.database  # noqa: B018 - binds the models
        return send_payment_reminders(self.day, connection=self.backends.get("email"))

    def sent(self, report) -> None:
        self.notify(report.summary(), markup=False)
        self.action_reload()
