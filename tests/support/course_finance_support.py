"""Fixtures of the course admin and finance tests: the site's database with the console's
tables, and the console opened on it."""

from __future__ import annotations

from tests.db.test_site_parity import site  # the initialised copy of the fixture

__all__ = ["run_cli", "site"]


def run_cli(capsys, *argv: str) -> tuple[int, str, str]:
    from tqconsole.cli import main

    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err
