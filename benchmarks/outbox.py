"""Benchmark: the outbox's pages and counts on 100,000 post_office emails vs plain SQL.

    python benchmarks/outbox.py [--rows 100000] [--repeat 7]

Creates a PostgreSQL database of its own (dropped at the end) with the site's
schema (``schema.sql`` of the site's fixture, ../shared/tq_site or
TQ_TEST_SITE_FIXTURE; else ``tqconsole init``), fills ``post_office_email`` with
``--rows`` emails in the site's proportions of statuses and a log each, then
measures in one run:

- ours: the mail screen's source (``OutboxWindow``: keyset pages, newest first),
  a page of 40 rows at the start, the middle and the end, the same filtered by
  status ``failed`` (its middle); the dashboard's figures (sent/failed today,
  waiting); status counts fresh and as a refreshing screen reads them (cached).
- SQL window: one ``ORDER BY id DESC LIMIT 40 OFFSET n`` query of the same
  columns per page, and one ``GROUP BY status`` count.

Prints the median of each step in ms, the target (50 ms a page) and the SQL
window's time as a multiple of ours.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PAGE = 40
TARGET_MS = 50


def create_database() -> tuple[str, str]:
    """A database of its own with the site's schema (else ``init`` makes the tables)."""
    from tests.support.services import create_pg_database, load_site_sql

    name, url = create_pg_database()
    load_site_sql(url, "schema.sql")
    return name, url


def fill(db, rows: int) -> None:
    """post_office emails in the site's proportions: ~98% sent, 1% failed, the rest waiting."""
    db.execute_sql(
        f"""INSERT INTO post_office_email (from_email, "to", cc, bcc, subject, message,
                html_message, status, priority, created, last_updated, scheduled_time,
                headers, backend_alias, number_of_retries)
            SELECT 'informatik@tanzquotient.org', 'user' || g || '@example.ch', '', '',
                'Tanzquotient: Teilnahmebestätigung – Kurs ' || mod(g, 97), 'Hallo', '',
                CASE WHEN mod(g, 100) = 0 THEN 1 WHEN mod(g, 211) = 0 THEN 3
                     WHEN mod(g, 307) = 0 THEN 2 ELSE 0 END,
                1, now() - (({rows} - g) || ' minutes')::interval,
                now() - (({rows} - g) || ' minutes')::interval, NULL,
                '{{"Reply-To": "anmeldungen@tanzquotient.org"}}', '',
                CASE WHEN mod(g, 100) = 0 THEN 5 END
            FROM generate_series(1, {rows}) AS g"""
    )
    db.execute_sql(
        """INSERT INTO post_office_log (date, status, exception_type, message, email_id)
           SELECT last_updated, LEAST(status, 1), '', '', id FROM post_office_email"""
    )
    db.execute_sql("ANALYZE")


def median_ms(func, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        func()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()

    name, url = create_database()
    try:
        os.environ["TQ_DATABASE_URL"] = url
        from tqconsole.backends import Backends
        from tqconsole.services.db.schema import init
        from tqconsole.services.mail.outbox import OutboxWindow, outbox_figures, status_counts
        from tqconsole.services.mail.outbox_views import COUNTS_TTL
        from tqconsole.settings import load

        backends = Backends(load())
        init(backends)
        db = backends.database
        started = time.perf_counter()
        fill(db, args.rows)
        print(f"{args.rows:,} post_office emails filled in {time.perf_counter() - started:.1f} s")
        failed_total = status_counts()["failed"]

        def ours(status, position):
            def step():
                window = OutboxWindow(db, status)  # a fresh source: no remembered keys
                total, _ = window.estimate()
                start = {"start": 0, "middle": total // 2, "end": max(0, total - PAGE)}[position]
                assert len(window.fetch(start, PAGE).rows) == PAGE

            return step

        columns = (
            'id, status, priority, "to", subject, last_updated, scheduled_time, number_of_retries'
        )

        def sql(where, offset):
            def step():
                cursor = db.execute_sql(
                    f"SELECT {columns} FROM post_office_email {where} "
                    f"ORDER BY id DESC LIMIT {PAGE} OFFSET {offset}"
                )
                assert len(cursor.fetchall()) == PAGE

            return step

        rows = args.rows
        steps = [
            ("page at the start", ours(None, "start"), sql("", 0)),
            ("page in the middle", ours(None, "middle"), sql("", rows // 2)),
            ("page at the end", ours(None, "end"), sql("", rows - PAGE)),
            (
                "failed: middle page",
                ours("failed", "middle"),
                sql("WHERE status = 1", failed_total // 2),
            ),
            (
                "counts by status",
                lambda: status_counts(),
                lambda: db.execute_sql(
                    "SELECT status, COUNT(*) FROM post_office_email GROUP BY status"
                ).fetchall(),
            ),
            ("  as a screen refreshes", lambda: status_counts(max_age=COUNTS_TTL), None),
            ("dashboard figures", outbox_figures, None),
        ]
        print(f"{'step':28} {'ours ms':>9} {'SQL ms':>9} {'SQL/ours':>9}")
        for label, mine, theirs in steps:
            ours_ms = median_ms(mine, args.repeat)
            line = f"{label:28} {ours_ms:9.2f}"
            if theirs is not None:
                sql_ms = median_ms(theirs, args.repeat)
                line += f" {sql_ms:9.2f} {sql_ms / ours_ms:8.2f}×"
            if label.startswith(("page", "failed")):
                line += "  ok" if ours_ms <= TARGET_MS else f"  OVER {TARGET_MS} ms"
            print(line)
        print(f"(medians of {args.repeat} runs; pages of {PAGE} rows; target {TARGET_MS} ms)")
        backends.close()
    finally:
        from tests.support.services import drop_pg_database

        drop_pg_database(name)


if __name__ == "__main__":
    main()
