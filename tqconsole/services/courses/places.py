"""Places of courses for the course admins: accepted / max, waiting list, free, lead / follow.

The figures are the site's (``Course.get_confirmed_count``, the waiting list,
``get_free_places_count`` as ``subscription_model.Places`` computes it):
- accepted: confirmed, payed and completed subscriptions;
- admitted: every subscription that holds a place (not rejected, not to_reimburse,
  not on the waiting list: new ones count too);
- free: max − admitted − half of the matched couples waiting (never below 0);
  none without a maximum;
- lead / follow: the admitted leads and follows of a couple course.

``places_of(ids)`` is one grouped query for a page of courses (the list's
column); ``capacity_warnings`` tells, before confirming or admitting, where the
maximum would be passed, with the numbers; ``confirm_waiting_list`` admits a
course's waiting list and confirms it, through the staff actions' rules.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import asdict, dataclass

from peewee import Case, fn

from tqconsole.errors import NotFound
from tqconsole.models import Course, CourseType, Subscribe
from tqconsole.models.choices import LeadFollow, SubscribeState
from tqconsole.services.courses.subscription_model import (
    MATCHED,
    REJECTED,
    Places,
    couple_course,
)
from tqconsole.services.courses.subscriptions import apply

NOT_HOLDING = (*REJECTED, SubscribeState.WAITING_LIST)


@dataclass
class CoursePlaces:
    course: int
    name: str
    limit: int | None
    couple: bool
    accepted: int = 0
    admitted: int = 0  # accepted + new: every subscription holding a place
    waiting: int = 0
    waiting_couples: int = 0  # matched pairs on the waiting list
    lead: int = 0
    follow: int = 0

    @property
    def free(self) -> int | None:
        if self.limit is None:
            return None
        return max(self.limit - self.admitted - self.waiting_couples, 0)

    def cell(self) -> str:
        """One list cell: ``12/20 +3 new, 2 wait, 5 free, L6 F7``."""
        text = f"{self.accepted}/{self.limit if self.limit is not None else '–'}"
        if self.admitted > self.accepted:
            text += f" +{self.admitted - self.accepted} new"
        if self.waiting:
            text += f", {self.waiting} wait"
        if self.free is not None:
            text += f", {self.free} free"
        if self.couple:
            text += f", L{self.lead} F{self.follow}"
        return text

    def figures(self) -> dict[str, str]:
        """The record view's lines."""
        out = {
            "accepted / max": f"{self.accepted} / {self.limit if self.limit is not None else '–'}",
            "new (holding a place)": str(self.admitted - self.accepted),
            "waiting list": str(self.waiting),
            "free places": "no maximum" if self.free is None else str(self.free),
        }
        if self.couple:
            out["lead / follow"] = f"{self.lead} / {self.follow}"
        return out

    def as_dict(self) -> dict:
        return {**asdict(self), "free": self.free}


def places_of(ids: Iterable[int]) -> dict[int, CoursePlaces]:
    """The places of these courses: one query for the courses, one grouped query for
    their subscriptions."""
    ids = list(ids)
    if not ids:
        return {}
    courses = (
        Course.select(Course.id, Course.name, Course.max_subscribers, CourseType.couple_course)
        .join(CourseType, on=(Course.type == CourseType.id))
        .where(Course.id.in_(ids))
        .tuples()
    )
    out = {
        cid: CoursePlaces(cid, name, limit, bool(couple)) for cid, name, limit, couple in courses
    }
    matched = Case(None, [(Subscribe.matching_state.in_(MATCHED), 1)], 0)
    grouped = (
        Subscribe.select(
            Subscribe.course,
            Subscribe.state,
            Subscribe.lead_follow,
            matched.alias("matched"),
            fn.COUNT(Subscribe.id),
        )
        .where(Subscribe.course.in_(list(out)))
        .group_by(Subscribe.course, Subscribe.state, Subscribe.lead_follow, matched)
        .tuples()
    )
    waiting_matched: dict[int, int] = defaultdict(int)
    for cid, state, role, is_matched, n in grouped:
        places = out[cid]
        if state in SubscribeState.ACCEPTED:
            places.accepted += n
        if state == SubscribeState.WAITING_LIST:
            places.waiting += n
            if is_matched:
                waiting_matched[cid] += n
        if state not in NOT_HOLDING:
            places.admitted += n
            if role == LeadFollow.LEAD:
                places.lead += n
            elif role == LeadFollow.FOLLOW:
                places.follow += n
    for cid, n in waiting_matched.items():
        out[cid].waiting_couples = n // 2
    return out


def place_cells(keys: list) -> dict:
    """The model list's computed ``places`` column of a page of courses."""
    return {cid: places.cell() for cid, places in places_of(keys).items()}


def place_figures(pk) -> dict:
    """The course record's figures."""
    places = places_of([pk]).get(pk)
    return places.figures() if places is not None else {}


def course_places(course_id: int) -> CoursePlaces:
    places = places_of([course_id]).get(course_id)
    if places is None:
        raise NotFound(f"no course with id {course_id}")
    return places


def capacity_warnings(action: str, ids: Iterable[int]) -> list[str]:
    """Where confirming or admitting these subscriptions passes a course's maximum."""
    if action not in ("confirm", "admit"):
        return []
    moving = SubscribeState.NEW if action == "confirm" else SubscribeState.WAITING_LIST
    per_course: dict[int, int] = defaultdict(int)
    for cid, state in (
        Subscribe.select(Subscribe.course, Subscribe.state)
        .where(Subscribe.id.in_(list(ids)))
        .tuples()
    ):
        if state == moving:
            per_course[cid] += 1
    warnings = []
    for cid, places in places_of(per_course).items():
        n = per_course[cid]
        if places.limit is None:
            continue
        if action == "confirm" and places.accepted + n > places.limit:
            warnings.append(
                f"{places.name}: confirming {n} makes {places.accepted + n} accepted "
                f"of max {places.limit} ({places.accepted} now)"
            )
        elif action == "admit":
            free = Places(cid).free() or 0
            if n > free:
                warnings.append(
                    f"{places.name}: admitting {n} with {free} free place(s) "
                    f"({places.admitted} of max {places.limit} taken)"
                )
    return warnings


@dataclass
class WaitingListRun:
    admitted: object  # Outcome of the admit
    confirmed: object | None  # Outcome of the confirm
    left: list[tuple[str, str]]  # (usi, why) not taken

    def summary(self) -> str:
        parts = [self.admitted.summary()]
        if self.confirmed is not None:
            parts.append(self.confirmed.summary())
        if self.left:
            parts.append(f"{len(self.left)} left on the waiting list — {self.left[0][1]}")
        return "; ".join(parts)


def waiting_list_ids(course_id: int, allow_singles: bool = False) -> tuple[list[int], list]:
    """The waiting list of a course in its order (the date of subscription), and those the
    confirm rule would refuse (a single in a couple course, unless singles are allowed)."""
    if Course.get_or_none(Course.id == course_id) is None:
        raise NotFound(f"no course with id {course_id}")
    couple = couple_course(course_id)
    taken, left = [], []
    for sub in (
        Subscribe.select(Subscribe.id, Subscribe.usi, Subscribe.partner)
        .where((Subscribe.course == course_id) & (Subscribe.state == SubscribeState.WAITING_LIST))
        .order_by(Subscribe.date, Subscribe.id)
    ):
        if couple and sub.partner_id is None and not allow_singles:
            left.append((sub.usi, "no partner set (couple course; allow singles)"))
        else:
            taken.append(sub.id)
    return taken, left


def confirm_waiting_list(
    course_id: int, user: str | None = None, mail=None, allow_singles: bool = False
) -> WaitingListRun:
    """Admit the course's waiting list (back to new), then confirm those admitted: the
    site confirms only new subscriptions."""
    ids, left = waiting_list_ids(course_id, allow_singles)
    admitted = apply("admit", ids, user=user)
    confirmed = None
    if admitted.done:
        confirmed = apply(
            "confirm",
            [s.id for s in admitted.done],
            user=user,
            mail=mail,
            allow_singles=allow_singles,
        )
    return WaitingListRun(admitted, confirmed, left)
