"""One table in the browser: the windowed rows, filter, sort, export, staff actions."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Input, Static

from tqconsole.screens import subscription_actions
from tqconsole.screens.models import ModelsBase
from tqconsole.screens.subscription_actions import SubscriptionActions
from tqconsole.services.db.filter_language import HELP as FILTER_HELP
from tqconsole.widgets.windowed_table import Unreachable, WindowedTable, retry_delay


def caret_line(position: int, message: str) -> Text:
    """A caret under the place of the error in the filter line above, and the message."""
    out = Text()
    out.append(" " * max(0, position) + "^ ", style="bold red")
    out.append(message, style="red")
    return out


class TableScreen(SubscriptionActions, ModelsBase):
    HELP = f"""\
## Filter (/)
{FILTER_HELP}
s sorts by the cursor's column (again: reverse); y / Y copy a cell / row;
v chooses the columns (space shows/hides, K/J move; remembered per table);
E exports the view."""
    DEFAULT_CSS = """
    TableScreen #table-title { height: 1; padding: 0 1; background: $boost; }
    TableScreen #filter-input { display: none; border: none; height: 1; padding: 0 1; }
    TableScreen #filter-input.-open { display: block; }
    TableScreen #filter-error { display: none; padding: 0 1; height: auto; }
    TableScreen #filter-error.-shown { display: block; }
    TableScreen #table-status { height: 1; padding: 0 1; background: $boost; }
    """
    AUTO_FOCUS = "#rows"
    BINDINGS = [
        Binding("slash", "filter", "Filter", id="table.filter"),
        Binding("escape", "close_filter", "Back", show=False, id="table.escape"),
        Binding("s", "sort", "Sort", show=False, id="table.sort"),
        Binding("r", "reload", "Reload", show=False, id="table.reload"),
        Binding("e", "edit", "Edit", id="table.edit"),
        Binding("n", "create", "New", show=False, id="table.create"),
        Binding("d,D", "delete", "Delete", show=False, id="table.delete"),
        Binding("E", "export", "Export", show=False, id="table.export"),
        Binding("v", "columns", "Columns", show=False, id="table.columns"),
        Binding("y", "copy_cell", "Copy cell", show=False, id="table.copy_cell"),
        Binding("Y", "copy_row", "Copy row", show=False, id="table.copy_row"),
        *subscription_actions.BINDINGS,
    ]

    def __init__(self, table: str, filter_text: str = "") -> None:
        from tqconsole.services.db.tables import table_title

        super().__init__()
        self.table_name = table
        self.crumb = table_title(table)
        self.filter_text = filter_text
        self.table_query = None  # the TableQuery on screen (last good one)
        self.view = None  # its ColumnView: the columns shown, in order

    @property
    def location(self) -> str:
        return f"models/{self.table_name}"

    def compose_body(self) -> ComposeResult:
        yield Static(self.crumb, id="table-title")
        yield Input(self.filter_text, placeholder="filter, e.g. state=confirmed", id="filter-input")
        yield Static("", id="filter-error")
        yield WindowedTable(self.run_blocking, id="rows")
        yield Static("loading…", id="table-status")

    def on_mount(self) -> None:
        from tqconsole.services.db.tables import LIVE_SECONDS, LIVE_TABLES

        self.open_attempts = 0
        self.open_table()
        if self.table_name in LIVE_TABLES:
            self.poll("live-rows", LIVE_SECONDS, None, self.action_reload)

    def on_screen_resume(self) -> None:
        """Back from a record or a dialog: the rows show what was done there."""
        if self.view is not None and self.query_one(WindowedTable).loaded:
            self.action_reload()

    def open_table(self) -> None:
        from tqconsole.errors import ConsoleError
        from tqconsole.models import by_table

        if by_table(self.table_name) is not None:  # a model: no database needed to build
            try:
                self.show_query(self.build_query(self.table_name, self.filter_text))
            except ConsoleError as exc:
                self.open_failed(str(exc))
            return
        self.run_blocking(
            self.reflect_query,
            self.table_name,
            self.filter_text,
            group="table-open",
            done=self.show_reflected,
            failed=self.open_failed,
        )

    def open_failed(self, message: str) -> None:
        self.query_one("#table-status", Static).update(Text(message, style="bold red"))
        self.notify_error(message)

    def reflect_query(self, table: str, filter_text: str):
        """The query of a table no model describes (reflection reads the database)."""
        from tqconsole.errors import BackendUnavailable

        try:
            return self.build_query(table, filter_text)
        except BackendUnavailable as exc:
            return Unreachable(str(exc))

    def show_reflected(self, result) -> None:
        if not isinstance(result, Unreachable):
            self.show_query(result)
            return
        delay = retry_delay(self.open_attempts)
        self.open_attempts += 1
        if self.open_attempts == 1:
            self.notify_error(result.message)
        line = Text(f"{result.message} (again in {delay:g} s)", style="bold red")
        self.query_one("#table-status", Static).update(line)
        self.set_timer(delay, self.open_table)

    def build_query(self, table: str, filter_text: str):
        from tqconsole.services.db.table_query import TableQuery

        return TableQuery.build(self.backends.database, table, filter_text)

    def show_query(self, query) -> None:
        """Show ``query`` from its first row (a new filter or sort)."""
        from tqconsole.services.db.table_query import TableWindow

        self.table_query = query
        self.filter_text = query.filter_text
        self.view = self.column_view(TableWindow(self.backends.database, query))
        self.query_one(WindowedTable).set_source(self.view)
        self.update_title()

    def column_view(self, source):
        """``source`` with the columns staff chose for this table, else its declared order."""
        from tqconsole.services.db.tables import ColumnView, default_order, load_column_choices

        names = list(source.headers)
        chosen = load_column_choices(self.settings.data_dir).get(self.table_name)
        shown = [n for n in chosen or () if n in names] or default_order(self.table_name, names)
        fields = {f.name: f for f in source.query.fields}
        return ColumnView(source, self.table_name, fields, shown)

    def show_columns(self, keep_position: bool = True) -> None:
        """The same query with the columns as now chosen (after the column chooser)."""
        if self.view is None:
            return
        self.view = self.column_view(self.view.source)
        self.query_one(WindowedTable).set_source(self.view, keep_position=keep_position)

    def update_title(self) -> None:
        title = Text(self.crumb, style="bold")
        if self.crumb != self.table_name:
            title.append(f"  {self.table_name}", style="dim")
        q = self.table_query
        if q is not None:
            from tqconsole.services.db.table_query import is_reflected

            if is_reflected(q.model):
                title.append("  read-only (no model)", style="dim")
            if q.filter_text:
                title.append(f"  / {q.filter_text}", style="yellow")
            if q.sort_text:
                title.append(f"  sort {q.sort_text}", style="cyan")
        self.query_one("#table-title", Static).update(title)

    def update_status(self) -> None:
        table = self.query_one(WindowedTable)
        text = Text(table.position_text)
        if table.selected:
            text.append(f" · {len(table.selected)} selected", style="yellow")
        if table.headers and table.cursor_column < len(table.headers):
            text.append(f" · {table.headers[table.cursor_column]}", style="dim")
        if table.error:
            again = f"again in {table.retry_in:g} s; " if table.retry_in else ""
            text.append(f" · {table.error} ({again}r retries now)", style="bold red")
        self.query_one("#table-status", Static).update(text)

    def on_windowed_table_cursor_moved(self, event: WindowedTable.CursorMoved) -> None:
        self.update_status()

    def on_windowed_table_load_failed(self, event: WindowedTable.LoadFailed) -> None:
        self.update_status()

    def on_windowed_table_row_chosen(self, event: WindowedTable.RowChosen) -> None:
        self.open_record(event.key, self.table_name)

    def on_windowed_table_sort_requested(self, event: WindowedTable.SortRequested) -> None:
        self.action_sort()

    # --- filter
    def action_filter(self) -> None:
        field = self.query_one("#filter-input", Input)
        field.add_class("-open")
        field.value = self.filter_text
        field.focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id != "filter-input":
            return
        event.stop()
        self.apply_filter(event.value.strip())

    def apply_filter(self, text: str) -> None:
        from tqconsole.services.db.filter_language import FilterError, compile_filter
        from tqconsole.services.db.table_query import TableQuery

        error = self.query_one("#filter-error", Static)
        if self.table_query is None:
            return
        try:
            where = compile_filter(self.table_query.model, text)
        except FilterError as exc:
            error.update(caret_line(exc.position, exc.message))
            error.add_class("-shown")
            return  # the table keeps its last good result
        error.remove_class("-shown")
        field = self.query_one("#filter-input", Input)
        field.remove_class("-open")
        self.query_one(WindowedTable).focus()
        q = self.table_query
        self.show_query(TableQuery(q.model, where, q.sort, q.descending, text))

    def action_close_filter(self) -> None:
        """esc: close the filter line if open (the filter stays), else go back."""
        field = self.query_one("#filter-input", Input)
        if not field.has_class("-open"):
            self.app.action_back()
            return
        field.remove_class("-open")
        self.query_one("#filter-error", Static).remove_class("-shown")
        self.query_one(WindowedTable).focus()

    # --- sort, reload
    def action_sort(self) -> None:
        """Sort by the cursor's column; again on the same column reverses it."""
        table = self.query_one(WindowedTable)
        q = self.table_query
        if q is None or not q.fields or self.view is None:
            return
        field = self.view.fields[min(table.cursor_column, len(self.view.fields) - 1)]
        if field is None:
            self.notify("a computed column cannot be sorted", severity="warning")
            return
        descending = (q.sort is field) and not q.descending
        self.show_query(q.with_sort(field, descending))

    def action_reload(self) -> None:
        self.query_one(WindowedTable).reload()

    def after_action(self) -> None:
        table = self.query_one(WindowedTable)
        table.selected.clear()
        table.reload()

    def action_targets(self) -> list:
        table = self.query_one(WindowedTable)
        if table.selected:
            return sorted(table.selected)
        return [] if table.cursor_key is None else [table.cursor_key]

    def target_names(self, ids: list) -> list[str]:
        """The USI and person of each subscription still on hand, else its id."""
        table = self.query_one(WindowedTable)
        names = self.view.names if self.view is not None else []
        cols = [names.index(c) for c in ("usi", "user") if c in names]
        by_key = {row.key: row for row in table.rows.values() if row.key in set(ids)}
        out = []
        for key in ids:
            row = by_key.get(key)
            parts = [row.cells[c] or "" for c in cols] if row else []
            out.append(" ".join(p for p in parts if p) or f"#{key}")
        return out

    # --- records
    def action_edit(self) -> None:
        key = self.query_one(WindowedTable).cursor_key
        if key is not None:
            from tqconsole.screens.model_record import EditScreen

            self.app.push_screen(EditScreen(self.table_name, key), self.edited)

    def action_create(self) -> None:
        from tqconsole.screens.model_record import EditScreen

        self.app.push_screen(EditScreen(self.table_name, None), self.edited)

    def edited(self, saved) -> None:
        if saved:
            self.after_action()

    def action_delete(self) -> None:
        key = self.query_one(WindowedTable).cursor_key
        if key is not None:
            from tqconsole.screens.model_record import ask_delete

            ask_delete(self, self.table_name, key, self.after_action)

    # --- columns
    def action_columns(self) -> None:
        from tqconsole.services.db.tables import column_title
        from tqconsole.widgets.dialogs.pick import Columns

        if self.view is None:
            return
        names = list(self.view.source.headers)
        titles = {n: column_title(self.table_name, n) for n in names}
        self.app.push_screen(Columns(names, titles, self.view.names), self.columns_chosen)

    def columns_chosen(self, names: list | None) -> None:
        from tqconsole.errors import ConsoleError
        from tqconsole.services.db.tables import save_column_choice

        if names is None:
            return
        try:
            save_column_choice(self.settings.data_dir, self.table_name, names or None)
        except ConsoleError as exc:
            self.notify_error(str(exc))
            return
        self.show_columns()

    # --- export and clipboard
    def action_export(self) -> None:
        from tqconsole.widgets.dialogs.prompt import AskDialog

        if self.table_query is None:
            return
        self.app.push_screen(
            AskDialog(
                "Export this view (every row of it) to",
                f"{self.table_name}.csv",
                ".csv or .json",
                raw=True,
            ),
            self.export_to,
        )

    def export_to(self, path: str | None) -> None:
        from tqconsole.errors import InvalidInput
        from tqconsole.services.db.export import format_for
        from tqconsole.widgets.dialogs.progress import ProgressDialog

        if not path:
            return
        try:
            fmt = format_for(path)
        except InvalidInput as exc:
            self.notify(str(exc), severity="error")
            return
        progress = ProgressDialog(f"Exporting {self.table_name} to {path}")
        self.app.push_screen(progress)
        total = self.query_one(WindowedTable).total

        def tick(done: int, total: int) -> bool:
            self.from_thread(progress.report, done, f"{done:,} rows", total)
            return not progress.cancel.is_set()

        def write() -> int:
            from tqconsole.services.db.export import export

            self.backends.database  # noqa: B018 - binds the models
            with open(path, "w", newline="", encoding="utf-8") as out:
                return export(self.table_query, out, fmt, total, tick)

        def finished(n: int) -> None:
            progress.dismiss()
            self.notify(f"exported {n:,} rows to {path}")

        def failed(message: str) -> None:
            progress.dismiss()
            self.notify_error(message)

        self.run_blocking(write, group="export", done=finished, failed=failed)

    def action_copy_cell(self) -> None:
        table = self.query_one(WindowedTable)
        cells = table.cursor_cells
        if cells is not None:
            self.app.copy_to_clipboard(cells[table.cursor_column] or "")
            self.notify("cell copied")

    def action_copy_row(self) -> None:
        cells = self.query_one(WindowedTable).cursor_cells
        if cells is not None:
            self.app.copy_to_clipboard("\t".join(c or "" for c in cells))
            self.notify("row copied")
