"""The ZKB bank-statement CSV export: its columns and how its cells are written.

Statements are account exports of the Zürcher Kantonalbank: ``;``-separated, a
header line, dates ``dd.mm.yyyy``, amounts with a ``.`` decimal point and no
thousands separator (bank exports may also carry ``'`` separators or a decimal
comma; the reader accepts those).  Columns:

``Datum``           booking date
``Buchungstext``    booking text (``Gutschrift …`` for credits, ``Belastung …`` for debits)
``Betrag Detail``   amount of a collective booking's detail line
``ZKB-Referenz``    the bank's unique reference of the booking
``Referenznummer``  QR/ESR reference (empty unless the payer used one)
``Belastung CHF``   debit amount, empty for credits
``Gutschrift CHF``  credit amount, empty for debits
``Valuta``          value date
``Saldo CHF``       account balance after the booking
``Zahlungszweck``   remittance text; course payments carry ``USI-XXXXXX``
``Details``         payer or payee: name, address, IBAN

``parse_zkb_csv`` reads them for payment matching; ``demo/buckets`` writes the
demo ones.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from tqconsole.errors import InvalidInput
from tqconsole.services.payments import amounts

ZKB_COLUMNS = (
    "Datum",
    "Buchungstext",
    "Betrag Detail",
    "ZKB-Referenz",
    "Referenznummer",
    "Belastung CHF",
    "Gutschrift CHF",
    "Valuta",
    "Saldo CHF",
    "Zahlungszweck",
    "Details",
)
# the columns the site's parser reads
READ_COLUMNS = (
    "Datum",
    "ZKB-Referenz",
    "Zahlungszweck",
    "Buchungstext",
    "Details",
    "Gutschrift CHF",
    "Belastung CHF",
)
DELIMITER = ";"
DATE_FORMAT = "%d.%m.%Y"


@dataclass
class BankLine:
    line: int
    date: datetime
    reference: str
    amount: Decimal
    debit: bool
    name: str
    address: str
    remittance: str
    text: str


def writer(out: io.StringIO):
    return csv.writer(out, delimiter=DELIMITER, lineterminator="\r\n")


def format_date(day: date) -> str:
    return day.strftime(DATE_FORMAT)


def format_amount(value: Decimal) -> str:
    return f"{value:.2f}"


# --- reading
def parse_amount(text: str, where: str) -> Decimal | None:
    text = text.strip().replace("'", "").replace("’", "")
    if not text:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise InvalidInput(f"{where}: {text!r} is not an amount") from None
    return abs(value).quantize(amounts.CENT)


def parse_date(text: str, where: str) -> datetime:
    try:
        return datetime.strptime(text.strip(), DATE_FORMAT)
    except ValueError:
        raise InvalidInput(f"{where}: {text.strip()!r} is not a date (dd.mm.yyyy)") from None


def parse_line(row: dict, where: str, number: int) -> BankLine:
    credit = parse_amount(row["Gutschrift CHF"] or "", where)
    debit = parse_amount(row["Belastung CHF"] or "", where) if credit is None else None
    if credit is None and debit is None:
        raise InvalidInput(f"{where}: neither a credit nor a debit amount")
    reference = (row["ZKB-Referenz"] or "").strip()
    if not reference:
        raise InvalidInput(f"{where}: no ZKB-Referenz")
    name, _, address = (row["Details"] or "").partition(",")
    return BankLine(
        line=number,
        date=parse_date(row["Datum"] or "", where),
        reference=reference[:100],
        amount=credit if credit is not None else debit,
        debit=credit is None,
        name=name[:200],
        address=address,
        remittance=(row["Zahlungszweck"] or "")[:600],
        text=row["Buchungstext"] or "",
    )


def parse_zkb_csv(data: bytes, name: str) -> tuple[list[BankLine], list[str]]:
    """The lines of a ZKB statement and the lines that could not be read (with their number).

    A file that is not a statement at all raises InvalidInput.
    """
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInput(f"{name}: not a ZKB statement (not UTF-8 text)") from None
    reader = csv.DictReader(io.StringIO(text), delimiter=DELIMITER)
    try:
        header = reader.fieldnames or []
    except csv.Error as exc:
        raise InvalidInput(f"{name}: not a CSV file ({exc})") from None
    missing = [c for c in READ_COLUMNS if c not in header]
    if missing:
        raise InvalidInput(
            f"{name}: not a ZKB statement (missing column(s) {', '.join(missing)}; "
            f"expected {';'.join(ZKB_COLUMNS)})"
        )
    lines, unreadable = [], []
    number = 1
    while True:
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            unreadable.append(f"{name} line {reader.line_num}: {exc}")
            continue
        number = reader.line_num
        if not any((v or "").strip() for v in row.values() if isinstance(v, str)):
            continue
        try:
            lines.append(parse_line(row, f"{name} line {number}", number))
        except InvalidInput as exc:
            unreadable.append(str(exc))
    return lines, unreadable
