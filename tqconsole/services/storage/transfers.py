"""Uploads of local files or folders and downloads of objects or folders, with a meter
that worker threads feed and a terminal line or the screen's panel reads."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from tqconsole.backends.storage.base import Storage
from tqconsole.backends.storage.results import TransferResult
from tqconsole.backends.storage.transfers import FileProgress
from tqconsole.errors import InvalidInput, NotFound
from tqconsole.services.progress import Meter
from tqconsole.services.storage.buckets import note
from tqconsole.sizes import human_size


@dataclass
class Transfer:
    """A many-file transfer: what will move, and what was skipped before it started."""

    items: list[tuple]
    total_bytes: int
    skipped: dict[str, str] = field(default_factory=dict)
    sizes: dict[str, int] = field(default_factory=dict)  # key -> bytes
    result: TransferResult | None = None


class TransferMeter(Meter):
    """Counts a running transfer; worker threads feed it, a display reads it when it likes.

    ``bytes`` and ``file`` fit the ``progress`` and ``on_file`` callbacks of
    ``upload``/``download``.
    """

    def __init__(self, plan: Transfer):
        super().__init__(total=plan.total_bytes)
        self.plan = plan
        self.started = time.monotonic()
        self.done_bytes = 0
        self.done_files = 0
        self.errors: dict[str, str] = {}
        self.active: dict[str, int] = {}  # key -> bytes so far, of files in flight
        self._lock = threading.Lock()

    def bytes(self, key: str, n: int) -> None:
        with self._lock:
            self.done_bytes += n
            self.active[key] = self.active.get(key, 0) + n

    def file(self, key: str, error: str | None) -> None:
        with self._lock:
            self.done_files += 1
            self.active.pop(key, None)
            if error:
                self.errors[key] = error

    @property
    def files(self) -> int:
        return len(self.plan.items)

    @property
    def fraction(self) -> float:
        total = self.plan.total_bytes
        if not total:
            return self.done_files / self.files if self.files else 1.0
        return min(1.0, self.done_bytes / total)

    @property
    def rate(self) -> float:
        return self.done_bytes / max(time.monotonic() - self.started, 1e-6)

    def summary(self) -> str:
        if not self.plan.total_bytes:  # a delete, or empty files: count objects
            return f"{self.done_files:,}/{self.files:,} objects ({self.fraction:.0%})"
        return (
            f"{self.done_files}/{self.files} files  {human_size(self.done_bytes)} of "
            f"{human_size(self.plan.total_bytes)} ({self.fraction:.0%})  "
            f"{human_size(int(self.rate))}/s"
        )

    def details(self, n: int = 3) -> list[str]:
        """Up to ``n`` files being transferred, with how far each has got."""
        with self._lock:
            active = list(self.active.items())[:n]
        lines = []
        for key, done in active:
            size = self.plan.sizes.get(key, 0)
            pct = f"{done / size:.0%}" if size else ""
            lines.append(f"{pct:>4} {key}")
        return lines


def plan_upload(src: Path, key: str) -> Transfer:
    """The files under ``src`` (a file or a folder) and their keys, with ``cp -r`` rules.

    A ``key`` that is empty or ends in ``/`` is a folder to put ``src`` into
    under its own name; any other ``key`` is the new name (of the file, or of the
    folder whose files then go below it).  Unreadable and special files are
    skipped and reported; symlinks are followed only to files.
    """
    src = Path(src).expanduser()
    if not src.exists():
        raise NotFound(f"local path {src} does not exist")
    if src.is_file():
        target = f"{key}{src.name}" if not key or key.endswith("/") else key
        if not os.access(src, os.R_OK):
            raise InvalidInput(f"local file {src} is not readable")
        size = src.stat().st_size
        return Transfer([(src, target)], size, sizes={target: size})
    base = f"{key}{src.name}/" if not key or key.endswith("/") else key + "/"
    items, skipped, sizes = [], {}, {}

    def unreadable(error: OSError) -> None:
        skipped[error.filename] = error.strerror or str(error)

    for folder, dirs, files in os.walk(src, onerror=unreadable):
        dirs.sort()
        for name in sorted(files):
            path = Path(folder) / name
            if not path.is_file():
                skipped[str(path)] = "not a regular file"
            elif not os.access(path, os.R_OK):
                skipped[str(path)] = "permission denied"
            else:
                target = base + path.relative_to(src).as_posix()
                items.append((path, target))
                sizes[target] = path.stat().st_size
    if not items and not skipped:
        raise InvalidInput(f"folder {src} holds no files")
    items.sort(key=lambda item: item[1])
    return Transfer(items, sum(sizes.values()), skipped, sizes)


def upload(
    backends,
    storage: Storage,
    plan: Transfer,
    progress: FileProgress | None = None,
    cancel: threading.Event | None = None,
    on_file: Callable[[str, str | None], None] | None = None,
    overwrite: bool = False,
) -> Transfer:
    """Upload ``plan``; an object that exists already is refused (left as it is, listed in
    ``plan.result.errors``) unless ``overwrite``."""
    plan.result = storage.save_many(
        plan.items, progress=progress, cancel=cancel, on_file=on_file, overwrite=overwrite
    )
    if plan.result.done:
        note(
            backends,
            "storage.put",
            storage,
            plan.result.done[0],
            {"objects": len(plan.result.done), "bytes": plan.result.bytes},
        )
    return plan


def refused(plan: Transfer) -> list[str]:
    """The files of an upload refused because their object exists (overwrite off)."""
    return [path for path, error in plan.result.errors.items() if "exists already" in error]


def plan_download(storage: Storage, keys: list[str], dest: Path) -> Transfer:
    """Objects (and everything below folder prefixes ending in ``/``) to local paths.

    One object goes to ``dest`` itself unless ``dest`` is a folder; several go
    below ``dest`` keeping the part of the key below the prefix they were chosen by.
    """
    dest = Path(dest).expanduser()
    items, sizes = [], {}
    for key in keys:
        if key.endswith("/"):
            base = PurePosixPath(key.rstrip("/")).parent.as_posix()
            cut = 0 if base == "." else len(base) + 1
            for info in storage.iter_objects(key):
                items.append((info.key, dest / info.key[cut:]))
                sizes[info.key] = info.size
        else:
            info = storage.stat(key)
            single = len(keys) == 1 and not dest.is_dir()
            items.append((key, dest if single else dest / key.rsplit("/", 1)[-1]))
            sizes[key] = info.size
    if not items:
        raise NotFound("nothing to download there")
    return Transfer(items, sum(sizes.values()), sizes=sizes)


def download(
    storage: Storage,
    plan: Transfer,
    progress: FileProgress | None = None,
    cancel: threading.Event | None = None,
    on_file: Callable[[str, str | None], None] | None = None,
) -> Transfer:
    plan.result = storage.download_many(plan.items, progress, cancel, on_file)
    return plan
