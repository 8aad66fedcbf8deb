"""Fixtures of the front-desk and payment-linking tests: the site's database, initialised."""

from __future__ import annotations

import pytest

from tests.db.test_site_parity import site  # the initialised copy of the fixture

__all__ = ["counts", "read_only_app", "read_only_site", "site"]


@pytest.fixture
def read_only_site(site):
    """The same database opened read-only (the models bound to it)."""
    from tqconsole.backends import Backends
    from tqconsole.settings import load

    ro = Backends(load(read_only=True))
    ro.database  # noqa: B018 - binds the models
    yield ro
    ro.close()
    site.database  # noqa: B018 - binds the models back


def counts(db) -> dict:
    """Row counts and the state of payments and subscriptions: what a refusal must not change."""
    tables = (
        "payment_subscriptionpayment",
        "reversion_revision",
        "reversion_version",
        "tqconsole_auditentry",
    )
    out = {t: db.execute_sql(f"SELECT count(*) FROM {t}").fetchone()[0] for t in tables}
    out["payments"] = db.execute_sql(
        "SELECT id, state, type, amount_to_reimburse FROM payment_payment ORDER BY id"
    ).fetchall()
    out["subs"] = db.execute_sql(
        "SELECT usi, state, paymentmethod FROM courses_subscribe ORDER BY id"
    ).fetchall()
    return out


def read_only_app(location: str):
    """The console opened read-only (as ``--read-only`` does) at ``location``."""
    from tqconsole.app import TQConsole
    from tqconsole.settings import load

    return TQConsole(load(read_only=True), location=location)
