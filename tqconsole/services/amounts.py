"""What a subscription costs, what is still open, and when its course starts."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal

from peewee import JOIN, fn

from tqconsole.models import (
    Course,
    Offering,
    Period,
    PriceReduction,
    Subscribe,
    SubscriptionPayment,
    UserProfile,
)

CENT = Decimal("0.01")


def price_to_pay(sub: Subscribe) -> Decimal:
    """The stored price, else the student price with a legi, else the full price."""
    if sub.price_to_pay is not None:
        return Decimal(str(sub.price_to_pay)).quantize(CENT)
    course = sub.course
    profile = UserProfile.get_or_none(UserProfile.user == sub.user_id)
    price = (
        course.price_with_legi
        if profile is not None and profile.has_legi()
        else course.price_without_legi
    )
    return Decimal(str(price or 0)).quantize(CENT)


def open_amounts(subs: Iterable[Subscribe]) -> dict[int, Decimal]:
    """Price − reductions − subscription payments, never below 0, for many at once."""
    subs = list(subs)
    ids = [s.id for s in subs]
    reductions: dict[int, Decimal] = {}
    payments: dict[int, Decimal] = {}
    for i in range(0, len(ids), 500):
        part = ids[i : i + 500]
        reductions.update(
            PriceReduction.select(PriceReduction.subscription, fn.SUM(PriceReduction.amount))
            .where(PriceReduction.subscription.in_(part))
            .group_by(PriceReduction.subscription)
            .tuples()
        )
        payments.update(
            SubscriptionPayment.select(
                SubscriptionPayment.subscription, fn.SUM(SubscriptionPayment.amount)
            )
            .where(SubscriptionPayment.subscription.in_(part))
            .group_by(SubscriptionPayment.subscription)
            .tuples()
        )
    result = {}
    for sub in subs:
        paid = Decimal(str(reductions.get(sub.id) or 0)) + Decimal(str(payments.get(sub.id) or 0))
        result[sub.id] = max(price_to_pay(sub) - paid, Decimal(0)).quantize(CENT)
    return result


def open_amount(sub: Subscribe) -> Decimal:
    return open_amounts([sub])[sub.id]


def course_start_expression():
    """SQL for a course's start: its own period's date_from, else its offering's."""
    own, offered = Period.alias("own_period"), Period.alias("offering_period")
    return own, offered, fn.COALESCE(own.date_from, offered.date_from)


def with_course_start(query, own, offered):
    """Join a query over Subscribe to the periods that ``course_start_expression`` reads."""
    return (
        query.join(Course, on=(Subscribe.course == Course.id))
        .join(own, JOIN.LEFT_OUTER, on=(Course.period == own.id))
        .switch(Course)
        .join(Offering, JOIN.LEFT_OUTER, on=(Course.offering == Offering.id))
        .join(offered, JOIN.LEFT_OUTER, on=(Offering.period == offered.id))
    )


def course_start(course: Course) -> date | None:
    period = course.effective_period()
    return period.date_from if period else None
