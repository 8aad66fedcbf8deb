"""Sending batches of post_office emails over one or more SMTP connections.

``Sender`` delivers batches in background threads while the caller queues the
next ones; each batch goes through ``outbox_delivery.deliver_batch`` (claim,
deliver message by message, each outcome committed at once).
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Sequence

from tqconsole.backends.mail.base import MailUnavailable
from tqconsole.models import database
from tqconsole.models.mail import Email
from tqconsole.services.db.audit import note
from tqconsole.services.mail.outbox_delivery import (
    BATCH,
    DEFAULT_MAX_ATTEMPTS,
    DeliveryReport,
    defer_unreachable,
    deliver_batch,
)
from tqconsole.services.mail.outbox_queue import chunks

SITE_SEND_TASK = "post_office.tasks.send_queued_mail"


def send_site_task(settings) -> str:
    """Ask the site's Celery workers to send the queued mail; the task's id."""
    from tqconsole.backends import celery

    broker = celery.open(settings)
    try:
        return broker.send(SITE_SEND_TASK)
    finally:
        broker.close()


def site_delivers(connection) -> bool:
    """With the site's broker configured the site's workers deliver, never the console."""
    settings = getattr(connection, "settings", None)
    return bool(settings is not None and settings.celery_broker_url)


def max_attempts(connection) -> int:
    try:
        return max(1, int(connection.option("mail_max_attempts", DEFAULT_MAX_ATTEMPTS)))
    except (TypeError, ValueError):
        return DEFAULT_MAX_ATTEMPTS


class Sender:
    """Delivers batches of email ids in background threads while more are added.

    ``add(ids)`` hands over queued rows (already committed), ``finish()`` waits
    and returns the report.  A caller can build and queue the next batch while
    the previous one is on the wire.  ``connections`` > 1 spreads the batches
    over that many SMTP connections (each its own backend from the same URL).
    With the site configured nothing is delivered here: the emails stay queued
    and ``finish()`` sends the site's task once (one sender per message).
    """

    def __init__(self, connection, connections: int = 1, progress=None, cancelled=None):
        from tqconsole.backends.mail import from_url
        from tqconsole.errors import ConfigError

        if connection is None:
            raise ConfigError("no mail connection handed down to the outbox")
        self.connection = connection
        self.connection.check_writable()
        self.progress = progress
        self.cancelled = cancelled
        self.report = DeliveryReport()
        self.batches: queue.SimpleQueue = queue.SimpleQueue()
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.limit = max_attempts(connection)
        self.error: BaseException | None = None
        self.handed: list[int] | None = [] if site_delivers(connection) else None
        url = getattr(self.connection, "url", None)
        backends = [self.connection] if self.handed is None else []
        if url and backends:
            options = {"read_only": connection.read_only, "settings": connection.settings}
            backends += [from_url(url, **options) for _ in range(connections - 1)]
        self.threads = [threading.Thread(target=self.work, args=(b,)) for b in backends]
        for thread in self.threads:
            thread.start()

    def add(self, ids: Sequence[int]) -> None:
        if self.handed is not None:
            self.handed.extend(ids)
            return
        for part in chunks(list(ids), BATCH):
            self.batches.put(list(part))

    def finish(self) -> DeliveryReport:
        if self.handed is not None:
            return self.hand_over(self.handed)
        for _ in self.threads:
            self.batches.put(None)  # one end mark per thread
        for thread in self.threads:
            thread.join()
        rest = self.drain()  # batches no thread took: stopped (server down, cancel)
        if rest and self.report.unreachable:
            self.merge(defer_unreachable(rest, self.report.unreachable, self.limit))
        if self.error is not None:
            raise self.error
        report = self.report
        if report.sent or report.failed:
            note(
                "mail.send",
                Email._meta.table_name,
                report.sent[0] if len(report.sent) == 1 else "",
                {"sent": len(report.sent), "failed": len(report.failed)},
            )
        return report

    def hand_over(self, ids: list[int]) -> DeliveryReport:
        report = DeliveryReport(handed_over=ids)
        if ids:
            task_id = send_site_task(self.connection.settings)
            report.delegated = (
                f"{len(ids)} queued for the site's workers "
                f"(sent the site's task {SITE_SEND_TASK}, id {task_id})"
            )
        return report

    def merge(self, result: DeliveryReport) -> None:
        with self.lock:
            self.report.merge(result)
            if self.progress:
                self.progress(self.report)

    def drain(self) -> list[int]:
        """Take every waiting batch (end marks are put back for the other threads)."""
        rest: list[int] = []
        marks = 0
        while True:
            try:
                part = self.batches.get_nowait()
            except queue.Empty:
                break
            if part is None:
                marks += 1
            else:
                rest.extend(part)
        for _ in range(marks):
            self.batches.put(None)
        return rest

    def work(self, backend) -> None:
        try:
            with backend:
                while not self.stop.is_set():
                    part = self.batches.get()
                    if part is None:
                        return
                    result = deliver_batch(part, backend, self.limit, self.cancelled)
                    self.merge(result)
                    if result.cancelled:
                        self.stop.set()  # the rest stays queued: deliver again to resume
                    elif result.unreachable:
                        self.stop.set()
                        done = {*result.sent, *result.failed, *result.deferred, *result.skipped}
                        rest = [pk for pk in part if pk not in done] + self.drain()
                        self.merge(defer_unreachable(rest, result.unreachable, self.limit))
        except BaseException as exc:  # handed to the caller by finish()
            self.stop.set()
            try:
                if not isinstance(exc, MailUnavailable):
                    raise
                self.merge(defer_unreachable(self.drain(), str(exc), self.limit))
            except BaseException as error:  # e.g. the database is down as well
                self.error = self.error or error
        finally:
            database.close()


def deliver(
    ids: Sequence[int],
    connection,
    connections: int = 1,
    progress: Callable[[DeliveryReport], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> DeliveryReport:
    """Send the queued emails among ``ids``; others are skipped (never sent twice)."""
    sender = Sender(connection, connections, progress, cancelled)
    sender.add(ids)
    return sender.finish()
