"""The task monitor's long work (retry every failure) in the progress panel; ctrl+x stops
it between two steps, and what was done stays done."""

from __future__ import annotations

from collections.abc import Callable

from tqconsole.widgets.progress_panel import ProgressPanel


class TaskProgress(ProgressPanel):
    """Hidden until ``run`` starts long work; ``finished()`` runs when it is done."""

    def __init__(self, finished: Callable[[], None], **kwargs) -> None:
        super().__init__(**kwargs)
        self.finished = finished

    def run(self, title: str, fn, success: str) -> None:
        """Long work ``fn(queue, progress, should_stop)``; ``success`` words its result."""
        from tqconsole import tasks
        from tqconsole.services.progress import Meter

        screen = self.screen
        meter = Meter()
        self.start(title, meter)

        def step(done: int, total: int) -> None:
            meter.step(done, total, f"{done:,} of {total:,}")

        def run():
            return fn(tasks.bind(screen.backends), step, meter.cancel.is_set)

        def finished(result) -> None:
            self.stop()
            text = success.format(result=result)
            if meter.cancel.is_set():
                text = f"cancelled: {text} (what was done stays done)"
            self.notify(text)
            self.finished()

        def failed(message: str) -> None:
            self.stop()
            screen.notify_error(message)

        screen.run_blocking(run, group="tasks-long", done=finished, failed=failed)
