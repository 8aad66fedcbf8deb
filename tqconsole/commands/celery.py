"""``tqconsole celery …``: the site's Celery — broker queues, results, beat, workers."""

from __future__ import annotations

import functools

from tqconsole.commands.output import add_json_flag, print_json, print_records, print_result


def register(sub) -> None:
    celery = sub.add_parser("celery", help="the site's Celery: queues, results, beat, workers")
    celery.set_defaults(func=cmd_screen)
    csub = celery.add_subparsers(dest="celery_command", metavar="COMMAND")

    def command(name, func, helptext, *arguments):
        p = csub.add_parser(name, help=helptext)
        for args, kwargs in arguments:
            p.add_argument(*args, **kwargs)
        add_json_flag(p)
        p.set_defaults(func=func)

    window = (
        (("--offset",), {"type": int, "default": 0}),
        (("--limit",), {"type": int, "default": 50}),
    )
    command("queues", cmd_queues, "the broker's queues with their message counts")
    command(
        "messages",
        cmd_messages,
        "queued messages from any position (--task: counts by task name)",
        (("queue",), {"nargs": "?", "default": "celery"}),
        (("--task",), {"default": "", "help": "only this task (exact name)"}),
        (("--unacked",), {"action": "store_true", "help": "reserved by workers, not acked"}),
        (("--group",), {"action": "store_true", "help": "message counts by task name"}),
        *window,
    )
    command(
        "results",
        cmd_results,
        "task results of django-celery-results, newest first",
        (("--state",), {"default": "", "help": "SUCCESS, FAILURE, STARTED, …"}),
        (("--task",), {"default": "", "help": "part of the task name"}),
        *window,
    )
    command("show", cmd_show, "one result with its traceback", (("id",), {}))
    command("beat", cmd_beat, "django-celery-beat schedules: enabled, last and next run")
    command("workers", cmd_workers, "workers that answer, with active and reserved tasks")
    command(
        "revoke",
        cmd_revoke,
        "revoke a task by id (--terminate: kill it if running)",
        (("id",), {}),
        (("--terminate",), {"action": "store_true"}),
    )
    command("retry", cmd_retry, "send a finished task again with its recorded args", (("id",), {}))
    command(
        "run",
        cmd_run,
        "send a task by name now (a beat entry's name: with its stored arguments)",
        (("name",), {}),
        (("arguments",), {"nargs": "?", "default": "", "help": 'JSON: [1, 2] or {"a": 1}'}),
    )
    for name in ("enable", "disable"):
        command(name, cmd_enable, f"{name} a beat schedule by name", (("name",), {}))


def cmd_screen(ctx) -> int:
    """``tqconsole celery`` alone is the location ``celery``: open the TUI there."""
    from tqconsole.commands.tui import cmd_tui

    ctx.args.location = "celery"
    return cmd_tui(ctx)


def with_broker(func):
    """The handler gets the broker backend as its second argument, closed after it."""

    @functools.wraps(func)
    def handler(ctx) -> int:
        from tqconsole.backends import celery

        b = celery.open(ctx.settings)
        try:
            return func(ctx, b)
        finally:
            b.close()

    return handler


@with_broker
def cmd_queues(ctx, b) -> int:
    rows = b.queues(refresh=True)
    unacked = b.unacked_count()
    if ctx.args.json:
        print_json({"queues": [q.as_dict() for q in rows], "unacked": unacked})
        return 0
    print_records(False, rows, ("queue", "messages"), lambda q: (q.name, f"{q.messages:,}"))
    print(f"\n{unacked:,} reserved by workers, not acknowledged (unacked)")
    return 0


@with_broker
def cmd_messages(ctx, b) -> int:
    a = ctx.args
    if a.group:
        counts = b.task_counts(a.queue).most_common()
        print_records(
            a.json,
            counts,
            ("task", "messages"),
            lambda c: (c[0], f"{c[1]:,}"),
            as_dict=lambda c: {"task": c[0], "messages": c[1]},
        )
        return 0
    if a.unacked:
        items = [m for m in b.unacked(a.offset, a.limit) if not a.task or m.task == a.task]
    elif a.task:
        items = b.task_messages(a.queue, a.task, a.offset, a.limit)
    else:
        items = b.messages(a.queue, a.offset, a.limit)
    print_records(
        a.json,
        items,
        ("#", "task", "id", "eta", "retries", "args / problem"),
        lambda m: (
            m.position,
            m.task,
            m.id,
            m.eta or "",
            "" if m.retries is None else m.retries,
            m.problem or f"{m.args} {m.kwargs}",
        ),
    )
    return 0


def cmd_results(ctx) -> int:
    from tqconsole.services.tasks import celery_monitor as cm

    a = ctx.args
    rows = cm.results(ctx.backends.database, a.state, a.task, a.limit, a.offset)
    print_records(
        a.json,
        rows,
        ("id", "task", "state", "done", "args / result"),
        lambda r: (r.task_id, r.task, r.state, f"{r.done:%Y-%m-%d %H:%M:%S}", r.summary),
    )
    return 0


def cmd_show(ctx) -> int:
    from tqconsole.services.tasks import celery_monitor as cm

    r = cm.result(ctx.backends.database, ctx.args.id)
    if ctx.args.json:
        print_json(r.as_dict())
        return 0
    for label, value in (
        ("id", r.task_id),
        ("task", r.task or "(not recorded)"),
        ("state", r.state),
        ("started", r.started or ""),
        ("done", r.done),
        ("worker", r.worker),
        ("args", r.args),
        ("kwargs", r.kwargs),
        ("result", r.result),
    ):
        print(f"{label:>8}: {value}")
    if r.traceback:
        print("\n" + r.traceback)
    return 0


def cmd_beat(ctx) -> int:
    from tqconsole.services.tasks import celery_monitor as cm

    def when(value) -> str:
        return f"{value:%Y-%m-%d %H:%M}" if value else ""

    print_records(
        ctx.args.json,
        cm.beat(ctx.backends.database),
        ("name", "task", "schedule", "enabled", "last run", "next run", "runs"),
        lambda t: (
            t.name,
            t.task,
            t.schedule,
            "yes" if t.enabled else "no",
            when(t.last_run),
            when(t.next_run),
            t.runs,
        ),
    )
    return 0


@with_broker
def cmd_workers(ctx, b) -> int:
    workers = b.workers()
    if ctx.args.json:
        print_json([w.as_dict() for w in workers])
        return 0
    if not workers:
        print("no worker answered")
        return 0
    for w in workers:
        print(f"{w.name}: {len(w.active)} active, {len(w.reserved)} reserved")
        for kind, tasks in (("active", w.active), ("reserved", w.reserved)):
            for t in tasks:
                print(f"  {kind:<8} {t.get('id', '')}  {t.get('name', '')}  {t.get('args', '')}")
    return 0


@with_broker
def cmd_revoke(ctx, b) -> int:
    a = ctx.args
    b.revoke(a.id, terminate=a.terminate)
    verb = "terminated" if a.terminate else "revoked"
    print_result(a.json, {"id": a.id, verb: True}, f"{verb} {a.id}")
    return 0


@with_broker
def cmd_retry(ctx, b) -> int:
    from tqconsole.services.tasks import celery_monitor as cm

    new_id = cm.retry(ctx.backends.database, b, ctx.args.id)
    print_result(ctx.args.json, {"id": new_id}, f"sent again as {new_id}")
    return 0


@with_broker
def cmd_run(ctx, b) -> int:
    from tqconsole.backends.celery.base import as_json_arguments
    from tqconsole.errors import NotFound
    from tqconsole.services.tasks import celery_monitor as cm

    a = ctx.args
    if not a.arguments:
        try:  # a beat entry's name: its task with its stored arguments
            new_id = cm.run_beat_now(ctx.backends.database, b, a.name)
        except NotFound:
            new_id = b.send(a.name)
    else:
        args, kwargs = as_json_arguments(a.arguments)
        new_id = b.send(a.name, args, kwargs)
    print_result(a.json, {"id": new_id, "task": a.name}, f"sent {a.name} as {new_id}")
    return 0


def cmd_enable(ctx) -> int:
    from tqconsole.services.tasks import celery_monitor as cm

    a = ctx.args
    on = a.celery_command == "enable"
    changed = cm.set_enabled(ctx.backends.database, a.name, on)
    word = "enabled" if on else "disabled"
    text = f"{word} {a.name}" if changed else f"{a.name} was already {word}"
    print_result(a.json, {"name": a.name, "enabled": on, "changed": changed}, text)
    return 0
