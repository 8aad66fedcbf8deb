"""Heavy libraries are imported at first use, never by starting the console.

Each check runs in a fresh interpreter (subprocess) and reads its ``sys.modules``.
"""

import json
import subprocess
import sys
import textwrap

HEAVY = ("boto3", "botocore", "huey", "redis", "psycopg2", "django", "celery", "kombu")


def imported(script: str) -> dict:
    """Run ``script`` in a new interpreter; it prints a JSON object as its last line."""
    prelude = f"import json, sys\nHEAVY = {HEAVY!r}\n"
    prelude += "def loaded():\n    return sorted(m for m in HEAVY if m in sys.modules)\n"
    done = subprocess.run(
        [sys.executable, "-c", prelude + textwrap.dedent(script)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_version_imports_no_backend_library():
    found = imported(
        """
        from tqconsole.cli import main
        try:
            main(["--version"])
        except SystemExit:
            pass
        print(json.dumps({"loaded": loaded(), "peewee": "peewee" in sys.modules}))
        """
    )
    assert found == {"loaded": [], "peewee": False}


def test_dashboard_imports_a_library_only_when_its_backend_is_probed():
    # embedded defaults: SQLite, the db:// cache, folders for storage and mail, a
    # SQLite queue (the test environment turns the embedded consumer off)
    found = imported(
        """
        import asyncio

        import tqconsole.services.health as health
        from tqconsole.app import TQConsole
        from tqconsole.settings import load
        from tqconsole.widgets.health_panel import HealthPanel

        report = {}
        real_check = health.check

        def check(backends, family, name=""):
            report.setdefault("opened", loaded())  # the dashboard is up, nothing used yet
            report.setdefault("screens", sorted(m for m in sys.modules if ".screens" in m))
            report.setdefault("text_area", "textual.widgets._text_area" in sys.modules)
            return real_check(backends, family, name)

        health.check = check

        async def main():
            app = TQConsole(load(), location="dashboard")
            async with app.run_test(size=(120, 40)) as pilot:
                while True:  # until every panel shows its probe (pytest's timeout bounds it)
                    panels = list(app.screen.query(HealthPanel))
                    if panels and all(p.health is not None for p in panels):
                        break
                    await pilot.pause(0.05)
                report["families"] = sorted(p.health.family for p in panels)
            report["probed"] = loaded()

        asyncio.run(main())
        print(json.dumps(report))
        """
    )
    assert found["opened"] == []
    # no other screen and no widget the dashboard does not show is imported before it paints
    assert found["screens"] == [
        "tqconsole.screens",
        "tqconsole.screens.base",
        "tqconsole.screens.dashboard",
    ]
    assert found["text_area"] is False
    assert found["families"] == ["cache", "database", "email", "queue", "storage"]
    # the SQLite queue is Huey (which imports redis itself) and peewee tries psycopg2;
    # file storage, no Celery broker and no site template need none of the others
    assert not {"boto3", "botocore", "django", "celery", "kombu"} & set(found["probed"])
    assert "huey" in found["probed"]


def test_the_console_builds_the_parser_of_its_own_command_only():
    found = imported(
        """
        import tqconsole.cli as cli

        built = []
        real_build = cli.build_parser
        cli.build_parser = lambda command=None: built.append(command) or real_build(command)
        try:
            cli.main(["--read-only", "dashboard"])  # no terminal: stops before the screen
        except SystemExit:
            pass
        commands = sorted(m for m in sys.modules if m.startswith("tqconsole.commands."))
        print(json.dumps({"built": built, "commands": commands}))
        """
    )
    assert found == {
        "built": ["tui"],
        "commands": ["tqconsole.commands.output", "tqconsole.commands.tui"],
    }


def test_every_command_is_named_with_its_module():
    from tqconsole.cli import COMMANDS, build_parser

    def names(parser) -> set[str]:
        return set(parser._subparsers._group_actions[0].choices)  # noqa: SLF001

    assert names(build_parser()) == set(COMMANDS)
    for command in COMMANDS:
        assert command in names(build_parser(command))
