"""The next time a django-celery-beat crontab fires (Celery's semantics: minute,
hour, day of month, month AND day of week must all match; day 0 is Sunday)."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from tqconsole.errors import InvalidInput

DAY_NAMES = {d: i for i, d in enumerate(("sun", "mon", "tue", "wed", "thu", "fri", "sat"))}
MONTH_NAMES = {
    m: i + 1
    for i, m in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
    )
}


def expand(text: str, low: int, high: int, names: dict[str, int] | None = None) -> set[int]:
    """``*``, ``*/15``, ``1-5``, ``1-10/2``, ``mon,fri`` → the set of values."""
    out: set[int] = set()
    for part in str(text).lower().replace(" ", "").split(","):
        rng, _, step_text = part.partition("/")
        try:
            step = int(step_text) if step_text else 1
            if rng in ("*", ""):
                start, stop = low, high
            else:
                a, _, b = rng.partition("-")
                start = names[a] if names and a in names else int(a)
                stop = (names[b] if names and b in names else int(b)) if b else start
        except (ValueError, KeyError):
            raise InvalidInput(f"crontab field {text!r} is not understood") from None
        if step < 1:
            raise InvalidInput(f"crontab field {text!r}: step must be positive")
        out.update(v for v in range(start, stop + 1, step) if low <= v <= high)
    return out


def next_run(
    minute: str,
    hour: str,
    day_of_week: str,
    day_of_month: str,
    month_of_year: str,
    timezone: str,
    after: datetime,
) -> datetime | None:
    """The first firing strictly after ``after`` (aware), aware in ``timezone``."""
    try:
        tz = ZoneInfo(timezone or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        tz = ZoneInfo("UTC")
    minutes = sorted(expand(minute, 0, 59))
    hours = sorted(expand(hour, 0, 23))
    dows = {d % 7 for d in expand(day_of_week, 0, 7, DAY_NAMES)}
    doms = expand(day_of_month, 1, 31)
    months = expand(month_of_year, 1, 12, MONTH_NAMES)
    start = after.astimezone(tz)
    day = start.replace(hour=0, minute=0, second=0, microsecond=0)
    for _ in range(366 * 5):
        weekday = (day.weekday() + 1) % 7  # Python: Monday 0; cron: Sunday 0
        if day.month in months and day.day in doms and weekday in dows:
            for h in hours:
                for m in minutes:
                    at = day.replace(hour=h, minute=m)
                    if at > start:
                        return at
        day = (day + timedelta(days=1, hours=2)).replace(hour=0)
    return None
