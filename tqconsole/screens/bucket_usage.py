"""Usage of a storage, like ncdu: size per folder below a prefix, filled in page by page."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import DataTable
from textual.worker import get_current_worker

from tqconsole.screens.bucket_prefix import PrefixTableScreen
from tqconsole.services.storage import usage as bucket_usage
from tqconsole.sizes import human_size
from tqconsole.widgets.bindings import bind
from tqconsole.widgets.lists import KeyTable

BAR_WIDTH = 20
SHOWN = 500  # the largest entries; a prefix may hold many more objects directly


class UsageScreen(PrefixTableScreen):
    kind = "usage"
    COLUMNS = (
        ("Size", "size", 9),
        ("Objects", "objects", 9),
        ("", "bar", BAR_WIDTH),
        ("Name", "name", None),
    )
    BINDINGS = [
        bind("cancel", "stop", "Stop counting"),
        bind("refresh", "refresh", "Recount"),
    ]

    def __init__(self, storage: str, prefix: str = "") -> None:
        super().__init__(storage, prefix)
        self.crumb = f"usage {prefix or storage}"
        self.names: list[str] = []

    def action_refresh(self) -> None:
        self.heading(Text("counting…", "dim"))
        self.run_blocking(self.count, group="usage", done=self.show, failed=self.failed)

    def count(self):
        worker = get_current_worker()
        storage = self.storage
        usage = None
        for usage in bucket_usage.usage(storage, self.prefix):
            if worker.is_cancelled:
                return None
            if not usage.done:
                self.from_thread(self.show, usage)
        return usage

    def show(self, usage) -> None:
        if usage is None:
            return
        table = self.query_one(KeyTable)
        cursor = table.cursor_row
        table.clear()
        entries = usage.largest(SHOWN)
        biggest = entries[0].size if entries else 0
        self.names = []
        for entry in entries:
            filled = round(BAR_WIDTH * entry.size / biggest) if biggest else 0
            name = Text(entry.name, style="bold" if entry.is_folder else "")
            table.add_row(
                human_size(entry.size),
                f"{entry.objects:,}",
                Text("█" * filled + "░" * (BAR_WIDTH - filled), style="cyan"),
                name,
            )
            self.names.append(entry.name)
        table.move_cursor(row=min(cursor, max(0, len(entries) - 1)))
        state = "complete" if usage.done else "counting… (ctrl+x stops)"
        more = f" · largest {SHOWN} shown" if len(usage.entries) > SHOWN else ""
        self.heading(
            Text.assemble(
                (f"{self.storage_name}/{self.prefix}", "bold"),
                f"  {human_size(usage.size)} in {usage.objects:,} objects · {state}{more}",
            )
        )

    def action_stop(self) -> None:
        self.workers.cancel_group(self, "usage")
        self.heading(Text("stopped; r counts again", "yellow"))

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        if event.cursor_row < len(self.names) and self.names[event.cursor_row].endswith("/"):
            self.app.push_screen(
                UsageScreen(self.storage_name, self.prefix + self.names[event.cursor_row])
            )
