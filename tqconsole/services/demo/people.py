"""Users with profiles and group memberships."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING

from tqconsole.models import User, UserGroup, UserProfile
from tqconsole.models.choices import StudentStatus
from tqconsole.services.demo.words import DOMAINS, FIRST_NAMES, LAST_NAMES

if TYPE_CHECKING:
    from tqconsole.services.demo.builder import DemoBuilder


def add_people(builder: DemoBuilder) -> None:
    rng = builder.rng
    n = 2000 * builder.scale
    ids = builder.ids(User, n)
    seen: set[str] = set(u for (u,) in User.select(User.username).tuples())
    users, profiles = [], []
    joined0 = datetime.combine(builder.today, time(9)) - timedelta(days=6 * 365)
    builder.legi: dict[int, bool] = {}
    builder.user_name: dict[int, str] = {}
    for uid in ids:
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        domain = rng.choice(DOMAINS)
        local = (
            f"{first}.{last}".lower()
            .replace("ü", "ue")
            .replace("ä", "ae")
            .replace("ö", "oe")
            .replace("é", "e")
            .replace("ï", "i")
        )
        email = f"{local}@{domain}"
        k = 2
        while email in seen:
            email = f"{local}{k}@{domain}"
            k += 1
        seen.add(email)
        joined = joined0 + timedelta(minutes=rng.randrange(6 * 365 * 24 * 60))
        users.append(
            {
                "id": uid,
                "password": "!",
                "last_login": None,
                "is_superuser": False,
                "username": email,
                "first_name": first,
                "last_name": last,
                "email": email,
                "is_staff": uid % 97 == 0,
                "is_active": rng.random() > 0.02,
                "date_joined": joined,
            }
        )
        student = domain.endswith(("ethz.ch", "uzh.ch")) or rng.random() < 0.2
        status = (
            (
                StudentStatus.ETH
                if "ethz" in domain
                else StudentStatus.UNI
                if "uzh" in domain
                else StudentStatus.OTHER
            )
            if student
            else StudentStatus.NO
        )
        builder.legi[uid] = student
        builder.user_name[uid] = f"{first} {last}"
        profiles.append(
            {
                "user": uid,
                "language": rng.choice(("de", "de", "en", "fr")),
                "legi": f"{rng.randrange(10, 25)}-{rng.randrange(100, 999)}-{rng.randrange(100, 999)}"
                if student
                else None,
                "gender": rng.choice(("m", "w")),
                "student_status": status,
                "phone_number": f"+41 7{rng.randrange(5, 10)} {rng.randrange(100, 999)} "
                f"{rng.randrange(10, 99)} {rng.randrange(10, 99)}",
                "body_height": rng.randrange(155, 200),
                "newsletter": rng.random() < 0.6,
                "get_involved": rng.random() < 0.05,
                "birthdate": date(
                    rng.randrange(1975, 2006), rng.randrange(1, 13), rng.randrange(1, 29)
                ),
            }
        )
    builder.insert(User, users, ids_given=True)
    builder.insert(UserProfile, profiles, ids_given=True)
    builder.user_ids = ids
    builder.teacher_ids = rng.sample(ids, max(10, len(ids) // 40))
    memberships = {(uid, builder.group_ids[1]) for uid in builder.teacher_ids}
    memberships |= {(uid, builder.group_ids[0]) for uid in rng.sample(ids, 7)}
    memberships |= {(uid, builder.group_ids[2]) for uid in rng.sample(ids, 12)}
    builder.insert(UserGroup, [{"user": u, "group": g} for u, g in sorted(memberships)])
