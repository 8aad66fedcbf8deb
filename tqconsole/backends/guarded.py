"""What every server-backed family shares: errors of its driver as one line, writes
refused in read-only mode (the Celery broker and the task queue use it)."""

from __future__ import annotations

import contextlib

from tqconsole.errors import BackendUnavailable, ReadOnlyError


class Guarded:
    label = "backend"  # how the one-line error names it: "queue redis://… unavailable: …"
    unavailable_errors: tuple[type[BaseException], ...] = ()
    url: str
    read_only: bool

    @contextlib.contextmanager
    def guard(self):
        """The driver's connection errors as one-line BackendUnavailable."""
        try:
            yield
        except self.unavailable_errors as exc:
            from tqconsole.errors import one_line
            from tqconsole.settings import mask_url

            raise BackendUnavailable(
                f"{self.label} {mask_url(self.url)} unavailable: {one_line(exc)}"
            ) from None

    def check_writable(self, what: str) -> None:
        if self.read_only:
            raise ReadOnlyError(f"read-only mode: {what} refused")
