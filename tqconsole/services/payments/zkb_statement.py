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

``payment_matching`` reads these files; ``bucket_demo`` writes the demo ones.
"""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal

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
# the columns a file must have to be read as a statement
REQUIRED_COLUMNS = ("Datum", "ZKB-Referenz", "Belastung CHF", "Gutschrift CHF")
DELIMITER = ";"
DATE_FORMAT = "%d.%m.%Y"


def reader(text: str):
    return csv.reader(io.StringIO(text), delimiter=DELIMITER, quotechar='"')


def writer(out: io.StringIO):
    return csv.writer(out, delimiter=DELIMITER, lineterminator="\r\n")


def format_date(day: date) -> str:
    return day.strftime(DATE_FORMAT)


def format_amount(value: Decimal) -> str:
    return f"{value:.2f}"
