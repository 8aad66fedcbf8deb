"""``E`` on a table: every row of the view on screen to a CSV or JSON file in the exports
folder of the data dir, with progress; an existing file is replaced only when confirmed."""

from __future__ import annotations

from pathlib import Path


def ask_export(screen, table_name: str, table_query, total: int) -> None:
    """Ask for the file name, then write ``table_query``'s rows there in a worker of ``screen``."""
    from tqconsole.widgets.dialogs.prompt import AskDialog

    folder = Path(screen.settings.data_dir) / "exports"
    screen.app.push_screen(
        AskDialog(
            f"Export this view (every row of it) into {folder}/",
            f"{table_name}.csv",
            ".csv or .json",
            raw=True,
        ),
        lambda name: export_to(screen, table_name, table_query, total, name),
    )


def export_to(
    screen, table_name: str, table_query, total: int, name: str | None, overwrite: bool = False
) -> None:
    from tqconsole.errors import InvalidInput
    from tqconsole.services.db.export import EXISTS, export_to_file, format_for
    from tqconsole.services.progress import Meter
    from tqconsole.widgets.dialogs.confirm import ConfirmDialog
    from tqconsole.widgets.dialogs.progress import ProgressDialog

    if not name:
        return
    try:
        format_for(name)
    except InvalidInput as exc:
        screen.notify(str(exc), severity="error")
        return
    meter = Meter(total or None)
    progress = ProgressDialog(f"Exporting {table_name} to {name}", meter)
    screen.app.push_screen(progress)

    def tick(done: int, total: int) -> bool:
        return meter.step(done, total, f"{done:,} rows")

    def write():
        screen.backends.database  # noqa: B018 - binds the models
        return export_to_file(
            screen.settings.data_dir, name, table_query, total, tick, overwrite=overwrite
        )

    def finished(result) -> None:
        path, n = result
        progress.dismiss()
        screen.notify(f"exported {n:,} rows to {path}", markup=False)

    def failed(message: str) -> None:
        progress.dismiss()
        if not message.startswith(EXISTS) or overwrite:
            screen.notify_error(message)
            return
        screen.app.push_screen(
            ConfirmDialog("Export exists", f"{message}\nReplace it?", action="Overwrite"),
            lambda ok: (
                export_to(screen, table_name, table_query, total, name, True) if ok else None
            ),
        )

    screen.run_blocking(write, group="export", done=finished, failed=failed)
