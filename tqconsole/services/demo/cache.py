"""Demo cache content, written as the TQ site writes it (Django cache API, default keys).

Calendar feeds ``user_ical_<id>`` and ``course_ical_<id>`` (iCalendar text) and
cache-backed sessions (``django.contrib.sessions.cache<key>``), so the cache
screen has real-looking keys on the embedded default.
"""

from __future__ import annotations

import hashlib

from tqconsole.models import Course, User

# As if written half an hour ago: a week for feeds, Django's SESSION_COOKIE_AGE for sessions.
# (It also keeps the TTLs shown in snapshot tests away from a display boundary.)
WRITTEN_AGO = 1800
FEED_TIMEOUT = 7 * 86400 - WRITTEN_AGO
SESSION_TIMEOUT = 14 * 86400 - WRITTEN_AGO
SESSION_PREFIX = "django.contrib.sessions.cache"
SESSION_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789"


def calendar(name: str, events: list[tuple[int, str]]) -> str:
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Tanzquotient//Courses//EN",
        f"X-WR-CALNAME:{name}",
    ]
    for course_id, summary in events:
        lines += [
            "BEGIN:VEVENT",
            f"UID:course-{course_id}@tanzquotient.org",
            f"SUMMARY:{summary}",
            "END:VEVENT",
        ]
    return "\r\n".join([*lines, "END:VCALENDAR", ""])


def fill(backends, scale: int, rng) -> list[str]:
    cache = backends.get("cache")
    courses = list(
        Course.select(Course.id, Course.name).order_by(Course.id).limit(40 * scale).tuples()
    )
    users = list(User.select(User.id).order_by(User.id).limit(150 * scale).tuples())
    feeds = {f"course_ical_{cid}": calendar(name, [(cid, name)]) for cid, name in courses}
    for (uid,) in users:
        picked = rng.sample(courses, min(len(courses), rng.randrange(1, 4))) if courses else []
        feeds[f"user_ical_{uid}"] = calendar(f"TQ user {uid}", picked)
    cache.set_many(feeds, timeout=FEED_TIMEOUT)
    sessions = {}
    for (uid,) in users[: 60 * scale]:
        key = "".join(rng.choice(SESSION_ALPHABET) for _ in range(32))
        sessions[SESSION_PREFIX + key] = {
            "_auth_user_id": str(uid),
            "_auth_user_backend": "django.contrib.auth.backends.ModelBackend",
            "_auth_user_hash": hashlib.sha256(f"{uid}".encode()).hexdigest()[:40],
        }
    cache.set_many(sessions, timeout=SESSION_TIMEOUT)
    cache.set("payment_matching_last_run", 42, timeout=None)
    return [f"cache: {len(feeds):,} calendar feeds, {len(sessions):,} sessions"]
