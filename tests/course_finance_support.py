"""Fixtures of the course admin and finance tests: the site's database with the console's
tables, and the console opened on it."""

from __future__ import annotations

import pytest


@pytest.fixture
def site(site_url):
    """A private copy of the site's fixture with the console's own tables (init)."""
    from tests.conftest import make_backends
    from tqconsole.services.schema import init

    b = make_backends()
    b.database  # noqa: B018 - binds the models
    init(b)
    yield b
    b.close()


def run_cli(capsys, *argv: str) -> tuple[int, str, str]:
    from tqconsole.cli import main

    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err
