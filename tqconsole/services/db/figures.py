"""Key figures the dashboard shows for the database."""

from __future__ import annotations

from datetime import date

from tqconsole.models import Course, Payment, Period, Subscribe
from tqconsole.models.choices import CreditDebit, PaymentState, SubscribeState


def courses_this_period(today: date | None = None):
    """Courses whose effective period contains today."""
    today = today or date.today()
    current = Period.select(Period.id).where(
        (Period.date_from <= today) & (Period.date_to >= today)
    )
    return Course.of_periods(current)


def database_figures(today: date | None = None) -> list[tuple[str, str]]:
    open_subs = Subscribe.select().where(Subscribe.state.in_(SubscribeState.OPEN)).count()
    unpaid = Subscribe.select().where(Subscribe.state == SubscribeState.CONFIRMED).count()
    unmatched = (
        Payment.select()
        .where(
            Payment.state.in_(PaymentState.UNMATCHED) & (Payment.credit_debit != CreditDebit.DEBIT)
        )
        .count()
    )
    return [
        ("open subscriptions", f"{open_subs:,}"),
        ("confirmed, unpaid", f"{unpaid:,}"),
        ("unmatched payments", f"{unmatched:,}"),
        ("courses this period", f"{courses_this_period(today).count():,}"),
    ]
