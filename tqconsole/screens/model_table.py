"""One table in the browser: the windowed rows, filter, sort, export, staff actions."""

from __future__ import annotations

from textual.app import ComposeResult

from tqconsole.screens import course_actions, subscription_actions
from tqconsole.screens.course_actions import CourseActions
from tqconsole.screens.models import ModelsBase
from tqconsole.screens.subscription_actions import SubscriptionActions
from tqconsole.services.db.filter_language import HELP as FILTER_HELP
from tqconsole.widgets.bindings import bind
from tqconsole.widgets.filter_bar import FilterBar
from tqconsole.widgets.table_lines import TableStatus, TableTitle
from tqconsole.widgets.windowed_table import Unreachable, WindowedTable, retry_delay


class TableScreen(SubscriptionActions, CourseActions, ModelsBase):
    HELP = f"""\
## Filter (/)
{FILTER_HELP}
s sorts by the cursor's column (again: reverse); y / Y copy a cell / row;
v chooses the columns (space shows/hides, K/J move; remembered per table);
E exports the view."""
    DEFAULT_CSS = """
    TableScreen #table-title { height: 1; padding: 0 1; background: $boost; }
    TableScreen #table-status { height: 1; padding: 0 1; background: $boost; }
    """
    AUTO_FOCUS = "#rows"
    BINDINGS = [
        bind("filter", "filter"),
        bind("back", "close_filter", show=False),
        bind("sort", "sort", show=False),
        bind("refresh", "reload", "Reload", show=False),
        bind("edit", "edit"),
        bind("create", "create", show=False),
        bind("delete", "delete", show=False),
        bind("db.export", "export", show=False),
        bind("db.columns", "columns", show=False),
        bind("copy", "copy_cell", "Copy cell", show=False),
        bind("db.copy_row", "copy_row", show=False),
        *subscription_actions.BINDINGS,
        *course_actions.BINDINGS,
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
        yield TableTitle(self.crumb, id="table-title")
        yield FilterBar(self.filter_text, "filter, e.g. state=confirmed")
        yield WindowedTable(self.run_blocking, id="rows")
        yield TableStatus("loading…", id="table-status")

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
        self.query_one(TableStatus).fail(message)
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
        self.query_one(TableStatus).fail(f"{result.message} (again in {delay:g} s)")
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
        self.query_one(TableTitle).show(self.crumb, self.table_name, query)

    def column_view(self, source):
        from tqconsole.screens.table_columns import column_view

        return column_view(self.settings.data_dir, self.table_name, source)

    def show_columns(self, keep_position: bool = True) -> None:
        """The same query with the columns as now chosen (after the column chooser)."""
        if self.view is None:
            return
        self.view = self.column_view(self.view.source)
        self.query_one(WindowedTable).set_source(self.view, keep_position=keep_position)

    def on_windowed_table_cursor_moved(self, event: WindowedTable.CursorMoved) -> None:
        self.query_one(TableStatus).show(event.table)

    def on_windowed_table_load_failed(self, event: WindowedTable.LoadFailed) -> None:
        self.query_one(TableStatus).show(event.table)

    def on_windowed_table_row_chosen(self, event: WindowedTable.RowChosen) -> None:
        self.open_record(event.key, self.table_name)

    def on_windowed_table_sort_requested(self, event: WindowedTable.SortRequested) -> None:
        self.action_sort()

    # --- filter
    def action_filter(self) -> None:
        self.query_one(FilterBar).open(self.filter_text)

    def on_filter_bar_submitted(self, event: FilterBar.Submitted) -> None:
        self.apply_filter(event.text)

    def apply_filter(self, text: str) -> None:
        from tqconsole.services.db.filter_language import FilterError, compile_filter
        from tqconsole.services.db.table_query import TableQuery

        if self.table_query is None:
            return
        bar = self.query_one(FilterBar)
        try:
            where = compile_filter(self.table_query.model, text)
        except FilterError as exc:
            bar.show_error(exc.position, exc.message)
            return  # the table keeps its last good result
        bar.close()
        self.query_one(WindowedTable).focus()
        q = self.table_query
        self.show_query(TableQuery(q.model, where, q.sort, q.descending, text))

    def action_close_filter(self) -> None:
        """esc: close the filter line if open (the filter stays), else go back."""
        if self.query_one(FilterBar).close():
            self.query_one(WindowedTable).focus()
        else:
            self.app.action_back()

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
            from tqconsole.screens.record_edit import EditScreen

            self.app.push_screen(EditScreen(self.table_name, key), self.edited)

    def action_create(self) -> None:
        from tqconsole.screens.record_edit import EditScreen

        self.app.push_screen(EditScreen(self.table_name, None), self.edited)

    def edited(self, saved) -> None:
        if saved:
            self.after_action()

    def action_delete(self) -> None:
        key = self.query_one(WindowedTable).cursor_key
        if key is not None:
            from tqconsole.screens.record_delete import ask_delete

            ask_delete(self, self.table_name, key, self.after_action)

    # --- columns
    def action_columns(self) -> None:
        from tqconsole.screens.table_columns import ask_columns

        if self.view is not None:
            ask_columns(self, self.table_name, self.view, self.show_columns)

    # --- export and clipboard
    def action_export(self) -> None:
        from tqconsole.screens.table_export import ask_export

        if self.table_query is not None:
            total = self.query_one(WindowedTable).total
            ask_export(self, self.table_name, self.table_query, total)

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
