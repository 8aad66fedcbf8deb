"""``init``, ``demo``, ``check``: set up a database and see that every backend answers."""

from __future__ import annotations

from pathlib import Path

from tqconsole.commands.output import add_json_flag, print_json, print_table


def register(sub) -> None:
    p = sub.add_parser("init", help="create missing tables (and buckets); alter nothing")
    p.set_defaults(func=cmd_init)

    p = sub.add_parser("demo", help="load deterministic demo data")
    p.add_argument("--scale", type=int, default=1, help="1 ≈ 2,000 users, 6,000 subscriptions")
    p.add_argument("--force", action="store_true", help="add demo rows to a non-empty database")
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("check", help="one line per backend: reachable, round trip, version")
    p.add_argument(
        "--config",
        metavar="FILE",
        type=Path,
        help="validate this configuration file (unknown keys, bad values) and check with it",
    )
    add_json_flag(p)
    p.set_defaults(func=cmd_check)


def cmd_init(ctx) -> int:
    from tqconsole.services.db.schema import init

    for line in init(ctx.backends).lines():
        print(line)
    return 0


def cmd_demo(ctx) -> int:
    from tqconsole.services.db.schema import init
    from tqconsole.services.demo.database import load_demo

    init(ctx.backends)
    for line in load_demo(ctx.backends, scale=ctx.args.scale, force=ctx.args.force).lines():
        print(line)
    return 0


def cmd_check(ctx) -> int:
    from tqconsole.services.health import check, targets
    from tqconsole.tasks import site_work

    settings = ctx.backends.settings
    results = [check(ctx.backends, *target) for target in targets(settings)]
    drift = schema_lines(ctx.backends) if results[0].ok else []
    options = option_origins(settings)
    if ctx.args.json:
        print_json([{**h.as_dict(), "from": url_origin(settings, h.family)} for h in results])
    else:
        print_table(
            (
                (
                    h.title,
                    h.url,
                    ("warn" if h.warning else "ok") if h.ok else "FAIL",
                    f"{h.rtt_ms:.1f} ms" if h.rtt_ms is not None else "",
                    url_origin(settings, h.family),
                    h.version if h.ok else h.error,
                )
                for h in results
            ),
            ("backend", "url", "status", "time", "from", "version / error"),
        )
        for name, value, origin in options:
            print(f"setting: {name} = {value} (from {origin})")
        for name, (call, reason) in site_work(settings).items():
            print(f"task: {name} {reason or f'is sent to the site as {call}'}")
        for h in results:  # the site's two caches: what each holds
            if h.family.startswith("cache") and h.ok:
                print(f"{h.title}: " + ", ".join(f"{k} {v}" for k, v in h.figures[1:]))
        for line in drift:
            print(f"schema: {line}")
        for h in results:
            if h.warning:
                print(f"warning: {h.title}: {h.warning}")
    return 0 if all(h.ok for h in results) else 1


def url_origin(settings, family: str) -> str:
    """Where a backend's URL came from; the site's ``db`` cache is a table of its database."""
    if family == "cache:db":
        return f"the site's CACHES, a table in the database ({settings.origin('database')})"
    return settings.origin(family)


# settings beside the backend URLs that the site's environment can give
SHOWN_OPTIONS = (
    "celery_broker_url",
    "default_from_email",
    "site_domain",
    *(
        f"storage_{name}_{what}"
        for name in ("media", "static", "finance")
        for what in ("bucket", "url", "custom_domain")
    ),
)


def option_origins(settings) -> list[tuple[str, str, str]]:
    """(name, masked value, origin) of each shown option that is set."""
    from tqconsole.settings import mask_url

    shown = []
    for name in SHOWN_OPTIONS:
        if name in settings.origins:  # set, not the default
            shown.append((name, mask_url(str(getattr(settings, name))), settings.origin(name)))
    return shown


def schema_lines(backends) -> list[str]:
    """How the database's tables differ from the console's models (the site migrated)."""
    from tqconsole.services.db.schema import schema_drift

    return [line for report in schema_drift(backends.database) for line in report.lines()]
