"""The TUI's in-process consumer, started only when it is wanted and the queue is embedded.

A module of its own so that a console whose consumer is off never imports Huey.
"""

from __future__ import annotations

import logging


def embedded_consumer(backends):
    """Start the TUI's in-process consumer if the queue is embedded; returns its stop function."""
    settings = backends.settings
    wanted = settings.embedded_consumer
    if not wanted or settings.read_only:
        return None
    queue = backends.get("queue")
    if not queue.embedded:
        return None
    from tqconsole.models import TaskRecord

    if not backends.get("database").table_exists(TaskRecord._meta.table_name):
        return None  # not initialised: the dashboard's Tasks panel says so
    quiet = logging.getLogger("huey")  # never a log line over the TUI
    quiet.addHandler(logging.NullHandler())
    quiet.propagate = False
    from tqconsole.tasks.consumers import ConsoleConsumer

    consumer = ConsoleConsumer(backends, workers=1, in_thread=True, shutdown_timeout=5.0)
    consumer.start_thread()
    return consumer.stop
