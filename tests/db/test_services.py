"""The model browser's services on real databases: filters, keyset windows, records, actions."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime
from decimal import Decimal

import peewee as pw
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import make_backends
from tqconsole.errors import InvalidInput, NotFound, ReadOnlyError
from tqconsole.models import (
    AuditEntry,
    Confirmation,
    Course,
    CourseType,
    CourseTypeTranslation,
    Offering,
    Payment,
    Period,
    Rejection,
    Subscribe,
    User,
    UserProfile,
)
from tqconsole.services.courses import subscriptions
from tqconsole.services.db import records
from tqconsole.services.db.export import course_participants, export
from tqconsole.services.db.filter_language import FilterError, compile_filter, parse
from tqconsole.services.db.schema import init
from tqconsole.services.db.table_query import TableQuery, TableWindow
from tqconsole.services.payments import amounts


@pytest.fixture
def small(backends):
    """Schema plus 3 users, 2 courses and 250 subscriptions in known states."""
    init(backends)
    db = backends.database
    now = datetime(2026, 11, 21, 12, 0)
    names = [("Anna", "Salsa"), ("Beat", "Tango"), ("Cleo", "O'Brien; DROP TABLE x --")]
    for i, (first, last) in enumerate(names, 1):
        User.create(
            id=i,
            username=f"u{i}",
            first_name=first,
            last_name=last,
            email=f"u{i}@{'ethz.ch' if i == 1 else 'gmail.com'}",
            date_joined=now,
        )
    UserProfile.create(user=1, legi="12-345-678", student_status="eth")
    CourseType.create(id=1)
    CourseTypeTranslation.create(master=1, language_code="de", title="Salsa 1")
    Period.create(id=1, name="HS 2026", date_from=now.date(), date_to=now.date())
    Offering.create(id=1, name="Kurse HS 2026", period=1)
    course = dict(type=1, offering=1)
    Course.create(id=1, name="Salsa 1 Mo", price_with_legi=35, price_without_legi=70, **course)
    Course.create(id=2, name="Tango free", price_with_legi=0, price_without_legi=0, **course)
    states = ["new", "waiting_list", "confirmed", "payed", "completed"]
    rows = []
    for n in range(1, 251):
        rows.append(
            dict(
                id=n,
                user=(n % 3) + 1,
                course=1 if n <= 125 else 2,
                date=now,
                state=states[n % 5],
                usi=f"{n:06d}".translate(str.maketrans("0125", "ABCD")),
                comment=None if n % 4 else f"note {n} 100% _x_",
                price_to_pay=None if n % 2 else 70,
            )
        )
    # unique (user, course): give each subscription its own user beyond the three
    for row in rows:
        if row["id"] > 3:
            uid = row["id"] + 10
            User.create(
                id=uid,
                username=f"x{uid}",
                first_name="X",
                last_name=str(uid),
                email=f"x{uid}@example.ch",  # unique, as the site's auth_user_email_uindex says
                date_joined=now,
            )
            row["user"] = uid
    Subscribe.insert_many(rows).execute()
    if db.vendor == "postgresql":
        for table in ("courses_subscribe", "courses_course", "auth_user"):
            db.execute_sql(f"SELECT setval('{table}_id_seq', 1000)")
    return backends


# --- the filter language
CASES = {
    "state=confirmed": lambda s: s.state == "confirmed",
    "state in (new,waiting_list)": lambda s: s.state in ("new", "waiting_list"),
    "comment is null": lambda s: s.comment is None,
    "comment is not null": lambda s: s.comment is not None,
    "comment~100%": lambda s: s.comment and "100%" in s.comment,
    "comment~_X_": lambda s: s.comment and "_x_" in s.comment,
    "not state=new": lambda s: s.state != "new",
    "state=new or state=payed": lambda s: s.state in ("new", "payed"),
    "id>=200 state=payed": lambda s: s.id >= 200 and s.state == "payed",
    "(id<5 or id>245) state!=new": lambda s: (s.id < 5 or s.id > 245) and s.state != "new",
    "course.name~TANGO": lambda s: s.course_id == 2,
    "user.email~@ethz.ch": lambda s: s.user_id == 1,
    "anna": lambda s: s.user_id == 1,
    '"DROP TABLE"': lambda s: s.user_id == 3,
    "price_to_pay is null": lambda s: s.price_to_pay is None,
}


@pytest.mark.parametrize("text", list(CASES))
def test_filter_selects_the_rows_it_says(small, text):
    expected = {s.id for s in Subscribe.select() if CASES[text](s)}
    where = compile_filter(Subscribe, text)
    got = {s.id for s in Subscribe.select(Subscribe.id).where(where)}
    assert got == expected and got


@pytest.mark.parametrize(
    ("text", "position", "words"),
    [
        ("state=", 6, "end of filter"),
        ("nope=1", 0, "unknown column 'nope'"),
        ("id>abc", 3, "whole number"),
        ("date>2026-13-01", 5, "date"),
        ("state in (new", 13, "end of filter"),
        ("(state=new", 10, "')'"),
        ('name="open', 5, "unterminated"),
        ("state=new or", 12, "expected a condition"),
        ("state.name=x", 0, "not a foreign key"),
        ("user.nope~x", 0, "unknown column 'nope'"),
        ("a=1 !", 4, "unexpected '!'"),
        ("comment=\x00", 8, "NUL"),
        ("state=new not", 13, "expected a condition"),
        ("(" * 30 + "id=1", 20, "nested too deeply"),
    ],
)
def test_filter_errors_name_their_position(text, position, words):
    with pytest.raises(FilterError) as info:
        compile_filter(Subscribe, text)
    assert info.value.position == position
    assert words in str(info.value)


def test_filter_values_are_parameters_never_sql(sql_dialect):
    where = compile_filter(Subscribe, 'comment="x\'; DROP TABLE courses_subscribe; --" bob')
    sql, params = Subscribe.select().where(where).sql()
    assert "DROP" not in sql and "bob" not in sql
    assert "x'; DROP TABLE courses_subscribe; --" in params


@pytest.fixture
def sql_dialect():
    """Models bound to a database only to turn queries into SQL text (nothing runs)."""
    from tqconsole.models import bind

    bind(pw.SqliteDatabase(":memory:"))


@settings(max_examples=400, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    st.text(
        alphabet=st.sampled_from(list("stae=<>!~()\",' .inorotulcm_0129-@%\\\x00")), max_size=40
    )
)
def test_filter_fuzz_raises_only_its_own_error_and_never_inlines_values(sql_dialect, text):
    try:
        where = compile_filter(Subscribe, text)
    except FilterError:
        return
    if where is None:
        return
    sql, params = Subscribe.select(Subscribe.id).where(where).sql()
    assert "'" not in sql.replace("ESCAPE '\\'", "")  # no literal of any value in the SQL


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=30))
def test_filter_fuzz_any_text(text):
    try:
        parse(text)
        compile_filter(Subscribe, text)
    except FilterError:
        pass


# --- keyset windows
def all_ids(query) -> list:
    return [r.key for page in query.iter_pages(size=7) for r in query.rows(page)]


@pytest.mark.parametrize(
    "sort", ["", "-id", "state", "-state", "price_to_pay", "-price_to_pay", "comment"]
)
def test_keyset_pages_walk_every_row_once_in_order(small, sort):
    db = small.database
    query = TableQuery.build(db, "courses_subscribe", "", sort)
    field = query.sort
    rows = list(Subscribe.select(Subscribe.id, field.alias("v")).dicts())
    null_last = sorted(
        rows, key=lambda r: (r["v"] is None, r["v"] if r["v"] is not None else 0, r["id"])
    )
    expected = [r["id"] for r in null_last]
    if sort.startswith("-"):
        expected.reverse()
    assert all_ids(query) == expected


def test_window_reaches_first_last_and_middle_rows(small):
    db = small.database
    window = TableWindow(db, TableQuery.build(db, "courses_subscribe", "", "-state"))
    total, exact = window.estimate()
    assert (total, exact) == (250, True)
    ordered = all_ids(window.query)
    last = window.fetch(total - 10, 10)
    assert [r.key for r in last.rows] == ordered[-10:] and last.start == 240
    first = window.fetch(0, 10)
    assert [r.key for r in first.rows] == ordered[:10]
    middle = window.fetch(120, 10)
    assert [r.key for r in middle.rows] == ordered[120:130]
    near = window.fetch(125, 10)  # from a remembered key
    assert [r.key for r in near.rows] == ordered[125:135]
    back = window.fetch(100, 10)
    assert [r.key for r in back.rows] == ordered[100:110]


@pytest.mark.parametrize("sort", ["", "-state", "price_to_pay", "-comment"])
def test_pages_at_an_offset_match_the_ordered_rows(small, sort):
    """A jump skips to the key at the offset first, then reads a keyset page from it."""
    query = TableQuery.build(small.database, "courses_subscribe", "", sort)
    ordered = all_ids(query)
    for offset in (1, 37, 200, 249, 250):
        ahead = [r.key for r in query.rows(query.page(offset=offset, limit=10))]
        assert ahead == ordered[offset : offset + 10]
        back = [r.key for r in query.rows(query.page(backward=True, offset=offset, limit=10))]
        assert back == ordered[max(0, 250 - offset - 10) : 250 - offset]


def test_window_corrects_a_wrong_estimate(small):
    db = small.database
    window = TableWindow(db, TableQuery.build(db, "courses_subscribe"))
    window.estimate()
    window.total, window.exact = 400, False  # as if the statistics were stale
    end = window.fetch(390, 10)
    assert end.total == 400 and len(end.rows) == 10
    start = window.fetch(0, 10)
    assert [r.key for r in start.rows] == list(range(1, 11))
    window.total = 400
    window.keys.clear()
    short = window.fetch(150, 300)  # backward from the end: runs out at the first row
    assert short.start == 0 and short.total == 250 and len(short.rows) == 250


def test_foreign_keys_show_labels_in_one_query_per_column(small):
    db = small.database
    query = TableQuery.build(db, "courses_subscribe", "id<=3")
    rows = query.rows(query.page(limit=3))
    headers = query.headers
    assert [r.cells[headers.index("user")] for r in rows] == [
        "Beat Tango",
        "Cleo O'Brien; DROP TABLE x --",
        "Anna Salsa",
    ]
    assert rows[0].cells[headers.index("course")] == "Salsa 1 Mo"
    assert rows[0].cells[headers.index("partner")] is None


def test_long_text_is_cut_in_the_table_and_whole_in_the_record(small):
    big = "x" * (10 * 1024 * 1024)
    Subscribe.update(comment=big).where(Subscribe.id == 1).execute()
    query = TableQuery.build(small.database, "courses_subscribe", "id=1")
    cell = query.rows(query.page())[0].cells[query.headers.index("comment")]
    assert len(cell) == 200
    assert records.load(Subscribe, 1).values["comment"] == big


def test_reflected_table_without_primary_key(small):
    db = small.database
    db.execute_sql("CREATE TABLE legacy_log (at TEXT, message TEXT, n INTEGER)")
    for i in range(30):
        db.execute_sql(
            "INSERT INTO legacy_log VALUES (%s, %s, %s)".replace(
                "%s", "?" if db.vendor == "sqlite" else "%s"
            ),
            (f"2026-01-{i % 28 + 1:02d}", f"m{i}", i),
        )
    window = TableWindow(db, TableQuery.build(db, "legacy_log", "message~m1"))
    total, _ = window.estimate()
    assert total == 11
    rows = window.fetch(0, 5).rows + window.fetch(5, 6).rows
    assert sorted(r.cells[1] for r in rows) == sorted(["m1", *[f"m1{i}" for i in range(10)]])
    with pytest.raises(ReadOnlyError):
        records.create(window.query.model, {"message": "x"})


def test_unknown_table_and_sort_are_clear_errors(small):
    with pytest.raises(NotFound):
        TableQuery.build(small.database, "no_such_table")
    with pytest.raises(InvalidInput, match="sort"):
        TableQuery.build(small.database, "courses_subscribe", "", "-nope")


# --- records
def test_edit_saves_changed_fields_with_an_audit_entry(small):
    record = records.load(Subscribe, 5)
    texts = {name: records.as_text(v) for name, v in record.values.items() if name != "id"}
    texts["comment"] = "call back"
    saved = records.save(Subscribe, 5, record.values, texts)
    assert saved.values["comment"] == "call back"
    entry = AuditEntry.select().where(AuditEntry.action == "edit").get()
    assert entry.target_pk == "5" and "call back" in entry.summary


def test_edit_conflict_overwrites_nothing(small):
    record = records.load(Subscribe, 5)
    Subscribe.update(state="rejected").where(Subscribe.id == 5).execute()  # someone else
    texts = {"comment": "mine"}
    with pytest.raises(records.EditConflict) as info:
        records.save(Subscribe, 5, record.values, texts)
    assert info.value.changed == ["state"]
    assert info.value.theirs["state"] == "rejected"
    row = Subscribe.get_by_id(5)
    assert row.comment == record.values["comment"] and row.state == "rejected"


def test_form_validation_per_field(small):
    values, errors = records.parse_form(
        Payment,
        {
            "amount": "12.345",
            "state": "lost",
            "currency_code": "EURO",
            "date": "tomorrow",
            "transaction_id": "T1",
            "name": "",
        },
    )
    assert set(errors) == {"amount", "state", "currency_code", "date"}
    assert "2 decimal" in errors["amount"] and "one of" in errors["state"]
    assert values["name"] is None


def test_foreign_keys_name_their_row_and_a_missing_one_is_refused(small):
    assert records.reference(Subscribe, "user", "1") == "Anna Salsa"
    assert records.reference(Subscribe, "partner", "") == ""
    with pytest.raises(InvalidInput, match="no auth_user #9999"):
        records.reference(Subscribe, "user", "9999")
    with pytest.raises(InvalidInput, match="whole number"):
        records.reference(Subscribe, "user", "x")
    assert records.parse_form(Subscribe, {"user": ""})[1] == {"user": "required"}
    record = records.load(Subscribe, 5)
    with pytest.raises(records.FormErrors) as info:  # any caller, not only the form
        records.save(
            Subscribe, 5, record.values, {"user": "9999", "partner": "9998", "course": "2"}
        )
    assert info.value.errors == {"user": "no auth_user #9999", "partner": "no auth_user #9998"}
    assert Subscribe.get_by_id(5).user_id == record.values["user"]
    texts = {"user": "3", "course": "7", "date": "2026-11-21 12:00"}
    with pytest.raises(InvalidInput, match="course: no courses_course #7"):
        records.create(Subscribe, texts)


def test_pick_rows_find_by_the_filter_language(small):
    assert records.pick_rows(User, "salsa") == [(1, "Anna Salsa", "u1@ethz.ch  u1")]
    assert [row[0] for row in records.pick_rows(User, "gmail.com")] == [2, 3]
    assert [row[0] for row in records.pick_rows(User, "id>1 id<14")] == [2, 3]
    assert [row[0] for row in records.pick_rows(User, "", limit=2)] == [1, 2]
    assert records.pick_rows(Course, "tango") == [(2, "Tango free", "")]
    with pytest.raises(FilterError, match="unknown column"):
        records.pick_rows(User, "nope=1")


def test_unique_violation_is_a_message(small):
    record = records.load(Subscribe, 6)
    with pytest.raises(InvalidInput, match="not saved"):
        records.save(Subscribe, 6, record.values, {"usi": Subscribe.get_by_id(7).usi})
    assert Subscribe.get_by_id(6).usi == record.values["usi"]


def test_create_and_delete_with_typed_label(small):
    created = records.create(Course, {"name": "Bachata", "type": "1", "offering": "1"})
    plan = records.delete_plan(Course, created.pk)
    assert plan.lines() == []
    with pytest.raises(InvalidInput, match="type"):
        records.delete(Course, created.pk, "wrong")
    records.delete(Course, created.pk, "Bachata")
    assert Course.get_or_none(Course.id == created.pk) is None


def with_email(*ids) -> None:
    """The site records a confirmation only when the participant can be mailed."""
    users = [Subscribe.get_by_id(i).user_id for i in ids]
    for user in users:
        User.update(email=f"u{user}@example.ch").where(User.id == user).execute()


def test_delete_plan_shows_cascades_and_protection(small):
    with_email(2, 5)
    subscriptions.apply(
        "confirm", [2, 5], allow_singles=True
    )  # Confirmation rows cascade from their subscription
    plan = records.delete_plan(Subscribe, 5)
    assert ("courses_confirmation", 1) in plan.cascade
    protected = records.delete_plan(Course, 1)
    assert ("courses_subscribe", 125) in protected.protected
    with pytest.raises(InvalidInput, match="BLOCKED"):
        records.delete(Course, 1, "Salsa 1 Mo")


def test_reverse_relations_are_counted(small):
    record = records.load(User, 1)
    by_table = {(r.table, r.column): r.count for r in record.relations}
    assert (
        by_table[("courses_subscribe", "user")]
        == Subscribe.select().where(Subscribe.user == 1).count()
    )


# --- staff actions
def states(*ids) -> list[str]:
    return [Subscribe.get_by_id(i).state for i in ids]


def test_confirm_follows_the_rules(small):
    with_email(5, 135)
    calls = []
    hook = lambda s, a, d: calls.append((s.id, a, d["new_state"]))  # noqa: E731
    subscriptions.AFTER_STATE_CHANGE.append(hook)
    try:
        # the site's rules: 5 new (course 1) → confirmed; 135 new on the free course →
        # completed; 1 waiting_list and 2 confirmed → skipped (only new ones)
        outcome = subscriptions.apply("confirm", [5, 135, 1, 2], allow_singles=True)
    finally:
        subscriptions.AFTER_STATE_CHANGE.remove(hook)
    assert states(5, 135, 1, 2) == ["confirmed", "completed", "waiting_list", "confirmed"]
    assert [s for s, _ in outcome.skipped] == [Subscribe.get_by_id(i).usi for i in (1, 2)]
    assert Confirmation.select().count() == 2
    assert calls == [(5, "confirm", "confirmed"), (135, "confirm", "completed")]
    assert AuditEntry.select().where(AuditEntry.action == "subscription.confirm").count() == 1


def test_price_uses_the_legi(small):
    # subscription 3 (user 1, has a legi) has no stored price: the student price
    sub = Subscribe.get_by_id(3)
    assert sub.price_to_pay is None and amounts.price_to_pay(sub) == 35
    assert amounts.price_to_pay(Subscribe.get_by_id(1)) == 70  # user 2: no legi


def test_reject_paid_becomes_to_reimburse(small):
    outcome = subscriptions.apply("reject", [3, 2, 4], reason="overbooked")
    assert states(3, 2, 4) == ["to_reimburse", "rejected", "rejected"]  # 4 completed: no money
    assert {r.reason for r in Rejection.select()} == {"overbooked"}
    again = subscriptions.apply("reject", [3], reason="overbooked")  # the site allows it
    assert len(outcome.done) == 3 and again.done and states(3) == ["to_reimburse"]
    with pytest.raises(InvalidInput):
        subscriptions.apply("reject", [5], reason="because")


def test_waiting_list_admit_and_counter_payment(small):
    subscriptions.apply("waiting_list", [5])
    assert states(5) == ["waiting_list"]
    assert subscriptions.apply("admit", [2]).skipped  # confirmed, not waiting
    subscriptions.apply("admit", [5])
    assert states(5) == ["new"]  # the site: admitted = new again, to be confirmed
    assert subscriptions.apply("paid_counter", [5]).skipped  # only confirmed ones
    subscriptions.apply("confirm", [5], allow_singles=True)
    subscriptions.apply("paid_counter", [5])
    sub = Subscribe.get_by_id(5)
    assert (sub.state, sub.paymentmethod) == ("payed", "counter")
    assert subscriptions.apply("paid_counter", [5]).skipped


def test_find_by_usi(small):
    usi = Subscribe.get_by_id(42).usi
    assert subscriptions.find_by_usi(f"usi-{usi.lower()}").id == 42
    with pytest.raises(InvalidInput):
        subscriptions.find_by_usi("ABC")
    with pytest.raises(NotFound):
        subscriptions.find_by_usi("YYYYYY")


def test_read_only_refuses_actions_and_edits(small, monkeypatch):
    monkeypatch.setenv("TQ_READ_ONLY", "1")
    ro = make_backends()
    try:
        assert ro.database.read_only
        with pytest.raises(ReadOnlyError):
            subscriptions.apply("confirm", [5])
        record = records.load(Subscribe, 5)
        with pytest.raises(ReadOnlyError):
            records.save(Subscribe, 5, record.values, {"comment": "x"})
    finally:
        ro.close()
        small.database  # noqa: B018
        from tqconsole.models import bind

        bind(small.database)
    assert states(5) == ["new"]


# --- export
def test_export_streams_csv_and_json(small):
    query = TableQuery.build(small.database, "courses_subscribe", "state=payed", "-id")
    out = io.StringIO()
    seen = []
    n = export(query, out, "csv", 50, lambda done, total: seen.append(done))
    rows = list(csv.reader(io.StringIO(out.getvalue())))
    assert n == 50 and len(rows) == 51 and rows[1][0] == "248"
    assert seen == [50]
    out = io.StringIO()
    export(query, out, "json")
    data = json.loads(out.getvalue())
    assert len(data) == 50 and data[0]["id"] == 248 and data[0]["state"] == "payed"


def test_course_participants_csv(small):
    out = io.StringIO()
    n = course_participants(1, out)
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert (
        n
        == len(rows)
        == Subscribe.select()
        .where(Subscribe.course == 1, Subscribe.state.in_(["confirmed", "payed", "completed"]))
        .count()
    )
    with pytest.raises(InvalidInput):
        course_participants(99, io.StringIO())


def test_decimal_check():
    from tqconsole.services.db.field_values import check_decimal

    field = pw.DecimalField(max_digits=5, decimal_places=2)
    assert check_decimal(field, Decimal("123.45")) is None
    assert "decimal places" in check_decimal(field, Decimal("1.234"))
    assert "before the point" in check_decimal(field, Decimal("1234"))
