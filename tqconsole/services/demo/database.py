"""``tqconsole demo``: deterministic, realistic data for trying the console.

A fixed seed and dates anchored on the current semester make every run with the
same ``today`` produce the same rows.  Rows are inserted in bulk with explicit
ids (offset past any existing ones), so scale 100 (~1.5 M rows) loads in about a
minute on PostgreSQL.  A second run finds the audit marker and adds nothing.
"""

from __future__ import annotations

import importlib
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from tqconsole.errors import ConsoleError
from tqconsole.models import (
    ALL_MODELS,
    AuditEntry,
    Confirmation,
    Course,
    CoursePayment,
    CourseType,
    CourseTypeStyle,
    CourseTypeTranslation,
    Event,
    EventCategory,
    EventCategoryTranslation,
    EventRegistration,
    EventTranslation,
    FinanceFile,
    Group,
    IrregularLesson,
    LessonDetails,
    LessonOccurrence,
    LessonOccurrenceTeach,
    Offering,
    OfferingTranslation,
    Payment,
    PaymentReminder,
    PayrexxGateway,
    Period,
    PriceReduction,
    RegularLesson,
    RegularLessonException,
    Rejection,
    Room,
    Style,
    Subscribe,
    SubscriptionPayment,
    Teach,
    TeacherWelcome,
    User,
    UserGroup,
    UserProfile,
    Voucher,
    VoucherPurpose,
    database,
)
from tqconsole.models.choices import (
    CreditDebit,
    FinanceFileType,
    LeadFollow,
    MatchingState,
    OfferingType,
    PaymentMethod,
    PaymentState,
    PaymentType,
    PayrexxMethod,
    PayrexxStatus,
    RejectionReason,
    StudentStatus,
    SubscribeState,
    Weekday,
)
from tqconsole.models.courses import USI_ALPHABET
from tqconsole.services.db.audit import audited

SEED = 20_040_101
# Later features add their own demo content (cache entries, bucket files, …):
# "module:function" called with (backends, scale, rng) and returning report lines.
DEMO_HOOKS: list[str] = [
    "tqconsole.services.demo.buckets:fill",
    "tqconsole.services.demo.cache:fill",
    "tqconsole.services.demo.mail:fill",
    "tqconsole.tasks.demo:fill",
]

FIRST_NAMES = [
    "Anna",
    "Laura",
    "Lea",
    "Sara",
    "Julia",
    "Lena",
    "Nina",
    "Mia",
    "Elena",
    "Sophie",
    "Noemi",
    "Alina",
    "Chiara",
    "Jana",
    "Selina",
    "Lara",
    "Luca",
    "Noah",
    "Leon",
    "David",
    "Jonas",
    "Simon",
    "Nico",
    "Fabian",
    "Lukas",
    "Jan",
    "Tim",
    "Marco",
    "Andrin",
    "Samuel",
    "Reto",
    "Urs",
    "Beat",
    "Corinne",
    "Seraina",
    "Ladina",
    "Gian",
    "Flurin",
    "Mirjam",
    "Dario",
    "Ivana",
    "Matteo",
    "Aurélie",
    "Loïc",
    "Zoé",
    "Björn",
]
LAST_NAMES = [
    "Müller",
    "Meier",
    "Schmid",
    "Keller",
    "Weber",
    "Huber",
    "Schneider",
    "Meyer",
    "Steiner",
    "Fischer",
    "Gerber",
    "Brunner",
    "Baumann",
    "Frei",
    "Zimmermann",
    "Moser",
    "Widmer",
    "Wyss",
    "Graf",
    "Roth",
    "Suter",
    "Bühler",
    "Kälin",
    "Kuhn",
    "Bachmann",
    "Sutter",
    "Marti",
    "Lüthi",
    "Hofer",
    "Egli",
    "Bianchi",
    "Rossi",
    "Favre",
    "Rochat",
    "Caflisch",
    "Casutt",
    "Berger",
    "Wälti",
]
DOMAINS = (
    "student.ethz.ch",
    "ethz.ch",
    "uzh.ch",
    "gmail.com",
    "bluewin.ch",
    "gmx.ch",
    "sunrise.ch",
    "protonmail.ch",
)
STYLES = (
    "Salsa",
    "Bachata",
    "Lindy Hop",
    "Swing",
    "Tango Argentino",
    "Wiener Walzer",
    "Discofox",
    "Jive",
    "Cha Cha Cha",
    "Rumba",
    "West Coast Swing",
    "Boogie Woogie",
    "Kizomba",
    "Foxtrot",
)
ROOMS = (
    "ASVZ Polyterrasse Halle 1",
    "ASVZ Polyterrasse Halle 2",
    "ASVZ Irchel Halle A",
    "ASVZ Hönggerberg Halle B",
    "StuZ Lounge",
    "Uni Zentrum KOL-E-18",
    "ETH HG F 30",
    "Bqm",
)
EVENT_NAMES = (
    "Semesterparty",
    "Salsa Night",
    "Swing Social",
    "Tango Milonga",
    "Weihnachtsball",
    "Frühlingsball",
    "Workshop-Weekend",
    "Open Dance Floor",
)
STREETS = ("Universitätstrasse", "Rämistrasse", "Weinbergstrasse", "Hardturmstrasse", "Seefeldstr")

# Weights of subscription states by how the course's period relates to today.
STATE_WEIGHTS = {
    "past": {
        SubscribeState.COMPLETED: 55,
        SubscribeState.PAYED: 15,
        SubscribeState.REJECTED: 12,
        SubscribeState.CONFIRMED: 6,
        SubscribeState.TO_REIMBURSE: 2,
        SubscribeState.NEW: 1,
        SubscribeState.WAITING_LIST: 1,
    },
    "current": {
        SubscribeState.PAYED: 38,
        SubscribeState.CONFIRMED: 25,
        SubscribeState.NEW: 8,
        SubscribeState.WAITING_LIST: 8,
        SubscribeState.REJECTED: 9,
        SubscribeState.COMPLETED: 6,
        SubscribeState.TO_REIMBURSE: 6,
    },
    "next": {
        SubscribeState.NEW: 45,
        SubscribeState.WAITING_LIST: 15,
        SubscribeState.CONFIRMED: 25,
        SubscribeState.PAYED: 10,
        SubscribeState.REJECTED: 5,
    },
}
PAID_METHODS = (
    (PaymentMethod.ONLINE, 40),
    (PaymentMethod.COURSE, 25),
    (PaymentMethod.COUNTER, 15),
    (PaymentMethod.TWINT, 10),
    (PaymentMethod.CARD, 5),
    (PaymentMethod.VOUCHER, 3),
    (PaymentMethod.MANUAL, 2),
)
LEAD_FOLLOW = (LeadFollow.LEAD, LeadFollow.FOLLOW, LeadFollow.NO_PREFERENCE)


@dataclass
class DemoReport:
    counts: dict[str, int] = field(default_factory=dict)
    extra: list[str] = field(default_factory=list)
    skipped: str = ""

    def lines(self) -> list[str]:
        if self.skipped:
            return [self.skipped]
        total = sum(self.counts.values())
        out = [f"inserted {total:,} rows"]
        out += [f"  {table}: {n:,}" for table, n in self.counts.items()]
        return out + self.extra


def semester(d: date) -> tuple[str, date, date]:
    """The semester containing (or following) ``d``: HS mid-Sep..Dec, FS mid-Feb..May."""
    if d.month >= 8:
        return f"HS {d.year}", date(d.year, 9, 15), date(d.year, 12, 22)
    if d.month >= 2:
        return f"FS {d.year}", date(d.year, 2, 16), date(d.year, 5, 31)
    return f"HS {d.year - 1}", date(d.year - 1, 9, 15), date(d.year - 1, 12, 22)


def semesters_around(today: date, past: int, future: int) -> list[tuple[str, date, date, str]]:
    """Semesters from ``past`` before the current one to ``future`` after it, with their tense."""
    current = semester(today)
    result = [(*current, "current")]
    d = current[1]
    for _ in range(past):
        d = semester(d - timedelta(days=60))[1]
        result.insert(0, (*semester(d), "past"))
    d = current[2]
    for _ in range(future):
        nxt = semester(d + timedelta(days=50))
        result.append((*nxt, "next"))
        d = nxt[2]
    return result


def weighted(rng: random.Random, weights: dict | Sequence) -> str:
    items = list(weights.items()) if isinstance(weights, dict) else list(weights)
    return rng.choices([k for k, _ in items], weights=[w for _, w in items])[0]


def bulk_insert(model, rows: list[dict], counts: dict[str, int]) -> None:
    """Insert ``rows`` (dicts by field name) through the backend's bulk loader.

    Fields a row leaves out get the model's default, as the site's columns have
    none in the database.
    """
    if not rows:
        return
    names = list(rows[0])
    defaults = {
        f.name: f.default
        for f in model._meta.sorted_fields
        if f.name not in rows[0] and f.default is not None
    }
    fields = [model._meta.fields[name] for name in (*names, *defaults)]
    columns = [f.column_name for f in fields]

    def values(row):
        out = [row[n] for n in names]
        out += [d() if callable(d) else d for d in defaults.values()]
        return [f.db_value(v) for f, v in zip(fields, out, strict=True)]

    database.obj.bulk_insert(model._meta.table_name, columns, (values(row) for row in rows))
    counts[model._meta.table_name] = counts.get(model._meta.table_name, 0) + len(rows)


def next_id(model) -> int:
    from peewee import fn

    pk = model._meta.primary_key
    return (model.select(fn.MAX(pk)).scalar() or 0) + 1


def reset_sequences(models) -> None:
    """After explicit ids, move PostgreSQL's sequences past them (SQLite needs nothing)."""
    db = database.obj
    if getattr(db, "vendor", "") != "postgresql":
        return
    for model in models:
        table = model._meta.table_name
        pk = model._meta.primary_key
        if getattr(pk, "field_type", "") != "AUTO":
            continue
        db.execute_sql(
            "SELECT setval(pg_get_serial_sequence(%s, %s), "
            f"COALESCE((SELECT MAX({db.quote_name(pk.column_name)}) "
            f"FROM {db.quote_name(table)}), 0) + 1, false)",
            (db.quote_name(table), pk.column_name),
        )


def demo_marker() -> AuditEntry | None:
    return AuditEntry.select().where(AuditEntry.action == "demo").first()


class DemoBuilder:
    def __init__(self, scale: int, today: date, rng: random.Random):
        self.scale = scale
        self.today = today
        self.now = datetime.combine(today, time(9))
        self.rng = rng
        self.counts: dict[str, int] = {}

    def ids(self, model, n: int) -> list[int]:
        first = next_id(model)
        return list(range(first, first + n))

    def build(self) -> dict[str, int]:
        self.reference_data()
        self.people()
        self.courses()
        self.subscriptions()
        self.payments()
        self.vouchers_and_reductions()
        self.events()
        # a generator of its own: the rows above stay what they were before lessons existed
        self.lessons(random.Random(f"{SEED}:lessons"))
        self.payrexx_and_course_payments(random.Random(f"{SEED}:payrexx"))
        return self.counts

    # --- reference data: groups, styles, rooms, periods, offerings, course types
    def reference_data(self) -> None:
        rng, ins = self.rng, self.insert
        self.group_ids = ins(Group, [{"name": n} for n in ("Board", "Teachers", "Front desk")])
        style_names = list(STYLES)
        self.style_ids = ins(Style, [{"name": n, "url_info": None} for n in style_names])
        self.room_ids = ins(
            Room,
            [
                {"name": n, "url": None, "contact_info": f"{rng.choice(STREETS)} {i + 3}, Zürich"}
                for i, n in enumerate(ROOMS)
            ],
        )
        sems = semesters_around(self.today, past=3, future=1)
        self.period_ids = ins(
            Period,
            [{"name": n, "date_from": a, "date_to": b} for n, a, b, _ in sems],
        )
        self.period_tense = {pid: s[3] for pid, s in zip(self.period_ids, sems, strict=True)}
        self.period_start = {pid: s[1] for pid, s in zip(self.period_ids, sems, strict=True)}
        offerings, titles = [], []
        for pid, (name, _, _, tense) in zip(self.period_ids, sems, strict=True):
            live = tense != "past"
            for order, (kind, label, english) in enumerate(
                (
                    (OfferingType.REGULAR, "Kurse", "Courses"),
                    (OfferingType.IRREGULAR, "Workshops", "Workshops"),
                )
            ):
                offerings.append(
                    {
                        "name": f"{label} {name}",
                        "period": pid,
                        "type": kind,
                        "display": live,
                        "active": live,
                        "order": 10 * (order + 1),
                    }
                )
                titles.append({"de": f"{label} {name}", "en": f"{english} {name}"})
        self.offering_ids = ins(Offering, offerings)
        self.translate(OfferingTranslation, self.offering_ids, [{"title": t} for t in titles])
        types, styles_of, names = [], [], []
        for sid, style in zip(self.style_ids, style_names, strict=True):
            for level in range(1, 5):
                types.append({"level": level, "couple_course": style not in ("Lindy Hop", "Swing")})
                styles_of.append(sid)
                names.append(f"{style} {level}")
        self.type_ids = ins(CourseType, types)
        self.translate(
            CourseTypeTranslation,
            self.type_ids,
            [{"title": {"de": n, "en": n}} for n in names],
        )
        ins(
            CourseTypeStyle,
            [{"coursetype": t, "style": s} for t, s in zip(self.type_ids, styles_of, strict=True)],
        )
        self.type_names = dict(zip(self.type_ids, names, strict=True))

    def translate(self, model, master_ids: list[int], values: list[dict]) -> None:
        """Translation rows (de and en) of ``master_ids``: ``values`` maps field → {lang: text}."""
        rows = []
        for master, fields in zip(master_ids, values, strict=True):
            for code in ("de", "en"):
                rows.append(
                    {"master": master, "language_code": code}
                    | {name: texts[code] for name, texts in fields.items()}
                )
        self.insert(model, rows)

    # --- users with profiles, group memberships
    def people(self) -> None:
        rng = self.rng
        n = 2000 * self.scale
        ids = self.ids(User, n)
        seen: set[str] = set(u for (u,) in User.select(User.username).tuples())
        users, profiles = [], []
        joined0 = datetime.combine(self.today, time(9)) - timedelta(days=6 * 365)
        self.legi: dict[int, bool] = {}
        self.user_name: dict[int, str] = {}
        for uid in ids:
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            domain = rng.choice(DOMAINS)
            local = (
                f"{first}.{last}".lower()
                .replace("ü", "ue")
                .replace("ä", "ae")
                .replace("ö", "oe")
                .replace("é", "e")
                .replace("ï", "i")
            )
            email = f"{local}@{domain}"
            k = 2
            while email in seen:
                email = f"{local}{k}@{domain}"
                k += 1
            seen.add(email)
            joined = joined0 + timedelta(minutes=rng.randrange(6 * 365 * 24 * 60))
            users.append(
                {
                    "id": uid,
                    "password": "!",
                    "last_login": None,
                    "is_superuser": False,
                    "username": email,
                    "first_name": first,
                    "last_name": last,
                    "email": email,
                    "is_staff": uid % 97 == 0,
                    "is_active": rng.random() > 0.02,
                    "date_joined": joined,
                }
            )
            student = domain.endswith(("ethz.ch", "uzh.ch")) or rng.random() < 0.2
            status = (
                (
                    StudentStatus.ETH
                    if "ethz" in domain
                    else StudentStatus.UNI
                    if "uzh" in domain
                    else StudentStatus.OTHER
                )
                if student
                else StudentStatus.NO
            )
            self.legi[uid] = student
            self.user_name[uid] = f"{first} {last}"
            profiles.append(
                {
                    "user": uid,
                    "language": rng.choice(("de", "de", "en", "fr")),
                    "legi": f"{rng.randrange(10, 25)}-{rng.randrange(100, 999)}-{rng.randrange(100, 999)}"
                    if student
                    else None,
                    "gender": rng.choice(("m", "w")),
                    "student_status": status,
                    "phone_number": f"+41 7{rng.randrange(5, 10)} {rng.randrange(100, 999)} "
                    f"{rng.randrange(10, 99)} {rng.randrange(10, 99)}",
                    "body_height": rng.randrange(155, 200),
                    "newsletter": rng.random() < 0.6,
                    "get_involved": rng.random() < 0.05,
                    "birthdate": date(
                        rng.randrange(1975, 2006), rng.randrange(1, 13), rng.randrange(1, 29)
                    ),
                }
            )
        self.insert(User, users, ids_given=True)
        self.insert(UserProfile, profiles, ids_given=True)
        self.user_ids = ids
        self.teacher_ids = rng.sample(ids, max(10, len(ids) // 40))
        memberships = {(uid, self.group_ids[1]) for uid in self.teacher_ids}
        memberships |= {(uid, self.group_ids[0]) for uid in rng.sample(ids, 7)}
        memberships |= {(uid, self.group_ids[2]) for uid in rng.sample(ids, 12)}
        self.insert(UserGroup, [{"user": u, "group": g} for u, g in sorted(memberships)])

    # --- courses with prices and teachers
    def courses(self) -> None:
        rng = self.rng
        n = 120 * self.scale
        ids = self.ids(Course, n)
        rows, teach = [], []
        self.course_period: dict[int, int] = {}
        self.course_price: dict[int, tuple[float, float]] = {}
        self.course_slot: dict[int, tuple[str, str, bool]] = {}  # weekday, start, workshop
        for i, cid in enumerate(ids):
            pidx = i % len(self.period_ids)
            pid = self.period_ids[pidx]
            workshop = rng.random() < 0.15
            offering = self.offering_ids[2 * pidx + (1 if workshop else 0)]
            tid = rng.choice(self.type_ids)
            free = rng.random() < 0.03
            legi_price = 0.0 if free else float(rng.choice((35, 40, 45, 50, 60)))
            full_price = 0.0 if free else legi_price * 2
            weekday = rng.choice(("Mo", "Di", "Mi", "Do", "Fr"))
            starts = rng.choice(("18:15", "19:30", "20:45"))
            self.course_slot[cid] = (weekday, starts, workshop)
            rows.append(
                {
                    "id": cid,
                    "name": f"{self.type_names[tid]} {weekday} {starts}",
                    "type": tid,
                    "subscription_type": "regular",
                    "display": True,
                    "active": True,
                    "completed": self.period_tense[pid] == "past",
                    "room": rng.choice(self.room_ids),
                    "offering": offering,
                    "period": None,
                    "min_subscribers": 10,
                    "max_subscribers": rng.choice((24, 30, 40, 60)),
                    "price_with_legi": Decimal(str(legi_price)),
                    "price_without_legi": Decimal(str(full_price)),
                    "price_special": None,
                }
            )
            self.course_period[cid] = pid
            self.course_price[cid] = (legi_price, full_price)
            for teacher in rng.sample(self.teacher_ids, rng.choice((1, 2, 2))):
                teach.append(
                    {
                        "teacher": teacher,
                        "course": cid,
                        "hourly_wage": Decimal("30.00"),
                    }
                )
        self.insert(Course, rows, ids_given=True)
        self.teach_ids = self.insert(Teach, teach)
        self.teach_rows = teach
        self.course_ids = ids

    # --- subscriptions in every state, with confirmations, rejections, reminders
    def usi_generator(self) -> Callable[[], str]:
        taken = {u for (u,) in Subscribe.select(Subscribe.usi).tuples()}
        rng = self.rng

        def new_usi() -> str:
            while True:
                usi = "".join(rng.choice(USI_ALPHABET) for _ in range(6))
                if usi not in taken:
                    taken.add(usi)
                    return usi

        return new_usi

    def subscriptions(self) -> None:
        rng = self.rng
        n = 6000 * self.scale
        ids = self.ids(Subscribe, n)
        new_usi = self.usi_generator()
        pairs: set[tuple[int, int]] = set(
            Subscribe.select(Subscribe.user, Subscribe.course).tuples()
        )
        rows, confirmations, rejections, reminders = [], [], [], []
        self.subs: list[tuple[int, int, str, float, str]] = []  # id, user, state, price, usi
        for sid in ids:
            while True:
                uid, cid = rng.choice(self.user_ids), rng.choice(self.course_ids)
                if (uid, cid) not in pairs:
                    pairs.add((uid, cid))
                    break
            pid = self.course_period[cid]
            tense = self.period_tense[pid]
            state = weighted(rng, STATE_WEIGHTS[tense])
            legi_price, full_price = self.course_price[cid]
            price = legi_price if self.legi[uid] else full_price
            if price == 0 and state in (SubscribeState.CONFIRMED, SubscribeState.PAYED):
                state = SubscribeState.COMPLETED
            start = self.period_start[pid]
            made = datetime.combine(start, time(12)) - timedelta(
                minutes=rng.randrange(30 * 24 * 60)
            )
            # never in the future: next semester's subscriptions are made by today
            made = min(made, datetime.combine(self.today, time(8)) - timedelta(minutes=sid % 5000))
            usi = new_usi()
            paid = state in SubscribeState.PAID and price > 0
            rows.append(
                {
                    "id": sid,
                    "user": uid,
                    "course": cid,
                    "date": made,
                    "partner": None,
                    "matching_state": rng.choice(
                        (
                            MatchingState.MATCHED,
                            MatchingState.TO_MATCH,
                            MatchingState.NOT_REQUIRED,
                            MatchingState.COUPLE,
                        )
                    ),
                    "experience": rng.choice((None, "Anfängerin", "2 Jahre", "Kurs 1 besucht")),
                    "comment": rng.choice(
                        (None, None, None, "Komme mit Partner", "Bitte Abendkurs")
                    ),
                    "state": state,
                    "usi": usi,
                    "price_to_pay": Decimal(str(price)),
                    "paymentmethod": weighted(rng, PAID_METHODS) if paid else None,
                    "lead_follow": rng.choice(LEAD_FOLLOW),
                    "personal_data_sharing": rng.random() < 0.7,
                }
            )
            self.subs.append((sid, uid, state, price, usi))
            if state in SubscribeState.ACCEPTED or state == SubscribeState.TO_REIMBURSE:
                confirmations.append(
                    {"subscription": sid, "date": (made + timedelta(days=3)).date()}
                )
            if state in (SubscribeState.REJECTED, SubscribeState.TO_REIMBURSE):
                reason = (
                    RejectionReason.COURSE_CANCELLED
                    if state == SubscribeState.TO_REIMBURSE
                    else weighted(
                        rng,
                        {
                            RejectionReason.OVERBOOKED: 50,
                            RejectionReason.NO_PARTNER: 20,
                            RejectionReason.USER_CANCELLED: 15,
                            RejectionReason.REQUIREMENTS_NOT_MET: 10,
                            RejectionReason.UNKNOWN: 5,
                        },
                    )
                )
                rejections.append(
                    {
                        "subscription": sid,
                        "date": (made + timedelta(days=4)).date(),
                        "reason": reason,
                        "mail_sent": True,
                    }
                )
            due = datetime.combine(start, time(8)) + timedelta(days=14)
            if (
                state == SubscribeState.CONFIRMED
                and price > 0
                and due < datetime.combine(self.today, time(0))
            ):
                reminders.append(
                    {"subscription": sid, "date": (due + timedelta(days=rng.randrange(3))).date()}
                )
        self.insert(Subscribe, rows, ids_given=True)
        self.insert(Confirmation, confirmations)
        self.insert(Rejection, rejections)
        self.insert(PaymentReminder, reminders)

    # --- bank payments: matched, partial, unmatched, unknown USI, debits
    def payments(self) -> None:
        rng = self.rng
        n = 5000 * self.scale
        months = sorted({(self.today - timedelta(days=30 * k)).replace(day=1) for k in range(12)})
        files = [
            {
                "name": f"zkb-{m:%Y-%m}.csv",
                "file": f"bank/zkb-{m:%Y-%m}.csv",
                "type": FinanceFileType.ZKB_CSV,
                "processed": True,
                "created_at": datetime.combine(m, time(7)),
            }
            for m in months
        ]
        file_ids = self.insert(FinanceFile, files)
        paid = [s for s in self.subs if s[2] in SubscribeState.PAID and s[3] > 0]
        confirmed = [s for s in self.subs if s[2] == SubscribeState.CONFIRMED and s[3] > 0]
        ids = self.ids(Payment, n)
        rows, links = [], []
        start = datetime.combine(months[0], time(6))
        span = int((datetime.combine(self.today, time(6)) - start).total_seconds() // 60)
        for pid in ids:
            kind = weighted(
                rng, {"paid": 62, "partial": 10, "unmatched": 14, "unknown": 4, "debit": 10}
            )
            when = start + timedelta(minutes=rng.randrange(max(span, 1)))
            fidx = min(
                len(file_ids) - 1,
                max(0, (when.year - months[0].year) * 12 + when.month - months[0].month),
            )
            row = {
                "id": pid,
                "date": when,
                "address": f"{rng.choice(STREETS)} {rng.randrange(1, 200)}, 80{rng.randrange(0, 99):02d} Zürich",
                "iban": f"CH{rng.randrange(10, 99)} 0070 0{rng.randrange(100, 999)} {rng.randrange(1000, 9999)} {rng.randrange(1000, 9999)} {rng.randrange(1, 9)}",
                "bic": "ZKBKCHZZ80A",
                "transaction_id": f"ZKB{pid:010d}",
                "currency_code": "CHF",
                "amount_to_reimburse": Decimal("0.00"),
                "filename": files[fidx]["name"],
                "file": file_ids[fidx],
                "comment": None,
                "credit_debit": CreditDebit.CREDIT,
            }
            if kind in ("paid", "partial") and (paid if kind == "paid" else confirmed):
                sid, uid, _, price, usi = rng.choice(paid if kind == "paid" else confirmed)
                amount = Decimal(str(price)) if kind == "paid" else Decimal(str(price)) / 2
                name = self.user_name[uid]
                row.update(
                    name=name,
                    amount=amount,
                    remittance_user_string=f"USI-{usi} {rng.choice(('Tanzkurs', 'Kursgebühr', ''))} {name}".strip(),
                    state=PaymentState.PROCESSED if kind == "paid" else PaymentState.MANUAL,
                    type=PaymentType.SUBSCRIPTION_PAYMENT,
                )
                links.append(
                    {
                        "payment": pid,
                        "subscription": sid,
                        "amount": amount,
                    }
                )
            elif kind == "debit":
                row.update(
                    name=rng.choice(("ASVZ", "Swisscom", "Musikvertrieb AG", "Migros")),
                    amount=Decimal(rng.randrange(20, 900)),
                    credit_debit=CreditDebit.DEBIT,
                    remittance_user_string=rng.choice(("Raummiete", "Rechnung 2231", "Getränke")),
                    state=PaymentState.PROCESSED,
                    type=PaymentType.IRRELEVANT,
                )
            else:
                fake = "".join(rng.choice(USI_ALPHABET) for _ in range(6))
                text = (
                    f"USI-{fake} Kurs"
                    if kind == "unknown"
                    else rng.choice(("Tanzkurs Salsa", "Kurs Herbst", "Zahlung", "Spende TQ"))
                )
                row.update(
                    name=f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}",
                    amount=Decimal(rng.choice((35, 40, 70, 80, 100))),
                    remittance_user_string=text,
                    state=rng.choice((PaymentState.NEW, PaymentState.MANUAL)),
                    type=PaymentType.UNKNOWN,
                )
            rows.append(row)
        self.insert(Payment, rows, ids_given=True)
        self.insert(SubscriptionPayment, links)

    def vouchers_and_reductions(self) -> None:
        rng = self.rng
        purposes = self.insert(
            VoucherPurpose,
            [
                {"name": n, "description": d}
                for n, d in (
                    ("Helfer", "Dank für Mithilfe an Partys"),
                    ("Vorstand", "Vorstandsmitglieder"),
                    ("Wettbewerb", "Gewinn am Semesterfest"),
                )
            ],
        )
        taken = {k for (k,) in Voucher.select(Voucher.key).tuples()}
        vouchers = []
        for _ in range(50 * self.scale):
            key = "".join(rng.choice(USI_ALPHABET) for _ in range(8))
            if key in taken:
                continue
            taken.add(key)
            issued = self.today - timedelta(days=rng.randrange(400))
            used = rng.random() < 0.4
            vouchers.append(
                {
                    "purpose": rng.choice(purposes),
                    "key": key,
                    "issued": issued,
                    "expires": issued + timedelta(days=365),
                    "used": used,
                    "amount": rng.choice((20, 35, 50, 70)),
                    "subscription": None,
                }
            )
        self.insert(Voucher, vouchers)
        reductions = [
            {
                "subscription": s[0],
                "amount": Decimal(str(round(s[3] * 0.5, 2))),
                "comment": rng.choice(("Helfer-Rabatt", "Härtefall", "Geschwister")),
                "used_voucher": None,
                "created_at": self.now,
            }
            for s in rng.sample(self.subs, min(len(self.subs), 100 * self.scale))
            if s[3] > 0
        ]
        self.insert(PriceReduction, reductions)

    def events(self) -> None:
        rng = self.rng
        categories = (("Party", "Party"), ("Workshop", "Workshop"), ("Tanzabend", "Social"))
        cats = self.insert(EventCategory, [{"position": i} for i in range(len(categories))])
        self.translate(
            EventCategoryTranslation, cats, [{"name": {"de": d, "en": e}} for d, e in categories]
        )
        rows, names = [], []
        for i in range(20 * self.scale):
            day = self.today + timedelta(days=rng.randrange(-300, 120))
            names.append(f"{rng.choice(EVENT_NAMES)} {day:%b %Y}")
            rows.append(
                {
                    "date": day,
                    "time_from": time(20),
                    "time_to": time(23, 59),
                    "room": rng.choice(self.room_ids),
                    "category": rng.choice(cats),
                    "price_with_legi": Decimal(rng.choice((0, 5, 10))),
                    "price_without_legi": Decimal(rng.choice((10, 15, 20))),
                    "max_participants": rng.choice((None, 100, 250)),
                    "registration_enabled": i % 3 == 0,
                    "display": True,
                }
            )
        event_ids = self.insert(Event, rows)
        self.translate(EventTranslation, event_ids, [{"name": {"de": n, "en": n}} for n in names])
        regs = {(rng.choice(event_ids), rng.choice(self.user_ids)) for _ in range(500 * self.scale)}
        self.insert(
            EventRegistration,
            [
                {
                    "event": e,
                    "user": u,
                    "timestamp": datetime.combine(self.today, time(12))
                    - timedelta(days=rng.randrange(200)),
                }
                for e, u in sorted(regs)
            ],
        )

    # --- lessons as the site keeps them: weekly slots, exceptions, workshops, occurrences
    def lessons(self, rng: random.Random) -> None:
        days = dict(zip(("Mo", "Di", "Mi", "Do", "Fr"), Weekday.values(), strict=False))
        teachers: dict[int, list[int]] = {}
        for row in self.teach_rows:
            teachers.setdefault(row["course"], []).append(row["teacher"])
        course_room = dict(Course.select(Course.id, Course.room).tuples())
        regular, irregular, exceptions, occurrences = [], [], [], []
        for cid in self.course_ids:
            weekday, starts, workshop = self.course_slot[cid]
            first = self.period_start[self.course_period[cid]]
            hour, minute = map(int, starts.split(":"))
            begin = time(hour, minute)
            end = (datetime.combine(first, begin) + timedelta(minutes=75)).time()
            if workshop:  # two Saturdays in the semester's fourth and fifth week
                saturday = first + timedelta(days=(5 - first.weekday()) % 7 + 21)
                for date_ in (saturday, saturday + timedelta(days=7)):
                    irregular.append(
                        {
                            "course": cid,
                            "date": date_,
                            "time_from": time(13),
                            "time_to": time(17),
                            "lesson_details": None,
                        }
                    )
                    occurrences.append((cid, date_, time(13), time(17)))
                continue
            regular.append(
                {"course": cid, "weekday": days[weekday], "time_from": begin, "time_to": end}
            )
            day = first + timedelta(days=(list(days).index(weekday) - first.weekday()) % 7)
            cancelled = (
                day + timedelta(days=7 * rng.randrange(2, 12)) if rng.random() < 0.2 else None
            )
            for week in range(13):
                when = day + timedelta(days=7 * week)
                if when != cancelled:
                    occurrences.append((cid, when, begin, end))
            if cancelled:
                exceptions.append((len(regular) - 1, cancelled))
        regular_ids = self.insert(RegularLesson, regular)
        self.insert(
            RegularLessonException,
            [
                {"regular_lesson": regular_ids[i], "date": d, "is_cancellation": True}
                for i, d in exceptions
            ],
        )
        # one workshop in a smaller room than its course's: LessonDetails says so
        if irregular:
            details = self.insert(LessonDetails, [{"room": rng.choice(self.room_ids)}])
            irregular[0]["lesson_details"] = details[0]
        self.insert(IrregularLesson, irregular)
        occurrence_ids = self.insert(
            LessonOccurrence,
            [
                {
                    "course": cid,
                    "start": datetime.combine(d, a),
                    "end": datetime.combine(d, b),
                    "room": course_room[cid],
                }
                for cid, d, a, b in occurrences
            ],
        )
        self.insert(
            LessonOccurrenceTeach,
            [
                {"lesson_occurrence": oid, "teacher": teacher, "hourly_wage": Decimal("30.00")}
                for oid, (cid, *_) in zip(occurrence_ids, occurrences, strict=True)
                for teacher in teachers.get(cid, [])
            ],
        )
        # teachers of courses that started (or start within a week) were welcomed
        welcome = []
        for tid, row in zip(self.teach_ids, self.teach_rows, strict=True):
            start = self.period_start[self.course_period[row["course"]]]
            if start - timedelta(days=7) <= self.today:
                welcome.append({"teach": tid, "date": start - timedelta(days=rng.randrange(3, 10))})
        self.insert(TeacherWelcome, welcome)

    # --- Payrexx checkouts (card, TWINT) and payments booked to a whole course
    def payrexx_and_course_payments(self, rng: random.Random) -> None:
        links = list(
            SubscriptionPayment.select(
                SubscriptionPayment.subscription,
                SubscriptionPayment.payment,
                SubscriptionPayment.amount,
            )
            .join(Payment)
            .where(Payment.state == PaymentState.PROCESSED)
            .order_by(SubscriptionPayment.id)
            .tuples()
        )
        paid = rng.sample(links, min(len(links), 40 * self.scale))
        open_ = [s for s in self.subs if s[2] == SubscribeState.CONFIRMED and s[3] > 0]
        tried = rng.sample(open_, min(len(open_), 10 * self.scale))
        rows = []

        def checkout(sid, payment, amount, status, created) -> None:
            gateway = 10_001 + len(rows)
            rows.append(
                {
                    "subscription": sid,
                    "payment": payment,
                    "payment_method": weighted(
                        rng, {PayrexxMethod.CARD: 3, PayrexxMethod.TWINT: 2}
                    ),
                    "gateway_id": gateway,
                    "link": f"https://tanzquotient.payrexx.com/?payment={gateway:x}",
                    "gross_amount": (Decimal(amount) * Decimal("1.03")).quantize(Decimal("0.01")),
                    "status": status,
                    "created_at": created,
                    "payrexx_transaction_id": 500_000 + gateway if payment else None,
                }
            )

        for sid, pid, amount in paid:  # the webhook booked these (gross: with the fee)
            created = self.now - timedelta(days=rng.randrange(5, 120))
            checkout(sid, pid, amount, PayrexxStatus.COMPLETED, created)
        for sid, _, _, price, _ in tried:  # opened, not (yet) paid
            status = weighted(
                rng,
                {PayrexxStatus.PENDING: 3, PayrexxStatus.CANCELLED: 1, PayrexxStatus.EXPIRED: 1},
            )
            created = self.now - timedelta(hours=rng.randrange(1, 200))
            checkout(sid, None, str(price), status, created)
        self.insert(PayrexxGateway, rows)
        # partner schools transfer a course's fees at once: booked to the course
        transfers = list(
            Payment.select(Payment.id, Payment.amount)
            .where(
                (Payment.type == PaymentType.UNKNOWN)
                & (Payment.credit_debit == CreditDebit.CREDIT)
                & ~Payment.remittance_user_string.contains("USI")
            )
            .order_by(Payment.id)
            .limit(5 * self.scale)
            .tuples()
        )
        ids = [pid for pid, _ in transfers]
        Payment.update(
            type=PaymentType.COURSE_PAYMENT_TRANSFER, state=PaymentState.PROCESSED
        ).where(Payment.id.in_(ids)).execute()
        self.insert(
            CoursePayment,
            [
                {"payment": pid, "course": rng.choice(self.course_ids), "amount": amount}
                for pid, amount in transfers
            ],
        )

    def insert(self, model, rows: list[dict], ids_given: bool = False) -> list[int]:
        """Insert rows with explicit ids (unless given) and return the ids."""
        if not ids_given and model._meta.primary_key.name == "id":
            first = next_id(model)
            for i, row in enumerate(rows):
                row["id"] = first + i
        bulk_insert(model, rows, self.counts)
        return [row.get("id") for row in rows]


def load_demo(
    backends, scale: int = 1, today: date | None = None, force: bool = False
) -> DemoReport:
    if scale < 1:
        raise ConsoleError("--scale must be 1 or more")
    today = today or date.today()
    marker = demo_marker()
    if marker is not None:
        return DemoReport(skipped=f"demo data is already loaded ({marker.summary}); nothing added")
    if not force and (User.select().exists() or Course.select().exists()):
        raise ConsoleError(
            "the database already holds data that the demo did not write; "
            "refusing to mix demo rows into it (use --force to add them anyway)"
        )
    rng = random.Random(SEED)
    builder = DemoBuilder(scale, today, rng)
    with audited("demo", "", summary={"scale": scale}) as write:
        counts = builder.build()
        reset_sequences(ALL_MODELS)
        write.summary = {"scale": scale, "rows": sum(counts.values())}
    report = DemoReport(counts=counts)
    for hook in DEMO_HOOKS:
        # a generator of its own, so what one part makes never depends on the others
        module, _, name = hook.partition(":")
        fill = getattr(importlib.import_module(module), name)
        report.extra.extend(fill(backends, scale, random.Random(f"{SEED}:{hook}")))
    return report
