"""The storages overview (location ``buckets``): media, static and finance with their
bucket, access, state, and object counts and sizes counted in the background."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.widgets import DataTable, Static
from textual.worker import get_current_worker

from tqconsole.screens.base import ConsoleScreen
from tqconsole.services.storage import buckets
from tqconsole.services.storage import usage as bucket_usage
from tqconsole.sizes import human_size
from tqconsole.widgets.bindings import bind
from tqconsole.widgets.lists import KeyTable

STATES = {"ok": Text("ok", "green"), "missing": Text("missing — n creates it", "red")}


class StoragesScreen(ConsoleScreen):
    route = "buckets"
    crumb = "Buckets"
    DEFAULT_CSS = """
    StoragesScreen #heading { height: 1; padding: 0 1; background: $boost; }
    StoragesScreen KeyTable { height: 1fr; }
    """
    BINDINGS = [
        bind("buckets.usage", "usage"),
        bind("create", "create_bucket", "New bucket"),
        bind("buckets.uploads", "uploads", show=False),
        bind("cancel", "stop", "Stop counting", show=False),
        bind("refresh", "refresh", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[buckets.StorageRow] = []
        self.incomplete: dict[str, list] = {}  # storage -> its incomplete uploads, if any

    def compose_body(self) -> ComposeResult:
        yield Static("", id="heading")
        table = KeyTable(cursor_type="row", zebra_stripes=True, id="storages")
        for label in ("Storage", "Bucket", "Access", "Objects", "Size", "State"):
            table.add_column(label, key=label.lower())
        yield table

    def on_mount(self) -> None:
        self.query_one(KeyTable).focus()
        self.action_refresh()

    def heading(self, text: str | Text) -> None:
        self.query_one("#heading", Static).update(text)

    def action_refresh(self) -> None:
        self.heading(Text("storages — counting objects in the background (ctrl+x stops)", "dim"))
        self.run_blocking(
            buckets.storages,
            self.backends,
            group="storages",
            done=self.show_storages,
            failed=self.show_failure,
        )

    def show_failure(self, message: str) -> None:
        self.heading(Text(message, "bold red"))

    def show_storages(self, rows) -> None:
        self.rows = rows
        table = self.query_one(KeyTable)
        table.clear()
        for row in rows:
            counting = "…" if row.exists else ""
            state = STATES.get(row.state, Text(row.state, "yellow"))
            access = "public" if row.public else "private"
            table.add_row(row.name, row.bucket, access, counting, counting, state, key=row.name)
            if row.exists:
                self.run_blocking(
                    self.count,
                    row.name,
                    group=f"count-{row.name}",
                    done=self.counted,
                    failed=self.show_failure,
                )
        self.incomplete = {}
        self.show_heading()

    def show_heading(self) -> None:
        text = Text(f"{len(self.rows)} storages · enter opens one · U shows its usage")
        if self.incomplete:
            found = ", ".join(
                f"{name} {buckets.uploads_summary(uploads)}"
                for name, uploads in self.incomplete.items()
            )
            text.append(f" · incomplete uploads: {found} — I lists them", "yellow")
        self.heading(text)

    def count(self, name: str):
        """Count objects and bytes page by page, showing each step, then the incomplete
        uploads; stops when cancelled."""
        worker = get_current_worker()
        storage = self.backends.get("storage").storage(name)
        total = None
        for total in bucket_usage.usage(storage):
            if worker.is_cancelled:
                return None
            self.from_thread(self.show_count, name, total)
        try:
            uploads = buckets.incomplete_uploads(storage)
        except buckets.AccessDenied:
            uploads = []
        return name, total, uploads

    def show_count(self, name: str, total) -> None:
        table = self.query_one(KeyTable)
        more = "" if total.done else "+"
        try:
            table.update_cell(name, "objects", f"{total.objects:,}{more}", update_width=True)
            size = human_size(total.size) + more
            table.update_cell(name, "size", size, update_width=True)
        except Exception:  # the table was rebuilt meanwhile
            pass

    def counted(self, result) -> None:
        if result is not None:
            name, total, uploads = result
            self.show_count(name, total)
            if uploads:
                self.incomplete[name] = uploads
                self.show_heading()

    def action_stop(self) -> None:
        for row in self.rows:
            self.workers.cancel_group(self, f"count-{row.name}")
        self.heading(Text("counting stopped; r counts again", "yellow"))

    def current(self) -> buckets.StorageRow | None:
        table = self.query_one(KeyTable)
        return self.rows[table.cursor_row] if self.rows else None

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.app.goto(f"buckets/{event.row_key.value}")

    def action_usage(self) -> None:
        from tqconsole.screens.bucket_usage import UsageScreen

        row = self.current()
        if row is not None:
            self.app.push_screen(UsageScreen(row.name, ""))

    def action_uploads(self) -> None:
        from tqconsole.screens.bucket_uploads import UploadsScreen

        row = self.current()
        if row is not None:
            self.app.push_screen(UploadsScreen(row.name))

    def action_create_bucket(self) -> None:
        from tqconsole.widgets.dialogs.prompt import AskDialog

        row = self.current()
        missing = [r.bucket for r in self.rows if not r.exists]
        value = row.bucket if row and not row.exists else (missing or [""])[0]

        def create(answer) -> None:
            if answer:
                self.run_blocking(
                    buckets.create_bucket,
                    self.backends,
                    answer[0],
                    group="create",
                    done=lambda created: self.created(answer[0], created),
                )

        hint = "3-63 characters: a-z 0-9 . -"
        self.app.push_screen(AskDialog("Create bucket", value, hint=hint), create)

    def created(self, bucket: str, created: bool) -> None:
        self.notify(f"created bucket {bucket}" if created else f"bucket {bucket} exists already")
        self.action_refresh()
