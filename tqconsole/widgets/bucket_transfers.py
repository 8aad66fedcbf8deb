"""The running upload, download or delete of the buckets screen: a panel owning its meter,
and the questions that start them (where from, where to, are you sure).

One transfer at a time; closing the screen cancels it (nothing is left half-written).
Every message says where on the server the transfer read or wrote.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from tqconsole.services.storage import buckets
from tqconsole.services.storage import transfers as bucket_transfers
from tqconsole.sizes import human_size
from tqconsole.widgets.progress_panel import ProgressPanel

TYPED_CONFIRM_ABOVE = 10


class BucketTransfers(ProgressPanel):
    """Runs transfers through ``tqconsole.services`` and calls ``finished()`` after each."""

    def __init__(self, finished: Callable[[], None]) -> None:
        super().__init__(id="transfer")
        self.finished = finished
        self.place = ""  # "from … to …" of the running transfer, for its messages

    def running(self) -> bool:
        """True (and says so) while a transfer runs."""
        if self.meter is not None:
            self.notify("a transfer is running (ctrl+x cancels it)", severity="warning")
            return True
        return False

    def on_unmount(self) -> None:
        if self.meter is not None:
            self.meter.cancel.set()

    # --- the questions
    def ask_upload(self, backends, storage, prefix: str) -> None:
        from tqconsole.widgets.dialogs.prompt import AskDialog

        if self.running():
            return

        def go(answer) -> None:
            if answer:
                path, overwrite = answer
                self.screen.run_blocking(
                    bucket_transfers.plan_upload,
                    Path(path),
                    prefix,
                    group="plan",
                    done=lambda plan: self.upload(backends, storage, plan, prefix, path, overwrite),
                )

        dialog = AskDialog(
            f"Upload a local file or folder into {storage.name}/{prefix}",
            os.getcwd() + "/",
            hint=f"bucket {storage.bucket}; tab completes; a folder uploads all in it",
            path=True,
            check="overwrite objects that exist (off: they are refused)",
        )
        self.app.push_screen(dialog, go)

    def ask_download(self, storage, prefix: str, keys: list[str]) -> None:
        from tqconsole.widgets.dialogs.prompt import AskDialog

        if self.running() or not keys:
            return
        default = os.getcwd() + "/"
        if len(keys) == 1 and not keys[0].endswith("/"):
            default += keys[0].rsplit("/", 1)[-1]

        def go(answer) -> None:
            if answer:
                self.screen.run_blocking(
                    bucket_transfers.plan_download,
                    storage,
                    keys,
                    Path(answer[0]),
                    group="plan",
                    done=lambda plan: self.download(storage, plan, prefix, answer[0]),
                )

        what = keys[0] if len(keys) == 1 else f"{len(keys)} marked entries"
        source = f"{storage.name} (bucket {storage.bucket})"
        self.app.push_screen(AskDialog(f"Download {what} from {source} to", default, path=True), go)

    def ask_delete(self, backends, storage, keys: list[str]) -> None:
        from tqconsole.widgets.dialogs.confirm import ConfirmDialog

        if self.running():
            return
        if not keys:
            self.notify("nothing to delete there")
            return
        lines = [f"  {k}" for k in keys[:8]]
        if len(keys) > 8:
            lines.append(f"  … and {len(keys) - 8:,} more")
        lines += ["", f"They are removed from bucket {storage.bucket} for good."]
        typed = storage.name if len(keys) > TYPED_CONFIRM_ABOVE else ""

        def go(yes: bool) -> None:
            if yes:
                self.delete(backends, storage, keys)

        title = f"Delete {len(keys):,} object(s) from {storage.name}?"
        self.app.push_screen(ConfirmDialog(title, lines, typed, buttons=False), go)

    # --- the transfers
    def run(self, title: str, place: str, plan, fn, args, done=None) -> None:
        """Run ``fn(*args(meter))`` in a worker, the meter of ``plan`` shown here."""
        meter = bucket_transfers.TransferMeter(plan)
        self.place = place
        self.start(title, meter)
        self.screen.run_blocking(
            fn,
            *args(meter),
            group="transfer",
            done=done or self.transferred,
            failed=self.failed,
        )

    def upload(self, backends, storage, plan, prefix: str, source: str, overwrite: bool) -> None:
        self.run(
            f"uploading into {storage.name}/{prefix}",
            f"from {source} into {buckets.where(storage, prefix)}",
            plan,
            bucket_transfers.upload,
            lambda m: (backends, storage, plan, m.bytes, m.cancel, m.file, overwrite),
        )

    def download(self, storage, plan, prefix: str, dest: str) -> None:
        self.run(
            f"downloading from {storage.name}",
            f"from {buckets.where(storage, prefix)} to {dest}",
            plan,
            bucket_transfers.download,
            lambda m: (storage, plan, m.bytes, m.cancel, m.file),
        )

    def delete(self, backends, storage, keys: list[str]) -> None:
        self.run(
            f"deleting from {storage.name}",
            f"from {buckets.where(storage)}",
            bucket_transfers.Transfer(keys, 0),
            buckets.delete,
            lambda m: (backends, storage, keys, m.file, m.cancel),
            done=self.deleted,
        )

    def deleted(self, result) -> None:
        self.stop()
        if result.errors:
            first = next(iter(result.errors.items()))
            self.notify_error(f"{len(result.errors)} not deleted, e.g. {first[0]}: {first[1]}")
        self.notify(f"deleted {len(result.deleted):,} object(s) {self.place}", markup=False)
        self.finished()

    def transferred(self, plan) -> None:
        self.stop()
        result = plan.result
        text = f"{len(result.done)} of {len(plan.items)} file(s), {human_size(result.bytes)}"
        if result.cancelled:
            self.notify(f"cancelled after {text} {self.place}", severity="warning", markup=False)
        elif result.errors or plan.skipped:
            problems = {**plan.skipped, **result.errors}
            first = next(iter(problems.items()))
            hint = ""
            if refused := bucket_transfers.refused(plan):
                hint = f"; {len(refused)} exist already: tick “overwrite objects that exist”"
            self.notify_error(
                f"{text} {self.place}; {len(problems)} failed or skipped, "
                f"e.g. {first[0]}: {first[1]}{hint}"
            )
        else:
            self.notify(f"done: {text} {self.place}", markup=False)
        if result.incomplete:
            self.notify_error(
                f"the parts of {len(result.incomplete)} failed upload(s) stay on the server, "
                "which did not answer: I lists them to abort"
            )
        self.finished()

    def failed(self, message: str) -> None:
        self.stop()
        self.notify_error(f"{message} ({self.place})")

    def notify_error(self, message: str) -> None:
        self.screen.notify_error(message)
