"""Benchmark: browsing 1,000,000 subscriptions on the site's schema vs a SQL window and Django.

    python benchmarks/browse.py [--rows 1000000] [--repeat 5] [--keep | --database URL]

Creates a database of its own (tqbench_browse_<pid>) with the site's schema
(``schema.sql`` of the site's fixture, ../shared/tq_site or TQ_TEST_SITE_FIXTURE;
else ``tqconsole init``), course types with titles in parler translation tables
and ``--rows`` subscriptions (10,000 users × 100 courses; every 11th without a
stored price, a reduction on every 13th, a bank payment on every 5th), checks
that the SQL window's open amounts are the console's, then runs each side in a
fresh process so their memory is measured apart:

- ours: the console's table screen (windowed table, keyset pages) on
  courses_subscribe with its open_amount column (services/payments/amounts.py, for the
  rows of the window only): first page painted after the screen is pushed (and after it
  is mounted), jump to the end (G) and to the middle row, an indexed filter
  (state=waiting_list) and a unique-key filter (usi=…), RSS after browsing.
- SQL window: one keyset query of the same columns (FK labels joined, the course
  type's translated title from a lateral subquery, the open amount by the site's
  rule in SQL), a page of 40 rows per step
  (its middle is ``id > middle``: it knows the key, where ours counts rows).
- Django ORM (when django is importable): unmanaged models on the same database,
  ``select_related`` + a Subquery for the title, the open amount as Subquery sums
  in a Case, a paginator's count and a slice.

Prints the median of each step, each peer's time as a multiple of ours, and RSS.
Drops its database, unless ``--keep`` (it prints its URL); ``--database URL``
measures on such a kept database instead of filling a new one (filling 1,000,000
rows takes minutes).
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
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
TARGET_MS = 50
TARGET_MIB = 120
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
    from tests.support.services import PG_HOST, PG_PORT, PG_USER, pg_admin_connection

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
    from tests.support.services import pg_admin_connection

    conn = pg_admin_connection()
    with conn.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    conn.close()


def fill(url: str, rows: int) -> None:
    """The site's schema (its ``schema.sql``, else ``tqconsole init``), then bulk SQL rows."""
    from tests.support.services import load_site_sql

    load_site_sql(url, "schema.sql")
    os.environ["TQ_DATABASE_URL"] = url
    from tqconsole.backends import Backends
    from tqconsole.services.db.schema import init
    from tqconsole.settings import load

    backends = Backends(load())
    init(backends)  # on the site's schema: only the console's own tables
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
        "INSERT INTO courses_period (id, date_from, date_to, name) "
        "VALUES (1, '2026-02-16', '2026-05-29', 'FS 2026')",
        """INSERT INTO courses_offering (id, name, display, active, period_id, type, preview,
                group_into_sections, "order", early_signup, early_signup_max_days)
            VALUES (1, 'fs26', true, true, 1, 'reg', false, true, 10, false, 180)""",
        """INSERT INTO courses_offering_translation (id, language_code, title, master_id)
            VALUES (1, 'de', 'Frühlingssemester 2026', 1), (2, 'en', 'Spring 2026', 1)""",
        f"""INSERT INTO courses_coursetype (id, level, couple_course)
            SELECT t, t % 4 + 1, true FROM generate_series(1, {courses}) AS t""",
        f"""INSERT INTO courses_coursetype_translation (id, language_code, master_id, title)
            SELECT 2 * t - 1 + (l - 1), (ARRAY['de','en'])[l], t,
                (ARRAY['Salsa','Tango','Swing','Walzer'])[t % 4 + 1] || ' '
                || (ARRAY['Stufe ','Level '])[l] || t
            FROM generate_series(1, {courses}) AS t, generate_series(1, 2) AS l""",
        f"""INSERT INTO courses_course (id, name, price_with_legi, price_without_legi,
                offering_id, period_id, type_id, active, display, subscription_type,
                cancelled, experience_mandatory, completed, early_signup,
                partner_required_at_signup, opens_soon, payrexx_enabled)
            SELECT c, (CASE WHEN c % 2 = 0 THEN 'Salsa ' ELSE 'Tango ' END) || c, 35, 70,
                1, 1, c, true, true, 'regular', false, false, false, true, false, false, false
            FROM generate_series(1, {courses}) AS c""",
        f"""INSERT INTO courses_subscribe (id, user_id, course_id, date, matching_state, state,
                usi, price_to_pay, comment, lead_follow, personal_data_sharing)
            SELECT g, (g - 1) % {USERS} + 1, (g - 1) / {USERS} + 1,
                TIMESTAMP '2025-01-01' + (g % 100000) * INTERVAL '5 minutes',
                'unknown',
                (ARRAY['new','waiting_list','confirmed','confirmed','payed','completed',
                       'completed','completed','rejected','to_reimburse'])[
                    CASE WHEN g % 50 = 0 THEN 2 ELSE g % 10 + 1 END],
                (SELECT string_agg(substr('ABCDEFGHJKMNPQRTUVWXY346789',
                    ((g::bigint * 7919 / (27 ^ k)::bigint) % 27)::int + 1, 1), '' ORDER BY k)
                 FROM generate_series(0, 5) AS k),
                CASE WHEN g % 11 <> 0 THEN 35 + (g % 3) * 35 END,
                CASE WHEN g % 7 = 0 THEN 'bitte mit Partner' END,
                (ARRAY['l','f','n'])[g % 3 + 1], false
            FROM generate_series(1, {rows}) AS g""",
        # what the open amount reads: profiles (the student price where none is stored),
        # a reduction on every 13th subscription, a bank payment on every 5th
        f"""INSERT INTO courses_userprofile (user_id, legi, student_status, newsletter,
                get_involved, language, personal_data_sharing)
            SELECT g, CASE WHEN g % 3 = 0 THEN '20-' || g END,
                (ARRAY['eth','uni','no'])[g % 3 + 1], true, false, 'de', false
            FROM generate_series(1, {USERS}) AS g""",
        f"""INSERT INTO courses_pricereduction (id, amount, comment, created_at, subscription_id)
            SELECT g / 13, 10, 'Gutschein', TIMESTAMP '2026-01-01', g
            FROM generate_series(13, {rows}, 13) AS g""",
        f"""INSERT INTO payment_payment (id, name, date, amount, currency_code,
                remittance_user_string, state, filename, transaction_id, amount_to_reimburse,
                type, credit_debit)
            SELECT g / 5, 'Zahler ' || g, TIMESTAMP '2026-02-01', 35, 'CHF', 'USI', 'processed',
                'zkb.csv', 'ZKB' || g, 0, 'subscription_payment', 'credit'
            FROM generate_series(5, {rows}, 5) AS g""",
        f"""INSERT INTO payment_subscriptionpayment (id, amount, payment_id, subscription_id)
            SELECT g / 5, 35, g / 5, g FROM generate_series(5, {rows}, 5) AS g""",
        *(
            f"SELECT setval(pg_get_serial_sequence('{t}', 'id'), (SELECT max(id) FROM {t}))"
            for t in (
                "auth_user",
                "courses_coursetype",
                "courses_coursetype_translation",
                "courses_course",
                "courses_subscribe",
                "courses_pricereduction",
                "payment_payment",
                "payment_subscriptionpayment",
            )
        ),
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


PAGE = 40  # a screenful at 120×40
PEER_SQL = """
    SELECT s.id, s.date, s.experience, substr(s.comment, 1, 200), s.course_id, c.name,
        t.title, s.partner_id, p.first_name || ' ' || p.last_name, s.user_id,
        u.first_name || ' ' || u.last_name, s.matching_state, s.state, s.usi,
        s.paymentmethod, s.price_to_pay, s.lead_follow, s.personal_data_sharing,
        CASE WHEN s.state IN ('payed', 'to_reimburse', 'completed') THEN 0
        ELSE GREATEST(0, COALESCE(s.price_to_pay, CASE
                WHEN (u.is_staff AND pr.student_validity >= CURRENT_DATE) OR (NOT u.is_staff
                    AND pr.student_status IN ('eth', 'uni', 'ph', 'other') AND pr.legi <> '')
                THEN c.price_with_legi ELSE c.price_without_legi END, 0)
            - COALESCE((SELECT SUM(r.amount) FROM courses_pricereduction r
                        WHERE r.subscription_id = s.id), 0)
            - COALESCE((SELECT SUM(sp.amount) FROM payment_subscriptionpayment sp
                        WHERE sp.subscription_id = s.id), 0)) END AS open_amount
    FROM courses_subscribe s
    JOIN auth_user u ON u.id = s.user_id
    LEFT JOIN courses_userprofile pr ON pr.user_id = s.user_id
    LEFT JOIN auth_user p ON p.id = s.partner_id
    JOIN courses_course c ON c.id = s.course_id
    LEFT JOIN LATERAL (
        SELECT tr.title FROM courses_coursetype_translation tr
        WHERE tr.master_id = c.type_id AND tr.language_code IN ('de', 'en')
        ORDER BY tr.language_code = 'de' DESC LIMIT 1
    ) t ON true
"""


def check_open_amounts(url: str) -> int:
    """The SQL window's open amounts are the console's (services/payments/amounts.py) on the
    first and the last 200 rows; returns how many rows owe something."""
    import psycopg2

    from tqconsole.backends import Backends
    from tqconsole.services.payments.amounts import open_amounts_of
    from tqconsole.settings import load

    os.environ["TQ_DATABASE_URL"] = url
    backends = Backends(load())
    backends.database  # noqa: B018 - binds the models
    conn = psycopg2.connect(url)
    owing = 0
    try:
        for order in ("", "DESC"):
            with conn.cursor() as cur:
                cur.execute(f"{PEER_SQL} ORDER BY s.id {order} LIMIT 200")
                theirs = {row[0]: row[-1] for row in cur.fetchall()}
            ours = open_amounts_of(list(theirs))
            assert ours == theirs, {k: (ours[k], v) for k, v in theirs.items() if ours[k] != v}
            owing += sum(1 for v in ours.values() if v)
    finally:
        conn.close()
        backends.close()
    return owing


def peer_sql_steps(url: str, usi: str, middle: int):
    """A plain SQL keyset window of the same columns: (step, run) pairs."""
    import psycopg2

    conn = psycopg2.connect(url)
    conn.autocommit = True

    def query(where: str, order: str, params=()):
        def run():
            with conn.cursor() as cur:
                cur.execute(f"{PEER_SQL} {where} ORDER BY s.id {order} LIMIT {PAGE}", params)
                return cur.fetchall()

        return run

    return conn, [
        ("first page", query("", "")),
        ("jump to end", query("", "DESC")),
        ("jump to middle", query("WHERE s.id > %s", "", (middle,))),
        ("filter indexed", query("WHERE s.state = 'waiting_list'", "")),
        ("filter usi", query("WHERE s.usi = %s", "", (usi,))),
    ]


def peer_django_steps(url: str, usi: str, middle: int):
    """The same page through Django's ORM: a paginator's count, select_related, a slice."""
    from urllib.parse import urlparse

    import django
    from django.conf import settings

    parts = urlparse(url)
    settings.configure(
        DATABASES={
            "default": {
                "ENGINE": "django.db.backends.postgresql",
                "NAME": parts.path.lstrip("/"),
                "USER": parts.username,
                "HOST": parts.hostname,
                "PORT": parts.port,
            }
        },
        INSTALLED_APPS=[],
        USE_TZ=True,
    )
    django.setup()
    from django.db import connection, models
    from django.db.models.functions import Coalesce, Greatest, Now

    class Meta:
        app_label = "bench"
        managed = False

    def model(name, table, /, **fields):
        meta = type("Meta", (Meta,), {"db_table": table})
        return type(name, (models.Model,), {"__module__": __name__, "Meta": meta, **fields})

    user = model(
        "User",
        "auth_user",
        first_name=models.CharField(),
        last_name=models.CharField(),
        is_staff=models.BooleanField(),
    )
    profile = model(
        "UserProfile",
        "courses_userprofile",
        user=models.OneToOneField(user, models.CASCADE, primary_key=True, related_name="profile"),
        legi=models.CharField(null=True),
        student_status=models.CharField(),
        student_validity=models.DateField(null=True),
    )
    coursetype = model("CourseType", "courses_coursetype", level=models.IntegerField())
    translation = model(
        "CourseTypeTranslation",
        "courses_coursetype_translation",
        language_code=models.CharField(),
        title=models.CharField(),
        master=models.ForeignKey(coursetype, models.CASCADE, null=True),
    )
    course = model(
        "Course",
        "courses_course",
        name=models.CharField(),
        type=models.ForeignKey(coursetype, models.PROTECT),
        price_with_legi=models.DecimalField(max_digits=6, decimal_places=2, null=True),
        price_without_legi=models.DecimalField(max_digits=6, decimal_places=2, null=True),
    )
    subscribe = model(
        "Subscribe",
        "courses_subscribe",
        date=models.DateTimeField(),
        experience=models.TextField(null=True),
        comment=models.TextField(null=True),
        course=models.ForeignKey(course, models.PROTECT),
        partner=models.ForeignKey(user, models.PROTECT, null=True, related_name="+"),
        user=models.ForeignKey(user, models.PROTECT, related_name="+"),
        matching_state=models.CharField(),
        state=models.CharField(),
        usi=models.CharField(),
        paymentmethod=models.CharField(null=True),
        price_to_pay=models.DecimalField(max_digits=6, decimal_places=2, null=True),
        lead_follow=models.CharField(),
        personal_data_sharing=models.BooleanField(),
    )
    amounts = {
        name: model(
            name,
            table,
            amount=models.DecimalField(max_digits=6, decimal_places=2),
            subscription=models.ForeignKey(subscribe, models.CASCADE, related_name="+"),
        )
        for name, table in (
            ("PriceReduction", "courses_pricereduction"),
            ("SubscriptionPayment", "payment_subscriptionpayment"),
        )
    }
    title = (
        translation.objects.filter(
            master=models.OuterRef("course__type"), language_code__in=("de", "en")
        )
        .order_by(models.Case(models.When(language_code="de", then=0), default=1))
        .values("title")[:1]
    )
    money = models.DecimalField(max_digits=9, decimal_places=2)

    def summed(amount_model):
        return Coalesce(
            models.Subquery(
                amount_model.objects.filter(subscription=models.OuterRef("pk"))
                .values("subscription")
                .annotate(total=models.Sum("amount"))
                .values("total")[:1],
                output_field=money,
            ),
            models.Value(0, output_field=money),
        )

    def profile_where(**conditions):
        return models.Exists(profile.objects.filter(user=models.OuterRef("user"), **conditions))

    student = models.Q(user__is_staff=True) & profile_where(student_validity__gte=Now()) | (
        models.Q(user__is_staff=False)
        & profile_where(student_status__in=("eth", "uni", "ph", "other"), legi__gt="")
    )
    price = Coalesce(
        "price_to_pay",
        models.Case(
            models.When(student, then="course__price_with_legi"),
            default="course__price_without_legi",
        ),
        models.Value(0, output_field=money),
        output_field=money,
    )
    left = price - summed(amounts["PriceReduction"]) - summed(amounts["SubscriptionPayment"])
    open_amount = models.Case(
        models.When(state__in=("payed", "to_reimburse", "completed"), then=models.Value(0)),
        default=Greatest(left, models.Value(0, output_field=money)),
        output_field=money,
    )
    base = subscribe.objects.select_related("course", "user", "partner").annotate(
        course_title=models.Subquery(title), open_amount=open_amount
    )

    def window(query, at_end: bool = False):
        def run():
            total = query.count()  # what Django's Paginator asks first
            start = max(0, total - PAGE) if at_end else 0
            return list(query.order_by("id")[start : start + PAGE])

        return run

    return connection, [
        ("first page", window(base)),
        ("jump to end", window(base, at_end=True)),
        ("jump to middle", window(base.filter(id__gt=middle))),
        ("filter indexed", window(base.filter(state="waiting_list"))),
        ("filter usi", window(base.filter(usi=usi))),
    ]


def run_peer(url: str, kind: str, repeat: int, usi: str, middle: int) -> dict:
    make = peer_sql_steps if kind == "sql" else peer_django_steps
    conn, steps = make(url, usi, middle)
    times: dict[str, list[float]] = {k: [] for k, _ in steps}
    for _ in range(repeat):
        for name, run in steps:
            start = time.perf_counter()
            rows = run()
            times[name].append(time.perf_counter() - start)
            assert rows, f"{kind} {name}: no rows"
    conn.close()
    return {"times": times, "rss": rss_mib()}


def side(args) -> None:
    if args.side == "ours":
        result = asyncio.run(run_ours(args.url, args.repeat, args.usi))
    else:
        result = run_peer(args.url, args.side, args.repeat, args.usi, args.middle)
    print(json.dumps(result))


def run_side(name: str, url: str, args, usi: str, middle: int) -> dict:
    command = [sys.executable, __file__, "--side", name, "--url", url]
    command += ["--repeat", str(args.repeat), "--usi", usi, "--middle", str(middle)]
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
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--keep", action="store_true", help="keep the database it fills")
    parser.add_argument("--database", help="measure on a database kept by an earlier --keep")
    parser.add_argument("--side", choices=("ours", "sql", "django"), help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--usi", help=argparse.SUPPRESS)
    parser.add_argument("--middle", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.side:
        side(args)
        return
    started = time.perf_counter()
    if args.database:
        name, url = None, args.database
    else:
        name, url = create_database(args.rows)
    try:
        import psycopg2

        conn = psycopg2.connect(url)
        with conn.cursor() as cur:
            cur.execute("SELECT count(*) FROM courses_subscribe")
            rows = cur.fetchone()[0]
            middle = rows // 2
            cur.execute("SELECT usi FROM courses_subscribe WHERE id = %s", (middle,))
            usi = cur.fetchone()[0]
        conn.close()
        verb = "found" if name is None else "filled"
        print(f"{verb} {rows:,} subscriptions in {time.perf_counter() - started:.1f} s")
        owing = check_open_amounts(url)
        print(f"open amounts: SQL window = services/payments/amounts.py on 400 rows ({owing} owe)")
        sides = {"ours": run_side("ours", url, args, usi, middle)}
        sides["SQL window"] = run_side("sql", url, args, usi, middle)
        if importlib.util.find_spec("django"):
            sides["Django ORM"] = run_side("django", url, args, usi, middle)
    finally:
        if name is not None and args.keep:
            print(f"kept the database: --database {url}")
        elif name is not None:
            drop_database(name)
    ours = sides.pop("ours")
    print(f"\n{'step':<16}{'ours':>16}" + "".join(f"{k:>16}{'×ours':>8}" for k in sides))
    for step, values in ours["times"].items():
        mine = statistics.median(values) * 1000
        verdict = "ok" if mine <= TARGET_MS else "over"
        line = f"{step:<16}{mine:>10.1f} ms {verdict:<4}"
        for peer in sides.values():
            if step in peer["times"]:
                theirs = statistics.median(peer["times"][step]) * 1000
                line += f"{theirs:>13.1f} ms{theirs / mine:>7.2f}×"
        print(line)
    rss = ours["rss"]
    line = f"{'RSS':<16}{rss:>9.1f} MiB {'ok' if rss <= TARGET_MIB else 'over':<4}"
    print(line + "".join(f"{p['rss']:>12.1f} MiB{'':>8}" for p in sides.values()))
    print(f"(medians of {args.repeat} runs; total {time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    main()
