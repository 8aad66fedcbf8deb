"""``E`` on a table: every row of the view on screen to a CSV or JSON file, with progress."""

from __future__ import annotations


def ask_export(screen, table_name: str, table_query, total: int) -> None:
    """Ask where to, then write ``table_query``'s rows there in a worker of ``screen``."""
    from tqconsole.widgets.dialogs.prompt import AskDialog

    screen.app.push_screen(
        AskDialog(
            "Export this view (every row of it) to",
            f"{table_name}.csv",
            ".csv or .json",
            raw=True,
        ),
        lambda path: export_to(screen, table_name, table_query, total, path),
    )


def export_to(screen, table_name: str, table_query, total: int, path: str | None) -> None:
    from tqconsole.errors import InvalidInput
    from tqconsole.services.db.export import format_for
    from tqconsole.widgets.dialogs.progress import ProgressDialog

    if not path:
        return
    try:
        fmt = format_for(path)
    except InvalidInput as exc:
        screen.notify(str(exc), severity="error")
        return
    progress = ProgressDialog(f"Exporting {table_name} to {path}")
    screen.app.push_screen(progress)

    def tick(done: int, total: int) -> bool:
        screen.from_thread(progress.report, done, f"{done:,} rows", total)
        return not progress.cancel.is_set()

    def write() -> int:
        from tqconsole.services.db.export import export

        screen.backends.database  # noqa: B018 - binds the models
        with open(path, "w", newline="", encoding="utf-8") as out:
            return export(table_query, out, fmt, total, tick)

    def finished(n: int) -> None:
        progress.dismiss()
        screen.notify(f"exported {n:,} rows to {path}")

    def failed(message: str) -> None:
        progress.dismiss()
        screen.notify_error(message)

    screen.run_blocking(write, group="export", done=finished, failed=failed)
