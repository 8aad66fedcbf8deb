"""Progress callbacks and the thread-pool runner of many-file transfers."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path
from typing import BinaryIO

from tqconsole.backends.storage.errors import Cancelled
from tqconsole.backends.storage.results import TransferResult

Progress = Callable[[int], None]
FileProgress = Callable[[str, int], None]  # (key, bytes) of many-file transfers
Data = bytes | bytearray | BinaryIO | Path


def cancellable(progress: Callable | None, cancel: threading.Event | None) -> Callable:
    """``progress`` (of a file, ``(n)``, or of many, ``(key, n)``) that raises Cancelled
    once ``cancel`` is set: transfers call it often, so they stop soon after."""

    def report(*args) -> None:
        if cancel is not None and cancel.is_set():
            raise Cancelled("cancelled")
        if progress is not None:
            progress(*args)

    return report


def record(
    result: TransferResult, source, key: str, error: BaseException | None, size: int, on_file
) -> None:
    """Add the outcome of one file of a many-file transfer to ``result``."""
    if isinstance(error, Cancelled):
        result.cancelled = True
        return
    if error is None:
        result.done.append(key)
        result.bytes += size
    else:
        result.errors[str(source)] = str(error)
    if on_file is not None:
        on_file(key, None if error is None else str(error))


def run_many(one, items, cancel, on_file, concurrency: int, key_of) -> TransferResult:
    """Run ``one(*item) -> bytes`` for every item in a thread pool; collect a TransferResult.

    Items not yet started when ``cancel`` is set are skipped; a failure of one
    item is recorded (by its first element: the local path or key) and the rest go on.
    """
    result = TransferResult()

    def guarded(item):
        if cancel is not None and cancel.is_set():
            raise Cancelled("cancelled")
        return one(*item)

    with ThreadPoolExecutor(max_workers=max(1, concurrency)) as pool:
        futures = {pool.submit(guarded, item): item for item in items}
        try:
            for future in as_completed(futures):
                item, error = futures[future], future.exception()
                size = future.result() if error is None else 0
                record(result, item[0], key_of(item), error, size, on_file)
        except BaseException:  # ctrl+c in the CLI: start nothing more
            pool.shutdown(wait=False, cancel_futures=True)
            raise
    result.done.sort()
    return result
