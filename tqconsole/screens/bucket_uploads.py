"""Incomplete multipart uploads of a storage (``I`` on the buckets screens): parts on the
server that are no object, left by failed uploads; aborting one frees its parts."""

from __future__ import annotations

from rich.text import Text

from tqconsole.screens.bucket_prefix import PrefixTableScreen
from tqconsole.services.storage import buckets
from tqconsole.sizes import human_size
from tqconsole.widgets.bindings import bind
from tqconsole.widgets.lists import KeyTable


class UploadsScreen(PrefixTableScreen):
    kind = "uploads"
    ZEBRA = True
    COLUMNS = (
        ("Key", "key", None),
        ("Size", "size", 9),
        ("Parts", "parts", 6),
        ("Started (UTC)", "started", 16),
        ("Upload id", "id", None),
    )
    BINDINGS = [
        bind("delete", "abort", "Abort upload"),
        bind("buckets.abort_all", "abort_all"),
        bind("refresh", "refresh"),
    ]

    def __init__(self, storage: str, prefix: str = "") -> None:
        super().__init__(storage, prefix)
        self.crumb = f"incomplete uploads {prefix or storage}"
        self.uploads: list = []

    def action_refresh(self) -> None:
        self.heading(Text("listing incomplete uploads…", "dim"))
        self.run_blocking(
            buckets.incomplete_uploads,
            self.storage,
            self.prefix,
            group="uploads",
            done=self.show,
            failed=self.failed,
        )

    def show(self, uploads) -> None:
        self.uploads = uploads
        table = self.query_one(KeyTable)
        table.clear()
        for upload in uploads:
            started = upload.initiated.strftime("%Y-%m-%d %H:%M") if upload.initiated else ""
            table.add_row(
                Text(upload.key),
                human_size(upload.size),
                str(upload.parts),
                started,
                Text(upload.upload_id, "dim"),
            )
        where = f"{self.storage_name}/{self.prefix}"
        if not uploads:
            self.heading(Text.assemble((where, "bold"), "  no incomplete uploads"))
            return
        self.heading(
            Text.assemble(
                (where, "bold"),
                f"  {buckets.uploads_summary(uploads)} in incomplete uploads · "
                "d aborts one · A aborts all",
            )
        )

    def current(self):
        table = self.query_one(KeyTable)
        if not self.uploads or table.cursor_row >= len(self.uploads):
            return None
        return self.uploads[table.cursor_row]

    def action_abort(self) -> None:
        upload = self.current()
        if upload is not None:
            self.confirm_abort([upload])

    def action_abort_all(self) -> None:
        if self.uploads:
            self.confirm_abort(list(self.uploads))

    def confirm_abort(self, uploads: list) -> None:
        """Always typed: an upload still running elsewhere (the site's) would fail too."""
        from tqconsole.widgets.dialogs.confirm import ConfirmDialog

        lines = [f"  {u.key}  {human_size(u.size)}" for u in uploads[:8]]
        if len(uploads) > 8:
            lines.append(f"  … and {len(uploads) - 8:,} more")
        lines += [
            "",
            "Their parts are freed; an upload still running elsewhere fails.",
        ]

        def go(yes: bool) -> None:
            if yes:
                self.run_blocking(
                    buckets.abort_uploads,
                    self.backends,
                    self.storage,
                    uploads,
                    group="abort",
                    done=self.aborted,
                    failed=self.notify_error,
                )

        title = f"Abort {len(uploads)} incomplete upload(s) in {self.storage_name}?"
        self.app.push_screen(ConfirmDialog(title, lines, self.storage_name, buttons=False), go)

    def aborted(self, result) -> None:
        if result.errors:
            key, error = next(iter(result.errors.items()))
            self.notify_error(f"{len(result.errors)} not aborted, e.g. {key}: {error}")
        self.notify(f"aborted {len(result.deleted)} incomplete upload(s)", markup=False)
        self.action_refresh()
