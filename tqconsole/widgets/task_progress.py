"""The task monitor's inline progress bar: long work (retry every failure) with its steps;
ctrl+x cancels it between two steps."""

from __future__ import annotations

from collections.abc import Callable

from textual.widgets import ProgressBar
from textual.worker import get_current_worker


class TaskProgress(ProgressBar):
    """Hidden until ``run`` starts long work; ``finished()`` runs when it is done."""

    DEFAULT_CSS = """
    TaskProgress { display: none; height: 1; padding: 0 1; }
    TaskProgress.-working { display: block; }
    """

    def __init__(self, finished: Callable[[], None], **kwargs) -> None:
        super().__init__(show_eta=False, **kwargs)
        self.finished = finished

    def run(self, fn, success: str) -> None:
        """Long work ``fn(queue, progress, should_stop)`` with a progress bar; ctrl+x cancels
        it between two steps."""
        from tqconsole import tasks

        screen = self.screen
        self.update(total=None, progress=0)
        self.add_class("-working")
        self.notify("working… (ctrl+x cancels)")

        def step(done: int, total: int) -> None:
            screen.from_thread(self.update, total=total, progress=done)

        def run():
            worker = get_current_worker()
            return fn(tasks.bind(screen.backends), step, lambda: worker.is_cancelled)

        def finished(result) -> None:
            self.remove_class("-working")
            self.notify(success.format(result=result))
            self.finished()

        def failed(message: str) -> None:
            self.remove_class("-working")
            screen.notify_error(message)

        screen.run_blocking(run, group="tasks-long", done=finished, failed=failed)

    def cancel(self) -> None:
        if self.has_class("-working"):
            self.screen.workers.cancel_group(self.screen, "tasks-long")
            self.remove_class("-working")
            self.notify("cancelled: what was done stays done")
