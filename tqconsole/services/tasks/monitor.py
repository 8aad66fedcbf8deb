"""The task monitor: what the tasks screen and ``tqconsole tasks`` share, in one name.

The parts live by what they hold — ``reads`` (consumers, counts, lists, history,
detail), ``filter`` (the history filter language), ``registry`` (registered and
periodic tasks), ``actions`` (enqueue, retry, revoke, …); this module defines
nothing of theirs: it gives them one namespace and composes one refresh of the monitor.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tqconsole.services.tasks.actions import (
    delete_failed,
    enqueue,
    flush,
    parse_arguments,
    resolve_id,
    restore,
    restore_name,
    retry,
    retry_all_failed,
    revoke,
    revoke_name,
    run_now,
)
from tqconsole.services.tasks.filter import (
    DURATION_RE,
    UNITS,
    HistoryFilter,
    local_now,
    parse_filter,
    parse_time,
    utc_to_local,
)
from tqconsole.services.tasks.reads import (
    COLUMNS,
    FAILED_STATES,
    LOST,
    RETRYABLE,
    RUNNING,
    SPARK_MINUTES,
    ConsumerInfo,
    Counts,
    QueueItem,
    TaskDetail,
    TaskRow,
    alive_ids,
    consumers,
    counts,
    dashboard_figures,
    detail,
    failed,
    history,
    lost_condition,
    not_alive_ids,
    pending_page,
    queued_messages,
    running,
    scheduled_page,
    span_text,
    task_row,
    throughput,
    time_limits,
)
from tqconsole.services.tasks.registry import (
    TaskInfo,
    full_name,
    next_run,
    registered_tasks,
    registry,
)

__all__ = [
    "COLUMNS",
    "ConsumerInfo",
    "Counts",
    "DURATION_RE",
    "FAILED_STATES",
    "HistoryFilter",
    "LOST",
    "QueueItem",
    "RETRYABLE",
    "RUNNING",
    "SPARK_MINUTES",
    "Snapshot",
    "TaskDetail",
    "TaskInfo",
    "TaskRow",
    "UNITS",
    "alive_ids",
    "consumers",
    "counts",
    "dashboard_figures",
    "delete_failed",
    "detail",
    "enqueue",
    "failed",
    "flush",
    "full_name",
    "history",
    "local_now",
    "lost_condition",
    "next_run",
    "not_alive_ids",
    "parse_arguments",
    "parse_filter",
    "parse_time",
    "pending_page",
    "queued_messages",
    "registered_tasks",
    "registry",
    "resolve_id",
    "restore",
    "restore_name",
    "retry",
    "retry_all_failed",
    "revoke",
    "revoke_name",
    "run_now",
    "running",
    "scheduled_page",
    "snapshot",
    "span_text",
    "task_row",
    "throughput",
    "time_limits",
    "utc_to_local",
]


@dataclass
class Snapshot:
    counts: Counts
    consumers: list[ConsumerInfo]
    done: list[int]
    errors: list[int]
    view: str
    rows: list = field(default_factory=list)


def snapshot(
    queue, view: str = "pending", offset: int = 0, limit: int = 50, flt: HistoryFilter | None = None
) -> Snapshot:
    """Everything one refresh of the monitor shows: counts, consumers, sparklines, one list."""
    now = local_now()
    infos = consumers(queue, now)
    done, errors = throughput(queue, now=now)
    if view == "pending":
        rows = pending_page(queue, offset, limit)
    elif view == "scheduled":
        rows = scheduled_page(queue, offset, limit)
    elif view == "running":
        rows = running(queue, infos, now)
    elif view == "failed":
        rows = failed(queue, limit, offset, infos)
    elif view == "history":
        rows = history(queue, flt, limit, offset, infos)
    else:
        rows = registered_tasks(queue, now)
    return Snapshot(counts(queue, infos, now), infos, done, errors, view, rows)
