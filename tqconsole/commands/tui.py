"""``tqconsole [tui] [LOCATION]``: open the terminal UI."""

from __future__ import annotations


def register(sub) -> None:
    p = sub.add_parser("tui", help="open the console (the default command)")
    p.add_argument(
        "location",
        nargs="?",
        default="dashboard",
        help="where to open: dashboard | models[/TABLE[/PK]] | buckets[/STORAGE[/PREFIX]] "
        "| cache[/PATTERN] | mail | tasks",
    )
    p.set_defaults(func=cmd_tui)


def cmd_tui(ctx) -> int:
    import sys

    from tqconsole.errors import ConsoleError

    settings = ctx.settings  # configuration errors are reported before the screen opens
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        raise ConsoleError(
            "the console needs a terminal (use the subcommands in scripts: tqconsole --help)"
        )
    from tqconsole.app import TQConsole

    app = TQConsole(settings, location=ctx.args.location)
    app.run()
    return app.return_code or 0
