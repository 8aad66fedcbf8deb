"""The buckets screen: the folders and objects of a storage, page by page.

``buckets/media/img`` browses a prefix like a folder (``buckets`` alone opens
the storages overview of bucket_storages.py).  The screen composes two panels
that own their state: ``ObjectList`` (paging, marks, sort, filter) and
``BucketTransfers`` (the running upload, download or delete).  Every operation
is a function of ``tqconsole.services`` (buckets, bucket_transfers, …) that
``tqconsole storage`` calls too.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import DataTable

from tqconsole.screens.base import ConsoleScreen
from tqconsole.services.storage import buckets, object_preview
from tqconsole.sizes import human_size
from tqconsole.widgets.bindings import bind
from tqconsole.widgets.bucket_transfers import BucketTransfers
from tqconsole.widgets.object_list import ObjectList, when


class BucketsScreen(ConsoleScreen):
    route = "buckets"
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

    @property
    def objects(self) -> ObjectList:
        return self.query_one(ObjectList)

    @property
    def transfers(self) -> BucketTransfers:
        return self.query_one(BucketTransfers)

    def compose_body(self) -> ComposeResult:
        yield ObjectList(lambda: self.storage, self.storage_name, self.prefix)
        yield BucketTransfers(finished=self.action_refresh)

    def action_refresh(self) -> None:
        self.objects.refresh_list()

    def action_mark(self) -> None:
        self.objects.mark()

    def action_sort(self) -> None:
        self.objects.next_sort()

    def action_reverse(self) -> None:
        self.objects.reverse()

    def action_filter(self) -> None:
        self.objects.open_filter()

    def action_cancel(self) -> None:
        self.transfers.cancel()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        entry = self.objects.current()
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
        from tqconsole.widgets.dialogs.viewer import ObjectDialog

        info, preview = result
        facts = [
            ("key", info.key),
            ("size", f"{human_size(info.size)} ({info.size:,} bytes)"),
            ("type", info.content_type or "unknown"),
            ("modified", f"{when(info.modified)} UTC"),
            ("etag", info.etag),
            *((f"meta {k}", v) for k, v in sorted(info.metadata.items())),
        ]
        dialog = ObjectDialog(
            f"{self.storage_name}/{info.key}",
            facts,
            copy_url=lambda: self.copy_url(info.key),
            download=lambda: self.ask_download([info.key]),
        )
        self.app.push_screen(dialog)
        dialog.call_after_refresh(dialog.show_preview, preview)

    # --- writes and transfers
    def action_delete(self) -> None:
        targets = self.objects.targets()
        if targets:
            storage = self.storage
            self.run_blocking(
                buckets.expand,
                storage,
                targets,
                group="expand",
                done=lambda keys: self.transfers.ask_delete(self.backends, storage, keys),
            )

    def action_move(self) -> None:
        from tqconsole.widgets.dialogs.prompt import AskDialog

        entry = self.objects.current()
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
        entry = self.objects.current()
        if entry is None or entry.folder:
            self.notify("choose an object to copy its URL", severity="warning")
            return
        self.copy_url(entry.key)

    def copy_url(self, key: str) -> None:
        """Like ``tqconsole storage url``: the URL of an object that exists, or a message."""
        from tqconsole.widgets.dialogs.pick import ChooseDialog

        storage = self.storage
        if storage.public:
            self.run_blocking(
                buckets.url, storage, key, group="url", done=lambda url: self.copied(url, "")
            )
            return

        def go(seconds) -> None:
            if seconds:
                label = next(k for k, v in buckets.EXPIRY_CHOICES.items() if v == int(seconds))
                self.run_blocking(
                    buckets.url,
                    storage,
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

    def action_upload(self) -> None:
        self.transfers.ask_upload(self.backends, self.storage, self.prefix)

    def ask_download(self, keys: list[str]) -> None:
        self.transfers.ask_download(self.storage, self.prefix, keys)

    def action_download(self) -> None:
        self.ask_download(self.objects.targets())

    def action_usage(self) -> None:
        from tqconsole.screens.bucket_usage import UsageScreen

        self.app.push_screen(UsageScreen(self.storage_name, self.prefix))

    def action_uploads(self) -> None:
        from tqconsole.screens.bucket_uploads import UploadsScreen

        self.app.push_screen(UploadsScreen(self.storage_name, self.prefix))
