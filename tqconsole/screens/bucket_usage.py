"""Usage of a storage, like ncdu: size per folder below a prefix, filled in page by page."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Static
from textual.worker import get_current_worker

from tqconsole.screens.base import ConsoleScreen
from tqconsole.services import bucket_usage
from tqconsole.sizes import human_size
from tqconsole.widgets.lists import KeyTable

BAR_WIDTH = 20
SHOWN = 500  # the largest entries; a prefix may hold many more objects directly


class UsageScreen(ConsoleScreen):
    route = "buckets"
    DEFAULT_CSS = """
    UsageScreen #usage-heading { height: 1; padding: 0 1; background: $boost; }
    UsageScreen KeyTable { height: 1fr; }
    """
    BINDINGS = [
        Binding("ctrl+x", "stop", "Stop counting", id="usage.stop"),
        Binding("r", "refresh", "Recount", id="usage.refresh"),
    ]

    def __init__(self, storage: str, prefix: str = "") -> None:
        super().__init__()
        self.storage_name = storage
        self.prefix = prefix
        self.crumb = f"usage {prefix or storage}"
        self.names: list[str] = []

    @property
    def location(self) -> str:
        return "/".join(p for p in ("buckets", self.storage_name, self.prefix.rstrip("/")) if p)

    def compose_body(self) -> ComposeResult:
        yield Static("", id="usage-heading")
        table = KeyTable(cursor_type="row", id="usage")
        table.add_column("Size", key="size", width=9)
        table.add_column("Objects", key="objects", width=9)
        table.add_column("", key="bar", width=BAR_WIDTH)
        table.add_column("Name", key="name")
        yield table

    def on_mount(self) -> None:
        self.query_one(KeyTable).focus()
        self.action_refresh()

    def action_refresh(self) -> None:
        self.heading(Text("counting…", "dim"))
        self.run_blocking(self.count, group="usage", done=self.show, failed=self.failed)

    def heading(self, text) -> None:
        self.query_one("#usage-heading", Static).update(text)

    def failed(self, message: str) -> None:
        self.heading(Text(message, "bold red"))

    def count(self):
        worker = get_current_worker()
        storage = self.backends.get("storage").storage(self.storage_name)
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
