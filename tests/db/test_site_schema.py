"""The console on the site's own database (../shared/tq_site) and on the demo.

Every modelled table reads through ``db show`` and the record view; the models
match the site's migrated schema; ``init`` creates only the console's tables;
drift (a copy of the fixture altered as a migration would) never crashes.
"""

from __future__ import annotations

import json

import pytest

from tqconsole.cli import main
from tqconsole.errors import InvalidInput
from tqconsole.models import ALL_MODELS, Course, CourseType, Period, Subscribe, is_console_table
from tqconsole.services.db import records
from tqconsole.services.db.schema import drift, forget_live, init
from tqconsole.services.db.table_query import TableQuery, single_pk

SITE_MODELS = [m for m in ALL_MODELS if not is_console_table(m._meta.table_name)]
MODELLED = {m._meta.table_name for m in SITE_MODELS}


def run(capsys, *argv) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def site(site_url):
    from tests.conftest import make_backends

    b = make_backends()
    b.database  # noqa: B018 - binds the models
    yield b
    b.close()


def columns(db) -> dict:
    rows = db.execute_sql(
        "SELECT table_name, column_name, data_type, is_nullable FROM information_schema.columns "
        "WHERE table_schema = 'public' ORDER BY 1, 2"
    ).fetchall()
    return {(t, c): (d, n) for t, c, d, n in rows}


def test_models_are_the_sites_schema(site):
    db = site.database
    for model in SITE_MODELS:
        report = drift(db, model)
        assert report.lines() == [], model.__name__
        live = {c.name: c for c in db.get_columns(model._meta.table_name)}
        for f in model._meta.sorted_fields:
            assert live[f.column_name].null == f.null or f.primary_key, (model.__name__, f.name)


def schema_dump(url: str) -> list[str]:
    """``pg_dump --schema-only`` as blocks (one per object), without the console's own."""
    import subprocess

    text = subprocess.run(
        ["pg_dump", "--schema-only", "--no-owner", url], check=True, capture_output=True, text=True
    ).stdout
    # pg_dump's \restrict and \unrestrict lines carry a random key
    text = "\n".join(
        line for line in text.splitlines() if not line.startswith(("\\restrict ", "\\unrestrict "))
    )
    return [b for b in text.split("\n--\n-- Name: ") if "tqconsole_" not in b]


def test_init_on_the_site_creates_only_the_consoles_tables(site, site_url):
    db = site.database
    before, dump = columns(db), schema_dump(site_url)
    report = init(site)
    assert report.created and all(is_console_table(t) for t in report.created)
    after = columns(db)
    assert {k: v for k, v in after.items() if not is_console_table(k[0])} == before
    assert schema_dump(site_url) == dump and len(dump) > 1000


def read_every_table(capsys, tables):
    for model in tables:
        table = model._meta.table_name
        code, out, err = run(capsys, "db", "show", table, "--limit", "3", "--json")
        assert code == 0, (table, err)
        rows = json.loads(out)
        assert err == "", (table, err)
        if rows:
            key = single_pk(model)
            record = records.load(model, rows[0][key.column_name])
            assert record.values and not record.notes, table


def test_every_modelled_table_reads_on_the_site(site, capsys):
    init(site)
    read_every_table(capsys, ALL_MODELS)
    assert Subscribe.select().count() == 387


def test_every_modelled_table_reads_on_the_demo(demo_sqlite, capsys):
    from tests.conftest import make_backends

    b = make_backends()
    b.database  # noqa: B018
    read_every_table(capsys, ALL_MODELS)
    b.close()


def test_titles_in_the_users_language_with_the_sites_fallback(site, monkeypatch):
    monkeypatch.setenv("TQCONSOLE_LANGUAGE", "en")
    english = dict(CourseType.select(CourseType.id, CourseType.translated["title"]).tuples())
    monkeypatch.setenv("TQCONSOLE_LANGUAGE", "fr")  # no French titles: German, as the site does
    german = dict(CourseType.select(CourseType.id, CourseType.translated["title"]).tuples())
    rows = site.database.execute_sql(
        "SELECT master_id, language_code, title FROM courses_coursetype_translation"
    ).fetchall()
    titles = {(m, code): t for m, code, t in rows}
    for tid in english:
        assert english[tid] == titles.get((tid, "en"), titles.get((tid, "de")))
        assert german[tid] == titles.get((tid, "de"), titles.get((tid, "en")))
    # FK labels, filters and the record follow the translated title
    some = next(t for t in german.values() if t)
    word = some.split()[0]
    query = TableQuery.build(site.database, "courses_course", f"type.title~{word}")
    page = query.rows(query.page(limit=50))
    assert page and all(
        word.lower() in row.cells[query.headers.index("type")].lower() for row in page
    )
    ctype = next(iter(german))
    assert records.load(CourseType, ctype).values["title"] == german[ctype]


def test_drift_never_crashes(site, capsys):
    db = site.database
    init(site)
    db.execute_sql("ALTER TABLE courses_period DROP COLUMN name")
    db.execute_sql("ALTER TABLE courses_period ADD COLUMN label varchar(20) NOT NULL DEFAULT 'x'")
    db.execute_sql("ALTER TABLE courses_course ADD COLUMN level_code integer NOT NULL DEFAULT 1")
    db.execute_sql("ALTER TABLE courses_course ALTER COLUMN level_code DROP DEFAULT")
    db.execute_sql("ALTER TABLE courses_subscribe ALTER COLUMN comment TYPE integer USING NULL")
    forget_live(db)
    code, out, err = run(capsys, "check")
    assert "schema: courses_period: missing column name (left out)" in out
    assert "schema: courses_period: extra column label" in out
    assert "schema: courses_subscribe: type of comment: model text, table integer" in out
    code, out, err = run(capsys, "db", "show", "courses_period", "--json")
    assert code == 0 and "missing column name" in err
    rows = json.loads(out)
    assert rows and "name" not in rows[0] and rows[0]["label"] == "x"
    record = records.load(Period, rows[0]["id"])
    assert "label" in record.values and "name" not in record.values and record.notes
    assert "label" not in {s.name for s in records.field_specs(Period)}  # read-only
    texts = {
        s.name: records.as_text(record.values.get(s.name)) for s in records.field_specs(Period)
    }
    records.save(Period, record.pk, record.values, texts)  # unchanged: saves nothing, no error
    with pytest.raises(InvalidInput, match="level_code"):
        records.create(Course, {"name": "x", "type": "1", "offering": "1"})
    code, out, err = run(capsys, "db", "show", "courses_course", "--limit", "2")
    assert code == 0


# --- the relations staff follow (issue 11): lessons, teachers' welcome, Payrexx, course payments
FOLLOWED = {
    # table: the reverse relations (table, column) its record lists
    "courses_course": [
        ("courses_regularlesson", "course"),
        ("courses_irregularlesson", "course"),
        ("courses_lessonoccurrence", "course"),
        ("courses_teach", "course"),
        ("payment_coursepayment", "course"),
    ],
    "courses_teach": [("courses_teacherwelcome", "teach")],
    "courses_subscribe": [("payment_payrexxgateway", "subscription")],
    "payment_payment": [
        ("payment_payrexxgateway", "payment"),
        ("payment_coursepayment", "payment"),
    ],
    "courses_regularlesson": [("courses_regularlessonexception", "regular_lesson")],
    "courses_lessonoccurrence": [("courses_lessonoccurrenceteach", "lesson_occurrence")],
}


def rows_of(db, relation) -> set:
    query = TableQuery.build(db, relation.table, relation.filter)
    key = query.headers.index("id")
    return {int(row.cells[key]) for row in query.rows(query.page(limit=500))}


def busiest(child: str, column: str) -> str:
    return (
        f"SELECT {column}_id FROM {child} WHERE {column}_id IS NOT NULL "
        "GROUP BY 1 ORDER BY COUNT(*) DESC, 1 LIMIT 1"
    )


def check_relations(db) -> int:
    """Each followed relation, from the row with the most related rows (else any row):
    counted as the database counts it, and opening it lists exactly those rows.
    Returns how many of them had rows."""
    from tqconsole.models import by_table

    followed = 0
    for table, expected in FOLLOWED.items():
        for child, column in expected:
            pk = (db.execute_sql(busiest(child, column)).fetchone() or (None,))[0]
            if pk is None:
                pk = db.execute_sql(f"SELECT MIN(id) FROM {table}").fetchone()[0]
            record = records.load(by_table(table), pk)
            relation = next(r for r in record.relations if (r.table, r.column) == (child, column))
            want = {
                i
                for (i,) in db.execute_sql(
                    f"SELECT id FROM {child} WHERE {column}_id = {int(pk)}"
                ).fetchall()
            }
            assert relation.count == len(want), (table, child)
            assert rows_of(db, relation) == want, (table, child)
            followed += bool(want)
    return followed


def check_many_to_many(db) -> None:
    """A course type lists its styles (and a style its course types) through the link table."""
    from tqconsole.models import Style

    (ctype,) = db.execute_sql(busiest("courses_coursetype_styles", "coursetype")).fetchone()
    record = records.load(CourseType, ctype)
    styles = next(r for r in record.relations if r.via == "courses_coursetype_styles")
    want = {
        s
        for (s,) in db.execute_sql(
            f"SELECT style_id FROM courses_coursetype_styles WHERE coursetype_id = {int(ctype)}"
        ).fetchall()
    }
    assert styles.table == "courses_style" and styles.count == len(want) >= 1
    assert rows_of(db, styles) == want
    style = next(iter(want))
    back = next(r for r in records.load(Style, style).relations if r.via)
    assert back.table == "courses_coursetype" and ctype in rows_of(db, back)


def test_relations_staff_follow_on_the_site(site):
    db = site.database
    # the fixture has lessons, occurrences, teachers, welcomes and Payrexx gateways
    assert check_relations(db) == 7
    check_many_to_many(db)


def test_relations_staff_follow_on_the_demo(demo_sqlite):
    from tests.conftest import make_backends

    b = make_backends()
    assert check_relations(b.database) == 11  # every one has rows in the demo
    check_many_to_many(b.database)
    b.close()


# --- the embedded default and the demo build the site's schema (issue 11, item 2)
PG_COLUMNS = """
SELECT table_name, column_name, data_type, character_maximum_length, numeric_precision,
       numeric_scale, is_nullable
FROM information_schema.columns WHERE table_schema = 'public' AND table_name = ANY(%s)
"""
PG_FOREIGN_KEYS = """
SELECT c.conrelid::regclass::text, a.attname, c.confrelid::regclass::text
FROM pg_constraint c JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
WHERE c.contype = 'f' AND c.conrelid::regclass::text = ANY(%s)
  AND c.confrelid::regclass::text = ANY(%s)
"""
PG_UNIQUE = """
SELECT i.indrelid::regclass::text,
       (SELECT array_agg(a.attname::text ORDER BY a.attname) FROM pg_attribute a
        WHERE a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey))
FROM pg_index i WHERE i.indisunique AND NOT i.indisprimary AND i.indrelid::regclass::text = ANY(%s)
"""


def pg_schema(url: str) -> dict:
    """Columns (type, length, precision, nullability), foreign keys and unique keys of the
    modelled site tables, as PostgreSQL describes them."""
    import psycopg2

    tables = [m._meta.table_name for m in SITE_MODELS]
    conn = psycopg2.connect(url)
    try:
        with conn.cursor() as cur:
            out = {}
            for name, sql in (
                ("columns", PG_COLUMNS),
                ("fks", PG_FOREIGN_KEYS),
                ("unique", PG_UNIQUE),
            ):
                cur.execute(sql, (tables, tables)[: sql.count("%s")])
                out[name] = sorted(
                    tuple(tuple(v) if isinstance(v, list) else v for v in row)
                    for row in cur.fetchall()
                )
            return out
    finally:
        conn.close()


def test_init_and_demo_on_a_fresh_postgresql_build_the_sites_schema(
    site_url, pg_url, monkeypatch, capsys
):
    site = pg_schema(site_url)
    monkeypatch.setenv("TQ_DATABASE_URL", pg_url)
    assert run(capsys, "init")[0] == 0
    code, out, err = run(capsys, "demo")
    assert code == 0, err
    fresh = pg_schema(pg_url)
    for part in ("columns", "fks", "unique"):
        assert set(fresh[part]) ^ set(site[part]) == set(), part  # shows what differs
    assert len(site["columns"]) > 250 and len(site["fks"]) > 40


def sqlite_shape(db, model) -> tuple:
    """A table as SQLite can hold it: columns by type family (a boolean is an integer
    there) and nullability, foreign keys to modelled tables, unique keys."""
    from tqconsole.services.db.schema import type_family

    def family(name: str) -> str:
        kind = type_family(name)
        return "int" if kind == "bool" else kind

    table, key = model._meta.table_name, (model._meta.primary_key.column_name,)
    columns = {(c.name, family(c.data_type), c.null) for c in db.get_columns(table)}
    fks = {(f.column, f.dest_table) for f in db.get_foreign_keys(table) if f.dest_table in MODELLED}
    unique = {tuple(sorted(i.columns)) for i in db.get_indexes(table) if i.unique} - {key}
    return columns, fks, unique


def test_the_embedded_default_builds_the_sites_schema_in_sqlite(site, demo_sqlite):
    """Every modelled site table of the demo (SQLite) has the site's shape."""
    from playhouse.db_url import connect

    demo = connect(demo_sqlite)
    try:
        for model in SITE_MODELS:
            assert sqlite_shape(demo, model) == sqlite_shape(site.database, model), model
    finally:
        demo.close()
