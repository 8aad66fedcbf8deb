"""Benchmark: browsing a 1,000,000-row table on PostgreSQL vs Textual's DataTable.

    python benchmarks/browse.py [--rows 1000000] [--peer-rows 100000] [--repeat 3]

Creates a database of its own (tqbench_browse_<pid>) with the TQ schema and
``--rows`` subscriptions (10,000 users × 100 courses), then runs each side in a
fresh process so their memory is measured apart:

- ours: the console's table screen (windowed table, keyset pages) on the whole
  table: first page painted after the screen is pushed (and after it is
  mounted, i.e. without Textual's composing of the screen and its footer),
  jump to the end (G) and to the middle row (an OFFSET from the nearest end), an indexed
  filter (state=waiting_list) and a unique-key filter (usi=…), RSS after browsing.
- peer: Textual's DataTable loaded with ``--peer-rows`` rows of the same query
  (user names joined, what a naive browser would load), the same three steps
  (the filter rebuilds the table from the rows in memory), RSS.

Prints the median of each step and the ratio peer/ours.  Drops its database.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

USERS = 10_000
TARGET_MS = 150
STEPS = (
    "first page",
    "  from mount",
    "jump to end",
    "jump to middle",
    "filter indexed",
    "filter usi",
)


def rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


# --- the database
def create_database(rows: int) -> tuple[str, str]:
    from tests.services import PG_HOST, PG_PORT, PG_USER, pg_admin_connection

    name = f"tqbench_browse_{os.getpid()}"
    conn = pg_admin_connection()
    with conn.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{name}"')
        cur.execute(f'CREATE DATABASE "{name}"')
    conn.close()
    url = f"postgresql://{PG_USER}@{PG_HOST}:{PG_PORT}/{name}"
    fill(url, rows)
    return name, url


def drop_database(name: str) -> None:
    from tests.services import pg_admin_connection

    conn = pg_admin_connection()
    with conn.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    conn.close()


def fill(url: str, rows: int) -> None:
    """Schema by ``tqconsole init``, then users, courses and subscriptions in bulk SQL."""
    os.environ["TQ_DATABASE_URL"] = url
    from tqconsole.backends import Backends
    from tqconsole.services.schema import init
    from tqconsole.settings import load

    backends = Backends(load())
    init(backends)
    db = backends.database
    courses = max(1, -(-rows // USERS))
    statements = [
        f"""INSERT INTO auth_user (id, password, username, first_name, last_name, email,
                is_superuser, is_staff, is_active, date_joined)
            SELECT g, '!', 'user' || g,
                (ARRAY['Anna','Laura','Lea','Noah','Luca','Nina','Jonas','Mia','Tim','Sara'])[g % 10 + 1],
                (ARRAY['Meier','Keller','Weber','Huber','Schmid','Frei','Roth','Kuhn'])[g % 8 + 1],
                'user' || g || (CASE WHEN g % 3 = 0 THEN '@ethz.ch' ELSE '@gmail.com' END),
                false, false, true, TIMESTAMP '2026-01-01' + g * INTERVAL '1 minute'
            FROM generate_series(1, {USERS}) AS g""",
        "INSERT INTO courses_style (id, name) VALUES (1, 'Salsa'), (2, 'Tango')",
        "INSERT INTO courses_coursetype (id, name, couple_course, style_id) VALUES (1, 'Salsa 1', true, 1)",
        f"""INSERT INTO courses_course (id, name, type_id, subscription_type, display, active,
                evaluated, position, price_with_legi, price_without_legi)
            SELECT c, (CASE WHEN c % 2 = 0 THEN 'Salsa ' ELSE 'Tango ' END) || c, 1,
                'regular', true, true, false, c, 35, 70
            FROM generate_series(1, {courses}) AS c""",
        f"""INSERT INTO courses_subscribe (id, user_id, course_id, date, matching_state, state,
                usi, price_to_pay, comment)
            SELECT g, (g - 1) % {USERS} + 1, (g - 1) / {USERS} + 1,
                TIMESTAMP '2025-01-01' + (g % 100000) * INTERVAL '5 minutes',
                'unknown',
                (ARRAY['new','waiting_list','confirmed','confirmed','payed','completed',
                       'completed','completed','rejected','to_reimburse'])[
                    CASE WHEN g % 50 = 0 THEN 2 ELSE g % 10 + 1 END],
                (SELECT string_agg(substr('ABCDEFGHJKMNPQRTUVWXY346789',
                    ((g::bigint * 7919 / (27 ^ k)::bigint) % 27)::int + 1, 1), '' ORDER BY k)
                 FROM generate_series(0, 5) AS k),
                35 + (g % 3) * 35,
                CASE WHEN g % 7 = 0 THEN 'bitte mit Partner' END
            FROM generate_series(1, {rows}) AS g""",
        "SELECT setval(pg_get_serial_sequence('courses_subscribe', 'id'), (SELECT max(id) FROM courses_subscribe))",
        # settle the server before measuring: statistics, visibility map, dirty pages written
        "VACUUM ANALYZE",
        "CHECKPOINT",
    ]
    for sql in statements:
        db.execute_sql(sql.replace("%", "%%"))  # no parameters: % is the modulo
    backends.close()


# --- the two sides, each in its own process
class Paints:
    """The first time a table widget draws a data line while ``ready()`` holds.

    Wraps the widget class's ``render_line``: what is measured is the paint the
    user sees, not the moment the data arrived.
    """

    def __init__(self, widget_class):
        self.at: float | None = None
        self.ready = None
        original = widget_class.render_line

        def render_line(widget, y):
            strip = original(widget, y)
            if y > 0 and self.at is None and self.ready is not None and self.ready():
                self.at = time.perf_counter()
            return strip

        widget_class.render_line = render_line

    def expect(self, ready) -> None:
        self.at = None
        self.ready = ready

    async def wait(self, timeout: float = 30.0) -> float:
        deadline = time.perf_counter() + timeout
        while self.at is None:
            if time.perf_counter() > deadline:
                raise TimeoutError("benchmark step did not finish")
            await asyncio.sleep(0.0005)
        self.ready = None
        return self.at


def window_ready(table) -> bool:
    if not table.loaded:
        return False
    top = int(table.scroll_offset.y)
    last = min(table.total, top + table.window_height)
    return all(i in table.rows for i in range(top, last))


async def run_ours(url: str, repeat: int, usi: str) -> dict:
    os.environ["TQ_DATABASE_URL"] = url
    from tqconsole.app import TQConsole
    from tqconsole.screens.model_table import TableScreen
    from tqconsole.settings import load
    from tqconsole.widgets.windowed_table import WindowedTable

    class TimedTableScreen(TableScreen):
        def on_mount(self) -> None:
            self.mounted_at = time.perf_counter()
            super().on_mount()

    paints = Paints(WindowedTable)
    times: dict[str, list[float]] = {k: [] for k in STEPS}
    app = TQConsole(load(), location="dashboard")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        for _ in range(repeat):
            start = time.perf_counter()
            screen = TimedTableScreen("courses_subscribe")
            paints.expect(lambda s=screen: window_ready(s.query_one(WindowedTable)))
            app.push_screen(screen)
            painted = await paints.wait()
            times["first page"].append(painted - start)
            times["  from mount"].append(painted - screen.mounted_at)
            table = screen.query_one(WindowedTable)

            await pilot.pause()
            start = time.perf_counter()
            paints.expect(lambda t=table: t.cursor_row == t.total - 1 and window_ready(t))
            await pilot.press("G")
            times["jump to end"].append(await paints.wait() - start)

            await pilot.pause()
            start = time.perf_counter()
            middle = table.total // 2
            paints.expect(lambda t=table, m=middle: t.cursor_row == m and window_ready(t))
            table.move_cursor(middle)
            times["jump to middle"].append(await paints.wait() - start)

            for label, text in (
                ("filter indexed", "state=waiting_list"),
                ("filter usi", f"usi={usi}"),
            ):
                await pilot.pause()
                start = time.perf_counter()
                old = table.source
                paints.expect(lambda t=table, old=old: t.source is not old and window_ready(t))
                screen.apply_filter(text)
                times[label].append(await paints.wait() - start)
            total = table.total
            app.pop_screen()
            await pilot.pause()
        assert total == 1, f"usi filter found {total} rows"
    return {"times": times, "rss": rss_mib()}


async def run_peer(url: str, rows: int, repeat: int, usi: str) -> dict:
    import psycopg2
    from textual.app import App
    from textual.screen import Screen
    from textual.widgets import DataTable

    headers = ("id", "user", "course", "date", "state", "usi", "price_to_pay", "comment")
    sql = (
        "SELECT s.id, u.first_name || ' ' || u.last_name, c.name, s.date, s.state, s.usi, "
        "s.price_to_pay, s.comment FROM courses_subscribe s "
        "JOIN auth_user u ON u.id = s.user_id JOIN courses_course c ON c.id = s.course_id "
        "ORDER BY s.id LIMIT %s"
    )

    class PeerScreen(Screen):
        def compose(self):
            yield DataTable(id="peer")

        def on_mount(self) -> None:
            self.mounted_at = time.perf_counter()
            conn = psycopg2.connect(url)
            with conn.cursor() as cur:
                cur.execute(sql, (rows,))
                self.data = cur.fetchall()
            conn.close()
            table = self.query_one(DataTable)
            table.add_columns(*headers)
            table.add_rows(self.data)

        def refill(self, keep) -> None:
            table = self.query_one(DataTable)
            table.clear()
            table.add_rows([r for r in self.data if keep(r)])

    paints = Paints(DataTable)
    times: dict[str, list[float]] = {k: [] for k in STEPS}
    app = App()
    async with app.run_test(size=(120, 40)) as pilot:
        for _ in range(repeat):
            start = time.perf_counter()
            screen = PeerScreen()
            paints.expect(lambda s=screen: s.query_one(DataTable).row_count > 0)
            app.push_screen(screen)
            painted = await paints.wait()
            times["first page"].append(painted - start)
            times["  from mount"].append(painted - screen.mounted_at)
            table = screen.query_one(DataTable)
            table.focus()
            await pilot.pause()
            start = time.perf_counter()
            paints.expect(lambda t=table: t.cursor_row == t.row_count - 1)
            await pilot.press("ctrl+end")
            times["jump to end"].append(await paints.wait() - start)
            await pilot.pause()
            start = time.perf_counter()
            middle = table.row_count // 2
            paints.expect(lambda t=table, m=middle: t.cursor_row == m)
            table.move_cursor(row=middle)
            times["jump to middle"].append(await paints.wait() - start)
            for label, keep in (
                ("filter indexed", lambda r: r[4] == "waiting_list"),
                ("filter usi", lambda r: r[5] == usi),
            ):
                await pilot.pause()
                start = time.perf_counter()
                paints.expect(lambda: True)
                screen.refill(keep)
                times[label].append(await paints.wait() - start)
            rss = rss_mib()
            app.pop_screen()
            await pilot.pause()
    return {"times": times, "rss": rss}


def side(args) -> None:
    if args.side == "ours":
        result = asyncio.run(run_ours(args.url, args.repeat, args.usi))
    else:
        result = asyncio.run(run_peer(args.url, args.peer_rows, args.repeat, args.usi))
    print(json.dumps(result))


def run_side(name: str, url: str, args, usi: str) -> dict:
    command = [
        sys.executable,
        __file__,
        "--side",
        name,
        "--url",
        url,
        "--repeat",
        str(args.repeat),
        "--peer-rows",
        str(args.peer_rows),
        "--usi",
        usi,
    ]
    env = {
        **os.environ,
        "TQ_DATA_DIR": tempfile.mkdtemp(prefix="tqbench-"),
        "TEXTUAL_ANIMATIONS": "none",
    }
    out = subprocess.run(command, capture_output=True, text=True, env=env, cwd=ROOT)
    if out.returncode:
        sys.exit(f"{name} side failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--peer-rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--side", choices=("ours", "peer"), help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--usi", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.side:
        side(args)
        return
    started = time.perf_counter()
    name, url = create_database(args.rows)
    try:
        import psycopg2

        conn = psycopg2.connect(url)
        with conn.cursor() as cur:
            middle = min(args.rows, args.peer_rows) // 2  # a row both sides hold
            cur.execute("SELECT usi FROM courses_subscribe WHERE id = %s", (middle,))
            usi = cur.fetchone()[0]
        conn.close()
        print(f"filled {args.rows:,} subscriptions in {time.perf_counter() - started:.1f} s")
        ours = run_side("ours", url, args, usi)
        peer = run_side("peer", url, args, usi)
    finally:
        drop_database(name)
    print(
        f"\n{'step':<16}{'ours (' + format(args.rows, ',') + ')':>22}"
        f"{'DataTable (' + format(args.peer_rows, ',') + ')':>26}{'peer/ours':>12}"
    )
    for step, values in ours["times"].items():
        mine = statistics.median(values) * 1000
        theirs = statistics.median(peer["times"][step]) * 1000
        verdict = "ok" if mine <= TARGET_MS else f"over {TARGET_MS} ms"
        print(f"{step:<16}{mine:>17.1f} ms {verdict:>3}{theirs:>23.1f} ms{theirs / mine:>11.1f}×")
    print(
        f"{'RSS':<16}{ours['rss']:>17.1f} MiB{'ok' if ours['rss'] <= 150 else 'over':>3}"
        f"{peer['rss']:>22.1f} MiB{peer['rss'] / ours['rss']:>11.1f}×"
    )
    print(f"(medians of {args.repeat} runs; total {time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    main()
