"""Reference data: groups, styles, rooms, periods, offerings, course types."""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING

from tqconsole.models import (
    CourseType,
    CourseTypeStyle,
    CourseTypeTranslation,
    Group,
    Offering,
    OfferingTranslation,
    Period,
    Room,
    Style,
)
from tqconsole.models.choices import OfferingType
from tqconsole.services.demo.words import ROOMS, STREETS, STYLES

if TYPE_CHECKING:
    from tqconsole.services.demo.builder import DemoBuilder


def semester(d: date) -> tuple[str, date, date]:
    """The semester containing (or following) ``d``: HS mid-Sep..Dec, FS mid-Feb..May."""
    if d.month >= 8:
        return f"HS {d.year}", date(d.year, 9, 15), date(d.year, 12, 22)
    if d.month >= 2:
        return f"FS {d.year}", date(d.year, 2, 16), date(d.year, 5, 31)
    return f"HS {d.year - 1}", date(d.year - 1, 9, 15), date(d.year - 1, 12, 22)


def semesters_around(today: date, past: int, future: int) -> list[tuple[str, date, date, str]]:
    """Semesters from ``past`` before the current one to ``future`` after it, with their tense."""
    current = semester(today)
    result = [(*current, "current")]
    d = current[1]
    for _ in range(past):
        d = semester(d - timedelta(days=60))[1]
        result.insert(0, (*semester(d), "past"))
    d = current[2]
    for _ in range(future):
        nxt = semester(d + timedelta(days=50))
        result.append((*nxt, "next"))
        d = nxt[2]
    return result


def add_reference_data(builder: DemoBuilder) -> None:
    rng, ins = builder.rng, builder.insert
    builder.group_ids = ins(Group, [{"name": n} for n in ("Board", "Teachers", "Front desk")])
    style_names = list(STYLES)
    builder.style_ids = ins(Style, [{"name": n, "url_info": None} for n in style_names])
    builder.room_ids = ins(
        Room,
        [
            {"name": n, "url": None, "contact_info": f"{rng.choice(STREETS)} {i + 3}, Zürich"}
            for i, n in enumerate(ROOMS)
        ],
    )
    sems = semesters_around(builder.today, past=3, future=1)
    builder.period_ids = ins(
        Period,
        [{"name": n, "date_from": a, "date_to": b} for n, a, b, _ in sems],
    )
    builder.period_tense = {pid: s[3] for pid, s in zip(builder.period_ids, sems, strict=True)}
    builder.period_start = {pid: s[1] for pid, s in zip(builder.period_ids, sems, strict=True)}
    offerings, titles = [], []
    for pid, (name, _, _, tense) in zip(builder.period_ids, sems, strict=True):
        live = tense != "past"
        for order, (kind, label, english) in enumerate(
            (
                (OfferingType.REGULAR, "Kurse", "Courses"),
                (OfferingType.IRREGULAR, "Workshops", "Workshops"),
            )
        ):
            offerings.append(
                {
                    "name": f"{label} {name}",
                    "period": pid,
                    "type": kind,
                    "display": live,
                    "active": live,
                    "order": 10 * (order + 1),
                }
            )
            titles.append({"de": f"{label} {name}", "en": f"{english} {name}"})
    builder.offering_ids = ins(Offering, offerings)
    builder.translate(OfferingTranslation, builder.offering_ids, [{"title": t} for t in titles])
    types, styles_of, names = [], [], []
    for sid, style in zip(builder.style_ids, style_names, strict=True):
        for level in range(1, 5):
            types.append({"level": level, "couple_course": style not in ("Lindy Hop", "Swing")})
            styles_of.append(sid)
            names.append(f"{style} {level}")
    builder.type_ids = ins(CourseType, types)
    builder.translate(
        CourseTypeTranslation,
        builder.type_ids,
        [{"title": {"de": n, "en": n}} for n in names],
    )
    ins(
        CourseTypeStyle,
        [{"coursetype": t, "style": s} for t, s in zip(builder.type_ids, styles_of, strict=True)],
    )
    builder.type_names = dict(zip(builder.type_ids, names, strict=True))
