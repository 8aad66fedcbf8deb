"""What the site's mail functions (its ``courses/emailcenter.py``) hand to a template.

Each builder returns the context the site builds for one mail of a subscription,
from the database: the course type's title, the course info block (lessons,
room, period, cancellations, prices), the course and payment links on the
site's domain, the participant's role in German and English, the partner's
contact, and for reminders the amounts as the site's model methods return them
(``Decimal(0)`` when nothing was paid or reduced, so the template engine shows
``0``; a localised ``80,00`` otherwise).  The site renders with its default
language active (German), so weekday names, prices and links are German ones
for every recipient.  Lessons and cancellations live in tables the console does
not model; they are read when the database has them (the site's), else the
course info has no lesson line.
"""

from __future__ import annotations

from decimal import Decimal

import peewee as pw

from tqconsole.models import (
    Course,
    CourseTypeTranslation,
    PriceReduction,
    Room,
    Subscribe,
    SubscriptionPayment,
    User,
    UserProfile,
    by_table,
)
from tqconsole.models.choices import LeadFollow, SubscribeState
from tqconsole.services.payments.amounts import money

SITE_LANGUAGE = "de"  # the site's LANGUAGE_CODE: active while its mails are built
FALLBACKS = ("de", "en")  # its PARLER_LANGUAGES fallbacks
COURSE_SUBSCRIPTIONS = "anmeldungen@tanzquotient.org"  # the site's EMAIL_ADDRESS_* settings
FINANCES = "finanzen@tanzquotient.org"
WEEKDAYS = {
    "mon": "Montag",
    "tue": "Dienstag",
    "wed": "Mittwoch",
    "thu": "Donnerstag",
    "fri": "Freitag",
    "sat": "Samstag",
    "sun": "Sonntag",
}
WEEKDAY_NUMBERS = {slug: n for n, slug in enumerate(WEEKDAYS)}
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
ROLES = {  # the site's get_assigned_role_str, in German and English
    "de": {
        "n": "keine Präferenz",
        "l": "führen",
        "f": "geführt werden",
        "assigned_l": "keine Präferenz, zum führen eingeteilt",
        "assigned_f": "keine Präferenz, zum geführt werden eingeteilt",
    },
    "en": {
        "n": "no preference",
        "l": "leader",
        "f": "follower",
        "assigned_l": "no preference, assigned as leader",
        "assigned_f": "no preference, assigned as follower",
    },
}


def _table(name: str, *columns: str):
    """The model of table ``name`` (typed values on every database), else a bare table."""
    db = Subscribe._meta.database
    if not db.table_exists(name):
        return None
    return by_table(name) or pw.Table(name, ("id", *columns)).bind(db)


def translation(table: str, master_id: int, column: str, language: str) -> str | None:
    """A django-parler field in ``language``, else the site's fallbacks."""
    rows = _table(table, "master_id", "language_code", column)
    if rows is None:
        return None
    found = dict(
        rows.select(rows.language_code, getattr(rows, column))
        .where(rows.master_id == master_id)
        .tuples()
    )
    for code in dict.fromkeys((language, *FALLBACKS)):
        if found.get(code):
            return found[code]
    return None


def course_title(course: Course) -> str:
    """The course type's title in the site's language (its fallbacks after it)."""
    found = dict(
        CourseTypeTranslation.select(
            CourseTypeTranslation.language_code, CourseTypeTranslation.title
        )
        .where(CourseTypeTranslation.master == course.type_id)
        .tuples()
    )
    return next((found[c] for c in FALLBACKS if found.get(c)), "")


def _clock(value) -> str:
    return value.strftime("%H:%M")


def _room_cancellations(room_ids: set[int]) -> set[tuple[int, object]]:
    rows = _table("courses_roomcancellation", "room_id", "date")
    if rows is None or not room_ids:
        return set()
    return set(rows.select(rows.room_id, rows.date).where(rows.room_id.in_(room_ids)).tuples())


def _detail_rooms(ids: set[int]) -> dict[int, int | None]:
    rows = _table("courses_lessondetails", "room_id")
    if rows is None or not ids:
        return {}
    return dict(rows.select(rows.id, rows.room_id).where(rows.id.in_(ids)).tuples())


class Lessons:
    """A course's regular and irregular lessons and their cancellations, as the site reads them."""

    def __init__(self, course: Course):
        self.course = course
        regular = _table("courses_regularlesson", "course_id", "weekday", "time_from", "time_to")
        irregular = _table(
            "courses_irregularlesson",
            "course_id",
            "date",
            "time_from",
            "time_to",
            "lesson_details_id",
        )
        exceptions = _table(
            "courses_regularlessonexception",
            "regular_lesson_id",
            "date",
            "is_cancellation",
            "lesson_details_id",
        )
        self.regular = (
            list(
                regular.select(regular.id, regular.weekday, regular.time_from, regular.time_to)
                .where(regular.course_id == course.id)
                .order_by(regular.id)
                .tuples()
            )
            if regular is not None
            else []
        )
        irregular_rows = (
            list(
                irregular.select(
                    irregular.date,
                    irregular.time_from,
                    irregular.time_to,
                    irregular.lesson_details_id,
                )
                .where(irregular.course_id == course.id)
                .order_by(irregular.date, irregular.time_from)
                .tuples()
            )
            if irregular is not None
            else []
        )
        self.exceptions = (
            list(
                exceptions.select(
                    exceptions.regular_lesson_id,
                    exceptions.date,
                    exceptions.is_cancellation,
                    exceptions.lesson_details_id,
                )
                .where(exceptions.regular_lesson_id.in_([r[0] for r in self.regular]))
                .tuples()
            )
            if exceptions is not None and self.regular
            else []
        )
        details = _detail_rooms(
            {r[3] for r in irregular_rows if r[3]} | {e[3] for e in self.exceptions if e[3]}
        )
        self.room_of = lambda detail: details.get(detail) or course.room_id
        rooms = {self.room_of(r[3]) for r in irregular_rows} | {
            self.room_of(e[3]) for e in self.exceptions
        }
        self.room_cancelled = _room_cancellations({r for r in rooms if r})
        self.irregular = [
            r for r in irregular_rows if (self.room_of(r[3]), r[0]) not in self.room_cancelled
        ]

    def text(self) -> str:
        """The site's ``Course.format_lessons``."""
        parts = [f"{WEEKDAYS[w]}, {_clock(a)} - {_clock(b)}" for _, w, a, b in self.regular]
        parts += [f"{d}, {_clock(a)} - {_clock(b)}" for d, a, b, _ in self.irregular]
        return " & ".join(parts)

    def cancellations(self, period) -> str:
        """The site's ``Course.format_cancellations``."""
        dates = {
            d
            for _, d, cancelled, detail in self.exceptions
            if d is not None and (cancelled or (self.room_of(detail), d) in self.room_cancelled)
        }
        if self.course.room_id:
            rows = _table("courses_roomcancellation", "room_id", "date")
            if rows is not None:
                dates |= {
                    d
                    for (d,) in rows.select(rows.date)
                    .where(rows.room_id == self.course.room_id)
                    .tuples()
                }
        rows = _table("courses_periodcancellation", "period_id", "date")
        if rows is not None and period is not None:
            dates |= {
                d for (d,) in rows.select(rows.date).where(rows.period_id == period.id).tuples()
            }
        weekdays = {WEEKDAY_NUMBERS[w] for _, w, _, _ in self.regular}
        irregular_dates = {d for d, _, _, _ in self.irregular}

        def applies(day) -> bool:
            if day.weekday() not in weekdays and day not in irregular_dates:
                return False
            return period is not None and period.date_from <= day <= period.date_to

        kept = sorted(d for d in dates if applies(d) and d not in irregular_dates)
        return " / ".join(d.strftime("%d.%m.%Y") for d in kept)


def period_text(period) -> str:
    def day(d) -> str:
        return f"{d.day:02d}. {MONTHS[d.month - 1]} {d.year}"

    dates = f"{day(period.date_from)} - {day(period.date_to)}"
    return f"{period.name} ({dates})" if period.name else dates


def _g(value: Decimal) -> str:
    return format(value, "g")


def prices_text(course: Course) -> str:
    """The site's ``format_prices`` in German."""
    with_legi = money(course.price_with_legi) if course.price_with_legi is not None else None
    without = money(course.price_without_legi) if course.price_without_legi is not None else None
    if course.price_special:
        return course.price_special
    if not with_legi and not without:
        return "Freier Eintritt"
    if not with_legi and without:
        return f"Kostenlos für Studierende, sonst {_g(without)} CHF"
    if with_legi == without or (with_legi and not without):
        return f"{_g(with_legi)} CHF"
    return f"{_g(with_legi)} CHF für Studierende, sonst {_g(without)} CHF"


def course_info(course: Course) -> str:
    """The site's ``create_course_info``."""
    lessons = Lessons(course)
    period = course.effective_period()
    text = f"{course_title(course)}\n{lessons.text()}\n"
    if course.room_id:
        text += f"{Room.get_by_id(course.room_id).name}\n"
    text += f"{period_text(period)}\n" if period else "None\n"
    cancellations = lessons.cancellations(period)
    if cancellations:
        text += f"Ausfälle: {cancellations}\n"
    prices = prices_text(course)
    if prices:
        text += f"Kosten: {prices}\n"
    return text.strip("\n")


def partner_subscription(sub: Subscribe) -> Subscribe | None:
    if sub.partner_id is None:
        return None
    found = list(
        Subscribe.select().where(
            (Subscribe.course == sub.course_id) & (Subscribe.user == sub.partner_id)
        )
    )
    return found[0] if len(found) == 1 else None


def assigned_role(sub: Subscribe) -> tuple[str, bool]:
    """(role, whether it was assigned rather than chosen), as the site's Subscribe says."""
    if sub.lead_follow != LeadFollow.NO_PREFERENCE:
        return sub.lead_follow, False
    partner = partner_subscription(sub)
    if partner is not None:
        opposite = {LeadFollow.LEAD: LeadFollow.FOLLOW, LeadFollow.FOLLOW: LeadFollow.LEAD}
        role = opposite.get(partner.lead_follow, LeadFollow.NO_PREFERENCE)
        return role, role != LeadFollow.NO_PREFERENCE
    return LeadFollow.NO_PREFERENCE, False


def role_context(sub: Subscribe) -> dict[str, str]:
    role, assigned = assigned_role(sub)
    key = f"assigned_{role}" if assigned else role
    return {f"role_{lang}": ROLES[lang][key] for lang in ("de", "en")}


def _profile(user_id: int) -> UserProfile | None:
    return UserProfile.get_or_none(UserProfile.user == user_id)


def full_name(user: User) -> str:
    return f"{user.first_name} {user.last_name}".strip()


def partner_info(sub: Subscribe) -> str:
    """The site's ``create_partner_info``: full contact when both share it, else initials."""
    partner = User.get_by_id(sub.partner_id)
    partner_sub = partner_subscription(sub)
    own, theirs = _profile(sub.user_id), _profile(partner.id)
    shared = (
        partner_sub is not None
        and own is not None
        and theirs is not None
        and own.personal_data_sharing
        and theirs.personal_data_sharing
        and sub.personal_data_sharing
        and partner_sub.personal_data_sharing
    )
    if shared:
        lines = [full_name(partner)]
        if partner.email:
            lines.append(partner.email)
        if theirs.phone_number:
            lines.append(theirs.phone_number)
        return "\n".join(lines)
    initials = " ".join(p[0].upper() + "." for p in partner.last_name.replace("-", " ").split())
    return f"{partner.first_name} {initials}"


def site_amounts(sub: Subscribe) -> dict[str, Decimal]:
    """The site's ``sum_of_reductions``, ``sum_of_payments`` and ``open_amount`` values."""
    reductions = sum(
        (r.amount for r in PriceReduction.select().where(PriceReduction.subscription == sub.id)),
        Decimal(0),
    )
    payments = sum(
        (
            p.amount
            for p in SubscriptionPayment.select().where(SubscriptionPayment.subscription == sub.id)
        ),
        Decimal(0),
    )
    if sub.state in SubscribeState.PAID:
        left = Decimal(0)
    else:
        from tqconsole.services.payments.amounts import price_to_pay

        rest = price_to_pay(sub) - reductions - payments
        left = rest if rest > 0 else Decimal(0)
    return {"reductions": reductions, "paid_amount": payments, "open_amount": left}


def course_url(domain: str, course_id: int) -> str:
    return f"https://{domain}/{SITE_LANGUAGE}/courses/{course_id}/detail/"


def payment_url(domain: str, sub: Subscribe) -> str | None:
    if site_amounts(sub)["open_amount"].is_zero():
        return None
    return f"https://{domain}/{SITE_LANGUAGE}/payment/{sub.usi}/"


def _names(sub: Subscribe) -> dict[str, str]:
    user = User.get_by_id(sub.user_id)
    course = Course.get_by_id(sub.course_id)
    return {
        "first_name": user.first_name,
        "last_name": user.last_name,
        "course": course_title(course),
    }


def subscription_context(sub: Subscribe, domain: str) -> dict:
    """The site's ``_build_subscription_context`` (confirmations and reminders)."""
    course = Course.get_by_id(sub.course_id)
    context = {
        **_names(sub),
        "course_info": course_info(course),
        "course_url": course_url(domain, course.id),
        "payment_url": payment_url(domain, sub),
        **role_context(sub),
    }
    for lang in ("en", "de"):
        context[f"course_type_participant_info_{lang}"] = translation(
            "courses_coursetype_translation", course.type_id, "information_for_participants", lang
        )
        for who in ("admin", "teachers"):
            context[f"course_participant_info_{who}_{lang}"] = translation(
                "courses_course_translation",
                course.id,
                f"information_for_participants_{who}",
                lang,
            )
    return context


def subscription_confirmation(sub: Subscribe, domain: str) -> dict:
    """The context of the site's ``send_subscription_confirmation`` (its template is
    chosen by state and partner there)."""
    course = Course.get_by_id(sub.course_id)
    context = {
        **_names(sub),
        "course_info": course_info(course),
        "course_url": course_url(domain, course.id),
    }
    if course.type.couple_course:
        context.update(role_context(sub))
    if sub.partner_id is not None:
        context["partner_first_name"] = User.get_by_id(sub.partner_id).first_name
    return context


def participation_template(sub: Subscribe) -> str:
    """The template the site's ``send_participation_confirmation`` picks."""
    if sub.partner_id is not None:
        return "participation_confirmation_with_partner"
    if Course.get_by_id(sub.course_id).type.couple_course:
        return "participation_confirmation_without_partner"
    return "participation_confirmation_without_partner_nocouple"


def participation_confirmation(sub: Subscribe, domain: str) -> tuple[str, dict]:
    """(template, context) of the site's ``send_participation_confirmation``."""
    context = subscription_context(sub, domain)
    if sub.partner_id is not None:
        context["partner_info"] = partner_info(sub)
    return participation_template(sub), context


def payment_reminder(sub: Subscribe, domain: str) -> tuple[str, dict]:
    """(template, context) of the site's ``send_payment_reminder``."""
    return "payment_reminder", {**subscription_context(sub, domain), **site_amounts(sub)}


def rejection(sub: Subscribe, reason: str) -> tuple[str, dict]:
    """(template, context) of the site's ``send_rejection``."""
    context = {**_names(sub), "course_info": course_info(Course.get_by_id(sub.course_id))}
    return f"rejection_{reason}", context


def move_to_waiting_list(sub: Subscribe, domain: str) -> tuple[str, dict]:
    names = _names(sub)
    context = {
        "first_name": names["first_name"],
        "course": names["course"],
        "course_url": course_url(domain, sub.course_id),
    }
    return "move_to_waiting_list", context


def online_payment_successful(sub: Subscribe) -> tuple[str, dict]:
    return "online_payment_successful", _names(sub)
