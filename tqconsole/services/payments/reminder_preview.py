"""A payment reminder run before it is sent: who gets one, why, and with which template.

Reads only: the selection is ``payment_reminders.due_reminders`` (the site's rule);
this adds what staff check before sending — the open amount, the day the course
started (its first lesson where the site has lesson occurrences, else its
period's start), the last reminder and the template the mail is rendered from.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from peewee import fn

from tqconsole.models import Course, PaymentReminder, User
from tqconsole.services.payments.amounts import course_start, open_amounts
from tqconsole.services.payments.reminders import (
    EVERY,
    FIRST_AFTER,
    TEMPLATE,
    as_day,
    due_reminders,
    first_lessons,
)


@dataclass
class DueReminder:
    subscription: int
    usi: str
    participant: str
    email: str
    course: str
    open_amount: str
    started: date | None
    last_reminder: date | None
    template: str = TEMPLATE

    @property
    def why(self) -> str:
        last = (
            f"last reminded {self.last_reminder:%d.%m.%Y}"
            if self.last_reminder
            else "never reminded"
        )
        start = f"{self.started:%d.%m.%Y}" if self.started else "?"
        return f"{self.open_amount} open, course started {start}, {last}"

    def as_dict(self) -> dict:
        return {
            "subscription": self.subscription,
            "usi": self.usi,
            "participant": self.participant,
            "email": self.email,
            "course": self.course,
            "open_amount": self.open_amount,
            "started": self.started.isoformat() if self.started else None,
            "last_reminder": self.last_reminder.isoformat() if self.last_reminder else None,
            "template": self.template,
            "why": self.why,
        }


def rule_text() -> str:
    return f"confirmed, unpaid, {FIRST_AFTER.days} days after the start, every {EVERY.days} days"


def first_lesson_days(course_ids: list[int]) -> dict[int, date]:
    lessons = first_lessons()
    if lessons is None or not course_ids:
        return {}
    found = {}
    for cid, first in lessons.tuples().execute(Course._meta.database):
        if cid in course_ids and first is not None:
            found[cid] = as_day(first)
    return found


def reminder_preview(today: date | None = None) -> list[DueReminder]:
    """The reminders a run on ``today`` would send (nothing is written)."""
    subs = due_reminders(today)
    if not subs:
        return []
    ids = [s.id for s in subs]
    opens = open_amounts(subs)
    last = dict(
        PaymentReminder.select(PaymentReminder.subscription, fn.MAX(PaymentReminder.date))
        .where(PaymentReminder.subscription.in_(ids))
        .group_by(PaymentReminder.subscription)
        .tuples()
    )
    courses = {c.id: c for c in Course.select().where(Course.id.in_({s.course_id for s in subs}))}
    users = {u.id: u for u in User.select().where(User.id.in_({s.user_id for s in subs}))}
    lessons = first_lesson_days(list(courses))
    out = []
    for sub in subs:
        course, user = courses[sub.course_id], users[sub.user_id]
        out.append(
            DueReminder(
                subscription=sub.id,
                usi=sub.usi,
                participant=user.full_name() or user.username,
                email=user.email or "",
                course=course.name,
                open_amount=f"{opens[sub.id]:.2f}",
                started=lessons.get(course.id) or course_start(course),
                last_reminder=last.get(sub.id),
            )
        )
    return out
