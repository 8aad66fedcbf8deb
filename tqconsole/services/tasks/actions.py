"""The task monitor's actions: enqueue, retry, revoke/restore, run now, flush — each
checks read-only in the queue backend and leaves an audit note."""

from __future__ import annotations

import inspect
import json
from datetime import datetime

from peewee import fn

from tqconsole.backends.queue.messages import decode, encode
from tqconsole.errors import InvalidInput, NotFound
from tqconsole.models import TaskRecord
from tqconsole.services.db.audit import audited, note
from tqconsole.services.tasks.filter import local_now
from tqconsole.services.tasks.reads import (
    FAILED_STATES,
    LOST,
    RETRYABLE,
    failed,
    not_alive_ids,
    queued_messages,
    task_row,
)
from tqconsole.services.tasks.registry import declared_in, full_name, registry


def enqueue(queue, name: str, arguments: str = "") -> str:
    """Enqueue a registered task; ``arguments`` is JSON: a list (args) or an object (kwargs)."""
    cls = registry(queue).get(name.rsplit(".", 1)[-1])
    if cls is None:
        known = ", ".join(sorted(registry(queue))) or "none"
        raise InvalidInput(f"unknown task {name!r} (registered: {known})")
    args, kwargs = parse_arguments(arguments)
    func = getattr(declared_in(cls), cls.__name__, None)
    if func is not None:
        try:
            inspect.signature(func).bind(*args, **kwargs)
        except TypeError as exc:
            raise InvalidInput(f"{cls.__name__}{inspect.signature(func)}: {exc}") from None
    queue.check_writable(f"enqueueing {cls.__name__}")
    task = cls(tuple(args), kwargs)
    try:
        with queue.guard():
            queue.huey.enqueue(task)
    except Exception:
        queue.recorder.discard(task.id)  # the ENQUEUED signal came before the failure
        raise
    note("task_enqueue", "queue", task.id, {"task": cls.__name__, "args": arguments})
    return task.id


def parse_arguments(text: str) -> tuple[list, dict]:
    text = (text or "").strip()
    if not text:
        return [], {}
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidInput(f"bad JSON arguments: {exc.msg} at column {exc.colno}") from None
    if isinstance(value, list):
        return value, {}
    if isinstance(value, dict):
        return [], value
    return [value], {}


def _record(queue, task_id: str) -> TaskRecord:
    record = TaskRecord.get_or_none(
        (TaskRecord.task_id == task_id) & (TaskRecord.queue == queue.name)
    )
    if record is None:
        raise NotFound(f"no task {task_id!r} in the history of queue {queue.name!r}")
    return record


def _update(task_id: str, event: str, now: datetime, **values) -> None:
    """Change a task row and append the console's own event to its timeline."""
    from tqconsole.services.tasks.history_table import stamp, timeline_line

    line = timeline_line(stamp(now.timestamp()), event, "console")
    TaskRecord.update(
        updated_at=now, timeline=fn.COALESCE(TaskRecord.timeline, "").concat(line), **values
    ).where(TaskRecord.task_id == task_id).execute()


def retry(queue, task_id: str) -> str:
    """Enqueue a failed (or lost) task again, as it was: same id, args and declared retries."""
    record = _record(queue, task_id)
    row = task_row(record, not_alive_ids(queue))
    if row.state not in RETRYABLE:
        raise InvalidInput(
            f"task {task_id} is {row.state}: only finished or lost tasks are retried"
        )
    if record.message is None:
        raise InvalidInput(f"task {task_id} has no stored message to retry")
    queue.check_writable("retrying a task")
    decoded = decode(bytes(record.message))
    if decoded.problem:
        raise InvalidInput(f"task {task_id}: stored message is {decoded.problem}")
    cls = registry(queue).get(decoded.short_name)
    retries = cls.default_retries if cls is not None else decoded.retries
    try:
        data = encode(decoded.message, retries=max(retries, decoded.retries), eta=None)
    except ValueError as exc:
        raise InvalidInput(f"task {task_id}: {exc}") from None
    now = local_now()
    with audited("task_retry", TaskRecord._meta.table_name, task_id, {"task": record.name}):
        queue.enqueue_raw(data, decoded.priority)
        _update(task_id, "retried", now, state="enqueued", enqueued_at=now)
    return task_id


def retry_all_failed(queue, progress=None, should_stop=None) -> int:
    """Retry every task of the failed set; ``progress(done, total)``, stop when ``should_stop()``."""
    ids = [r.task_id for r in failed(queue, limit=100_000)]
    retried = 0
    for i, task_id in enumerate(ids):
        if should_stop is not None and should_stop():
            break
        try:
            retry(queue, task_id)
            retried += 1
        except InvalidInput:
            pass
        if progress is not None:
            progress(i + 1, len(ids))
    return retried


def delete_failed(queue, task_id: str) -> None:
    """Drop a failure from the failed set (its history stays, its message goes)."""
    record = _record(queue, task_id)
    row = task_row(record, not_alive_ids(queue))
    if row.state not in (*FAILED_STATES, LOST):
        raise InvalidInput(f"task {task_id} is {row.state}, not in the failed set")
    now = local_now()
    with audited("task_dismiss", TaskRecord._meta.table_name, task_id, {"task": record.name}):
        _update(task_id, "dismissed", now, state="dismissed", message=None)


def resolve_id(queue, text: str, scan: int = 10_000) -> str:
    """The full id of the task ``text`` names: whole, or its first characters as listed.

    Looked up in the history, then among the first ``scan`` pending and scheduled
    messages; an id that names no task (a typo) is NotFound, never a silent no-op.
    """
    text = text.strip()
    if not text:
        raise InvalidInput("give a task id")
    ids = [
        r.task_id
        for r in TaskRecord.select(TaskRecord.task_id)
        .where((TaskRecord.queue == queue.name) & TaskRecord.task_id.startswith(text))
        .limit(2)
    ]
    if text not in ids:
        for decoded, _, _ in queued_messages(queue, scan):
            found = decoded.id
            if found and found.startswith(text) and found not in ids:
                ids.append(found)
            if text in ids or len(ids) > 1:
                break
    if text in ids:
        return text
    if len(ids) > 1:
        raise InvalidInput(f"task id {text!r} is ambiguous ({', '.join(ids[:2])}, …): give more")
    if not ids:
        raise NotFound(f"no task {text!r} in queue {queue.name!r} (pending, scheduled or history)")
    return ids[0]


def revoke(queue, task_id: str) -> None:
    queue.revoke_id(task_id)
    note("task_revoke", "queue", task_id)


def restore(queue, task_id: str) -> bool:
    restored = queue.restore_id(task_id)
    note("task_restore", "queue", task_id)
    return restored


def revoke_name(queue, name: str) -> str:
    full = full_name(queue, name)
    queue.revoke_name(full)
    note("task_revoke_all", "queue", full)
    return full


def restore_name(queue, name: str) -> str:
    full = full_name(queue, name)
    queue.restore_name(full)
    note("task_restore_all", "queue", full)
    return full


def run_now(queue, task_id: str, scan: int = 10_000) -> None:
    """Move a scheduled task to the front of its due time: onto the queue now."""
    queue.check_writable("running a scheduled task now")
    for offset in range(0, scan, 500):
        window = queue.scheduled_window(offset, 500)
        for item in window:
            decoded = decode(item.data)
            if decoded.id != task_id:
                continue
            if decoded.problem:
                raise InvalidInput(f"task {task_id}: {decoded.problem}")
            try:
                data = encode(decoded.message, eta=None)
            except ValueError as exc:
                raise InvalidInput(f"task {task_id}: {exc}") from None
            if queue.remove_scheduled(item.data):
                queue.enqueue_raw(data, decoded.priority)
                note("task_run_now", "queue", task_id)
            return
        if len(window) < 500:
            break
    raise NotFound(f"task {task_id} is not scheduled")


def flush(queue) -> int:
    count = queue.flush_queue()
    note("task_flush", "queue", queue.name, {"pending": count})
    return count
