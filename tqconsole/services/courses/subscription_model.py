"""The site's ``Subscribe`` model rules the staff actions build on.

Saving as the site saves (matching state derived from the partner, price generated
when empty, a version in the action's revision), partners, and the free places of a
course with its waiting list (``Course.get_free_places_count``, ``update_waiting_list``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from tqconsole.models import (
    Course,
    CourseType,
    Subscribe,
    User,
)
from tqconsole.models.choices import (
    LeadFollow,
    MatchingState,
    SubscribeState,
)
from tqconsole.services.db import reversion_history
from tqconsole.services.payments.amounts import computed_price

MATCHED = (MatchingState.COUPLE, MatchingState.MATCHED)
TO_MATCH = (MatchingState.TO_MATCH, MatchingState.TO_REMATCH)
REJECTED = (SubscribeState.REJECTED, SubscribeState.TO_REIMBURSE)
SAVED_FIELDS = (
    Subscribe.state,
    Subscribe.matching_state,
    Subscribe.partner,
    Subscribe.price_to_pay,
    Subscribe.paymentmethod,
)
# what post_office accepts as an address (the site's mail is then not created)
VALID_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass
class Context:
    """What one action run knows: the selection, the revision, the details given."""

    ids: list[int]
    revision: reversion_history.Revision
    details: dict
    changes: dict = field(default_factory=dict)  # of the subscription at hand


def couple_course(course_id: int) -> bool:
    course = Course.get_by_id(course_id)
    return bool(CourseType.get_by_id(course.type_id).couple_course)


def derive_matching_state(sub: Subscribe) -> None:
    """The site's ``Subscribe.derive_matching_state`` (run on every save)."""
    if not couple_course(sub.course_id):
        sub.matching_state = MatchingState.NOT_REQUIRED
    elif sub.partner_id is None:
        if sub.matching_state not in TO_MATCH:
            sub.matching_state = MatchingState.TO_MATCH
    elif sub.matching_state in TO_MATCH:
        sub.matching_state = MatchingState.MATCHED


def save(sub: Subscribe, ctx: Context, comment: str | None = None) -> None:
    """Save as the site's ``Subscribe.save`` does, and record the version."""
    derive_matching_state(sub)
    if not sub.price_to_pay:
        sub.price_to_pay = computed_price(sub)
    sub.save(only=SAVED_FIELDS)
    ctx.revision.add(sub, comment)


def partner_subscription(sub: Subscribe) -> Subscribe | None:
    if sub.partner_id is None:
        return None
    return Subscribe.get_or_none(
        (Subscribe.course == sub.course_id) & (Subscribe.user == sub.partner_id)
    )


def is_matched(sub: Subscribe) -> bool:
    return sub.state not in REJECTED and sub.matching_state in MATCHED


def email_of(sub: Subscribe) -> str:
    return User.get_by_id(sub.user_id).email or ""


def mailable(sub: Subscribe) -> bool:
    return bool(VALID_EMAIL.match(email_of(sub)))


class Places:
    """The site's free-place rules of one course (``Course.get_free_places_count`` and
    ``has_free_places_for``); the count is taken once, as the site caches it."""

    def __init__(self, course_id: int):
        self.course = Course.get_by_id(course_id)
        self.couple = couple_course(course_id)
        self._free: int | None = None
        self._counted = False
        self._both: bool | None = None

    def subs(self) -> list[Subscribe]:
        return list(Subscribe.select().where(Subscribe.course == self.course.id))

    def free(self) -> int | None:
        if not self._counted:
            self._counted = True
            if self.course.max_subscribers is not None:
                subs = self.subs()
                admitted = sum(
                    s.state not in (*REJECTED, SubscribeState.WAITING_LIST) for s in subs
                )
                waiting = sum(
                    is_matched(s) and s.state == SubscribeState.WAITING_LIST for s in subs
                )
                self._free = max(self.course.max_subscribers - admitted - waiting // 2, 0)
        return self._free

    def for_role(self, role: str) -> bool:
        limit = self.course.max_subscribers
        if limit is None:
            return True
        if self.free() == 0:
            return False
        if not self.couple:
            return self.free() > 0
        subs = self.subs()
        matched = sum(is_matched(s) for s in subs) / 2
        singles = {LeadFollow.LEAD: 0, LeadFollow.FOLLOW: 0, LeadFollow.NO_PREFERENCE: 0}
        for s in subs:
            admitted = s.state not in (*REJECTED, SubscribeState.WAITING_LIST)
            if admitted and s.matching_state in TO_MATCH and s.lead_follow in singles:
                singles[s.lead_follow] += 1
        lead, follow, free_role = (
            singles[LeadFollow.LEAD],
            singles[LeadFollow.FOLLOW],
            singles[LeadFollow.NO_PREFERENCE],
        )
        while free_role > 1 or (free_role > 0 and lead != follow):
            if lead < follow:
                lead, free_role = lead + 1, free_role - 1
            elif follow < lead:
                follow, free_role = follow + 1, free_role - 1
            else:
                lead, follow, free_role = lead + 1, follow + 1, free_role - 2
        if role == LeadFollow.NO_PREFERENCE:
            return matched + min(lead, follow) < limit / 2
        return matched + (lead if role == LeadFollow.LEAD else follow) < limit / 2

    def for_couple(self) -> bool:
        if self._both is None:
            self._both = self.for_role(LeadFollow.LEAD) and self.for_role(LeadFollow.FOLLOW)
        return self._both

    def state_for(self, sub: Subscribe) -> str:
        """The site's ``Subscribe.assign_state``."""
        free = (
            self.for_couple() if sub.matching_state in MATCHED else self.for_role(sub.lead_follow)
        )
        return SubscribeState.NEW if free else SubscribeState.WAITING_LIST


def update_waiting_list(course_id: int, ctx: Context) -> None:
    """The site's ``Course.update_waiting_list``: move up whoever now has a place."""
    places = Places(course_id)
    waiting = (
        Subscribe.select()
        .where((Subscribe.course == course_id) & (Subscribe.state == SubscribeState.WAITING_LIST))
        .order_by(Subscribe.date)
    )
    for sub in waiting:
        if not places.couple or sub.matching_state not in MATCHED:
            sub.state = places.state_for(sub)
            save(sub, ctx, "Promoted from waiting list")  # the site saves it either way
        elif places.for_couple():
            partner = partner_subscription(sub)
            sub.state = SubscribeState.NEW
            save(sub, ctx)
            if partner is not None:
                partner.state = SubscribeState.NEW
                save(partner, ctx)
            ctx.revision.comment = "Promoted from waiting list"
        else:
            break
