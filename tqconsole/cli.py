"""``tqconsole``: the TUI (default) and its command-line twins.

Errors are one line on stderr and a non-zero exit; set TQCONSOLE_DEBUG=1 for tracebacks
(not TQ_DEBUG: that is the site's Django DEBUG switch, set in its environment).
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from pathlib import Path

from tqconsole import __version__
from tqconsole.commands.output import visible_output

# Each command and the module that registers it (``register(subparsers)`` adds the
# parsers of its group).  A run builds the parsers of its own command only: the
# console starts without building the other ninety (argparse is slow at it).  Help,
# ``--version`` and a mistyped command build them all, in this order.
COMMANDS = {
    "tui": "tqconsole.commands.tui",
    "init": "tqconsole.commands.setup",
    "demo": "tqconsole.commands.setup",
    "check": "tqconsole.commands.setup",
    "db": "tqconsole.commands.db",
    "subs": "tqconsole.commands.subs",
    "courses": "tqconsole.commands.courses",
    "finance": "tqconsole.commands.finance",
    "people": "tqconsole.commands.people",
    "payments": "tqconsole.commands.payments",
    "storage": "tqconsole.commands.storage",
    "createcachetable": "tqconsole.commands.cache",
    "cache": "tqconsole.commands.cache",
    "mail": "tqconsole.commands.mail",
    "consumer": "tqconsole.commands.tasks",
    "tasks": "tqconsole.commands.tasks",
    "celery": "tqconsole.commands.celery",
}


def global_options(parser: argparse.ArgumentParser, suppress: bool) -> None:
    default = argparse.SUPPRESS if suppress else None
    parser.add_argument("--profile", default=default, help="profile of the configuration file")
    parser.add_argument(
        "--site-env",
        metavar="FILE",
        type=Path,
        default=default,
        help="the site's dotenv file (TQ_DB_*, TQ_REDIS_BROKER_URL, TQ_S3_*, TQ_EMAIL_*)",
    )
    parser.add_argument(
        "--read-only",
        action="store_true",
        default=argparse.SUPPRESS if suppress else False,
        help="refuse every write (in the backends, not only in the UI)",
    )


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The parser of ``command`` (and the others of its module), or of every command."""
    parser = Parser(
        prog="tqconsole",
        description="Terminal admin console for the Tanzquotient website's data.",
    )
    parser.add_argument("--version", action="version", version=f"tqconsole {__version__}")
    global_options(parser, suppress=False)
    common = Parser(add_help=False)
    global_options(common, suppress=True)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.parent_parser = common  # used by command modules via add_parser(parents=…)
    original_add = sub.add_parser

    def add_parser(name, **kwargs):
        kwargs.setdefault("parents", [common])
        return original_add(name, **kwargs)

    sub.add_parser = add_parser
    modules = [COMMANDS[command]] if command in COMMANDS else dict.fromkeys(COMMANDS.values())
    for name in modules:
        importlib.import_module(name).register(sub)
    return parser


class Parser(argparse.ArgumentParser):
    """Usage errors are one line too (the full usage is one --help away)."""

    def error(self, message: str):
        self.exit(2, f"{self.prog}: {message} (see {self.prog} --help)\n")


DEBUG_VARIABLE = "TQCONSOLE_DEBUG"  # TQ_DEBUG is the site's

# options whose value may start with "-" (``--sort -date``), which argparse would take for an option
DASHED_VALUES = ("--sort",)


def join_dashed_values(argv: list[str]) -> list[str]:
    """``--sort -date`` → ``--sort=-date``."""
    joined: list[str] = []
    i = 0
    while i < len(argv):
        value = argv[i + 1] if i + 1 < len(argv) else ""
        if argv[i] in DASHED_VALUES and value.startswith("-") and value[1:2].isalpha():
            joined.append(f"{argv[i]}={value}")
            i += 2
        else:
            joined.append(argv[i])
            i += 1
    return joined


def first_word(argv: list[str]) -> int | None:
    """Where the first word that is no option (nor an option's value) is, or would be
    added; None when help or the version is asked for before it."""
    i = 0
    while i < len(argv):
        arg = argv[i]
        if arg in ("--profile", "--site-env"):
            i += 2
        elif arg in ("-h", "--help", "--version"):
            return None
        elif arg.startswith("-"):
            i += 1
        else:
            break
    return i


def with_default_command(argv: list[str], commands: set[str]) -> list[str]:
    """``tqconsole [opts] [LOCATION]`` means ``tqconsole [opts] tui [LOCATION]``.

    Only a word that names a screen is a location; any other word is left to the
    parser, so a mistyped command is an error, never a console opened in a script.
    """
    from tqconsole.screens import ROUTES

    i = first_word(argv)
    if i is None:
        return argv
    if i < len(argv):
        arg = argv[i]
        if arg in commands or arg.lstrip(":").partition("/")[0].lower() not in {
            r.name for r in ROUTES
        }:
            return argv
    return [*argv[:i], "tui", *argv[i:]]


def load_settings(args):
    """The configuration of this run: loaded here, once, and handed down."""
    from tqconsole import settings

    return settings.load(
        profile=getattr(args, "profile", None),
        read_only=True if getattr(args, "read_only", False) else None,
        site_env=getattr(args, "site_env", None),
        config=getattr(args, "config", None),
    )


@visible_output()  # no control character from data reaches the terminal raw
def main(argv: list[str] | None = None) -> int:
    from tqconsole.commands import Context
    from tqconsole.errors import ConsoleError

    argv = list(sys.argv[1:] if argv is None else argv)
    argv = with_default_command(join_dashed_values(argv), set(COMMANDS))
    i = first_word(argv)
    parser = build_parser(argv[i] if i is not None and i < len(argv) else None)
    args = parser.parse_args(argv)
    for option in DASHED_VALUES:
        if getattr(args, option.lstrip("-"), None) == []:  # argparse's reading of --sort=--
            parser.error(f"argument {option}: expected a column, not '--'")
    ctx = Context(args, lambda: load_settings(args))
    try:
        return args.func(ctx) or 0
    except ConsoleError as exc:
        print(f"tqconsole: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("tqconsole: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except Exception as exc:  # never a traceback unless asked for
        if os.environ.get(DEBUG_VARIABLE, "").strip().lower() in ("1", "true", "yes", "on"):
            raise
        from tqconsole.errors import one_line

        print(f"tqconsole: {type(exc).__name__}: {one_line(exc)}", file=sys.stderr)
        print(f"tqconsole: (set {DEBUG_VARIABLE}=1 to see the traceback)", file=sys.stderr)
        return 1
    finally:
        ctx.close()
