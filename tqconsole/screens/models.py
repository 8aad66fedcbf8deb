"""The model browser: ``models`` (navigator), ``models/TABLE`` (table), ``models/TABLE/PK`` (record).

The navigator lists the models by app and every other table of the database
(browsable read-only through reflection), with row counts as ``db tables``.
``u`` anywhere in the browser finds a subscription by its USI.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Static

from tqconsole.models import APPS
from tqconsole.screens.base import ConsoleScreen
from tqconsole.screens.subscription_actions import SUBSCRIPTIONS
from tqconsole.widgets.bindings import bind
from tqconsole.widgets.lists import KeyTable


class ModelsBase(ConsoleScreen):
    """What every screen of the browser shares: the route, location parsing, find by USI."""

    route = "models"
    BINDINGS = [bind("db.find_usi", "find_usi")]

    @classmethod
    def from_location(cls, rest: str) -> ConsoleScreen:
        parts = [p for p in rest.strip("/").split("/", 1) if p]
        if not parts:
            return ModelsScreen()
        if len(parts) == 1:
            from tqconsole.screens.model_table import TableScreen

            return TableScreen(parts[0])
        from tqconsole.screens.model_record import RecordScreen

        return RecordScreen(parts[0], parts[1])

    def action_find_usi(self) -> None:
        from tqconsole.widgets.dialogs.prompt import AskDialog

        def found(text: str | None) -> None:
            if text:
                self.run_blocking(self.find_usi, text, group="find-usi", done=self.open_record)

        self.app.push_screen(
            AskDialog("Find subscription by USI", hint="e.g. ABC346 or USI-ABC346", raw=True), found
        )

    def find_usi(self, text: str):
        from tqconsole.services.courses.subscriptions import find_by_usi

        self.backends.database  # noqa: B018 - binds the models
        return find_by_usi(text).id

    def open_record(self, pk, table: str = SUBSCRIPTIONS) -> None:
        from tqconsole.screens.model_record import RecordScreen

        self.app.push_screen(RecordScreen(table, str(pk)))

    def open_table(self, table: str, filter_text: str = "") -> None:
        from tqconsole.screens.model_table import TableScreen

        self.app.push_screen(TableScreen(table, filter_text))


class ModelsScreen(ModelsBase):
    """The navigator: every table, grouped by app, with its row count."""

    crumb = "Models"
    DEFAULT_CSS = """
    ModelsScreen #models-note { color: $text-muted; padding: 0 1; height: 1; }
    ModelsScreen #models-list { height: 1fr; }
    """
    BINDINGS = [bind("refresh", "refresh", "Refresh counts")]

    def __init__(self) -> None:
        super().__init__()
        self.tables: list[str] = []

    def compose_body(self) -> ComposeResult:
        yield Static("enter: open   u: find USI   /: filter inside a table", id="models-note")
        yield KeyTable(id="models-list", cursor_type="row", zebra_stripes=False)

    def on_mount(self) -> None:
        table = self.query_one(KeyTable)
        # fixed widths: counts arrive later and never wait for an auto-size pass
        table.add_column("app", key="app", width=7)
        table.add_column("table", key="table", width=30)
        table.add_column("model", key="model", width=19)
        table.add_column("rows", key="rows", width=10)
        for app, models in APPS.items():
            for model in models:
                name = model._meta.table_name
                table.add_row(app, name, model.__name__, "…", key=name)
                self.tables.append(name)
        table.focus()
        self.action_refresh()

    def action_refresh(self) -> None:
        self.run_blocking(self.count_rows, group="models-count", done=self.show_counts)

    def count_rows(self):
        from tqconsole.services.db.tables import list_tables

        return list_tables(self.backends.database)

    def show_counts(self, infos) -> None:
        table = self.query_one(KeyTable)
        known = {i.name: i for i in infos}
        for name in self.tables:
            info = known.get(name)
            table.update_cell(name, "rows", info.rows_text if info else "missing")
        for info in infos:
            if info.name not in self.tables:
                table.add_row("other", info.name, "(reflected)", info.rows_text, key=info.name)
                self.tables.append(info.name)

    def on_data_table_row_selected(self, event) -> None:
        event.stop()
        self.open_table(event.row_key.value)
