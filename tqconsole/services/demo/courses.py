"""Courses with prices and teachers, and their lessons.

Lessons as the site keeps them: weekly slots, exceptions, workshops, occurrences.
"""

from __future__ import annotations

import random
from datetime import datetime, time, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from tqconsole.models import (
    Course,
    IrregularLesson,
    LessonDetails,
    LessonOccurrence,
    LessonOccurrenceTeach,
    RegularLesson,
    RegularLessonException,
    Teach,
    TeacherWelcome,
)
from tqconsole.models.choices import Weekday

if TYPE_CHECKING:
    from tqconsole.services.demo.builder import DemoBuilder


def add_courses(builder: DemoBuilder) -> None:
    rng = builder.rng
    n = 120 * builder.scale
    ids = builder.ids(Course, n)
    rows, teach = [], []
    builder.course_period: dict[int, int] = {}
    builder.course_price: dict[int, tuple[float, float]] = {}
    builder.course_slot: dict[int, tuple[str, str, bool]] = {}  # weekday, start, workshop
    for i, cid in enumerate(ids):
        pidx = i % len(builder.period_ids)
        pid = builder.period_ids[pidx]
        workshop = rng.random() < 0.15
        offering = builder.offering_ids[2 * pidx + (1 if workshop else 0)]
        tid = rng.choice(builder.type_ids)
        free = rng.random() < 0.03
        legi_price = 0.0 if free else float(rng.choice((35, 40, 45, 50, 60)))
        full_price = 0.0 if free else legi_price * 2
        weekday = rng.choice(("Mo", "Di", "Mi", "Do", "Fr"))
        starts = rng.choice(("18:15", "19:30", "20:45"))
        builder.course_slot[cid] = (weekday, starts, workshop)
        rows.append(
            {
                "id": cid,
                "name": f"{builder.type_names[tid]} {weekday} {starts}",
                "type": tid,
                "subscription_type": "regular",
                "display": True,
                "active": True,
                "completed": builder.period_tense[pid] == "past",
                "room": rng.choice(builder.room_ids),
                "offering": offering,
                "period": None,
                "min_subscribers": 10,
                "max_subscribers": rng.choice((24, 30, 40, 60)),
                "price_with_legi": Decimal(str(legi_price)),
                "price_without_legi": Decimal(str(full_price)),
                "price_special": None,
            }
        )
        builder.course_period[cid] = pid
        builder.course_price[cid] = (legi_price, full_price)
        for teacher in rng.sample(builder.teacher_ids, rng.choice((1, 2, 2))):
            teach.append(
                {
                    "teacher": teacher,
                    "course": cid,
                    "hourly_wage": Decimal("30.00"),
                }
            )
    builder.insert(Course, rows, ids_given=True)
    builder.teach_ids = builder.insert(Teach, teach)
    builder.teach_rows = teach
    builder.course_ids = ids


def add_lessons(builder: DemoBuilder, rng: random.Random) -> None:
    days = dict(zip(("Mo", "Di", "Mi", "Do", "Fr"), Weekday.values(), strict=False))
    teachers: dict[int, list[int]] = {}
    for row in builder.teach_rows:
        teachers.setdefault(row["course"], []).append(row["teacher"])
    course_room = dict(Course.select(Course.id, Course.room).tuples())
    regular, irregular, exceptions, occurrences = [], [], [], []
    for cid in builder.course_ids:
        weekday, starts, workshop = builder.course_slot[cid]
        first = builder.period_start[builder.course_period[cid]]
        hour, minute = map(int, starts.split(":"))
        begin = time(hour, minute)
        end = (datetime.combine(first, begin) + timedelta(minutes=75)).time()
        if workshop:  # two Saturdays in the semester's fourth and fifth week
            saturday = first + timedelta(days=(5 - first.weekday()) % 7 + 21)
            for date_ in (saturday, saturday + timedelta(days=7)):
                irregular.append(
                    {
                        "course": cid,
                        "date": date_,
                        "time_from": time(13),
                        "time_to": time(17),
                        "lesson_details": None,
                    }
                )
                occurrences.append((cid, date_, time(13), time(17)))
            continue
        regular.append(
            {"course": cid, "weekday": days[weekday], "time_from": begin, "time_to": end}
        )
        day = first + timedelta(days=(list(days).index(weekday) - first.weekday()) % 7)
        cancelled = day + timedelta(days=7 * rng.randrange(2, 12)) if rng.random() < 0.2 else None
        for week in range(13):
            when = day + timedelta(days=7 * week)
            if when != cancelled:
                occurrences.append((cid, when, begin, end))
        if cancelled:
            exceptions.append((len(regular) - 1, cancelled))
    regular_ids = builder.insert(RegularLesson, regular)
    builder.insert(
        RegularLessonException,
        [
            {"regular_lesson": regular_ids[i], "date": d, "is_cancellation": True}
            for i, d in exceptions
        ],
    )
    # one workshop in a smaller room than its course's: LessonDetails says so
    if irregular:
        details = builder.insert(LessonDetails, [{"room": rng.choice(builder.room_ids)}])
        irregular[0]["lesson_details"] = details[0]
    builder.insert(IrregularLesson, irregular)
    occurrence_ids = builder.insert(
        LessonOccurrence,
        [
            {
                "course": cid,
                "start": datetime.combine(d, a),
                "end": datetime.combine(d, b),
                "room": course_room[cid],
            }
            for cid, d, a, b in occurrences
        ],
    )
    builder.insert(
        LessonOccurrenceTeach,
        [
            {"lesson_occurrence": oid, "teacher": teacher, "hourly_wage": Decimal("30.00")}
            for oid, (cid, *_) in zip(occurrence_ids, occurrences, strict=True)
            for teacher in teachers.get(cid, [])
        ],
    )
    # teachers of courses that started (or start within a week) were welcomed
    welcome = []
    for tid, row in zip(builder.teach_ids, builder.teach_rows, strict=True):
        start = builder.period_start[builder.course_period[row["course"]]]
        if start - timedelta(days=7) <= builder.today:
            welcome.append({"teach": tid, "date": start - timedelta(days=rng.randrange(3, 10))})
    builder.insert(TeacherWelcome, welcome)
