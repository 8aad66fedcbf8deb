"""Bank statements in, matched payments out: the ZKB CSV import and the matching rules.

Rules (DESIGN.md, "Domain facts"):
- a credit names its subscription as ``USI-XXXXXX`` in the remittance text;
- open amount = price − reductions − subscription payments, never below 0;
- a credit that pays the open amount exactly is matched: a subscription payment
  is created and a confirmed subscription becomes ``payed``; the payment is processed;
- one that pays part, too much, names an unknown USI or no USI at all goes to
  ``manual`` (a partial or over-payment is still linked, so the open amount drops);
- debits are ``irrelevant``;
- a line whose bank reference is already stored is skipped, so re-running adds nothing twice.
"""

from __future__ import annotations

import csv
import re
from dataclasses import asdict, dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from pathlib import PurePosixPath

from peewee import fn

from tqconsole.errors import InvalidInput
from tqconsole.models import (
    Course,
    FinanceFile,
    Payment,
    PriceReduction,
    Subscribe,
    SubscriptionPayment,
    UserProfile,
)
from tqconsole.models.choices import (
    CreditDebit,
    FinanceFileType,
    PaymentMethod,
    PaymentState,
    PaymentType,
    SubscribeState,
)
from tqconsole.models.courses import USI_ALPHABET
from tqconsole.services import zkb_statement
from tqconsole.services.audit import audited
from tqconsole.services.zkb_statement import ZKB_COLUMNS

USI_RE = re.compile(rf"USI-([{USI_ALPHABET}]{{6}})(?![{USI_ALPHABET}])", re.IGNORECASE)
CENT = Decimal("0.01")
# States whose subscriptions a bank payment can be matched to.
PAYABLE = (
    SubscribeState.NEW,
    SubscribeState.WAITING_LIST,
    SubscribeState.CONFIRMED,
    SubscribeState.PAYED,
    SubscribeState.COMPLETED,
)


@dataclass
class BankLine:
    line: int
    date: datetime
    reference: str
    amount: Decimal
    debit: bool
    name: str
    remittance: str


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
    subscriptions_paid: list[str] = field(default_factory=list)


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
        return out or ["no unprocessed bank statements"]


# --- amounts
def money(value) -> Decimal:
    return Decimal(str(value or 0)).quantize(CENT)


def price_of(sub: Subscribe) -> Decimal:
    """What the subscription costs: ``price_to_pay``, else the course price by legi."""
    if sub.price_to_pay is not None:
        return money(sub.price_to_pay)
    course = Course.get_by_id(sub.course_id)
    profile = UserProfile.get_or_none(UserProfile.user == sub.user_id)
    legi = profile is not None and profile.has_legi()
    return money(course.price_with_legi if legi else course.price_without_legi)


def open_amounts(subscription_ids: list[int]) -> dict[int, Decimal]:
    """Open amount per subscription: price − reductions − payments, never below 0."""
    if not subscription_ids:
        return {}
    result = {}
    for chunk_start in range(0, len(subscription_ids), 500):
        ids = subscription_ids[chunk_start : chunk_start + 500]
        reductions = dict(
            PriceReduction.select(PriceReduction.subscription, fn.SUM(PriceReduction.amount))
            .where(PriceReduction.subscription.in_(ids))
            .group_by(PriceReduction.subscription)
            .tuples()
        )
        paid = dict(
            SubscriptionPayment.select(
                SubscriptionPayment.subscription, fn.SUM(SubscriptionPayment.amount)
            )
            .where(SubscriptionPayment.subscription.in_(ids))
            .group_by(SubscriptionPayment.subscription)
            .tuples()
        )
        for sub in Subscribe.select().where(Subscribe.id.in_(ids)):
            left = price_of(sub) - money(reductions.get(sub.id)) - money(paid.get(sub.id))
            result[sub.id] = max(left, Decimal("0.00"))
    return result


def open_amount(sub: Subscribe) -> Decimal:
    return open_amounts([sub.id]).get(sub.id, Decimal("0.00"))


# --- parsing
def parse_amount(text: str, where: str) -> Decimal | None:
    text = text.strip().replace("'", "").replace("’", "").replace(" ", "")
    if not text:
        return None
    if "," in text and "." not in text:
        text = text.replace(",", ".")
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise InvalidInput(f"{where}: {text!r} is not an amount") from None
    if value < 0:
        value = -value
    return value.quantize(CENT)


def parse_date(text: str, where: str) -> datetime:
    try:
        return datetime.strptime(text.strip(), zkb_statement.DATE_FORMAT)
    except ValueError:
        raise InvalidInput(f"{where}: {text.strip()!r} is not a date (dd.mm.yyyy)") from None


def decode_text(data: bytes) -> str:
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")


def parse_zkb_csv(data: bytes, name: str) -> list[BankLine]:
    """The booking lines of a ZKB CSV export; InvalidInput names the file and line."""
    reader = zkb_statement.reader(decode_text(data))
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        raise InvalidInput(f"{name}: the file is empty") from None
    except csv.Error as exc:
        raise InvalidInput(f"{name}: not a CSV file ({exc})") from None
    missing = [c for c in zkb_statement.REQUIRED_COLUMNS if c not in header]
    if missing:
        raise InvalidInput(
            f"{name}: not a ZKB statement (missing column(s) {', '.join(missing)}; "
            f"expected {';'.join(ZKB_COLUMNS)})"
        )
    col = {h: i for i, h in enumerate(header)}
    lines = []
    try:
        for number, row in enumerate(reader, start=2):
            if not any(cell.strip() for cell in row):
                continue
            if len(row) < len(header):
                raise InvalidInput(
                    f"{name} line {number}: {len(row)} fields, expected {len(header)}"
                )
            cell = lambda column, row=row: row[col[column]].strip() if column in col else ""  # noqa: E731
            where = f"{name} line {number}"
            debit = parse_amount(cell("Belastung CHF"), where)
            credit = parse_amount(cell("Gutschrift CHF"), where)
            if debit is None and credit is None:
                continue  # a detail line of a collective booking
            if debit is not None and credit is not None:
                raise InvalidInput(f"{where}: both a debit and a credit amount")
            reference = cell("ZKB-Referenz")
            if not reference:
                raise InvalidInput(f"{where}: no ZKB-Referenz")
            details, text = cell("Details"), cell("Buchungstext")
            lines.append(
                BankLine(
                    line=number,
                    date=parse_date(cell("Datum"), where),
                    reference=reference[:100],
                    amount=debit if debit is not None else credit,
                    debit=debit is not None,
                    name=(details or text)[:200],
                    remittance=(cell("Zahlungszweck") or text)[:600],
                )
            )
    except csv.Error as exc:
        raise InvalidInput(f"{name}: not a CSV file ({exc})") from None
    return lines


# --- matching
def usis_in(text: str) -> list[str]:
    seen = []
    for match in USI_RE.finditer(text or ""):
        usi = match.group(1).upper()
        if usi not in seen:
            seen.append(usi)
    return seen


def match_payment(payment: Payment, report: FileReport) -> None:
    """Classify one stored payment and link it to its subscriptions (see the module rules)."""
    if payment.credit_debit == CreditDebit.DEBIT:
        payment.type, payment.state = PaymentType.IRRELEVANT, PaymentState.PROCESSED
        report.irrelevant += 1
        payment.save()
        return
    usis = usis_in(payment.remittance_user_string)
    subs = list(Subscribe.select().where(Subscribe.usi.in_(usis))) if usis else []
    if not usis or len(subs) != len(usis) or any(s.state not in PAYABLE for s in subs):
        payment.type, payment.state = PaymentType.UNKNOWN, PaymentState.MANUAL
        known = {s.usi for s in subs}
        unknown = [u for u in usis if u not in known]
        payment.comment = (
            f"unknown USI {', '.join(unknown)}"
            if unknown
            else "subscription not payable"
            if usis
            else "no USI in the remittance text"
        )
        report.manual += 1
        payment.save()
        return
    subs.sort(key=lambda s: usis.index(s.usi))
    opens = open_amounts([s.id for s in subs])
    remaining = money(payment.amount)
    balanced = remaining == sum(opens.values())
    for i, sub in enumerate(subs):
        last = i == len(subs) - 1
        share = remaining if last else min(remaining, opens[sub.id])
        if share <= 0:
            continue
        remaining -= share
        SubscriptionPayment.create(payment=payment, subscription=sub, amount=share)
        fully_paid = share >= opens[sub.id]
        if fully_paid and sub.state == SubscribeState.CONFIRMED:
            sub.state = SubscribeState.PAYED
            sub.paymentmethod = sub.paymentmethod or PaymentMethod.ONLINE
            sub.save()
            report.subscriptions_paid.append(sub.usi)
    payment.type = PaymentType.SUBSCRIPTION_PAYMENT
    if balanced and all(s.state in (SubscribeState.PAYED, SubscribeState.COMPLETED) for s in subs):
        payment.state = PaymentState.PROCESSED
        report.matched += 1
    else:
        excess = money(payment.amount) - sum(opens.values())
        payment.amount_to_reimburse = max(excess, Decimal("0.00"))
        payment.state = PaymentState.MANUAL
        payment.comment = (
            f"over-paid by {excess}"
            if excess > 0
            else f"partial payment, {-excess} still open"
            if excess < 0
            else "subscription not confirmed yet"
        )
        report.manual += 1
    payment.save()


def import_statement(data: bytes, name: str, key: str | None = None) -> FileReport:
    """Import one ZKB CSV (``name`` shown in errors, ``key`` its place in the finance storage).

    All or nothing: a malformed file raises InvalidInput and writes nothing.
    A file already processed is skipped.
    """
    key = key or name
    report = FileReport(name=key)
    existing = FinanceFile.get_or_none(FinanceFile.file == key)
    if existing is not None and existing.processed:
        report.status = "skipped"
        return report
    lines = parse_zkb_csv(data, name)
    report.lines = len(lines)
    with audited("payment_match", FinanceFile._meta.table_name) as write:
        finance_file = existing or FinanceFile.create(
            name=unique_file_name(PurePosixPath(key).name),
            file=key[:100],
            type=FinanceFileType.ZKB_CSV,
            processed=False,
            created_at=datetime.now(),
        )
        known = {
            r
            for (r,) in Payment.select(Payment.transaction_id)
            .where(Payment.transaction_id.in_([line.reference for line in lines]))
            .tuples()
        }
        for line in lines:
            if line.reference in known:
                report.duplicates += 1
                continue
            known.add(line.reference)
            payment = Payment.create(
                name=line.name,
                date=line.date,
                transaction_id=line.reference,
                amount=line.amount,
                remittance_user_string=line.remittance,
                credit_debit=CreditDebit.DEBIT if line.debit else CreditDebit.CREDIT,
                filename=PurePosixPath(key).name[:300],
                file=finance_file,
            )
            match_payment(payment, report)
        finance_file.processed = True
        finance_file.save()
        write.pk = finance_file.id
        write.summary = {k: v for k, v in asdict(report).items() if k != "subscriptions_paid"}
    return report


def unique_file_name(name: str) -> str:
    candidate, n = name[:190], 2
    while FinanceFile.select().where(FinanceFile.name == candidate).exists():
        candidate, n = f"{name[:185]} ({n})", n + 1
    return candidate


def record_failure(key: str, error: str) -> None:
    """Mark a bank file as failed: its (unprocessed) row and an audit entry with the error."""
    with audited(
        "payment_match_failed", FinanceFile._meta.table_name, summary={"error": error}
    ) as w:
        row = FinanceFile.get_or_none(FinanceFile.file == key)
        if row is None:
            row = FinanceFile.create(
                name=unique_file_name(PurePosixPath(key).name),
                file=key[:100],
                type=FinanceFileType.ZKB_CSV,
                processed=False,
                created_at=datetime.now(),
            )
        w.pk = row.id
        w.summary = {"file": key, "error": error}


def unprocessed_keys(keys: list[str]) -> list[str]:
    done = {
        f
        for (f,) in FinanceFile.select(FinanceFile.file)
        .where(FinanceFile.processed == True)  # noqa: E712 - peewee expression
        .tuples()
    }
    return [k for k in keys if k not in done]


def match_storage_files(backends, prefix: str = "") -> MatchReport:
    """Import every unprocessed ``.csv`` of the finance storage; a bad file fails alone."""
    storage = backends.get("storage").storage("finance")
    keys = sorted(o.key for o in storage.iter_objects(prefix) if o.key.lower().endswith(".csv"))
    report = MatchReport()
    for key in unprocessed_keys(keys):
        try:
            report.files.append(import_statement(storage.read(key), PurePosixPath(key).name, key))
        except InvalidInput as exc:
            record_failure(key, str(exc))
            report.files.append(FileReport(name=key, status="failed", error=str(exc)))
    return report
