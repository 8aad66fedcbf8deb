"""``tqconsole storage``: the buckets screen's operations on the command line."""

from __future__ import annotations

import sys
import threading
from pathlib import Path

from tqconsole.commands.output import (
    add_json_flag,
    confirm,
    print_json,
    print_records,
    print_table,
    status_line,
)
from tqconsole.sizes import human_size


def register(sub) -> None:
    st = sub.add_parser("storage", help="media, static and finance buckets")
    stsub = st.add_subparsers(dest="storage_command", metavar="COMMAND", required=True)

    p = stsub.add_parser("ls", help="the storages, or the folders and objects of a prefix")
    p.add_argument("target", nargs="?", default="", metavar="STORAGE[/PREFIX]")
    p.add_argument("-r", "--recursive", action="store_true", help="every object below, no folders")
    add_json_flag(p)
    p.set_defaults(func=cmd_ls)

    p = stsub.add_parser("put", help="upload a file, or a folder recursively")
    p.add_argument("src", metavar="SRC")
    p.add_argument("target", metavar="STORAGE/KEY", help="a key, or a prefix ending in /")
    p.add_argument(
        "--overwrite", action="store_true", help="replace objects that exist (refused by default)"
    )
    p.set_defaults(func=cmd_put)

    p = stsub.add_parser("get", help="download an object (or a prefix ending in /)")
    p.add_argument("target", metavar="STORAGE/KEY")
    p.add_argument("dest", nargs="?", default=".", metavar="DEST")
    p.set_defaults(func=cmd_get)

    p = stsub.add_parser("rm", help="delete objects (a prefix ending in / deletes all below)")
    p.add_argument("targets", nargs="+", metavar="STORAGE/KEY")
    p.add_argument("--yes", action="store_true", help="do not ask")
    p.set_defaults(func=cmd_rm)

    p = stsub.add_parser("mv", help="rename or move an object within its storage")
    p.add_argument("src", metavar="STORAGE/KEY")
    p.add_argument("dst", metavar="KEY", help="the new key (ending in / keeps the name)")
    p.set_defaults(func=cmd_mv)

    p = stsub.add_parser("url", help="a public URL, or a presigned one for private storages")
    p.add_argument("target", metavar="STORAGE/KEY")
    p.add_argument("--expires", type=int, default=3600, metavar="S", help="seconds (default 3600)")
    p.set_defaults(func=cmd_url)

    p = stsub.add_parser("du", help="size per folder below a prefix")
    p.add_argument("target", metavar="STORAGE[/PREFIX]")
    add_json_flag(p)
    p.set_defaults(func=cmd_du)

    p = stsub.add_parser(
        "uploads", help="incomplete multipart uploads (parts that are no object) and abort them"
    )
    p.add_argument("target", metavar="STORAGE[/PREFIX]")
    p.add_argument("--abort", action="store_true", help="abort them: their parts are freed")
    p.add_argument("--yes", action="store_true", help="do not ask")
    add_json_flag(p)
    p.set_defaults(func=cmd_uploads)

    p = stsub.add_parser("mb", help="create a bucket")
    p.add_argument("bucket", metavar="BUCKET")
    p.set_defaults(func=cmd_mb)


def cmd_ls(ctx) -> int:
    from tqconsole.services.storage import buckets

    if not ctx.args.target:
        rows = buckets.storages(ctx.backends, uploads=True)
        print_records(
            ctx.args.json,
            rows,
            ("storage", "bucket", "access", "state", "incomplete uploads"),
            lambda r: (
                r.name,
                r.bucket,
                "public" if r.public else "private",
                r.state if r.exists else "MISSING (tqconsole init creates it)",
                buckets.uploads_summary(r.uploads) if r.state == "ok" else "",
            ),
        )
        return 0
    storage, prefix = buckets.split_target(ctx.backends, ctx.args.target)
    entries = buckets.list_all(storage, prefix, ctx.args.recursive)
    print_records(
        ctx.args.json,
        entries,
        ("key", "size", "modified (UTC)"),
        lambda e: (
            e.key,
            human_size(e.size),
            e.modified.strftime("%Y-%m-%d %H:%M:%S") if e.modified else "",
        ),
        as_dict=lambda e: e.as_dict(),
    )
    return 0


def show_progress(meter, stop: threading.Event) -> None:
    """Redraw one line on stderr every 0.2 s until ``stop`` (only on a terminal)."""
    while not stop.wait(0.2):
        status_line(meter.summary())


def report_transfer(plan, verb: str, storage, place: str) -> int:

    result = plan.result
    for path, reason in plan.skipped.items():
        print(f"tqconsole: skipped {path}: {reason}", file=sys.stderr)
    for path, reason in result.errors.items():
        print(f"tqconsole: failed {path}: {reason}", file=sys.stderr)
    if result.incomplete:
        print(
            f"tqconsole: the parts of {len(result.incomplete)} failed upload(s) stay on the "
            f"server, which did not answer: tqconsole storage uploads {storage.name} --abort",
            file=sys.stderr,
        )
    print(
        f"{verb} {len(result.done)} of {len(plan.items)} file(s), {human_size(result.bytes)}"
        + f" {place}"
        + (f"; {len(plan.skipped)} skipped" if plan.skipped else "")
        + (f"; {len(result.errors)} failed" if result.errors else "")
    )
    return 1 if result.errors or plan.skipped or result.cancelled else 0


def run_transfer(fn, plan) -> None:
    """Run a transfer with a progress line; ctrl+c cancels it (nothing partial stays)."""
    from tqconsole.services.storage.transfers import TransferMeter

    meter = TransferMeter(plan)
    stop = threading.Event()
    if sys.stderr.isatty():
        threading.Thread(target=show_progress, args=(meter, stop), daemon=True).start()
    try:
        fn(plan, meter.bytes, meter.cancel, meter.file)
    except KeyboardInterrupt:
        meter.cancel.set()
        raise
    finally:
        stop.set()
        if sys.stderr.isatty():
            status_line("")


def cmd_put(ctx) -> int:
    from tqconsole.services.storage import buckets
    from tqconsole.services.storage import transfers as bucket_transfers

    storage, key = buckets.split_target(ctx.backends, ctx.args.target)
    plan = bucket_transfers.plan_upload(Path(ctx.args.src), key)
    run_transfer(
        lambda plan, progress, cancel, on_file: bucket_transfers.upload(
            ctx.backends,
            storage,
            plan,
            progress,
            cancel,
            on_file,
            overwrite=ctx.args.overwrite,
        ),
        plan,
    )
    place = f"from {Path(ctx.args.src)} into {buckets.where(storage, key)}"
    code = report_transfer(plan, "uploaded", storage, place)
    if refused := bucket_transfers.refused(plan):
        print(
            f"tqconsole: {len(refused)} object(s) exist already and were left as they are; "
            "--overwrite replaces them",
            file=sys.stderr,
        )
    return code


def cmd_get(ctx) -> int:
    from tqconsole.services.storage import buckets
    from tqconsole.services.storage import transfers as bucket_transfers

    storage, key = buckets.split_target(ctx.backends, ctx.args.target)
    plan = bucket_transfers.plan_download(storage, [key], Path(ctx.args.dest))
    run_transfer(
        lambda plan, progress, cancel, on_file: bucket_transfers.download(
            storage, plan, progress, cancel, on_file
        ),
        plan,
    )
    place = f"from {buckets.where(storage, key)} to {Path(ctx.args.dest)}"
    return report_transfer(plan, "downloaded", storage, place)


def cmd_rm(ctx) -> int:
    from tqconsole.services.storage import buckets

    by_storage: dict = {}
    for target in ctx.args.targets:
        storage, key = buckets.split_target(ctx.backends, target)
        by_storage.setdefault(storage, []).append(key)
    failed = 0
    for storage, keys in by_storage.items():
        keys = buckets.expand(storage, keys)
        if not keys:
            print(f"nothing to delete in {storage.name}")
            continue
        shown = ", ".join(keys[:3]) + (f" and {len(keys) - 3} more" if len(keys) > 3 else "")
        confirm(f"delete {len(keys)} object(s) from {storage.name}: {shown}?", ctx.args.yes)
        result = buckets.delete(ctx.backends, storage, keys)
        missing = set(result.missing)
        for key, reason in result.errors.items():
            if key in missing:
                print(f"tqconsole: not found: {storage.name}/{key}", file=sys.stderr)
            else:
                print(f"tqconsole: {storage.name}/{key}: {reason}", file=sys.stderr)
        failed += len(result.errors)
        print(
            f"deleted {len(result.deleted)} object(s) from {storage.name}"
            + (f"; {len(missing)} not found" if missing else "")
        )
    return 1 if failed else 0


def cmd_mv(ctx) -> int:
    from tqconsole.services.storage import buckets

    storage, key = buckets.split_target(ctx.backends, ctx.args.src)
    info = buckets.move(ctx.backends, storage, key, ctx.args.dst)
    print(f"moved {storage.name}/{key} to {storage.name}/{info.key}")
    return 0


def cmd_url(ctx) -> int:
    from tqconsole.services.storage import buckets

    storage, key = buckets.split_target(ctx.backends, ctx.args.target)
    print(buckets.url(storage, key, ctx.args.expires))
    return 0


def cmd_du(ctx) -> int:
    from tqconsole.services.storage import buckets
    from tqconsole.services.storage import usage as bucket_usage

    storage, prefix = buckets.split_target(ctx.backends, ctx.args.target)
    total = bucket_usage.usage_total(storage, prefix)
    if ctx.args.json:
        print_json(total.as_dict())
        return 0
    print_table(
        (
            (human_size(e.size), e.objects, e.name)
            for e in [
                *total.largest(),
                bucket_usage.UsageEntry(
                    f"total {storage.name}/{prefix}", total.objects, total.size
                ),
            ]
        ),
        ("size", "objects", "name"),
    )
    return 0


def cmd_uploads(ctx) -> int:
    from tqconsole.services.storage import buckets

    storage, prefix = buckets.split_target(ctx.backends, ctx.args.target)
    uploads = buckets.incomplete_uploads(storage, prefix)
    if not ctx.args.abort or not uploads:
        if ctx.args.json:
            print_json([u.as_dict() for u in uploads])
        elif not uploads:
            print(f"no incomplete uploads in {storage.name}/{prefix}".rstrip("/"))
        else:
            print_table(
                (
                    (
                        u.key,
                        human_size(u.size),
                        u.parts,
                        u.initiated.strftime("%Y-%m-%d %H:%M") if u.initiated else "",
                        u.upload_id,
                    )
                    for u in uploads
                ),
                ("key", "size", "parts", "started (UTC)", "upload id"),
            )
        return 0
    size = human_size(sum(u.size for u in uploads))
    confirm(
        f"abort {len(uploads)} incomplete upload(s) in {storage.name}/{prefix} ({size} of parts)?",
        ctx.args.yes,
    )
    result = buckets.abort_uploads(ctx.backends, storage, uploads)
    for key, reason in result.errors.items():
        print(f"tqconsole: {storage.name}/{key}: {reason}", file=sys.stderr)
    freed = sum(u.size for u in uploads if u.key in set(result.deleted))
    print(
        f"aborted {len(result.deleted)} incomplete upload(s) in {storage.name}, "
        f"{human_size(freed)} freed"
    )
    return 1 if result.errors else 0


def cmd_mb(ctx) -> int:
    from tqconsole.services.storage import buckets

    created = buckets.create_bucket(ctx.backends, ctx.args.bucket)
    print(
        f"created bucket {ctx.args.bucket}"
        if created
        else f"bucket {ctx.args.bucket} exists already"
    )
    return 0
