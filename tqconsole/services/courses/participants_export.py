"""A course's participant list as CSV (the site admin's "export participants").

``export_file`` writes it into the ``exports`` folder of the data dir (the place
the staff fetch it from, named in every message) and never replaces an existing
file unless asked to; ``export_to_media`` (the task) puts it into the media storage.
"""

from __future__ import annotations

import csv
import io
from datetime import datetime
from pathlib import Path

from peewee import JOIN

from tqconsole.errors import InvalidInput, NotFound
from tqconsole.models import Course, Subscribe, User, UserProfile
from tqconsole.models.choices import SubscribeState
from tqconsole.services.db.audit import note
from tqconsole.services.db.export import EXISTS
from tqconsole.services.payments.amounts import open_amounts_of

HEADER = (
    "first_name",
    "last_name",
    "email",
    "state",
    "usi",
    "legi",
    "phone",
    "price",
    "open_amount",
    "subscribed",
)


def participants_csv(course_id: int) -> tuple[Course, bytes]:
    """The accepted and waiting subscriptions of a course, as UTF-8 CSV."""
    course = Course.get_or_none(Course.id == course_id)
    if course is None:
        raise NotFound(f"course {course_id} does not exist")
    subs = list(
        Subscribe.select(Subscribe, User, UserProfile)
        .join(User, on=(Subscribe.user == User.id))
        .switch(Subscribe)
        .join(
            UserProfile,
            JOIN.LEFT_OUTER,
            on=(UserProfile.user == Subscribe.user),
            attr="profile",
        )
        .where(
            (Subscribe.course == course_id)
            & (Subscribe.state.not_in((SubscribeState.REJECTED, SubscribeState.TO_REIMBURSE)))
        )
        .order_by(User.last_name, User.first_name, Subscribe.id)
    )
    opens = open_amounts_of([s.id for s in subs])
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow(HEADER)
    for sub in subs:
        profile = getattr(sub, "profile", None)
        writer.writerow(
            (
                sub.user.first_name,
                sub.user.last_name,
                sub.user.email,
                sub.state,
                sub.usi,
                getattr(profile, "legi", "") or "",
                getattr(profile, "phone_number", "") or "",
                f"{sub.price_to_pay or 0:.2f}",
                f"{opens.get(sub.id, 0):.2f}",
                f"{sub.date:%Y-%m-%d}",
            )
        )
    return course, out.getvalue().encode("utf-8")


def export_to_media(backends, course_id: int, now: datetime | None = None) -> str:
    """Write the CSV into the media storage; returns its key."""
    course, data = participants_csv(course_id)
    storage = backends.get("storage").storage("media")
    key = f"exports/participants-course-{course.id}-{(now or datetime.now()):%Y%m%d-%H%M%S}.csv"
    storage.save(key, data, content_type="text/csv")
    note("export_participants", "media", key, {"course": course.id, "bytes": len(data)})
    return key


def export_path(data_dir: Path, course_id: int) -> Path:
    return Path(data_dir) / "exports" / f"participants-course-{course_id}.csv"


def export_file(data_dir: Path, course_id: int, overwrite: bool = False) -> Path:
    """Write the CSV to ``<data dir>/exports/participants-course-ID.csv``; returns the path.
    An existing file raises InvalidInput (starting with ``EXISTS``) unless ``overwrite``."""
    course, data = participants_csv(course_id)
    path = export_path(data_dir, course.id)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with open(path, "wb" if overwrite else "xb") as out:
            out.write(data)
    except FileExistsError:
        raise InvalidInput(f"{EXISTS} {path} (written before)") from None
    note("export_participants", "file", str(path), {"course": course.id, "bytes": len(data)})
    return path
