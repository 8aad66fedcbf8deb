"""Site work stays the site's: with the site's Celery broker configured, the work the
site's own tasks do is sent to the site's workers by name instead of run by Huey.

The site (tanzquotient/website, ``tq_website/tasks.py``) names its tasks
``payment_match`` (``send_reminders=True`` also sends the payment reminders) and
``post_office.tasks.send_queued_mail``; its beat schedules them.  The console's
own tasks of the same work are then only sent on to the site, and their periodic
runs stand down (``tqconsole.tasks.register``), so no mail goes out twice.  On the
embedded default (no site broker) the console's Huey tasks do the work.
"""

from __future__ import annotations

from dataclasses import dataclass

from tqconsole.errors import InvalidInput


@dataclass(frozen=True)
class SiteTask:
    name: str  # the site's Celery task name
    kwargs: dict
    work: str  # what staff call it

    @property
    def call(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.kwargs.items())
        return f"{self.name}({args})"


# the console's task name -> the site's task that does the same work
SITE_WORK = {
    "payment_match": SiteTask("payment_match", {}, "run payment matching"),
    "send_queued_mail": SiteTask("post_office.tasks.send_queued_mail", {}, "send queued mail"),
    "send_payment_reminders": SiteTask(
        "payment_match", {"send_reminders": True}, "send payment reminders"
    ),
}


def site_configured(settings) -> bool:
    """Whether the site's Celery broker is known (``TQ_REDIS_BROKER_URL`` or ours)."""
    return bool(settings.celery_broker_url)


def site_task(settings, name: str) -> SiteTask | None:
    """The site's task that does console task ``name``'s work, when the site is configured."""
    if not site_configured(settings):
        return None
    return SITE_WORK.get(name.rsplit(".", 1)[-1])


def stand_down_reason(settings, name: str) -> str:
    """Why the console's periodic ``name`` does not run ("" when it runs)."""
    task = site_task(settings, name)
    if task is None:
        return ""
    origin = settings.origin("celery_broker_url")
    return f"stands down: the site's beat runs {task.call} (site broker from {origin})"


def send(settings, task: SiteTask, arguments: str = "") -> str:
    """Send the site's task by name with its fixed arguments; returns the Celery id."""
    from tqconsole.backends import celery

    if (arguments or "").strip():
        raise InvalidInput(f"{task.work} goes to the site as {task.call}: it takes no arguments")
    broker = celery.open(settings)
    try:
        return broker.send(task.name, [], dict(task.kwargs))
    finally:
        broker.close()
