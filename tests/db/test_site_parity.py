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
from email.utils import getaddresses

import pytest

from tests.conftest import SITE_FIXTURE

EXPECTED_FILE = SITE_FIXTURE / "expected.json"
EXPECTED = json.loads(EXPECTED_FILE.read_text()) if EXPECTED_FILE.is_file() else {}


def cases(*path: str) -> list:
    node = EXPECTED
    for part in path:
        node = node.get(part, {}) if isinstance(node, dict) else {}
    return list(node.items()) if isinstance(node, dict) else list(node)


@pytest.fixture(scope="module")
def site_once(site_template, pg_drops):
    """One read-only copy of the fixture for the open amounts (they write nothing)."""
    from tests.conftest import make_backends
    from tests.support import services

    name, url = services.create_pg_database(template=site_template)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("TQ_DATABASE_URL", url)
        b = make_backends()
        b.database  # noqa: B018 - binds the models
        yield b
        b.close()
    pg_drops.drop(name)


@pytest.mark.parametrize(
    "usi,expected",
    cases("open_amount", "by_usi"),
    ids=[u for u, _ in cases("open_amount", "by_usi")],
)
def test_open_amount(site_once, usi, expected):
    from tqconsole.models import Subscribe
    from tqconsole.services.payments.amounts import amount_figures

    sub = Subscribe.get(Subscribe.usi == usi)
    figures = amount_figures(sub)
    got = {k: str(v) for k, v in figures.items()}
    want = {k: str(Decimal(expected[k]).quantize(Decimal("0.01"))) for k in figures}
    assert got == want


# --- staff actions: expected.json actions.cases, each on its own copy
ACTION_OF = {
    "confirm_subscription": "confirm",
    "confirm_subscriptions": "confirm",
    "confirm_subscriptions_allow_singles": "confirm",
    "admit_from_waiting_list": "admit",
    "move_to_waiting_list": "waiting_list",
    "reject_subscription": "reject",
    "reject_subscriptions": "reject",
    "mark_as_paid": "paid_counter",
    "unreject_subscriptions": "unreject",
    "unconfirm_subscriptions": "unconfirm",
    "delete": "delete",
    "delete_selected (SubscribeAdmin)": "delete",
    "match_partners": "match",
}
# Where the console differs from the site on purpose (README): case → what it does instead.
ON_PURPOSE = {
    "A25": "without a reason the reason is detected (the site raises TypeError half-way)",
    "A36": "a non-new subscription is refused with the site's reason (the site raises TypeError)",
    "A37": "only new subscriptions are deleted (the admin's bulk delete bypasses the site's rule)",
}


def call_of(case: dict) -> tuple[str, dict]:
    """The console action and its details for one site case."""
    function = case["site_function"].rsplit(".", 1)[-1]
    action = ACTION_OF[function]
    if function == "mark_as_paid" and "online" in case["action"]:
        action = "paid_online"  # as the payment matcher marks it
    text = case["action"]
    users = {"paid_counter": "finanzen", "paid_online": None}  # the matcher has no user
    details: dict = {"user": users.get(action, "tqadmin")}
    if function.endswith("allow_singles"):
        details["allow_singles"] = True
    if action == "reject":
        if function == "reject_subscription":  # the service called without the admin's form
            details.update(reason=None, user=None)
        else:
            details["reason"] = case["rejections"][0]["reason"]
        details["notify"] = "send_email off" not in text
    if action == "waiting_list":
        details["notify"] = "no e-mail" not in text
    return action, details


def snapshot(db) -> dict:
    rows = db.execute_sql(
        "SELECT s.usi, s.state, s.matching_state, p.email, s.paymentmethod, s.price_to_pay"
        " FROM courses_subscribe s LEFT JOIN auth_user p ON p.id = s.partner_id"
    ).fetchall()
    keys = ("state", "matching_state", "partner", "paymentmethod", "price_to_pay")
    return {
        r[0]: dict(zip(keys, [*r[1:5], f"{r[5]:.2f}" if r[5] is not None else None], strict=True))
        for r in rows
    }


def changed(before: dict, after: dict) -> dict:
    result = {}
    for usi, old in before.items():
        new = after.get(usi)
        if new is None:
            result[usi] = {"deleted": True}
            continue
        diff = {k: [old[k], new[k]] for k in old if old[k] != new[k]}
        if diff:
            result[usi] = diff
    return result


def top_id(db, table: str) -> int:
    return db.execute_sql(f"SELECT COALESCE(MAX(id), 0) FROM {table}").fetchone()[0]


def new_rows(db, sql: str, since: int) -> list:
    return db.execute_sql(sql, (since,)).fetchall()


@pytest.fixture
def site(site_url):
    from tests.conftest import make_backends
    from tqconsole.services.db.schema import init

    b = make_backends()
    b.database  # noqa: B018 - binds the models
    init(b)
    yield b
    b.close()


ACTION_CASES = cases("actions", "cases")


@pytest.mark.parametrize(
    "case",
    ACTION_CASES,
    ids=[f"{c['id']}-on-purpose" if c["id"] in ON_PURPOSE else c["id"] for c in ACTION_CASES],
)
def test_staff_action(site, case):
    from tqconsole.models import Subscribe
    from tqconsole.services.courses.subscriptions import apply

    if case["site_function"].endswith("Voucher.apply_to"):
        return check_voucher(site, case)
    if case["site_function"].endswith("remind_of_payment"):
        return check_single_reminder(site, case)
    db = Subscribe._meta.database
    action, details = call_of(case)
    ids = [Subscribe.get(Subscribe.usi == u).id for u in case["usis"]]
    before = snapshot(db)
    marks = {
        t: top_id(db, t)
        for t in (
            "courses_confirmation",
            "courses_rejection",
            "reversion_revision",
            "post_office_email",
        )
    }
    outcome = apply(action, ids, mail=site.get("email"), **details)  # as subs and the TUI do

    allowed = case["allowed"] if case["id"] not in ("A25", "A37") else case["id"] == "A25"
    assert bool(outcome.done) == allowed, outcome.summary()
    expected_changes = {
        c["usi"]: {k: v for k, v in c.items() if k != "usi"}
        for c in case.get("subscriptions_changed", [])
    }
    if case["id"] == "A37":
        expected_changes = {}
    assert changed(before, snapshot(db)) == expected_changes

    confirmations = new_rows(
        db,
        "SELECT s.usi FROM courses_confirmation c JOIN courses_subscribe s"
        " ON s.id = c.subscription_id WHERE c.id > %s ORDER BY c.id",
        marks["courses_confirmation"],
    )
    assert [r[0] for r in confirmations] == [c["usi"] for c in case.get("confirmations", [])]

    rejections = new_rows(
        db,
        "SELECT s.usi, r.reason, r.mail_sent FROM courses_rejection r JOIN courses_subscribe s"
        " ON s.id = r.subscription_id WHERE r.id > %s ORDER BY r.id",
        marks["courses_rejection"],
    )
    want = [(r["usi"], r["reason"], r["mail_sent"]) for r in case.get("rejections", [])]
    if case["id"] == "A25":  # the reason is detected; the participant is mailed
        want = [("NFKWGQ", "no_partner", True)]
    assert [tuple(r) for r in rejections] == want

    revisions = new_rows(
        db,
        "SELECT r.id, r.comment, u.username FROM reversion_revision r"
        " LEFT JOIN auth_user u ON u.id = r.user_id WHERE r.id > %s ORDER BY r.id",
        marks["reversion_revision"],
    )
    got = []
    for rid, comment, user in revisions:
        objects = db.execute_sql(
            "SELECT s.usi, v.serialized_data, v.format, t.app_label || '.' || t.model"
            " FROM reversion_version v JOIN courses_subscribe s ON s.id::text = v.object_id"
            " JOIN django_content_type t ON t.id = v.content_type_id WHERE v.revision_id = %s",
            (rid,),
        ).fetchall()
        for usi, data, fmt, model in objects:
            assert fmt == "json" and model == "courses.subscribe"
            fields = json.loads(data)[0]["fields"]
            assert fields["usi"] == usi and fields["state"] == snapshot(db)[usi]["state"]
        got.append((comment, user, sorted(o[0] for o in objects)))
    want = [
        (r["comment"], r["user"], sorted(v["object"] for v in r["versions"]))
        for r in case.get("revisions", [])
    ]
    if case["id"] == "A25":  # one revision, with the detected reason
        want = [("Subscription rejected with reason no_partner", None, ["K6CQQG", "NFKWGQ"])]
    assert got == want

    mails = new_rows(
        db,
        'SELECT e."to", o.template, e.subject FROM post_office_email e'
        " LEFT JOIN tqconsole_outboxentry o ON o.email_id = e.id WHERE e.id > %s ORDER BY e.id",
        marks["post_office_email"],
    )
    want = [(m["to"], m["template"], m["subject"]) for m in case.get("mails", [])]
    if case["id"] == "A25":  # the site's mail of the detected reason
        subject = "Tanzquotient: Absage / Cancellation – Lindy Hop 2"
        want = [(["chiara.weber@gmx.ch"], "rejection_no_partner", subject)]
    # the envelope's addresses (``to`` may carry display names)
    assert [([a for _, a in getaddresses([r[0]])], r[1], r[2]) for r in mails] == want


def check_voucher(site, case):
    """Redeeming a voucher: the reduction, the voucher's revision, no state change."""
    import re

    from tqconsole.cli import main
    from tqconsole.models import Subscribe

    db = Subscribe._meta.database
    before, mark = snapshot(db), top_id(db, "reversion_revision")
    (reduction,) = case["price_reductions"]
    (revision,) = case["revisions"]
    key = re.search(r"voucher (\w+)", case["action"]).group(1)
    assert main(["subs", "redeem", case["usis"][0], key, "--user", revision["user"]]) == 0
    assert changed(before, snapshot(db)) == {}
    rows = db.execute_sql(
        "SELECT s.usi, r.amount, v.key, r.comment FROM courses_pricereduction r"
        " JOIN courses_subscribe s ON s.id = r.subscription_id"
        " JOIN courses_voucher v ON v.id = r.used_voucher_id WHERE v.key = %s",
        (key,),
    ).fetchall()
    assert [(u, f"{a:.2f}", k, c) for u, a, k, c in rows] == [
        (reduction["usi"], reduction["amount"], reduction["voucher"], reduction["comment"])
    ]
    got = db.execute_sql(
        "SELECT r.comment, u.username, t.model, v.object_repr FROM reversion_revision r"
        " LEFT JOIN auth_user u ON u.id = r.user_id JOIN reversion_version v"
        " ON v.revision_id = r.id JOIN django_content_type t ON t.id = v.content_type_id"
        " WHERE r.id > %s ORDER BY r.id",
        (mark,),
    ).fetchall()
    want = [
        (revision["comment"], revision["user"], v["model"].split(".")[1], v["object"])
        for v in revision["versions"]
    ]
    assert [tuple(r) for r in got] == want


def check_single_reminder(site, case):
    """The finance view's reminder: the site's reminder mail queued, a PaymentReminder row."""
    from datetime import date

    from tqconsole.models import PaymentReminder
    from tqconsole.models.mail import Email, OutboxEntry
    from tqconsole.services.payments.reminders import remind_one

    (usi,) = case["usis"]
    today = date.fromisoformat(case["payment_reminders"][0]["date"])
    email_id, _ = remind_one(usi, site.get("email"), today=today)
    rows = PaymentReminder.select().where(PaymentReminder.date == today)
    assert [r.subscription.usi for r in rows] == [r["usi"] for r in case["payment_reminders"]]
    mail = Email.get_by_id(email_id)
    (want,) = case["mails"]
    template = OutboxEntry.get_by_id(email_id).template
    assert (template, [a for _, a in getaddresses([mail.to])], mail.subject) == (
        want["template"],
        want["to"],
        want["subject"],
    )


def test_the_sites_templates_render_as_the_site_renders_them(site):
    """expected.json "templates": subject and body byte for byte, from the site's table."""
    from tqconsole.models import Subscribe
    from tqconsole.services.mail.templates import TemplateRow, site_mail

    assert TemplateRow.select().count() == 27  # init added none of the console's to the site's
    renders = EXPECTED["templates"]["renders"]
    assert len(renders) == 6
    for want in renders:
        sub = Subscribe.get(Subscribe.usi == want["usi"])
        got = site_mail(want["template"], sub, "localhost")  # the fixture's DEPLOYMENT_DOMAIN
        assert (got.subject, got.body, got.html) == (
            want["subject"],
            want["body"],
            want["html_body"],
        ), (want["template"], want["usi"])


# --- payment matching: statement-a, then statement-b, on one copy
STATEMENTS = SITE_FIXTURE / "statements"
MATCHING_FILES = ("statement-a.csv", "statement-b.csv")
# the line whose word the site's USI pattern mistakes for a USI ("Musikabend")
MISTAKEN_USI = ("statement-a.csv", 18)
MATCHING_LINES = [
    (name, line["line"])
    for name in MATCHING_FILES
    for line in cases("matching", "files", name, "lines")
]


def payment_outcome(db, payment) -> dict:
    from tqconsole.services.payments.amounts import money

    links = db.execute_sql(
        "SELECT s.usi, sp.amount FROM payment_subscriptionpayment sp JOIN courses_subscribe s"
        " ON s.id = sp.subscription_id WHERE sp.payment_id = %s ORDER BY sp.id",
        (payment.id,),
    ).fetchall()
    return {
        "state": payment.state,
        "type": payment.type,
        "credit_debit": payment.credit_debit,
        "amount": str(money(payment.amount)),
        "amount_to_reimburse": str(money(payment.amount_to_reimburse)),
        "name": payment.name,
        "address": payment.address,
        "date": payment.date.date().isoformat(),
        "remittance_user_string": payment.remittance_user_string,
        "comment": payment.comment,
        "subscription_payments": [{"usi": u, "amount": str(money(a))} for u, a in links],
        "file": payment.file_id,
    }


def subscription_outcome(usi: str) -> dict | None:
    from tqconsole.models import Subscribe
    from tqconsole.services.payments.amounts import amount_figures

    sub = Subscribe.get_or_none(Subscribe.usi == usi)
    if sub is None:
        return None
    figures = amount_figures(sub)
    return {
        "state": sub.state,
        "paymentmethod": sub.paymentmethod,
        "open_amount": str(figures["open_amount"]),
        "sum_of_payments": str(figures["sum_of_payments"]),
    }


@pytest.fixture(scope="module")
def matched(site_template, pg_drops):
    """Both statements imported on one copy; what each line and each run left behind."""
    from tests.conftest import make_backends
    from tests.support import services
    from tqconsole.models import FinanceFile, Payment, Subscribe
    from tqconsole.services.db.schema import init
    from tqconsole.services.payments.matching import import_statement

    name, url = services.create_pg_database(template=site_template)
    result: dict = {}
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("TQ_DATABASE_URL", url)
        b = make_backends()
        b.database  # noqa: B018 - binds the models
        init(b)
        db = Subscribe._meta.database
        pending = [p.id for p in Payment.select().where(Payment.state != "processed")]
        for file in MATCHING_FILES:
            before = snapshot(db)
            report = import_statement((STATEMENTS / file).read_bytes(), file, f"zkb/{file}")
            this_file = FinanceFile.get(FinanceFile.file == f"zkb/{file}").id
            lines = {}
            for line in cases("matching", "files", file, "lines"):
                payment = Payment.get(Payment.transaction_id == line["zkb_ref"])
                lines[line["line"]] = {
                    "payment": payment_outcome(db, payment),
                    "this_file": payment.file_id == this_file,
                    "subscriptions": {
                        u: subscription_outcome(u) for u in line["subscriptions_after"]
                    },
                }
            others = {
                p.transaction_id: payment_outcome(db, p)
                for p in Payment.select().where(Payment.id.in_(pending))
            }
            result[file] = {
                "report": report,
                "lines": lines,
                "others": others,
                "changed": changed(before, snapshot(db)),
            }
        b.close()
    pg_drops.drop(name)
    return result


@pytest.mark.parametrize(
    "file,number",
    MATCHING_LINES,
    ids=[f"{f}:{n}" + ("-on-purpose" if (f, n) == MISTAKEN_USI else "") for f, n in MATCHING_LINES],
)
def test_statement_line(matched, file, number):
    expected = next(x for x in cases("matching", "files", file, "lines") if x["line"] == number)
    got = matched[file]["lines"][number]
    if expected["payment"] is None:  # a ZKB-Referenz known already: no payment from this file
        assert not got["this_file"]
    else:
        want = dict(expected["payment"])
        want["date"] = want["date"][:10] if "T00:" in want["date"] else _zurich_day(want["date"])
        want["subscription_payments"] = expected["subscription_payments"]
        if (file, number) == MISTAKEN_USI:  # no USI: manual, nothing to reimburse
            want.update(type="unknown", amount_to_reimburse="0.00")
        payment = {k: v for k, v in got["payment"].items() if k != "file"}
        assert payment == want
    for usi, after in expected["subscriptions_after"].items():
        keys = ("state", "paymentmethod", "open_amount", "sum_of_payments")
        want = {k: after[k] for k in keys} if after else None  # None: no such USI
        assert got["subscriptions"][usi] == want, usi


def _zurich_day(stamp: str) -> str:
    from datetime import datetime
    from zoneinfo import ZoneInfo

    return datetime.fromisoformat(stamp).astimezone(ZoneInfo("Europe/Zurich")).date().isoformat()


@pytest.mark.parametrize("file", MATCHING_FILES)
def test_statement_run(matched, file):
    """The payments already waiting that the run processed, and the subscriptions it changed."""
    expected = EXPECTED["matching"]["files"][file]
    for other in expected["other_pending_payments_after_this_run"]:
        got = matched[file]["others"][other["transaction_id"]]
        assert (got["state"], got["type"], got["subscription_payments"]) == (
            other["state"],
            other["type"],
            other["subscription_payments"],
        ), other["transaction_id"]
    want = {}
    for change in expected["subscriptions_changed"]:
        want[change["usi"]] = {"state": change["state"]}
        if change.get("paymentmethod"):
            want[change["usi"]]["paymentmethod"] = [None, change["paymentmethod"]]
    assert matched[file]["changed"] == want


def test_subs_find_shows_the_sites_amounts_and_paid_at_the_counter_leaves_nothing_open(
    site, capsys
):
    from tqconsole.cli import main

    def find(usi: str) -> dict:
        assert main(["subs", "find", usi, "--json"]) == 0
        return json.loads(capsys.readouterr().out)["amounts"]

    usi = "3KNUVN"  # confirmed, nothing paid
    assert find(usi)["open_amount"] == EXPECTED["open_amount"]["by_usi"][usi]["open_amount"]
    assert find(usi)["open_amount"] == "45.00"
    assert main(["subs", "paid", usi, "--user", "finanzen"]) == 0
    assert "payed" in capsys.readouterr().out
    assert find(usi)["open_amount"] == "0.00"
    assert main(["subs", "find", usi]) == 0
    assert "open_amount            0.00" in capsys.readouterr().out


def test_a_refused_action_writes_nothing(site, capsys):
    from tqconsole.cli import main
    from tqconsole.models import Subscribe

    db = Subscribe._meta.database
    before = snapshot(db), top_id(db, "reversion_revision"), top_id(db, "post_office_email")
    assert main(["subs", "paid", "XYBKKT", "--user", "finanzen"]) == 1  # new: not payable
    assert "only confirmed" in capsys.readouterr().out
    assert (
        snapshot(db),
        top_id(db, "reversion_revision"),
        top_id(db, "post_office_email"),
    ) == before


def test_not_a_statement_is_reported_and_later_statements_go_through(site):
    from tqconsole.errors import InvalidInput
    from tqconsole.models import FinanceFile, Payment
    from tqconsole.services.payments.matching import import_statement

    rows = FinanceFile.select().count()
    with pytest.raises(InvalidInput, match="not a ZKB statement"):
        import_statement((STATEMENTS / "not-a-statement.csv").read_bytes(), "not-a-statement.csv")
    assert FinanceFile.select().count() == rows  # no row left to break later uploads
    import_statement((STATEMENTS / "statement-a.csv").read_bytes(), "statement-a.csv")
    statement = FinanceFile.get(FinanceFile.file == "statement-a.csv")
    credits = Payment.select().where(
        (Payment.file == statement.id) & (Payment.credit_debit == "credit")
    )
    assert credits.count() == 21 and all(p.state != "new" for p in credits)


def test_the_subscription_list_shows_the_open_amount(site, capsys):
    from tqconsole.cli import main

    assert main(["db", "show", "courses_subscribe", "--filter", "usi=NJFVUP or usi=3KNUVN"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split()[-1].lower() == "open_amount"
    by_usi = {u: line.split()[-1] for line in lines[1:] for u in ("NJFVUP", "3KNUVN") if u in line}
    assert by_usi == {"NJFVUP": "0.00", "3KNUVN": "45.00"}  # counter-paid / confirmed


def test_reminders_follow_the_sites_daily_rule(site):
    """remind_all_of_payments(14, 7) at the fixture's "now", written as plain SQL."""
    from datetime import date

    from tqconsole.models import Subscribe
    from tqconsole.services.payments.amounts import open_amount
    from tqconsole.services.payments.reminders import due_reminders

    db = Subscribe._meta.database
    today = date(2026, 12, 15)
    site_rule = {
        r[0]
        for r in db.execute_sql(
            """
            SELECT s.usi FROM courses_subscribe s
            JOIN courses_course c ON c.id = s.course_id
            JOIN courses_offering o ON o.id = c.offering_id
            JOIN courses_period p ON p.id = COALESCE(c.period_id, o.period_id)
            WHERE s.state = 'confirmed'
              AND COALESCE((SELECT MIN(l.start)::date FROM courses_lessonoccurrence l
                            WHERE l.course_id = c.id), p.date_from) + 14 < %s
              AND NOT EXISTS (SELECT 1 FROM payment_paymentreminder r
                              WHERE r.subscription_id = s.id AND r.date >= %s::date - 7)
            """,
            (today, today),
        ).fetchall()
    }
    due = due_reminders(today)
    assert site_rule and all(s.state == "confirmed" for s in due)
    # on purpose: nothing open → no reminder (README)
    assert {s.usi for s in due} == {
        u for u in site_rule if open_amount(Subscribe.get(Subscribe.usi == u)) > 0
    }


def test_the_record_shows_the_sites_amounts(site):
    from tqconsole.models import Subscribe
    from tqconsole.services.db.records import load

    sub = Subscribe.get(Subscribe.usi == "HK88GM")
    figures = load(Subscribe, sub.id).figures
    want = EXPECTED["open_amount"]["by_usi"]["HK88GM"]
    assert {k: str(v) for k, v in figures.items()} == {k: want[k] for k in figures}
