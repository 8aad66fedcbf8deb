"""What every Celery broker backend offers: raw reads of the broker, Celery's control API.

Reads are the broker's own data structures, a window at a time, decoded by
``messages`` (no site code, no pickle).  Everything that changes the site —
sending a task, revoking, terminating — goes through the ``celery`` package
(imported only when first needed) and is refused in read-only mode here, below
every user interface.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Any

from tqconsole.backends.celery.messages import Message
from tqconsole.backends.guarded import Guarded
from tqconsole.errors import BackendUnavailable, InvalidInput


@dataclass
class QueueCount:
    name: str
    messages: int

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass
class Worker:
    """A worker that answered: what it runs now and what it holds reserved."""

    name: str
    alive: bool
    active: list[dict] = field(default_factory=list)
    reserved: list[dict] = field(default_factory=list)

    def as_dict(self) -> dict:
        return asdict(self)


class CeleryBroker(Guarded):
    label = "Celery broker"
    scheme = ""
    unavailable_errors: tuple[type[BaseException], ...] = ()
    control_timeout = 1.0  # seconds workers get to answer a broadcast

    def __init__(self, url: str, read_only: bool = False):
        self.url = url
        self.read_only = read_only
        self._app = None

    # --- plumbing

    @property
    def app(self):
        """A bare ``celery.Celery`` on the broker: no task of the site is imported."""
        if self._app is None:
            from celery import Celery

            self._app = Celery("tqconsole", broker=self.url, set_as_current=False)
            self._app.conf.broker_connection_retry_on_startup = False
            self._app.conf.broker_connection_max_retries = 1
        return self._app

    def close(self) -> None:
        if self._app is not None:
            self._app.close()
            self._app = None

    # --- reads (the broker's data structures)
    def ping(self) -> None:
        raise NotImplementedError

    def version_string(self) -> str:
        raise NotImplementedError

    def queues(self, refresh: bool = False) -> list[QueueCount]:
        raise NotImplementedError

    def messages(self, queue: str, offset: int, limit: int) -> list[Message]:
        """Messages ``offset…offset+limit`` of ``queue``, the next one to run first."""
        raise NotImplementedError

    def task_counts(self, queue: str) -> Counter:
        """Task name → number of messages waiting in ``queue``."""
        raise NotImplementedError

    def task_messages(self, queue: str, task: str, offset: int, limit: int) -> list[Message]:
        """Messages ``offset…offset+limit`` of those of ``task`` in ``queue`` (positions
        are the queue's)."""
        raise NotImplementedError

    def unacked_count(self) -> int:
        raise NotImplementedError

    def unacked(self, offset: int, limit: int) -> list[Message]:
        """Messages a worker took but has not acknowledged, oldest first."""
        raise NotImplementedError

    # --- Celery's control API and producer
    def _control(self, call):
        from kombu.exceptions import OperationalError

        try:
            with self.guard():
                return call()
        except OperationalError as exc:
            from tqconsole.errors import one_line

            raise BackendUnavailable(f"Celery broker unavailable: {one_line(exc)}") from None

    def workers(self) -> list[Worker]:
        """Every worker that answers a ping, with its active and reserved tasks."""

        def ask():
            replies = self.app.control.ping(timeout=self.control_timeout) or []
            names = sorted(name for reply in replies for name in reply)
            if not names:
                return []
            inspect = self.app.control.inspect(destination=names, timeout=self.control_timeout)
            active = inspect.active() or {}
            reserved = inspect.reserved() or {}
            return [Worker(n, True, active.get(n) or [], reserved.get(n) or []) for n in names]

        return self._control(ask)

    def revoke(self, task_id: str, terminate: bool = False) -> None:
        self.check_writable("terminating a task" if terminate else "revoking a task")
        if not task_id.strip():
            raise InvalidInput("a task id is needed")
        self._control(lambda: self.app.control.revoke(task_id, terminate=terminate))

    def send(self, name: str, args: list | None = None, kwargs: dict | None = None) -> str:
        """Send task ``name`` by name (as the site's beat does); returns the new id."""
        self.check_writable(f"sending task {name}")
        if not name.strip():
            raise InvalidInput("a task name is needed")
        if not isinstance(args or [], list) or not isinstance(kwargs or {}, dict):
            raise InvalidInput("arguments: a JSON list (args) or object (kwargs)")
        result = self._control(
            lambda: self.app.send_task(name, args=args or [], kwargs=kwargs or {})
        )
        return result.id


def as_json_arguments(text: str) -> tuple[list, dict]:
    """``[1, 2]`` → args, ``{"a": 1}`` → kwargs, ``[[1], {"a": 1}]``-style is args."""
    import json

    if not text.strip():
        return [], {}
    try:
        value: Any = json.loads(text)
    except ValueError as exc:
        raise InvalidInput(f"arguments are not JSON: {exc}") from None
    if isinstance(value, list):
        return value, {}
    if isinstance(value, dict):
        return [], value
    raise InvalidInput("arguments: a JSON list (args) or object (kwargs)")
