"""The buckets screen: the folders and objects of a storage, page by page.

``buckets/media/img`` browses a prefix like a folder (``buckets`` alone opens
the storages overview of bucket_storages.py).  The first page comes from one
small ListObjectsV2 call, fetched while the screen is still being built; the
next page is fetched as the cursor or the view nears the end of what is
loaded, so a prefix of any size opens equally fast.  Every operation is a
function of ``tqconsole.services`` (buckets, bucket_transfers, …) that
``tqconsole storage`` calls too.
"""

from __future__ import annotations

import os
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from rich.text import Text
from textual.app import ComposeResult
from textual.widgets import DataTable, Input, Static

from tqconsole.errors import InvalidInput
from tqconsole.screens.base import ConsoleScreen
from tqconsole.services import bucket_transfers, buckets, object_preview
from tqconsole.widgets.bindings import bind
from tqconsole.widgets.lists import KeyTable
from tqconsole.widgets.transfer_panel import TransferPanel

FIRST_PAGE = 60  # small, so the first screenful arrives at once
# Fetches the first page while the screen is composed and mounted (saves that time).
PREFETCH = ThreadPoolExecutor(max_workers=2, thread_name_prefix="buckets-prefetch")
PAGE = 1000
LOOKAHEAD = 50  # rows before the end of what is loaded that trigger the next page
TYPED_CONFIRM_ABOVE = 10
SORTS = ("name", "size", "modified")


@dataclass
class Entry:
    key: str  # full key, or a prefix ending in "/"
    name: str  # the part below the browsed prefix
    folder: bool
    size: int | None = None
    modified: datetime | None = None
    content_type: str = ""


def when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if value else ""


class BucketsScreen(ConsoleScreen):
    route = "buckets"
    DEFAULT_CSS = """
    BucketsScreen #heading { height: 1; padding: 0 1; background: $boost; }
    BucketsScreen KeyTable { height: 1fr; }
    BucketsScreen #filter { display: none; border: none; height: 1; padding: 0 1; }
    BucketsScreen #filter.-shown { display: block; }
    """
    BINDINGS = [
        bind("buckets.upload", "upload"),
        bind("buckets.download", "download"),
        bind("delete", "delete"),
        bind("copy", "copy_url", "Copy URL"),
        bind("buckets.move", "move", show=False),
        bind("mark", "mark", show=False),
        bind("filter", "filter"),
        bind("sort", "sort", show=False),
        bind("buckets.reverse", "reverse", show=False),
        bind("buckets.usage", "usage"),
        bind("buckets.uploads", "uploads", show=False),
        bind("cancel", "cancel", show=False),
        bind("refresh", "refresh", show=False),
        bind("buckets.parent", "parent", show=False),
    ]

    def __init__(self, storage: str = "", prefix: str = "") -> None:
        super().__init__()
        self.storage_name = storage
        self.prefix = prefix
        self.entries: list[Entry] = []
        self.token: str | None = None
        self.loading = False
        self.marked: set[str] = set()
        self.sort, self.descending, self.filter_text = "name", False, ""
        self.rows: list[Entry] = []  # what the table shows, in its order
        self.meter = None  # the TransferMeter of a running upload or download
        self.transfer_place = ""  # "from … to …" of that transfer, for its message
        self.prefetch: Future | None = None

    @classmethod
    def from_location(cls, rest: str) -> ConsoleScreen:
        """``buckets`` is the storages overview; ``buckets/STORAGE[/PREFIX]`` browses."""
        name, _, prefix = rest.strip().strip("/").partition("/")
        if not name:
            from tqconsole.screens.bucket_storages import StoragesScreen

            return StoragesScreen()
        return cls(name, prefix + "/" if prefix else "")

    @property
    def location(self) -> str:
        parts = ["buckets", self.storage_name, self.prefix.rstrip("/")]
        return "/".join(p for p in parts if p)

    @property
    def crumb(self) -> str:
        """The last folder when the screen below shows its parent, else the whole path."""
        stack = self.app.screen_stack
        below = stack[stack.index(self) - 1] if self in stack and stack.index(self) > 0 else None
        if (
            self.prefix
            and isinstance(below, BucketsScreen)
            and below.storage_name == self.storage_name
        ):
            return self.prefix.rstrip("/").rsplit("/", 1)[-1] + "/"
        return f"{self.storage_name}/{self.prefix}".rstrip("/")

    @property
    def storage(self):
        return self.backends.get("storage").storage(self.storage_name)

    def compose_body(self) -> ComposeResult:
        self.prefetch = PREFETCH.submit(self.fetch_page, None, FIRST_PAGE)
        yield Static("", id="heading")
        table = KeyTable(cursor_type="row", zebra_stripes=True, id="objects")
        table.add_column(" ", key="mark", width=1)
        table.add_column("Name", key="name")
        table.add_column("Size", key="size", width=9)
        table.add_column("Modified (UTC)", key="modified", width=16)
        table.add_column("Type", key="type")
        yield table
        yield Input(
            placeholder="filter loaded rows: name, >1MB, <10KB, @2026-11 (esc clears)", id="filter"
        )
        yield TransferPanel()

    def on_mount(self) -> None:
        table = self.query_one(KeyTable)
        table.focus()
        self.watch(table, "scroll_y", self.table_scrolled, init=False)
        if self.prefetch is None:
            self.action_refresh()
            return
        # the first page was asked for while the screen was being composed
        self.heading(Text(f"{self.storage_name}/{self.prefix} — loading…", "dim"))
        self.loading = True
        self.run_blocking(
            self.prefetch.result,
            group="page",
            done=lambda page: self.add_page(page, True),
            failed=self.show_failure,
        )
        self.prefetch = None

    def on_unmount(self) -> None:
        """Closing the screen cancels its transfer: nothing is left half-written."""
        if self.meter is not None:
            self.meter.cancel.set()

    def heading(self, text: str | Text) -> None:
        self.query_one("#heading", Static).update(text)

    def action_refresh(self) -> None:
        self.token, self.marked = None, set()
        self.heading(Text(f"{self.storage_name}/{self.prefix} — loading…", "dim"))
        self.load_page(FIRST_PAGE)

    def show_failure(self, message: str) -> None:
        self.heading(Text(message, "bold red"))
        self.loading = False

    # --- browsing a prefix
    def load_page(self, size: int) -> None:
        self.loading = True
        fresh = self.token is None
        self.run_blocking(
            self.fetch_page,
            self.token,
            size,
            group="page",
            done=lambda page: self.add_page(page, fresh),
            failed=self.show_failure,
        )

    def fetch_page(self, token: str | None, size: int):
        return self.storage.list(self.prefix, "/", size, token)

    def add_page(self, page, fresh: bool) -> None:
        """Append a page; the first page of a (re)load replaces what was shown."""
        self.loading = False
        cut = len(self.prefix)
        new = [Entry(p, p[cut:], True) for p in page.prefixes]
        new += [
            Entry(o.key, o.key[cut:], False, o.size, o.modified, o.content_type)
            for o in page.objects
            if o.key != self.prefix  # the empty "folder" object some S3 tools create
        ]
        new.sort(key=lambda e: e.key)
        self.entries = new if fresh else self.entries + new
        self.token = page.next_token
        if fresh:
            self.show_rows()
        elif self.sort == "name" and not self.descending and not self.filter_text:
            self.append_rows(new)
        else:
            self.show_rows()
        self.show_heading()

    def show_heading(self) -> None:
        storage = self.storage
        shown = len(self.rows)
        loaded = f"{len(self.entries):,} loaded" + (", more below" if self.token else "")
        if self.filter_text:
            loaded = f"{shown:,} of {loaded} match {self.filter_text!r}"
        arrow = "↓" if self.descending else "↑"
        marked = f" · {len(self.marked)} marked" if self.marked else ""
        access = "public" if storage.public else "private"
        self.heading(
            Text.assemble(
                (f"{self.storage_name}/{self.prefix}", "bold"),
                f"  bucket {storage.bucket}, {access} · {loaded} · sort {self.sort} {arrow}{marked}",
            )
        )

    def row_cells(self, entry: Entry) -> tuple:
        mark = "●" if entry.key in self.marked else " "
        if entry.folder:
            return (mark, Text(entry.name, style="bold"), "", "", "folder")
        content_type = buckets.shown_content_type(entry.key, entry.content_type)
        return (
            mark,
            Text(entry.name),  # plain text: a key may hold [brackets] that look like markup
            buckets.human_size(entry.size),
            when(entry.modified),
            content_type,
        )

    def append_rows(self, entries: list[Entry]) -> None:
        table = self.query_one(KeyTable)
        for entry in entries:
            table.add_row(*self.row_cells(entry), key=entry.key)
        self.rows.extend(entries)

    def visible(self) -> list[Entry]:
        rows = list(self.entries)
        if self.filter_text:
            try:
                test = buckets.name_filter(self.filter_text)
            except InvalidInput:  # a size filter still being typed: show all meanwhile
                test = None
            if test is not None:
                rows = [e for e in rows if test(e.name, e.size, e.modified)]
        if self.sort == "size":
            rows.sort(key=lambda e: (not e.folder, e.size or 0, e.key))
        elif self.sort == "modified":
            rows.sort(key=lambda e: (not e.folder, e.modified or datetime.min, e.key))
        if self.descending:
            rows.reverse()
        return rows

    def show_rows(self) -> None:
        table = self.query_one(KeyTable)
        current = self.current()
        table.clear()
        self.rows = []
        self.append_rows(self.visible())
        if current is not None and current.key in table.rows:
            table.move_cursor(row=table.get_row_index(current.key))

    def current(self) -> Entry | None:
        table = self.query_one(KeyTable)
        if not self.rows or table.cursor_row >= len(self.rows):
            return None
        return self.rows[table.cursor_row]

    def targets(self) -> list[str]:
        if self.marked:
            return sorted(self.marked)
        entry = self.current()
        return [entry.key] if entry else []

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self.load_more_near(event.cursor_row)

    def table_scrolled(self, scroll_y: float) -> None:
        table = self.query_one(KeyTable)
        self.load_more_near(int(scroll_y) + table.scrollable_content_region.height)

    def load_more_near(self, row: int) -> None:
        """Fetch the next page once ``row`` (cursor or bottom of the view) nears the end."""
        if self.token and not self.loading and row >= len(self.rows) - LOOKAHEAD:
            self.load_page(PAGE)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        entry = self.current()
        if entry is None:
            return
        if entry.folder:
            self.app.push_screen(BucketsScreen(self.storage_name, entry.key))
        else:
            self.run_blocking(self.details, entry.key, group="object", done=self.show_object)

    def action_parent(self) -> None:
        parent = self.prefix.rstrip("/").rpartition("/")[0]
        if self.prefix:
            location = f"buckets/{self.storage_name}" + (f"/{parent}" if parent else "")
        else:
            location = "buckets"
        stack = self.app.screen_stack
        below = stack[-2] if len(stack) > 1 else None
        if getattr(below, "location", None) == location:
            self.app.pop_screen()
        else:
            self.app.goto(location)

    # --- one object
    def details(self, key: str):
        info = self.storage.stat(key)
        return info, object_preview.preview(self.storage, key, info)

    def show_object(self, result) -> None:
        from tqconsole.screens.bucket_dialogs import ObjectDialog

        info, preview = result
        facts = [
            ("key", info.key),
            ("size", f"{buckets.human_size(info.size)} ({info.size:,} bytes)"),
            ("type", info.content_type or "unknown"),
            ("modified", f"{when(info.modified)} UTC"),
            ("etag", info.etag),
            *((f"meta {k}", v) for k, v in sorted(info.metadata.items())),
        ]

        def then(action) -> None:
            if action == "url":
                self.copy_url(info.key)
            elif action == "download":
                self.ask_download([info.key])

        dialog = ObjectDialog(f"{self.storage_name}/{info.key}", facts)
        self.app.push_screen(dialog, then)
        dialog.call_after_refresh(dialog.show_preview, preview)

    # --- marks, sort, filter
    def action_mark(self) -> None:
        entry = self.current()
        if entry is None:
            return
        self.marked.symmetric_difference_update({entry.key})
        table = self.query_one(KeyTable)
        table.update_cell(entry.key, "mark", "●" if entry.key in self.marked else " ")
        table.action_cursor_down()
        self.show_heading()

    def action_sort(self) -> None:
        self.sort = SORTS[(SORTS.index(self.sort) + 1) % len(SORTS)]
        self.show_rows()
        self.show_heading()

    def action_reverse(self) -> None:
        self.descending = not self.descending
        self.show_rows()
        self.show_heading()

    def action_filter(self) -> None:
        field = self.query_one("#filter", Input)
        field.add_class("-shown")
        field.focus()

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "filter":
            self.filter_text = event.value.strip()
            self.show_rows()
            self.show_heading()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "filter":
            event.stop()
            self.query_one(KeyTable).focus()

    def on_key(self, event) -> None:
        field = self.query_one("#filter", Input)
        if event.key == "escape" and field.has_focus:
            event.stop()
            field.value = ""
            field.remove_class("-shown")
            self.query_one(KeyTable).focus()

    # --- writes and transfers
    def action_delete(self) -> None:
        targets = self.targets()
        if targets:
            self.run_blocking(
                buckets.expand, self.storage, targets, group="expand", done=self.confirm_delete
            )

    def confirm_delete(self, keys: list[str]) -> None:
        from tqconsole.screens.bucket_dialogs import ConfirmDialog

        if self.transfer_running():
            return
        if not keys:
            self.notify("nothing to delete there")
            return
        storage = self.storage
        lines = [f"  {k}" for k in keys[:8]]
        if len(keys) > 8:
            lines.append(f"  … and {len(keys) - 8:,} more")
        lines += ["", f"They are removed from bucket {storage.bucket} for good."]
        typed = self.storage_name if len(keys) > TYPED_CONFIRM_ABOVE else ""

        def go(yes: bool) -> None:
            if yes:
                meter = self.meter = bucket_transfers.TransferMeter(
                    bucket_transfers.Transfer(keys, 0)
                )
                self.query_one(TransferPanel).start(f"deleting from {self.storage_name}", meter)
                self.run_blocking(
                    buckets.delete,
                    self.backends,
                    storage,
                    keys,
                    meter.file,
                    meter.cancel,
                    group="transfer",
                    done=self.deleted,
                    failed=self.transfer_failed,
                )

        title = f"Delete {len(keys):,} object(s) from {self.storage_name}?"
        self.app.push_screen(ConfirmDialog(title, lines, typed), go)

    def deleted(self, result) -> None:
        self.meter = None
        self.query_one(TransferPanel).stop()
        if result.errors:
            first = next(iter(result.errors.items()))
            self.notify_error(f"{len(result.errors)} not deleted, e.g. {first[0]}: {first[1]}")
        self.notify(f"deleted {len(result.deleted):,} object(s)")
        self.action_refresh()

    def action_move(self) -> None:
        from tqconsole.screens.bucket_dialogs import AskDialog

        entry = self.current()
        if entry is None:
            return
        if entry.folder:
            self.notify("move objects one by one: S3 has no folders to rename", severity="warning")
            return

        def go(answer) -> None:
            if answer and answer[0] != entry.key:
                self.run_blocking(
                    buckets.move,
                    self.backends,
                    self.storage,
                    entry.key,
                    answer[0],
                    group="move",
                    done=lambda info: self.moved(entry.key, info),
                )

        hint = "a new key in this storage; ending in / keeps the name"
        self.app.push_screen(
            AskDialog(f"Move {self.storage_name}/{entry.key} to", entry.key, hint), go
        )

    def moved(self, old: str, info) -> None:
        self.notify(f"moved {old} to {info.key}", markup=False)
        self.action_refresh()

    def action_copy_url(self) -> None:
        entry = self.current()
        if entry is None or entry.folder:
            self.notify("choose an object to copy its URL", severity="warning")
            return
        self.copy_url(entry.key)

    def copy_url(self, key: str) -> None:
        from tqconsole.screens.bucket_dialogs import ChooseDialog

        storage = self.storage
        if storage.public:
            self.run_blocking(storage.url, key, group="url", done=lambda url: self.copied(url, ""))
            return

        def go(seconds) -> None:
            if seconds:
                label = next(k for k, v in buckets.EXPIRY_CHOICES.items() if v == int(seconds))
                self.run_blocking(
                    storage.url,
                    key,
                    int(seconds),
                    group="url",
                    done=lambda url: self.copied(url, label),
                )

        choices = [(str(v), f"valid for {k}") for k, v in buckets.EXPIRY_CHOICES.items()]
        self.app.push_screen(ChooseDialog(f"Presigned URL of {key}", choices), go)

    def copied(self, url: str, expiry: str) -> None:
        self.app.copy_to_clipboard(url)
        valid = f", valid for {expiry}" if expiry else ""
        self.notify(f"URL copied to the clipboard{valid}:\n{url}", timeout=6, markup=False)

    def transfer_running(self) -> bool:
        if self.meter is not None:
            self.notify("a transfer is running (ctrl+x cancels it)", severity="warning")
            return True
        return False

    def action_upload(self) -> None:
        from tqconsole.screens.bucket_dialogs import AskDialog

        if self.transfer_running():
            return
        storage = self.storage

        def go(answer) -> None:
            if answer:
                path, overwrite = answer
                self.run_blocking(
                    bucket_transfers.plan_upload,
                    Path(path),
                    self.prefix,
                    group="plan",
                    done=lambda plan: self.start_upload(storage, plan, overwrite, path),
                )

        dialog = AskDialog(
            f"Upload a local file or folder into {self.storage_name}/{self.prefix}",
            os.getcwd() + "/",
            hint="tab completes; a folder uploads with everything in it",
            path=True,
            check="overwrite objects that exist",
        )
        self.app.push_screen(dialog, go)

    def start_upload(self, storage, plan, overwrite: bool, source: str) -> None:
        meter = self.meter = bucket_transfers.TransferMeter(plan)
        self.transfer_place = f"from {source} into {buckets.where(storage, self.prefix)}"
        self.query_one(TransferPanel).start(
            f"uploading into {self.storage_name}/{self.prefix}", meter
        )
        self.run_blocking(
            bucket_transfers.upload,
            self.backends,
            storage,
            plan,
            meter.bytes,
            meter.cancel,
            meter.file,
            overwrite,
            group="transfer",
            done=self.transferred,
            failed=self.transfer_failed,
        )

    def ask_download(self, keys: list[str]) -> None:
        from tqconsole.screens.bucket_dialogs import AskDialog

        if self.transfer_running() or not keys:
            return
        storage = self.storage
        default = os.getcwd() + "/"
        if len(keys) == 1 and not keys[0].endswith("/"):
            default += keys[0].rsplit("/", 1)[-1]

        def go(answer) -> None:
            if answer:
                self.run_blocking(
                    bucket_transfers.plan_download,
                    storage,
                    keys,
                    Path(answer[0]),
                    group="plan",
                    done=lambda plan: self.start_download(storage, plan, answer[0]),
                )

        what = keys[0] if len(keys) == 1 else f"{len(keys)} marked entries"
        self.app.push_screen(AskDialog(f"Download {what} to", default, path=True), go)

    def action_download(self) -> None:
        self.ask_download(self.targets())

    def start_download(self, storage, plan, dest: str) -> None:
        meter = self.meter = bucket_transfers.TransferMeter(plan)
        self.transfer_place = f"from {buckets.where(storage, self.prefix)} to {dest}"
        self.query_one(TransferPanel).start(f"downloading from {self.storage_name}", meter)
        self.run_blocking(
            bucket_transfers.download,
            storage,
            plan,
            meter.bytes,
            meter.cancel,
            meter.file,
            group="transfer",
            done=self.transferred,
            failed=self.transfer_failed,
        )

    def transferred(self, plan) -> None:
        self.meter = None
        self.query_one(TransferPanel).stop()
        result = plan.result
        text = (
            f"{len(result.done)} of {len(plan.items)} file(s), {buckets.human_size(result.bytes)}"
        )
        if result.cancelled:
            self.notify(f"cancelled after {text}", severity="warning")
        elif result.errors or plan.skipped:
            problems = {**plan.skipped, **result.errors}
            first = next(iter(problems.items()))
            self.notify_error(
                f"{text}; {len(problems)} failed or skipped, e.g. {first[0]}: {first[1]}"
            )
        else:
            self.notify(f"done: {text} {self.transfer_place}", markup=False)
        if result.incomplete:
            self.notify_error(
                f"the parts of {len(result.incomplete)} failed upload(s) stay on the server, "
                "which did not answer: I lists them to abort"
            )
        self.action_refresh()

    def transfer_failed(self, message: str) -> None:
        self.meter = None
        self.query_one(TransferPanel).stop()
        self.notify_error(message)

    def action_cancel(self) -> None:
        if self.meter is not None:
            self.meter.cancel.set()
            self.query_one(TransferPanel).redraw()

    def action_usage(self) -> None:
        from tqconsole.screens.bucket_usage import UsageScreen

        self.app.push_screen(UsageScreen(self.storage_name, self.prefix))

    def action_uploads(self) -> None:
        from tqconsole.screens.bucket_uploads import UploadsScreen

        self.app.push_screen(UploadsScreen(self.storage_name, self.prefix))
