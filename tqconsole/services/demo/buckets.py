"""Demo content of the buckets: images in media, site assets in static, bank statements in finance.

Bank statements are ZKB account exports.  New, unprocessed ones (no
payment_financefile row points at them), one per month of the last three up to
the newest demo payment: ``finance`` key ``bank/incoming/zkb-statement-YYYY-MM.csv``.
The processed ones the demo's payment_financefile rows name (``bank/zkb-YYYY-MM.csv``)
are rebuilt from their payment_payment rows.  All are UTF-8, in the layout of
``zkb_statement`` (columns, ``;``, dates ``dd.mm.yyyy``, amounts ``1234.50``).

The credits reference real demo subscriptions (``courses_subscribe.usi``, mostly
in state confirmed, a few already payed — a double payment): most pay ``price_to_pay`` exactly, some pay part
of it, some too much, some name a USI that does not exist, a few carry no
USI at all; debits (room rent, fees) are mixed in.  ``statement_lines``
returns every line with its ``kind`` (matched, partial, overpaid, unknown_usi,
no_usi, debit) for tests of payment matching.
"""

from __future__ import annotations

import io
import random
import struct
import zlib
from datetime import date, timedelta
from decimal import Decimal

from tqconsole.models import Subscribe
from tqconsole.models.choices import SubscribeState
from tqconsole.models.courses import USI_ALPHABET
from tqconsole.services.payments import zkb_statement
from tqconsole.services.payments.zkb_statement import ZKB_COLUMNS, format_amount

HEADER = list(ZKB_COLUMNS)  # the header row, as csv.reader reads it back
MONTHS = 3
# kind of a statement line -> weight
LINE_KINDS = {
    "matched": 60,
    "partial": 8,
    "overpaid": 7,
    "unknown_usi": 6,
    "no_usi": 4,
    "debit": 15,
}
DEBITS = [
    ("Belastung Raummiete ASVZ Polyterrasse", "ASVZ, Zürich", (800, 2400)),
    ("Belastung Honorar Tanzlehrperson", "Tanzlehrperson, Zürich", (300, 900)),
    ("Belastung Kontoführungsgebühr", "Zürcher Kantonalbank", (5, 5)),
    ("Belastung Druckerei Flyer", "Druckerei Zürich AG", (120, 480)),
    ("Belastung Rückerstattung Kursgebühr", "Rückerstattung", (35, 120)),
]
STREETS = ["Universitätstrasse", "Rämistrasse", "Langstrasse", "Seefeldstrasse", "Wehntalerstr."]
PLACES = ["8006 Zürich", "8092 Zürich", "8400 Winterthur", "8050 Zürich", "5400 Baden"]


def fill(backends, scale: int, rng: random.Random) -> list[str]:
    backend = backends.get("storage")
    for bucket in backend.buckets.values():
        backend.create_bucket(bucket)
    media = fill_media(backend.storage("media"), scale, rng)
    static = fill_static(backend.storage("static"))
    finance = fill_finance(backend.storage("finance"), scale, rng)
    return [f"storage: {media} images in media, {static} files in static, {finance} in finance"]


# --- media: small PNG images
def png(
    width: int, height: int, color: tuple[int, int, int], stripe: tuple[int, int, int]
) -> bytes:
    """A valid PNG with diagonal stripes, built with zlib (no imaging library needed)."""
    rows = []
    for y in range(height):
        row = bytearray([0])
        for x in range(width):
            row.extend(stripe if (x + y) // 6 % 2 else color)
        rows.append(bytes(row))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"".join(rows), 9))
        + chunk(b"IEND", b"")
    )


def fill_media(media, scale: int, rng: random.Random) -> int:
    from tqconsole.models import Course, Style

    names = [f"courses/styles/{s.name.lower().replace(' ', '-')}.png" for s in Style.select()]
    names += [f"courses/{c.id}/poster.png" for c in Course.select().limit(12 * scale)]
    names += [f"events/2026/ball-{i:02d}.png" for i in range(4 * scale)]
    names += ["site/banner.png", "site/team/board-2026.png"]
    for name in names:
        color = tuple(rng.randrange(40, 220) for _ in range(3))
        stripe = tuple(min(255, c + 30) for c in color)
        media.save(name, png(48, 32, color, stripe))
    return len(names)


# --- static: site assets
STATIC_FILES = {
    "css/site.css": "body { font-family: sans-serif; margin: 0; }\n.course { padding: 1em; }\n",
    "js/site.js": "document.addEventListener('DOMContentLoaded', () => console.log('tq'));\n",
    "robots.txt": "User-agent: *\nDisallow: /admin/\n",
    "img/logo.svg": '<svg xmlns="http://www.w3.org/2000/svg" width="32" height="32">'
    '<circle cx="16" cy="16" r="14" fill="#c00"/></svg>\n',
    "manifest.json": '{"name": "Tanzquotient", "short_name": "TQ", "start_url": "/"}\n',
}


def fill_static(static) -> int:
    for key, text in STATIC_FILES.items():
        static.save(key, text.encode())
    return len(STATIC_FILES)


# --- finance: ZKB statements
def unknown_usi(rng: random.Random, taken: set[str]) -> str:
    while True:
        usi = "".join(rng.choice(USI_ALPHABET) for _ in range(6))
        if usi not in taken:
            return usi


def statement_lines(scale: int, rng: random.Random, end: date) -> list[dict]:
    """Booking lines of the ``MONTHS`` months up to ``end``, each with its ``kind``."""

    def subscriptions(state: str, limit: int) -> list:
        return list(
            Subscribe.select(Subscribe.usi, Subscribe.price_to_pay)
            .where(
                Subscribe.state == state,
                Subscribe.price_to_pay.is_null(False),
                Subscribe.price_to_pay > 0,
            )
            .order_by(Subscribe.id)
            .limit(limit)
        )

    n = 40 * MONTHS * scale
    subs = subscriptions(SubscribeState.CONFIRMED, n) + subscriptions(SubscribeState.PAYED, n // 20)
    taken = {s.usi for s in Subscribe.select(Subscribe.usi)}
    rng.shuffle(subs)
    kinds, weights = zip(*LINE_KINDS.items(), strict=True)
    months_back = end.year * 12 + end.month - 1 - (MONTHS - 1)
    start = date(months_back // 12, months_back % 12 + 1, 1)
    days = (end - start).days + 1
    lines = []
    for _ in range(n):
        kind = rng.choices(kinds, weights)[0]
        booked = start + timedelta(days=rng.randrange(days))
        line = {"kind": kind, "date": booked, "usi": "", "price": None}
        if kind == "debit":
            text, payee, (low, high) = rng.choice(DEBITS)
            line.update(text=text, details=payee, debit=Decimal(rng.randint(low, high)))
        else:
            if kind == "unknown_usi":
                usi, price = unknown_usi(rng, taken), Decimal(rng.choice([60, 90, 120]))
            elif subs:
                sub = subs.pop()
                usi, price = sub.usi, Decimal(str(sub.price_to_pay)).quantize(Decimal("0.01"))
            else:
                continue
            paid = {
                "matched": price,
                "partial": (price / 2).quantize(Decimal("0.01")),
                "overpaid": price + Decimal(rng.choice([5, 10, 20])),
                "unknown_usi": price,
                "no_usi": price,
            }[kind]
            first = rng.choice(["Anna", "Luca", "Lea", "Noah", "Sara", "Jonas", "Mia", "Reto"])
            last = rng.choice(["Müller", "Meier", "Keller", "Weber", "Huber", "Graf", "Frei"])
            iban = f"CH{rng.randrange(10, 99)} 0070 0{rng.randrange(100, 999)} {rng.randrange(1000, 9999)} {rng.randrange(1000, 9999)} {rng.randrange(1, 9)}"
            purpose = rng.choice(["Tanzkurs", "Kursgebühr", "Kurs", "TQ"])
            remittance = (
                f"{purpose} {first} {last}" if kind == "no_usi" else f"USI-{usi} {purpose} {first}"
            )
            line.update(
                usi="" if kind == "no_usi" else usi,
                price=price,
                credit=paid,
                text=f"Gutschrift {first} {last}, {rng.choice(PLACES)}",
                details=f"{first} {last}, {rng.choice(STREETS)} {rng.randrange(1, 80)}, "
                f"{rng.choice(PLACES)}, {iban}",
                remittance=remittance,
            )
        lines.append(line)
    lines.sort(key=lambda line: line["date"])
    return lines


def statement_csv(lines: list[dict], opening: Decimal, rng: random.Random) -> tuple[str, Decimal]:
    out = io.StringIO()
    writer = zkb_statement.writer(out)
    writer.writerow(ZKB_COLUMNS)
    balance = opening
    for line in lines:
        credit, debit = line.get("credit"), line.get("debit")
        balance += (credit or 0) - (debit or 0)
        booked = zkb_statement.format_date(line["date"])
        writer.writerow(
            [
                booked,
                line["text"],
                "",
                line.get("reference") or f"H{line['date']:%y%m%d}{rng.randrange(10**7, 10**8)}",
                "",
                format_amount(debit) if debit is not None else "",
                format_amount(credit) if credit is not None else "",
                booked,
                format_amount(balance),
                line.get("remittance", ""),
                line["details"],
            ]
        )
    return out.getvalue(), balance


def fill_finance(finance, scale: int, rng: random.Random) -> str:
    from tqconsole.models import Payment

    latest = Payment.select(Payment.date).order_by(Payment.date.desc()).first()
    end = latest.date.date() if latest else date.today()
    lines = statement_lines(scale, rng, end)
    by_month: dict[str, list[dict]] = {}
    for line in lines:
        by_month.setdefault(f"{line['date']:%Y-%m}", []).append(line)
    balance = Decimal("15230.55")
    for month, month_lines in sorted(by_month.items()):
        text, balance = statement_csv(month_lines, balance, rng)
        key = f"bank/incoming/zkb-statement-{month}.csv"
        finance.save(key, text.encode("utf-8"), content_type="text/csv")
    processed = fill_processed(finance, rng)
    return f"{len(by_month)} new and {processed} processed statements"


def fill_processed(finance, rng: random.Random) -> int:
    """The statements the demo's payment_financefile rows were imported from, rebuilt
    from their payments, at the key the rows name (``bank/zkb-YYYY-MM.csv``)."""
    from tqconsole.models import FinanceFile, Payment
    from tqconsole.models.choices import CreditDebit, FinanceFileType

    balance = Decimal("9876.40")
    files = FinanceFile.select().where(FinanceFile.type == FinanceFileType.ZKB_CSV)
    for finance_file in files.order_by(FinanceFile.created_at):
        lines = []
        for p in (
            Payment.select().where(Payment.file == finance_file).order_by(Payment.date, Payment.id)
        ):
            debit = p.credit_debit == CreditDebit.DEBIT
            details = [p.name, (p.address or "").replace("\n", ", "), p.iban]
            lines.append(
                {
                    "date": p.date.date(),
                    "text": f"{'Belastung' if debit else 'Gutschrift'} {p.name or ''}".strip(),
                    "reference": p.transaction_id,
                    "debit" if debit else "credit": Decimal(str(p.amount)),
                    "remittance": p.remittance_user_string,
                    "details": ", ".join(d for d in details if d),
                }
            )
        text, balance = statement_csv(lines, balance, rng)
        finance.save(finance_file.file, text.encode("utf-8"), content_type="text/csv")
    return files.count()
