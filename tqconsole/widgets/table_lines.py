"""The lines around a table of the browser: its title (table, filter, sort) above, and its
status (position, marks, column, error) below."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static


class TableTitle(Static):
    def show(self, crumb: str, table_name: str, query) -> None:
        """``crumb`` (the table in words), its name, and what ``query`` (None: not yet) does."""
        title = Text(crumb, style="bold")
        if crumb != table_name:
            title.append(f"  {table_name}", style="dim")
        if query is not None:
            from tqconsole.services.db.table_query import is_reflected

            if is_reflected(query.model):
                title.append("  read-only (no model)", style="dim")
            if query.filter_text:
                title.append(f"  / {query.filter_text}", style="yellow")
            if query.sort_text:
                title.append(f"  sort {query.sort_text}", style="cyan")
        self.update(title)


class TableStatus(Static):
    def show(self, table) -> None:
        """Where ``table`` (a WindowedTable) is: row, marks, the cursor's column, its error."""
        text = Text(table.position_text)
        if table.selected:
            text.append(f" · {len(table.selected)} selected", style="yellow")
        if table.headers and table.cursor_column < len(table.headers):
            text.append(f" · {table.headers[table.cursor_column]}", style="dim")
        if table.error:
            again = f"again in {table.retry_in:g} s; " if table.retry_in else ""
            text.append(f" · {table.error} ({again}r retries now)", style="bold red")
        self.update(text)

    def fail(self, message: str) -> None:
        self.update(Text(message, style="bold red"))
