"""Huey's MemoryStorage: one process only, for tests and trying things out."""

from __future__ import annotations

from huey import MemoryHuey
from huey.storage import MemoryStorage

from tqconsole.backends.queue.base import (
    QueueBackend,
    ScheduledItem,
    console_huey,
    huey_version,
    read_only_storage,
)


class MemoryQueue(QueueBackend):
    scheme = "memory"

    @classmethod
    def from_url(cls, url: str, name: str, read_only: bool = False, **options) -> MemoryQueue:
        storage = read_only_storage(MemoryStorage) if read_only else MemoryStorage
        return cls(
            console_huey(MemoryHuey, ())(name, storage_class=storage, **options), url, read_only
        )

    def version_string(self) -> str:
        return f"in memory (huey {huey_version()})"

    def pending_window(self, offset: int, limit: int) -> list[bytes]:
        with self.storage._lock:  # noqa: SLF001 - the storage's own lock
            return self.storage.enqueued_items()[offset : offset + limit]

    def scheduled_window(self, offset: int, limit: int) -> list[ScheduledItem]:
        with self.storage._lock:  # noqa: SLF001
            items = sorted(self.storage._schedule)[offset : offset + limit]  # noqa: SLF001
        return [ScheduledItem(data, ts.timestamp()) for ts, data in items]

    def remove_scheduled(self, data: bytes) -> bool:
        self.check_writable("removing a scheduled task")
        import heapq

        with self.storage._lock:  # noqa: SLF001
            schedule = self.storage._schedule  # noqa: SLF001
            for i, (_, item) in enumerate(schedule):
                if item == data:
                    schedule.pop(i)
                    heapq.heapify(schedule)
                    return True
        return False
