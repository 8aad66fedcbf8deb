"""A small Celery app with tasks named like the site's, for a real worker in the tests.

The broker comes from TQ_TEST_CELERY_BROKER (the test's own Redis db).
"""

import os
import time

from celery import Celery

app = Celery("tqsite", broker=os.environ.get("TQ_TEST_CELERY_BROKER", "memory://"))
app.conf.update(
    worker_hijack_root_logger=False,
    broker_connection_retry_on_startup=True,
    task_acks_late=False,
    worker_prefetch_multiplier=1,
)


@app.task(name="payment_match")
def payment_match(send_reminders=False):
    return bool(send_reminders)


@app.task(name="post_office.tasks.send_queued_mail")
def send_queued_mail(seconds=0.0):
    """Runs ``seconds`` long: a task that is still active when the test looks."""
    time.sleep(float(seconds))
    return "sent"
