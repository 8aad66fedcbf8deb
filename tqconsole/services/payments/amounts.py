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

import peewee as pw
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
    return student_by(staff, profile.student_status, profile.legi, profile.student_validity, today)


def student_by(staff: bool, status, legi, validity, today: date | None = None) -> bool:
    """The site's student rule on a profile's columns (see the module docstring)."""
    if staff:
        return validity is not None and validity >= (today or date.today())
    return status in STUDENT_STATUSES and bool(legi)


def computed_prices(subs: Iterable[Subscribe], today: date | None = None) -> dict:
    """The course's student or full price for each (course id, user id) of ``subs``
    (the site's ``generate_price_to_pay``): two queries, however many subscriptions."""
    pairs = {(s.course_id, s.user_id) for s in subs}
    if not pairs:
        return {}
    course_ids, user_ids = sorted({c for c, _ in pairs}), sorted({u for _, u in pairs})
    prices = {
        cid: (legi, full)
        for cid, legi, full in Course.select(
            Course.id, Course.price_with_legi, Course.price_without_legi
        )
        .where(Course.id.in_(course_ids))
        .tuples()
    }
    students = {
        uid: profiled and student_by(staff, status, legi, validity, today)
        for uid, staff, profiled, status, legi, validity in User.select(
            User.id,
            User.is_staff,
            UserProfile.user.is_null(False),
            UserProfile.student_status,
            UserProfile.legi,
            UserProfile.student_validity,
        )
        .join(UserProfile, JOIN.LEFT_OUTER, on=(UserProfile.user == User.id))
        .where(User.id.in_(user_ids))
        .tuples()
    }
    missing = [c for c in course_ids if c not in prices] + [
        u for u in user_ids if u not in students
    ]
    if missing:  # as Course.get_by_id / User.get_by_id would
        raise Course.DoesNotExist(f"no course or user {missing[0]}")
    return {(c, u): money(prices[c][0 if students[u] else 1]) for c, u in pairs}


def computed_price(sub: Subscribe, today: date | None = None) -> Decimal:
    """The course's student or full price for this subscriber (the site's ``generate_price_to_pay``)."""
    return computed_prices([sub], today)[(sub.course_id, sub.user_id)]


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


def settle(subs: list[Subscribe], reductions: dict, payments: dict) -> dict[int, Decimal]:
    """The open amount of each of ``subs`` from its reductions and payments (by id)."""
    unpaid = [s for s in subs if s.state not in SubscribeState.PAID]
    computed = computed_prices([s for s in unpaid if s.price_to_pay is None])
    result = {}
    for sub in subs:
        if sub.state in SubscribeState.PAID:
            result[sub.id] = Decimal("0.00")
            continue
        if sub.price_to_pay is not None:
            price = money(sub.price_to_pay)
        else:
            price = computed[(sub.course_id, sub.user_id)]
        left = price - money(reductions.get(sub.id)) - money(payments.get(sub.id))
        result[sub.id] = max(left, Decimal(0)).quantize(CENT)
    return result


def open_amounts(subs: Iterable[Subscribe]) -> dict[int, Decimal]:
    """The site's open amount of each subscription, for many at once (a few queries)."""
    subs = list(subs)
    ids = [s.id for s in subs if s.state not in SubscribeState.PAID]
    return settle(subs, sums(PriceReduction, ids), sums(SubscriptionPayment, ids))


def summed(model) -> pw.Node:
    """SUM(amount) of ``model``'s rows of the subscription in the outer query."""
    inner = model.alias()
    return inner.select(fn.SUM(inner.amount)).where(inner.subscription == Subscribe.id)


def open_amounts_of(ids: list[int]) -> dict[int, Decimal]:
    """The open amount per subscription id (a page of a list at a time): one query
    with the sums, and two more only where a price must be computed."""
    if not ids:
        return {}
    subs = list(
        Subscribe.select(
            Subscribe.id,
            Subscribe.state,
            Subscribe.price_to_pay,
            Subscribe.course,
            Subscribe.user,
            summed(PriceReduction).alias("reductions"),
            summed(SubscriptionPayment).alias("payments"),
        ).where(Subscribe.id.in_(ids))
    )
    reductions = {s.id: s.reductions for s in subs}
    return settle(subs, reductions, {s.id: s.payments for s in subs})


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
