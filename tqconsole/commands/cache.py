"""``tqconsole cache …`` (the cache screen's twin) and ``tqconsole createcachetable``."""

from __future__ import annotations

import sys

from tqconsole.commands.output import (
    add_json_flag,
    confirm,
    print_json,
    print_result,
    print_table,
)
from tqconsole.sizes import human_size


def add_cache_flag(p) -> None:
    p.add_argument(
        "--cache",
        default="default",
        metavar="NAME",
        help="which of the site's caches: default (Redis, or the cache URL) or db (tq_cache_table)",
    )


def register(sub) -> None:
    p = sub.add_parser(
        "createcachetable", help="create the database cache table (Django's layout) if missing"
    )
    p.add_argument("tables", nargs="*", help="table names (default: the db:// cache's table)")
    p.add_argument("--dry-run", action="store_true", help="print the SQL, create nothing")
    p.set_defaults(func=cmd_createcachetable)

    cache = sub.add_parser(
        "cache", help="inspect and clear the cache (without a command: open the cache screen)"
    )
    cache.set_defaults(func=cmd_screen, location="cache")
    csub = cache.add_subparsers(dest="cache_command", metavar="COMMAND")
    p = csub.add_parser("stats", help="memory, hit rate, keys (Redis) or entries (database)")
    add_json_flag(p)
    add_cache_flag(p)
    p.set_defaults(func=cmd_stats)
    p = csub.add_parser("keys", help="keys matching a Redis glob pattern, with type and TTL")
    p.add_argument("pattern", nargs="?", default="*", help="e.g. ':1:user_ical_*' (default *)")
    p.add_argument("--limit", type=int, default=0, help="stop after N keys (default: all)")
    add_json_flag(p)
    add_cache_flag(p)
    p.set_defaults(func=cmd_keys)
    p = csub.add_parser("get", help="one key: type, TTL, size and its value, decoded safely")
    p.add_argument("key")
    add_json_flag(p)
    add_cache_flag(p)
    p.set_defaults(func=cmd_get)
    p = csub.add_parser("delete", help="delete keys")
    p.add_argument("keys", nargs="+", metavar="KEY")
    p.add_argument("--yes", action="store_true", help="do not ask")
    add_json_flag(p)
    add_cache_flag(p)
    p.set_defaults(func=cmd_delete)
    p = csub.add_parser("ttl", help="show, set (seconds, 15m, 2h) or remove ('none') a key's TTL")
    p.add_argument("key")
    p.add_argument("seconds", nargs="?", help="new TTL, or 'none' for no expiry")
    add_json_flag(p)
    add_cache_flag(p)
    p.set_defaults(func=cmd_ttl)
    p = csub.add_parser(
        "clear", help="remove keys matching --pattern, or every cache entry (other keys are kept)"
    )
    which = p.add_mutually_exclusive_group()
    which.add_argument("--pattern", help="Redis glob pattern (without it: every cache entry)")
    which.add_argument(
        "--flush-db",
        metavar="NAME",
        help="remove EVERY key of the db/table NAME (e.g. db1), cache entry or not (FLUSHDB)",
    )
    p.add_argument("--yes", action="store_true", help="do not ask")
    add_json_flag(p)
    add_cache_flag(p)
    p.set_defaults(func=cmd_clear)
    p = csub.add_parser("cull", help="remove expired entries (database cache)")
    p.add_argument("--yes", action="store_true", help="do not ask")
    add_json_flag(p)
    add_cache_flag(p)
    p.set_defaults(func=cmd_cull)


def cmd_screen(ctx) -> int:
    """``tqconsole cache`` alone is the location ``cache``, as ``tqconsole cache/PATTERN`` is."""
    from tqconsole.commands.tui import cmd_tui

    return cmd_tui(ctx)


def _cache(ctx):
    from tqconsole.backends.cache import cache_url

    name = ctx.args.cache
    cache_url(ctx.backends.settings, name)  # an unknown name is one clear error
    return ctx.backends.get("cache", "" if name == "default" else name)


def cmd_createcachetable(ctx) -> int:
    from tqconsole.services.cache.table import create_cache_table

    for line in create_cache_table(ctx.backends, ctx.args.tables or None, ctx.args.dry_run):
        print(line)
    return 0


def cmd_stats(ctx) -> int:
    from tqconsole.services.cache.inspector import stats, stats_lines

    data = stats(_cache(ctx))
    if ctx.args.json:
        print_json(data)
    else:
        print_table(stats_lines(data), ("figure", "value"))
    return 0


def cmd_keys(ctx) -> int:
    from itertools import islice

    from tqconsole.services.cache.inspector import (
        display_key,
        human_ttl,
        iter_keys,
        stored_pattern,
        text_key,
    )

    cache = _cache(ctx)
    pattern = ctx.args.pattern or "*"
    stored = stored_pattern(cache, pattern)
    if stored and next(iter_keys(cache, pattern), None) is None:
        print(
            f"no key is stored as {pattern!r}; listing {stored!r}, the stored form", file=sys.stderr
        )
        pattern = stored
    keys = iter_keys(cache, pattern)
    if ctx.args.limit > 0:
        keys = islice(keys, ctx.args.limit)
    if ctx.args.json:
        print_json([{**k.as_dict(), "key": text_key(k.key)} for k in keys])
        return 0
    out = sys.stdout
    found = 0
    for found, info in enumerate(keys, 1):  # noqa: B007 - found counts the keys
        size = human_size(info.size)
        owner = info.owner or "cache"
        out.write(
            f"{info.type:<8} {human_ttl(info.ttl):>9} {size:>10} {owner:<6}  {display_key(info.key)}\n"
        )
    if not found:
        print(f"no keys match {pattern!r}", file=sys.stderr)
    return 0


def cmd_get(ctx) -> int:
    from tqconsole.services.cache.inspector import display_key, human_ttl, key_detail

    detail = key_detail(_cache(ctx), ctx.args.key)
    if ctx.args.json:
        print_json(detail.as_dict())
        return 0
    print(f"key       {display_key(detail.key)}")
    print(f"type      {detail.type}  ({detail.encoding or 'n/a'})")
    print(f"ttl       {human_ttl(detail.ttl)}")
    print(
        f"size      {human_size(detail.size) if detail.type == 'string' else f'{detail.size:,} items'}"
    )
    print(
        f"decoded   {detail.decoded.kind}"
        + (f"  ({detail.decoded.note})" if detail.decoded.note else "")
    )
    print(detail.decoded.text)
    return 0


def cmd_delete(ctx) -> int:
    from tqconsole.services.cache.inspector import delete_keys, display_key

    cache = _cache(ctx)
    keys = ctx.args.keys
    shown = ", ".join(display_key(k) for k in keys[:3]) + (" …" if len(keys) > 3 else "")
    confirm(f"delete {len(keys)} key(s) from {cache.name}: {shown}?", yes=ctx.args.yes)
    removed = delete_keys(cache, keys)
    print_result(ctx.args.json, {"removed": removed}, f"removed {removed} of {len(keys)} key(s)")
    return 0 if removed else 1


def cmd_ttl(ctx) -> int:
    from tqconsole.services.cache.inspector import display_key, human_ttl, parse_ttl, set_ttl

    cache = _cache(ctx)
    key = ctx.args.key
    if ctx.args.seconds is not None:
        set_ttl(cache, key, parse_ttl(ctx.args.seconds))
    (info,) = cache.raw_describe([key])
    if info.type == "none":
        from tqconsole.errors import NotFound

        raise NotFound(f"no key {display_key(key)!r}")
    print_result(
        ctx.args.json, {"key": key, "ttl": info.ttl}, f"{display_key(key)}: {human_ttl(info.ttl)}"
    )
    return 0


def cmd_clear(ctx) -> int:
    from tqconsole.services.cache.inspector import check_pattern, clear_pattern

    cache = _cache(ctx)
    if ctx.args.flush_db is not None:
        return _flush(ctx, cache)
    if ctx.args.pattern is None:
        return _clear_entries(ctx, cache)
    pattern = check_pattern(ctx.args.pattern)
    confirm(f"remove the keys matching {pattern!r} from {cache.name}?", yes=ctx.args.yes)
    removed = clear_pattern(cache, pattern)
    print_result(ctx.args.json, {"removed": removed}, f"removed {removed:,} key(s)")
    return 0


def _clear_entries(ctx, cache) -> int:
    """Every entry of the cache (``KEY_PREFIX:VERSION:key``); the db's other keys stay."""
    from tqconsole.services.cache.inspector import clear_all

    typed = cache.name
    if not ctx.args.yes:
        form = f"{cache.key_prefix}:<version>:…"
        confirm(f"remove every cache entry ({form}) of {cache.name}? other keys stay", yes=False)
        typed = input(f"type {cache.name!r} to confirm: ")
    result = clear_all(cache, typed)
    text = f"removed {result.removed:,} cache entr{'y' if result.removed == 1 else 'ies'}"
    if result.others:
        text += (
            f"; {cache.name} also holds {result.others_text()} — kept"
            f" (--flush-db {cache.name} removes them too)"
        )
    print_result(ctx.args.json, result.as_dict(), text)
    return 0


def _flush(ctx, cache) -> int:
    """Every key of the db/table, named on the command line: FLUSHDB."""
    from tqconsole.errors import InvalidInput
    from tqconsole.services.cache.inspector import ClearResult, flush, flush_phrase, other_keys

    if ctx.args.flush_db.strip() != cache.name:
        raise InvalidInput(
            f"--flush-db names the db/table to empty: {cache.name!r} (got {ctx.args.flush_db!r})"
        )
    others = ClearResult(0, *other_keys(cache))
    lost = f", including the {others.others_text()}" if others.others else ""
    confirm(f"{flush_phrase(cache)}: remove EVERY key{lost}?", yes=ctx.args.yes)
    removed = flush(cache, flush_phrase(cache))
    print_result(
        ctx.args.json,
        {"removed": removed, "flushed": cache.name},
        f"removed {removed:,} key(s): {flush_phrase(cache)}",
    )
    return 0


def cmd_cull(ctx) -> int:
    from tqconsole.services.cache.inspector import cull_expired

    cache = _cache(ctx)
    confirm(f"remove the expired entries of {cache.name}?", yes=ctx.args.yes)
    removed = cull_expired(cache)
    plural = "y" if removed == 1 else "ies"
    print_result(ctx.args.json, {"removed": removed}, f"removed {removed:,} expired entr{plural}")
    return 0
