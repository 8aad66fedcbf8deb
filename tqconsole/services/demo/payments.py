"""Payments: bank statements, vouchers and price reductions, Payrexx checkouts.

Bank payments are matched, partial, unmatched, of an unknown USI or debits; partner
schools' transfers are booked to a whole course.
"""

from __future__ import annotations

import random
from datetime import datetime, time, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from tqconsole.models import (
    CoursePayment,
    FinanceFile,
    Payment,
    PayrexxGateway,
    PriceReduction,
    SubscriptionPayment,
    Voucher,
    VoucherPurpose,
)
from tqconsole.models.choices import (
    CreditDebit,
    FinanceFileType,
    PaymentState,
    PaymentType,
    PayrexxMethod,
    PayrexxStatus,
    SubscribeState,
)
from tqconsole.models.courses import USI_ALPHABET
from tqconsole.services.demo.words import FIRST_NAMES, LAST_NAMES, STREETS, weighted

if TYPE_CHECKING:
    from tqconsole.services.demo.builder import DemoBuilder


def add_payments(builder: DemoBuilder) -> None:
    rng = builder.rng
    n = 5000 * builder.scale
    months = sorted({(builder.today - timedelta(days=30 * k)).replace(day=1) for k in range(12)})
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
    file_ids = builder.insert(FinanceFile, files)
    paid = [s for s in builder.subs if s[2] in SubscribeState.PAID and s[3] > 0]
    confirmed = [s for s in builder.subs if s[2] == SubscribeState.CONFIRMED and s[3] > 0]
    ids = builder.ids(Payment, n)
    rows, links = [], []
    start = datetime.combine(months[0], time(6))
    span = int((datetime.combine(builder.today, time(6)) - start).total_seconds() // 60)
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
            name = builder.user_name[uid]
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
    builder.insert(Payment, rows, ids_given=True)
    builder.insert(SubscriptionPayment, links)


def add_vouchers_and_reductions(builder: DemoBuilder) -> None:
    rng = builder.rng
    purposes = builder.insert(
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
    for _ in range(50 * builder.scale):
        key = "".join(rng.choice(USI_ALPHABET) for _ in range(8))
        if key in taken:
            continue
        taken.add(key)
        issued = builder.today - timedelta(days=rng.randrange(400))
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
    builder.insert(Voucher, vouchers)
    reductions = [
        {
            "subscription": s[0],
            "amount": Decimal(str(round(s[3] * 0.5, 2))),
            "comment": rng.choice(("Helfer-Rabatt", "Härtefall", "Geschwister")),
            "used_voucher": None,
            "created_at": builder.now,
        }
        for s in rng.sample(builder.subs, min(len(builder.subs), 100 * builder.scale))
        if s[3] > 0
    ]
    builder.insert(PriceReduction, reductions)


def add_payrexx_and_course_payments(builder: DemoBuilder, rng: random.Random) -> None:
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
    paid = rng.sample(links, min(len(links), 40 * builder.scale))
    open_ = [s for s in builder.subs if s[2] == SubscribeState.CONFIRMED and s[3] > 0]
    tried = rng.sample(open_, min(len(open_), 10 * builder.scale))
    rows = []

    def checkout(sid, payment, amount, status, created) -> None:
        gateway = 10_001 + len(rows)
        rows.append(
            {
                "subscription": sid,
                "payment": payment,
                "payment_method": weighted(rng, {PayrexxMethod.CARD: 3, PayrexxMethod.TWINT: 2}),
                "gateway_id": gateway,
                "link": f"https://tanzquotient.payrexx.com/?payment={gateway:x}",
                "gross_amount": (Decimal(amount) * Decimal("1.03")).quantize(Decimal("0.01")),
                "status": status,
                "created_at": created,
                "payrexx_transaction_id": 500_000 + gateway if payment else None,
            }
        )

    for sid, pid, amount in paid:  # the webhook booked these (gross: with the fee)
        created = builder.now - timedelta(days=rng.randrange(5, 120))
        checkout(sid, pid, amount, PayrexxStatus.COMPLETED, created)
    for sid, _, _, price, _ in tried:  # opened, not (yet) paid
        status = weighted(
            rng,
            {PayrexxStatus.PENDING: 3, PayrexxStatus.CANCELLED: 1, PayrexxStatus.EXPIRED: 1},
        )
        created = builder.now - timedelta(hours=rng.randrange(1, 200))
        checkout(sid, None, str(price), status, created)
    builder.insert(PayrexxGateway, rows)
    # partner schools transfer a course's fees at once: booked to the course
    transfers = list(
        Payment.select(Payment.id, Payment.amount)
        .where(
            (Payment.type == PaymentType.UNKNOWN)
            & (Payment.credit_debit == CreditDebit.CREDIT)
            & ~Payment.remittance_user_string.contains("USI")
        )
        .order_by(Payment.id)
        .limit(5 * builder.scale)
        .tuples()
    )
    ids = [pid for pid, _ in transfers]
    Payment.update(type=PaymentType.COURSE_PAYMENT_TRANSFER, state=PaymentState.PROCESSED).where(
        Payment.id.in_(ids)
    ).execute()
    builder.insert(
        CoursePayment,
        [
            {"payment": pid, "course": rng.choice(builder.course_ids), "amount": amount}
            for pid, amount in transfers
        ],
    )
