"""The console's Huey tasks, and the one Huey instance per process that runs them.

The instance comes from the queue backend (``TQ_QUEUE_URL``): ``bind(backends)``
registers the tasks on it and installs the history recorder, once per process.
The TUI (and its in-process consumer thread) and ``tqconsole consumer`` both
call ``bind`` with their Backends, so producer and consumer share the instance,
and the tasks use the backends (and settings: profile, read-only) of the process
that runs them — nothing here loads a configuration.  ``tqconsole.tasks.huey`` is
the bound instance.

With the site's Celery broker configured, the periodic tasks whose work the site's
beat schedules (queued mail, reminders: ``services/tasks/site.py``) are registered
as plain tasks only — queued ones still resolve, none is scheduled.
"""

from __future__ import annotations

import threading
import time

from tqconsole.errors import ConfigError

# name -> options of huey.task(); the registry name is "tqconsole.tasks.<name>".
TASKS = {
    "payment_match": {"retries": 2, "retry_delay": 60},
    "export_participants": {"retries": 1, "retry_delay": 10},
    "selftest": {"retries": 1, "retry_delay": 0},
}
# name -> crontab fields (minute, hour, day, month, day_of_week)
PERIODIC = {
    "cull_cache": ("17", "*", "*", "*", "*"),
    "send_queued_mail": ("*", "*", "*", "*", "*"),
    "send_payment_reminders": ("0", "8", "*", "*", "*"),
}

# name -> time limit in seconds: a process worker stops a task at its limit
# (Huey's timeout); a thread worker cannot, and the monitor shows it over the limit.
LIMITS = {
    "payment_match": 600,
    "export_participants": 600,
    "cull_cache": 600,
    "send_queued_mail": 600,
    "send_payment_reminders": 1800,
}

_lock = threading.Lock()
_backends = None


def bind(backends):
    """The queue backend of ``backends`` with the tasks registered and the recorder on."""
    global _backends
    queue = backends.get("queue")
    if getattr(queue, "recorder", None) is None:
        with _lock:
            if getattr(queue, "recorder", None) is None:
                check_tables(backends.get("database"))
                register(queue.huey, backends.settings)
                queue.site_work = site_work(backends.settings)
                queue.recorder = install_recorder(queue.huey, backends.settings)
                queue.on_close.append(queue.recorder.close)
    _backends = backends
    backends.get("database")  # binds the models the tasks and the recorder use
    return queue


def check_tables(db) -> None:
    from tqconsole.models import TaskRecord

    if not db.table_exists(TaskRecord._meta.table_name):
        raise ConfigError(
            f"the task history tables are missing in {db.masked_url}: run tqconsole init"
        )


def install_recorder(huey, settings):
    """The history recorder; in read-only mode it exists but listens to nothing."""
    from tqconsole.services.tasks.recorder import TaskRecorder

    recorder = TaskRecorder(
        huey,
        keep_days=settings.task_history_days,
        keep_count=settings.task_history_max,
    )
    return recorder if settings.read_only else recorder.install()


def register(huey, settings=None) -> None:
    """The tasks on ``huey``; with ``settings``, the periodic ones the site's beat runs
    stand down when the site is configured."""
    from huey import crontab

    from tqconsole.services.tasks.site import stand_down_reason

    for name, options in TASKS.items():
        huey.task(timeout=LIMITS.get(name), **options)(globals()[name])
    for name, fields in PERIODIC.items():
        if settings is not None and stand_down_reason(settings, name):
            huey.task(timeout=LIMITS.get(name))(globals()[name])
        else:
            huey.periodic_task(crontab(*fields), timeout=LIMITS.get(name))(globals()[name])


def enqueue(backends, name: str, arguments: str = "") -> str:
    """Enqueue console task ``name`` — or, when the site's own task does its work and the
    site is configured, send that task to the site's Celery.  Returns the task id.

    The TUI's enqueue dialog and ``tqconsole tasks enqueue`` both call this."""
    from tqconsole.services.tasks import monitor as task_monitor
    from tqconsole.services.tasks import site as task_site

    site = task_site.site_task(backends.settings, name)
    if site is not None:
        return task_site.send(backends.settings, site, arguments)
    queue = bind(backends)
    task_id = task_monitor.enqueue(queue, name, arguments)
    queue.recorder.flush()
    return task_id


def site_work(settings) -> dict[str, tuple[str, str]]:
    """Console task name -> (the site's task call, why its periodic run stands down or "")."""
    from tqconsole.services.tasks.site import SITE_WORK, site_task, stand_down_reason

    out = {}
    for name in SITE_WORK:
        task = site_task(settings, name)
        if task is not None:
            reason = stand_down_reason(settings, name) if name in PERIODIC else ""
            out[name] = (task.call, reason)
    return out


def current_backends():
    if _backends is None:
        raise ConfigError("the task queue is not bound: call tqconsole.tasks.bind(backends)")
    return _backends


def __getattr__(name: str):
    if name == "huey":
        return current_backends().get("queue").huey
    raise AttributeError(name)


# --- the tasks (plain functions; ``register`` turns them into Huey tasks)
def payment_match() -> dict:
    """Import unprocessed bank statements from the finance storage and match payments."""
    from tqconsole.services.payments.matching import match_storage_files

    return match_storage_files(current_backends()).as_dict()


def cull_cache() -> int:
    """Delete expired entries of the site's ``db`` cache (``tq_cache_table``); returns how many.

    (Redis, the ``default`` cache on the site, expires its keys by itself.)
    """
    from tqconsole.services.cache.inspector import cull_expired

    return cull_expired(current_backends().get("cache", "db"))


def export_participants(course_id: int) -> str:
    """Write a course's participant list as CSV into the media storage; returns its key."""
    from tqconsole.services.courses.participants_export import export_to_media

    return export_to_media(current_backends(), int(course_id))


def send_queued_mail() -> str:
    """Deliver the queued post_office emails that are due (every minute, embedded default).

    With the site's broker configured the site's beat runs its own send task every
    minute: the console's periodic run then does nothing (one sender per message).
    """
    from tqconsole.services.mail.outbox import send_due

    backends = current_backends()
    if backends.settings.celery_broker_url:
        return "skipped: the site's workers deliver its queued mail"
    return send_due(backends.get("email")).summary()


def send_payment_reminders() -> str:
    """Daily: remind confirmed, unpaid subscriptions (DESIGN.md's rule)."""
    from tqconsole.services.payments.reminders import send_payment_reminders as send

    return send(connection=current_backends().get("email")).summary()


def selftest(sleep: float = 0.0, fail: str = "") -> str:
    """Check that the queue moves: sleep ``sleep`` seconds, raise ``fail`` if given."""
    if sleep:
        time.sleep(float(sleep))
    if fail:
        raise RuntimeError(fail)
    return "ok"
