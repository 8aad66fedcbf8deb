"""Demo content of the task queue: a few real tasks to watch the monitor work."""

from __future__ import annotations

from tqconsole.models import Course


def fill(backends, scale, rng) -> list[str]:
    """Enqueue tasks that succeed, fail (with a retry), wait, and one scheduled for later.

    They run as soon as a consumer does (the TUI's in-process one on the
    embedded queue), so their history is real.
    """
    from tqconsole import tasks
    from tqconsole.services.tasks.monitor import enqueue

    queue = tasks.bind(backends)
    course = Course.select(Course.id).order_by(Course.id).first()
    enqueued = [
        enqueue(queue, "selftest", '{"sleep": 0.2}'),
        enqueue(queue, "selftest", '{"sleep": 2}'),
        enqueue(queue, "selftest", '{"fail": "demo: the bank did not answer"}'),
        enqueue(queue, "cull_cache"),
    ]
    if course is not None:
        enqueued.append(enqueue(queue, "export_participants", f"[{course.id}]"))
    selftest = queue.huey._registry.string_to_task("tqconsole.tasks.selftest")
    queue.huey.add_schedule(selftest((), {}, eta=_in_an_hour()))
    queue.recorder.flush()
    return [f"task queue {queue.name}: {len(enqueued)} demo tasks enqueued, 1 scheduled in an hour"]


def _in_an_hour():
    from datetime import UTC, datetime, timedelta

    return datetime.now(UTC).replace(tzinfo=None) + timedelta(hours=1)
