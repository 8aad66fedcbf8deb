"""The front desk: find a person by name, email or USI, see all of her at once, take cash.

``find(text)`` answers one search field: a USI (``VEXF39``, ``usi-vexf39``) finds
the person of that subscription; anything else is matched, word by word, against
first name, last name and email (every word somewhere, case-insensitive).

``person(user_id)`` is one screen's worth: her profile line, every subscription
with the course's translated title, state, USI, price, the site's open amount
and payment method, and the payments linked to her subscriptions.

``pay_at_counter(subscription_id, amount)`` is the counter: the amount taken
must be the open amount (the site marks a counter payment in full only, and
records no amount: ``Subscribe.mark_as_paid(counter)``), then the staff action
``paid_counter`` runs through ``subscriptions.apply``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from peewee import JOIN, fn

from tqconsole.errors import InvalidInput, NotFound, ReadOnlyError
from tqconsole.models import (
    Course,
    CourseType,
    Payment,
    Subscribe,
    SubscriptionPayment,
    User,
    UserProfile,
    database,
)
from tqconsole.models.choices import SubscribeState
from tqconsole.services.courses import subscriptions
from tqconsole.services.payments import amounts

FIND_LIMIT = 50


@dataclass
class Match:
    user_id: int
    name: str
    email: str
    subscriptions: int


@dataclass
class SubscriptionLine:
    id: int
    usi: str
    title: str  # the course type's title in the user's language
    course: str  # the course's own name (period, day)
    state: str
    price: Decimal
    open_amount: Decimal
    paymentmethod: str | None


@dataclass
class PaymentLine:
    id: int
    date: str
    amount: Decimal
    usi: str
    linked: Decimal  # the part of the payment booked on this subscription
    state: str
    type: str
    remittance: str


@dataclass
class Person:
    user_id: int
    name: str
    email: str
    profile: str  # one line: student status, legi, phone, language
    subscriptions: list[SubscriptionLine] = field(default_factory=list)
    payments: list[PaymentLine] = field(default_factory=list)

    def as_dict(self) -> dict:
        def plain(line) -> dict:
            return {k: (str(v) if isinstance(v, Decimal) else v) for k, v in vars(line).items()}

        return {
            "user_id": self.user_id,
            "name": self.name,
            "email": self.email,
            "profile": self.profile,
            "subscriptions": [plain(s) for s in self.subscriptions],
            "payments": [plain(p) for p in self.payments],
        }


def full_name(first: str | None, last: str | None) -> str:
    return " ".join(p for p in (first, last) if p) or "(no name)"


def usi_in(text: str) -> str | None:
    """The USI the search text is, or None when it is no USI."""
    try:
        return subscriptions.normalise_usi(text)
    except InvalidInput:
        return None


def find(text: str, limit: int = FIND_LIMIT) -> list[Match]:
    """People whose subscription has this USI, else whose name or email has every word."""
    text = text.strip()
    if not text:
        return []
    count = fn.COUNT(Subscribe.id)
    query = (
        User.select(User.id, User.first_name, User.last_name, User.email, count.alias("n"))
        .join(Subscribe, JOIN.LEFT_OUTER, on=(Subscribe.user == User.id))
        .group_by(User.id, User.first_name, User.last_name, User.email)
        .order_by(User.last_name, User.first_name, User.id)
        .limit(limit)
    )
    usi = usi_in(text)
    if usi is not None:
        owners = Subscribe.select(Subscribe.user).where(fn.UPPER(Subscribe.usi) == usi)
        by_usi = list(query.where(User.id.in_(owners)).dicts())
        if by_usi:
            return [as_match(row) for row in by_usi]
    condition = None
    for word in text.split():
        pattern = f"%{word.lower()}%"
        one = (
            (fn.LOWER(User.first_name) ** pattern)
            | (fn.LOWER(User.last_name) ** pattern)
            | (fn.LOWER(User.email) ** pattern)
        )
        condition = one if condition is None else condition & one
    return [as_match(row) for row in query.where(condition).dicts()]


def as_match(row: dict) -> Match:
    return Match(row["id"], full_name(row["first_name"], row["last_name"]), row["email"], row["n"])


def profile_line(user: User) -> str:
    profile = UserProfile.get_or_none(UserProfile.user == user.id)
    parts = []
    if profile is not None:
        student = amounts.is_student(profile, user.is_staff)
        parts.append("student" if student else "not a student")
        if profile.student_status:
            parts.append(f"status {profile.student_status}")
        if profile.legi:
            parts.append(f"legi {profile.legi}")
        if profile.phone_number:
            parts.append(profile.phone_number)
        parts.append(f"language {profile.language}")
    else:
        parts.append("no profile")
    if user.is_staff:
        parts.append("staff")
    return " · ".join(parts)


def person(user_id: int) -> Person:
    user = User.get_or_none(User.id == user_id)
    if user is None:
        raise NotFound(f"no person with id {user_id}")
    title = CourseType.translated["title"]
    rows = list(
        Subscribe.select(Subscribe, Course.name.alias("course_name"), title.alias("title"))
        .join(Course, on=(Subscribe.course == Course.id))
        .join(CourseType, on=(Course.type == CourseType.id))
        .where(Subscribe.user == user_id)
        .order_by(Subscribe.date.desc(), Subscribe.id.desc())
        .objects()
    )
    opens = amounts.open_amounts(rows)
    found = Person(
        user.id, full_name(user.first_name, user.last_name), user.email, profile_line(user)
    )
    for sub in rows:
        found.subscriptions.append(
            SubscriptionLine(
                id=sub.id,
                usi=sub.usi,
                title=sub.title or sub.course_name,
                course=sub.course_name,
                state=sub.state,
                price=amounts.price_to_pay(sub),
                open_amount=opens[sub.id],
                paymentmethod=sub.paymentmethod,
            )
        )
    usis = {s.id: s.usi for s in rows}
    if usis:
        links = (
            SubscriptionPayment.select(SubscriptionPayment, Payment)
            .join(Payment)
            .where(SubscriptionPayment.subscription.in_(list(usis)))
            .order_by(Payment.date.desc(), Payment.id.desc())
        )
        for link in links:
            pay = link.payment
            found.payments.append(
                PaymentLine(
                    id=pay.id,
                    date=pay.date.strftime("%Y-%m-%d") if pay.date else "",
                    amount=amounts.money(pay.amount),
                    usi=usis[link.subscription_id],
                    linked=amounts.money(link.amount),
                    state=pay.state,
                    type=pay.type,
                    remittance=pay.remittance_user_string or "",
                )
            )
    return found


def parse_amount(text: str) -> Decimal:
    cleaned = str(text).strip().removeprefix("CHF").strip().replace("'", "").replace(",", ".")
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise InvalidInput(f"{str(text).strip()!r} is not an amount (e.g. 35.00)") from None
    if not value.is_finite() or value < 0:
        raise InvalidInput(f"{str(text).strip()!r} is not an amount (e.g. 35.00)")
    return value.quantize(amounts.CENT)


def refuse_read_only(what: str) -> None:
    """Read-only mode refuses here, before any statement (the database refuses too)."""
    if getattr(database.obj, "read_only", False):
        raise ReadOnlyError(f"read-only mode: {what} refused")


def pay_at_counter(
    subscription_id: int, amount, user: str | None = None, mail=None
) -> subscriptions.Outcome:
    """Mark a confirmed subscription paid at the counter for ``amount`` (its open amount)."""
    refuse_read_only("marking a counter payment")
    sub = Subscribe.get_or_none(Subscribe.id == subscription_id)
    if sub is None:
        raise NotFound(f"no subscription {subscription_id}")
    taken = parse_amount(amount)
    if sub.state != SubscribeState.CONFIRMED:
        raise InvalidInput(
            f"{sub.usi} is {sub.state}; only confirmed (unpaid) subscriptions can be paid"
        )
    owed = amounts.open_amount(sub)
    if taken != owed:
        raise InvalidInput(
            f"{sub.usi} owes CHF {owed}, not {taken}: the site records a counter payment "
            "only in full (it stores no amount); nothing done"
        )
    return subscriptions.apply("paid_counter", [sub.id], user=user, mail=mail, amount=taken)
