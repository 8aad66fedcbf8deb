"""What a subscription costs, what is still open, and when its course starts.

The site's rules (``Subscribe.get_price_to_pay`` / ``open_amount``):
- the price is the stored ``price_to_pay``; when none is stored, the student
  price for a student, else the full price (an empty course price counts 0);
- a student is a staff member whose ``student_validity`` has not passed, or
  anyone else with a student status (eth/uni/ph/other) *and* a legi number;
- the open amount is 0 in the paid states (payed, to_reimburse, completed):
  a subscription paid at the counter, by card or by a reduction has no payment
  row; otherwise price − reductions − subscription payments, never below 0.
"""

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
    User,
    UserProfile,
)
from tqconsole.models.choices import StudentStatus, SubscribeState

CENT = Decimal("0.01")
STUDENT_STATUSES = (StudentStatus.ETH, StudentStatus.UNI, StudentStatus.PH, StudentStatus.OTHER)


def money(value) -> Decimal:
    return Decimal(str(value or 0)).quantize(CENT)


def is_student(profile: UserProfile | None, staff: bool, today: date | None = None) -> bool:
    if profile is None:
        return False
    if staff:
        validity = profile.student_validity
        return validity is not None and validity >= (today or date.today())
    return profile.student_status in STUDENT_STATUSES and bool(profile.legi)


def computed_price(sub: Subscribe, today: date | None = None) -> Decimal:
    """The course's student or full price for this subscriber (the site's ``generate_price_to_pay``)."""
    course = Course.get_by_id(sub.course_id)
    user = User.get_by_id(sub.user_id)
    profile = UserProfile.get_or_none(UserProfile.user == sub.user_id)
    student = is_student(profile, user.is_staff, today)
    return money(course.price_with_legi if student else course.price_without_legi)


def price_to_pay(sub: Subscribe) -> Decimal:
    """The stored price, else the computed one."""
    if sub.price_to_pay is not None:
        return money(sub.price_to_pay)
    return computed_price(sub)


def sums(model, ids: list[int]) -> dict[int, Decimal]:
    """SUM(amount) per subscription of a reductions or payments table."""
    result: dict[int, Decimal] = {}
    for i in range(0, len(ids), 500):
        result.update(
            model.select(model.subscription, fn.SUM(model.amount))
            .where(model.subscription.in_(ids[i : i + 500]))
            .group_by(model.subscription)
            .tuples()
        )
    return {k: money(v) for k, v in result.items()}


def open_amounts(subs: Iterable[Subscribe]) -> dict[int, Decimal]:
    """The site's open amount of each subscription, for many at once."""
    subs = list(subs)
    ids = [s.id for s in subs]
    reductions, payments = sums(PriceReduction, ids), sums(SubscriptionPayment, ids)
    result = {}
    for sub in subs:
        if sub.state in SubscribeState.PAID:
            result[sub.id] = Decimal("0.00")
            continue
        left = price_to_pay(sub) - reductions.get(sub.id, 0) - payments.get(sub.id, 0)
        result[sub.id] = max(left, Decimal(0)).quantize(CENT)
    return result


def open_amounts_of(ids: list[int]) -> dict[int, Decimal]:
    """The open amount per subscription id (one page of a list at a time)."""
    return open_amounts(Subscribe.select().where(Subscribe.id.in_(ids))) if ids else {}


def open_amount(sub: Subscribe) -> Decimal:
    return open_amounts([sub])[sub.id]


def amount_figures(sub: Subscribe) -> dict[str, Decimal]:
    """The site's payment figures of one subscription (the record and ``subs find`` show them)."""
    price = price_to_pay(sub)
    reductions = sums(PriceReduction, [sub.id]).get(sub.id, Decimal("0.00"))
    payments = sums(SubscriptionPayment, [sub.id]).get(sub.id, Decimal("0.00"))
    return {
        "price_to_pay": price,
        "sum_of_reductions": reductions,
        "price_after_reductions": price - reductions,
        "sum_of_payments": payments,
        "open_amount": open_amount(sub),
    }


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
