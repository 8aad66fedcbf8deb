"""``tqconsole tasks …`` (the task monitor's twin) and ``tqconsole consumer``."""

from __future__ import annotations

import os
import sys

from tqconsole.commands.output import add_json_flag, confirm, print_json, print_records, print_table


def register(sub) -> None:
    p = sub.add_parser(
        "consumer", help="run the task consumer (SIGINT: finish tasks; SIGTERM: stop)"
    )
    p.add_argument("-w", "--workers", type=int, default=1, help="worker count (default 1)")
    p.add_argument(
        "-k",
        "--worker-type",
        choices=("thread", "process"),
        default="thread",
        help="default thread",
    )
    p.add_argument("--no-periodic", action="store_true", help="do not enqueue periodic tasks")
    p.add_argument("-v", "--verbose", action="store_true", help="log every task")
    p.add_argument(
        "--import",
        dest="modules",
        action="append",
        default=[],
        metavar="MODULE",
        help="also run the tasks of MODULE (its register(huey) declares them)",
    )
    p.set_defaults(func=cmd_consumer)

    tasks = sub.add_parser(
        "tasks", help="the task queue: counts, history, retry, revoke (alone: open the monitor)"
    )
    tasks.set_defaults(func=cmd_monitor)
    tsub = tasks.add_subparsers(dest="tasks_command", metavar="COMMAND")
    p = tsub.add_parser("stats", help="counts, consumers (alive or dead) and periodic tasks")
    add_json_flag(p)
    p.set_defaults(func=cmd_stats)

    p = tsub.add_parser("ls", help="tasks from the history, newest first, with their state")
    p.add_argument("--state", default="", help="complete, failed, executing, lost, running, …")
    p.add_argument("--name", default="", help="part of the task name")
    p.add_argument("--text", default="", help="text in the arguments or the error")
    p.add_argument("--since", default="", help="30m, 2h, 1d or an ISO time")
    p.add_argument("--until", default="", help="30m, 2h, 1d or an ISO time")
    p.add_argument("--limit", type=int, default=50)
    add_json_flag(p)
    p.set_defaults(func=cmd_ls)

    p = tsub.add_parser("pending", help="the next pending messages in the queue")
    p.add_argument("--offset", type=int, default=0)
    p.add_argument("--limit", type=int, default=50)
    add_json_flag(p)
    p.set_defaults(func=cmd_pending)

    p = tsub.add_parser("show", help="one task: arguments, result (peeked), traceback, timeline")
    p.add_argument("id")
    add_json_flag(p)
    p.set_defaults(func=cmd_show)

    p = tsub.add_parser("enqueue", help="enqueue a registered task with JSON arguments")
    p.add_argument("name")
    p.add_argument("arguments", nargs="?", default="", help='JSON: [1, 2] or {"course_id": 3}')
    p.set_defaults(func=cmd_enqueue)

    for name, helptext in (
        ("revoke", "revoke a task by id (or all of a task with --name)"),
        ("restore", "restore a revoked task by id (or all of a task with --name)"),
    ):
        p = tsub.add_parser(name, help=helptext)
        p.add_argument("id", nargs="?")
        p.add_argument("--name", default="", help="a task name instead of an id")
        p.set_defaults(func=cmd_revoke_restore, action=name)

    p = tsub.add_parser("retry", help="enqueue a failed or lost task again, as it was")
    p.add_argument("id", nargs="?")
    p.add_argument("--all-failed", action="store_true", help="every task in the failed set")
    p.set_defaults(func=cmd_retry)

    p = tsub.add_parser("flush", help="delete every pending task of the queue")
    p.add_argument("--yes", action="store_true", help="do not ask")
    p.set_defaults(func=cmd_flush)


def cmd_monitor(ctx) -> int:
    """``tqconsole tasks`` alone is the location ``tasks``: open the TUI there."""
    from tqconsole.commands.tui import cmd_tui

    ctx.args.location = "tasks"
    return cmd_tui(ctx)


def bound(ctx):
    from tqconsole import tasks

    return tasks.bind(ctx.backends)


def cmd_consumer(ctx) -> int:
    import logging

    from tqconsole.tasks.consumers import ConsoleConsumer

    configure_logging(logging.INFO if ctx.args.verbose else logging.WARNING)
    consumer = ConsoleConsumer(
        ctx.backends,
        workers=ctx.args.workers,
        worker_type=ctx.args.worker_type,
        periodic=not ctx.args.no_periodic,
    )
    for name in ctx.args.modules:
        import_tasks(name, consumer.queue.huey)
    print(
        f"tqconsole: consumer {consumer.id} on {ctx.settings.masked('queue')} "
        f"({consumer.workers} {consumer.worker_type} workers, heartbeat {consumer.interval:g}s)",
        file=sys.stderr,
        flush=True,
    )
    consumer.run()
    if consumer.stuck:
        # A worker thread never returned: waiting for it (or closing what it holds) hangs.
        print(
            f"tqconsole: {consumer.stuck} worker(s) stuck in a task: exiting without them",
            file=sys.stderr,
            flush=True,
        )
        sys.stdout.flush()
        os._exit(0)
    return 0


def import_tasks(name: str, huey) -> None:
    """Import a module of extra tasks and let it register them on ``huey``."""
    import importlib

    from tqconsole.errors import ConfigError

    try:
        module = importlib.import_module(name)
    except ImportError as exc:
        raise ConfigError(f"--import {name}: {exc}") from None
    if not callable(getattr(module, "register", None)):
        raise ConfigError(f"--import {name}: the module has no register(huey) function")
    module.register(huey)


class OneLineFormatter:
    """Log records as one line each: exceptions by type and message, never a traceback."""

    def __init__(self):
        import logging

        self.base = logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def format(self, record) -> str:
        from tqconsole.errors import one_line

        exc = record.exc_info[1] if record.exc_info else None
        record.exc_info, record.exc_text = None, None
        text = self.base.format(record)
        return f"{text} ({type(exc).__name__}: {one_line(exc)})" if exc else text


def configure_logging(level) -> None:
    import logging

    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(OneLineFormatter())
    for name in ("huey", "tqconsole"):
        logger = logging.getLogger(name)
        logger.handlers[:] = [handler]
        logger.setLevel(level)
        logger.propagate = False


def cmd_stats(ctx) -> int:
    from tqconsole.services.tasks import monitor as tm

    queue = bound(ctx)
    infos = tm.consumers(queue)
    counts = tm.counts(queue, infos)
    periodic = [t for t in tm.registered_tasks(queue) if t.periodic]
    if ctx.args.json:
        data = counts.as_dict()
        data["queue"] = queue.name
        data["consumers"] = [c.as_dict() for c in infos]
        data["periodic"] = [t.as_dict() for t in periodic]
        print_json(data)
        return 0
    c = counts
    print(
        f"queue {queue.name}: {c.pending:,} pending, {c.scheduled:,} scheduled, "
        f"{c.running:,} running, {c.failed:,} failed ({c.lost:,} lost), "
        f"{c.done_per_minute:,} done in the last minute"
    )
    if infos:
        print()
        print_table(
            (
                (
                    ci.label,
                    ci.status,
                    f"{ci.workers} {ci.worker_type}",
                    ci.tasks_done,
                    f"{ci.beat_at:%Y-%m-%d %H:%M:%S}",
                    ci.lost or "",
                )
                for ci in infos
            ),
            ("consumer", "status", "workers", "done", "last beat", "lost"),
        )
    else:
        print("no consumer has sent a heartbeat")
    if periodic:
        print()
        print_table(
            (
                (
                    t.name,
                    t.periodic,
                    f"{t.next_run:%Y-%m-%d %H:%M}" if t.next_run else "",
                    t.stands_down,
                )
                for t in periodic
            ),
            ("periodic task", "crontab", "next run", "note"),
        )
    return 0


def cmd_ls(ctx) -> int:
    from tqconsole.services.tasks import monitor as tm

    a = ctx.args
    flt = tm.HistoryFilter(
        name=a.name,
        state=a.state,
        text=a.text,
        since=tm.parse_time(a.since) if a.since else None,
        until=tm.parse_time(a.until) if a.until else None,
    )
    rows = tm.history(bound(ctx), flt, limit=a.limit)
    print_records(
        a.json,
        rows,
        ("id", "task", "state", "updated", "took", "args / error"),
        lambda r: (
            r.task_id,
            r.short_name,
            r.state,
            f"{r.updated_at:%Y-%m-%d %H:%M:%S}",
            f"{r.duration:.3f}s" if r.duration is not None else "",
            r.error or r.args,
        ),
    )
    return 0


def cmd_pending(ctx) -> int:
    from tqconsole.services.tasks import monitor as tm

    items = tm.pending_page(bound(ctx), ctx.args.offset, ctx.args.limit)
    print_records(
        ctx.args.json,
        items,
        ("#", "id", "task", "flags", "args"),
        lambda i: (
            i.position,
            i.task_id,
            i.name,
            ("revoked " if i.revoked else "") + ("" if i.due else "not due"),
            i.args,
        ),
    )
    return 0


def cmd_show(ctx) -> int:
    from tqconsole.services.tasks import monitor as tm

    queue = bound(ctx)
    d = tm.detail(queue, tm.resolve_id(queue, ctx.args.id))
    if ctx.args.json:
        print_json(d.as_dict())
        return 0
    r = d.row
    for label, value in (
        ("id", r.task_id),
        ("task", r.name),
        ("state", r.state),
        ("args", r.args),
        ("retries left", r.retries),
        ("consumer", f"{r.host}:{r.pid} {r.worker} ({r.consumer})" if r.consumer else ""),
        ("duration", f"{r.duration:.3f}s" if r.duration is not None else ""),
        ("time limit", r.limit_text(tm.local_now())),
        ("result", d.result if d.result is not None else "(none stored)"),
        ("error", r.error),
    ):
        print(f"{label:>13}  {value if value is not None else ''}")
    if d.traceback:
        print()
        print(d.traceback.rstrip())
    print()
    print_table(
        (
            (
                f"{e['at']:%Y-%m-%d %H:%M:%S.%f}"[:-3],
                e["event"],
                e["where"],
                f"{e['duration']:.3f}s" if e["duration"] is not None else "",
                e["error"],
            )
            for e in d.events
        ),
        ("at", "event", "where", "took", "error"),
    )
    return 0


def cmd_enqueue(ctx) -> int:
    from tqconsole import tasks
    from tqconsole.services.tasks.site import site_task

    task_id = tasks.enqueue(ctx.backends, ctx.args.name, ctx.args.arguments)
    site = site_task(ctx.settings, ctx.args.name)
    if site is not None:
        print(f"sent to the site's Celery as {site.call}", file=sys.stderr)
    print(task_id)
    return 0


def cmd_revoke_restore(ctx) -> int:
    from tqconsole.errors import InvalidInput
    from tqconsole.services.tasks import monitor as tm

    a = ctx.args
    if bool(a.id) == bool(a.name):
        raise InvalidInput(f"tasks {a.action}: give a task id or --name, not both")
    one, every = {
        "revoke": (tm.revoke, tm.revoke_name),
        "restore": (tm.restore, tm.restore_name),
    }[a.action]
    queue = bound(ctx)
    if a.name:
        full = every(queue, a.name)
        print(f"{a.action}d every {full} task")
    else:
        task_id = tm.resolve_id(queue, a.id)
        one(queue, task_id)
        print(f"{a.action}d {task_id}")
    return 0


def cmd_retry(ctx) -> int:
    from tqconsole.errors import InvalidInput
    from tqconsole.services.tasks import monitor as tm

    a = ctx.args
    if bool(a.id) == bool(a.all_failed):
        raise InvalidInput("tasks retry: give a task id or --all-failed")
    queue = bound(ctx)
    if a.all_failed:
        print(f"retried {tm.retry_all_failed(queue)} tasks")
    else:
        print(f"retried {tm.retry(queue, tm.resolve_id(queue, a.id))}")
    return 0


def cmd_flush(ctx) -> int:
    from tqconsole.services.tasks import monitor as tm

    queue = bound(ctx)
    count = queue.pending_count()
    confirm(f"delete all {count:,} pending tasks of queue {queue.name}?", yes=ctx.args.yes)
    print(f"flushed {tm.flush(queue):,} pending tasks")
    return 0
