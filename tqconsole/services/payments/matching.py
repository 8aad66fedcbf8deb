"""Bank statements in, matched payments out: the site's ZkbCsvParser + PaymentProcessor.

Reading a statement (``zkb_statement.parse_zkb_csv``): every line becomes a payment (date,
ZKB-Referenz as transaction id, Zahlungszweck as remittance text, Buchungstext as
comment, Details split into name and address, the credit or else the debit
amount); a line whose ZKB-Referenz is already stored is skipped.

Processing (``process_payments``), over every payment waiting, as the site's
``payment_match`` task:
1. new debits become ``irrelevant`` (and stay new);
2. each new credit: no USI in its remittance text → ``manual``; else a
   subscription payment of ``min(price after reductions, what is left)`` for
   each USI of a *confirmed* subscription (an unknown USI is passed over; a USI
   of any other state makes the payment ``manual``); then the balance: nothing
   left → ``matched``, something left → ``manual`` with that much to reimburse;
3. a confirmed subscription with nothing open becomes payed (online);
4. matched payments become ``processed``.

USIs are found as the site finds them (``USI``, ``USL``, ``SUI``… then
``-``/space/``_`` or nothing, then 6 letters or digits), with two differences
on purpose (README): the prefix must start a word ("Musikabend" is no USI),
and a USI typed with spaces inside is read from the text around it.

Where the console goes further than the site, on purpose: a file that is not a
statement is reported and leaves no row behind (the site's row would break
every later upload); a line that cannot be read is reported with its number
and the rest of the file is processed.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from datetime import datetime
from decimal import Decimal
from pathlib import PurePosixPath

from peewee import fn

from tqconsole.errors import InvalidInput
from tqconsole.models import FinanceFile, Payment, PriceReduction, Subscribe, SubscriptionPayment
from tqconsole.models.choices import (
    CreditDebit,
    FinanceFileType,
    PaymentMethod,
    PaymentState,
    PaymentType,
    SubscribeState,
)
from tqconsole.services.courses.subscriptions import mark_paid
from tqconsole.services.db.audit import audited
from tqconsole.services.payments import amounts
from tqconsole.services.payments.zkb_statement import parse_zkb_csv

PREFIX = r"(?<![A-Za-z0-9])[USILusil]{3}[\- _]*"
USI_RE = re.compile(PREFIX + r"([A-Za-z0-9]{6})")
# the site's second try (spaces removed), kept to the text after a USI prefix
USI_SPACED_RE = re.compile(PREFIX + r"((?:[A-Za-z0-9] *){6})")

# How a payment came out of matching, in the order the report lists them.
OUTCOMES = {
    "matched": "matched in full",
    "partial": "matched, the subscription still owes",
    "over-paid": "more than owed: the rest to reimburse",
    "unknown USI": "a USI that no subscription has",
    "no USI": "no USI in the remittance text",
    "manual": "to check by hand",
    "debit": "debit (irrelevant)",
    "irrelevant": "marked irrelevant",
    "new": "not processed yet",
}


@dataclass
class PaymentLine:
    """One payment of a statement and what matching made of it (``payment``: its id,
    ``subscriptions``: the ids it paid, ``line``: its line in the file when known)."""

    payment: int
    date: str
    amount: str
    name: str
    remittance: str
    outcome: str
    why: str
    subscriptions: list[int] = field(default_factory=list)
    line: int | None = None


@dataclass
class FileReport:
    name: str
    status: str = "processed"  # processed | skipped | failed
    error: str = ""
    lines: int = 0
    duplicates: int = 0
    matched: int = 0
    manual: int = 0
    irrelevant: int = 0
    unreadable: list[str] = field(default_factory=list)  # "name line N: why"
    subscriptions_paid: list[str] = field(default_factory=list)
    payments: list[PaymentLine] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        out = dict.fromkeys(OUTCOMES, 0)
        for p in self.payments:
            out[p.outcome] += 1
        return {k: n for k, n in out.items() if n}


@dataclass
class MatchReport:
    files: list[FileReport] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"files": [asdict(f) for f in self.files]}

    def lines(self) -> list[str]:
        out = []
        for f in self.files:
            if f.status == "failed":
                out.append(f"{f.name}: FAILED — {f.error}")
            elif f.status == "skipped":
                out.append(f"{f.name}: already processed, skipped")
            else:
                out.append(
                    f"{f.name}: {f.lines} lines, {f.matched} matched, {f.manual} to manual, "
                    f"{f.irrelevant} irrelevant, {f.duplicates} already known"
                )
                if f.payments:
                    out.append("  " + ", ".join(f"{n} {k}" for k, n in f.counts().items()))
                out.extend(f"  {why}" for why in f.unreadable)
                out.extend(
                    f"  {p.outcome:<11} #{p.payment} {p.amount:>8} {p.name[:24]} — {p.why}"
                    for p in f.payments
                    if p.outcome not in ("matched", "debit")
                )
        return out or ["no unprocessed bank statements"]


# --- processing
def usis_in(text: str) -> list[str]:
    """The USIs of a remittance text, in order, as typed (duplicates kept, as the site)."""
    found = USI_RE.findall(text or "")
    if not found:
        found = [u.replace(" ", "") for u in USI_SPACED_RE.findall(text or "")]
    return found


def price_after_reductions(sub: Subscribe) -> Decimal:
    reductions = (
        PriceReduction.select(fn.SUM(PriceReduction.amount))
        .where(PriceReduction.subscription == sub.id)
        .scalar()
    )
    return amounts.price_to_pay(sub) - amounts.money(reductions)


def check_balance(payment: Payment) -> None:
    """Matched when the subscription payments use the whole amount, else manual."""
    if payment.state not in PaymentState.UNMATCHED:
        return
    if payment.type != PaymentType.SUBSCRIPTION_PAYMENT:
        return
    used = amounts.money(
        SubscriptionPayment.select(fn.SUM(SubscriptionPayment.amount))
        .where(SubscriptionPayment.payment == payment.id)
        .scalar()
    )
    left = amounts.money(payment.amount) - used
    if left == 0:
        payment.state, payment.amount_to_reimburse = PaymentState.MATCHED, Decimal("0.00")
    else:
        payment.state = PaymentState.MANUAL
        if left > 0:
            payment.amount_to_reimburse = left
    payment.save()


def match_payment(payment: Payment) -> None:
    usis = usis_in(payment.remittance_user_string)
    if not usis:
        payment.state = PaymentState.MANUAL
        payment.save()
        return
    payment.type = PaymentType.SUBSCRIPTION_PAYMENT
    remaining = amounts.money(payment.amount)
    for usi in usis:
        sub = Subscribe.get_or_none(fn.UPPER(Subscribe.usi) == usi.upper())
        if sub is None:
            continue  # a USI mistyped: the whole amount stays to reimburse
        linked = (
            SubscriptionPayment.select()
            .where(
                (SubscriptionPayment.payment == payment.id)
                & (SubscriptionPayment.subscription == sub.id)
            )
            .exists()
        )
        if sub.state != SubscribeState.CONFIRMED or linked:
            payment.state = PaymentState.MANUAL
            continue
        share = min(price_after_reductions(sub), remaining)
        remaining -= share
        SubscriptionPayment.create(payment=payment.id, subscription=sub.id, amount=share)
    payment.save()
    check_balance(payment)


def classify(payment_ids: list[int]) -> list[PaymentLine]:
    """What matching made of these payments, read back from the database (a fresh run
    or any statement of the past), in id order."""
    payments = list(Payment.select().where(Payment.id.in_(payment_ids or [0])).order_by(Payment.id))
    links: dict[int, list[tuple[int, str]]] = {}
    for pid, sid, usi in (
        SubscriptionPayment.select(
            SubscriptionPayment.payment, SubscriptionPayment.subscription, Subscribe.usi
        )
        .join(Subscribe, on=(SubscriptionPayment.subscription == Subscribe.id))
        .where(SubscriptionPayment.payment.in_([p.id for p in payments] or [0]))
        .order_by(SubscriptionPayment.id)
        .tuples()
    ):
        links.setdefault(pid, []).append((sid, usi))
    opens = amounts.open_amounts_of(sorted({sid for ls in links.values() for sid, _ in ls}))
    usis = {u.upper() for p in payments for u in usis_in(p.remittance_user_string)}
    known = {
        u.upper()
        for (u,) in Subscribe.select(Subscribe.usi)
        .where(fn.UPPER(Subscribe.usi).in_(sorted(usis) or [""]))
        .tuples()
    }
    return [outcome_of(p, links.get(p.id, []), opens, known) for p in payments]


def outcome_of(payment: Payment, linked: list, opens: dict, known: set) -> PaymentLine:
    found = usis_in(payment.remittance_user_string)
    unknown = [u for u in found if u.upper() not in known]
    owing = [f"{usi} owes {opens[sid]:.2f}" for sid, usi in linked if opens.get(sid, 0) > 0]
    paid = ", ".join(usi for _, usi in linked)
    if payment.credit_debit == CreditDebit.DEBIT:
        outcome, why = "debit", "money going out"
    elif payment.type == PaymentType.IRRELEVANT:
        outcome, why = "irrelevant", "marked irrelevant"
    elif payment.state == PaymentState.NEW:
        outcome, why = "new", "waiting for the next matching run"
    elif payment.state == PaymentState.MANUAL and unknown:
        outcome, why = "unknown USI", f"no subscription has {', '.join(unknown)}"
    elif payment.state == PaymentState.MANUAL and not found:
        outcome, why = "no USI", "no USI- in the remittance text"
    elif payment.state == PaymentState.MANUAL and linked and payment.amount_to_reimburse:
        outcome = "over-paid"
        why = f"paid {paid}; {amounts.money(payment.amount_to_reimburse):.2f} to reimburse"
    elif payment.state == PaymentState.MANUAL:
        states = {
            s.usi: s.state
            for s in Subscribe.select(Subscribe.usi, Subscribe.state).where(
                fn.UPPER(Subscribe.usi).in_([u.upper() for u in found])
            )
        }
        outcome = "manual"
        why = "; ".join(f"{u} is {st}" for u, st in states.items()) or "check by hand"
    elif owing:
        outcome, why = "partial", "; ".join(owing)
    else:
        outcome, why = "matched", f"paid {paid}" if paid else f"{payment.state}"
    return PaymentLine(
        payment=payment.id,
        date=f"{payment.date:%Y-%m-%d}",
        amount=f"{amounts.money(payment.amount):.2f}",
        name=payment.name or "",
        remittance=payment.remittance_user_string or "",
        outcome=outcome,
        why=why,
        subscriptions=[sid for sid, _ in linked],
    )


def statement_report(file_id: int) -> FileReport:
    """The report of a statement imported before (its payments as they stand now)."""
    finance_file = FinanceFile.get_or_none(FinanceFile.id == file_id)
    if finance_file is None:
        raise InvalidInput(f"no statement (finance file) {file_id}")
    ids = [i for (i,) in Payment.select(Payment.id).where(Payment.file == file_id).tuples()]
    report = FileReport(name=finance_file.file or finance_file.name, lines=len(ids))
    report.payments = classify(ids)
    counts = report.counts()
    report.matched = counts.get("matched", 0) + counts.get("partial", 0)
    report.irrelevant = counts.get("debit", 0) + counts.get("irrelevant", 0)
    report.manual = len(ids) - report.matched - report.irrelevant - counts.get("new", 0)
    return report


def statements(limit: int = 20) -> list[tuple[int, str, datetime | None, int]]:
    """The latest imported statements: (id, file, created, payments), the last imported first."""
    count = Payment.select(fn.COUNT(Payment.id)).where(Payment.file == FinanceFile.id)
    return list(
        FinanceFile.select(FinanceFile.id, FinanceFile.file, FinanceFile.created_at, count)
        .where(FinanceFile.type == FinanceFileType.ZKB_CSV)
        .order_by(FinanceFile.id.desc())
        .limit(limit)
        .tuples()
    )


def process_payments(report: FileReport | None = None) -> None:
    """The site's ``PaymentProcessor.process_payments`` over every payment waiting."""
    Payment.update(type=PaymentType.IRRELEVANT).where(
        (Payment.state == PaymentState.NEW) & (Payment.credit_debit == CreditDebit.DEBIT)
    ).execute()
    credits = Payment.select().where(
        (Payment.state == PaymentState.NEW) & (Payment.credit_debit == CreditDebit.CREDIT)
    )
    for payment in credits.order_by(Payment.id):
        match_payment(payment)
    confirmed_with_payments = (
        Subscribe.select()
        .where(
            (Subscribe.state == SubscribeState.CONFIRMED)
            & Subscribe.id.in_(SubscriptionPayment.select(SubscriptionPayment.subscription))
        )
        .order_by(Subscribe.id)
    )
    subs = list(confirmed_with_payments)
    opens = amounts.open_amounts(subs)
    for sub in subs:
        if opens[sub.id] == 0 and mark_paid(sub, PaymentMethod.ONLINE) and report:
            report.subscriptions_paid.append(sub.usi)
    Payment.update(state=PaymentState.PROCESSED).where(
        Payment.state == PaymentState.MATCHED
    ).execute()


def import_statement(data: bytes, name: str, key: str | None = None) -> FileReport:
    """Import one ZKB CSV (``name`` shown in messages, ``key`` its place in the finance storage)
    and process the payments waiting, in one transaction.

    A file that is not a statement raises InvalidInput and writes nothing; a file
    already processed is skipped; unreadable lines are listed in the report.
    """
    key = key or name
    report = FileReport(name=key)
    existing = FinanceFile.get_or_none(FinanceFile.file == key)
    if existing is not None and existing.processed:
        report.status = "skipped"
        return report
    lines, report.unreadable = parse_zkb_csv(data, name)
    report.lines = len(lines) + len(report.unreadable)
    with audited("payment_match", FinanceFile._meta.table_name) as write:
        finance_file = existing or FinanceFile.create(
            name=unique_file_name(PurePosixPath(key).name),
            file=key[:100],
            type=FinanceFileType.ZKB_CSV,
            processed=False,
            created_at=datetime.now(),
        )
        saved, line_of = [], {}
        for line in lines:
            if Payment.select().where(Payment.transaction_id == line.reference).exists():
                report.duplicates += 1
                continue
            payment = Payment.create(
                name=line.name,
                address=line.address,
                date=line.date,
                transaction_id=line.reference,
                currency_code="CHF",
                amount=line.amount,
                remittance_user_string=line.remittance,
                comment=line.text,
                credit_debit=CreditDebit.DEBIT if line.debit else CreditDebit.CREDIT,
                filename=key[:300],
                file=finance_file,
            )
            saved.append(payment.id)
            line_of[payment.id] = line.line
        finance_file.processed = True
        finance_file.save()
        process_payments(report)
        for state, kind in (
            Payment.select(Payment.state, Payment.type).where(Payment.id.in_(saved or [0])).tuples()
        ):
            if kind == PaymentType.IRRELEVANT:
                report.irrelevant += 1
            elif state == PaymentState.PROCESSED:
                report.matched += 1
            else:
                report.manual += 1
        report.payments = classify(saved)
        for p in report.payments:
            p.line = line_of.get(p.payment)
        write.pk = finance_file.id
        write.summary = {
            k: v
            for k, v in asdict(report).items()
            if k not in ("subscriptions_paid", "unreadable", "payments")
        }
    return report


def unique_file_name(name: str) -> str:
    candidate, n = name[:190], 2
    while FinanceFile.select().where(FinanceFile.name == candidate).exists():
        candidate, n = f"{name[:185]} ({n})", n + 1
    return candidate


def unprocessed_keys(keys: list[str]) -> list[str]:
    done = {
        f
        for (f,) in FinanceFile.select(FinanceFile.file)
        .where(FinanceFile.processed == True)  # noqa: E712 - peewee expression
        .tuples()
    }
    return [k for k in keys if k not in done]


def match_storage_files(backends, prefix: str = "") -> MatchReport:
    """Import every unprocessed ``.csv`` of the finance storage; a file that is not a
    statement is reported (and leaves no row, so later statements still go through)."""
    storage = backends.get("storage").storage("finance")
    keys = sorted(o.key for o in storage.iter_objects(prefix) if o.key.lower().endswith(".csv"))
    report = MatchReport()
    for key in unprocessed_keys(keys):
        try:
            report.files.append(import_statement(storage.read(key), PurePosixPath(key).name, key))
        except InvalidInput as exc:
            audited_failure(key, str(exc))
            report.files.append(FileReport(name=key, status="failed", error=str(exc)))
    return report


def audited_failure(key: str, error: str) -> None:
    """Record a rejected file in the audit log only: a FinanceFile row for it would be
    picked up again by every later parse (the site's KeyError 'Datum')."""
    from tqconsole.services.db.audit import note

    note("payment_match_failed", FinanceFile._meta.table_name, key, {"file": key, "error": error})
