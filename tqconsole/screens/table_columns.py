"""The columns a table of the browser shows: staff's choice (``v``), else the declared order."""

from __future__ import annotations

from collections.abc import Callable


def column_view(data_dir, table_name: str, source):
    """``source`` with the columns chosen for ``table_name``, else its declared order."""
    from tqconsole.services.db.tables import ColumnView, default_order, load_column_choices

    names = list(source.headers)
    chosen = load_column_choices(data_dir).get(table_name)
    shown = [n for n in chosen or () if n in names] or default_order(table_name, names)
    fields = {f.name: f for f in source.query.fields}
    return ColumnView(source, table_name, fields, shown)


def ask_columns(screen, table_name: str, view, chosen: Callable[[], None]) -> None:
    """The column chooser on ``view``; the choice is remembered, then ``chosen()``."""
    from tqconsole.services.db.tables import column_title
    from tqconsole.widgets.dialogs.pick import Columns

    def save(names: list | None) -> None:
        from tqconsole.errors import ConsoleError
        from tqconsole.services.db.tables import save_column_choice

        if names is None:
            return
        try:
            save_column_choice(screen.settings.data_dir, table_name, names or None)
        except ConsoleError as exc:
            screen.notify_error(str(exc))
            return
        chosen()

    names = list(view.source.headers)
    titles = {n: column_title(table_name, n) for n in names}
    screen.app.push_screen(Columns(names, titles, view.names), save)
