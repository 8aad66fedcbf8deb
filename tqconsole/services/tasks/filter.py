"""The task history's filter language (``name:… state:… since:2h until:… words``) and
the monitor's clock (naive local time)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from tqconsole.errors import InvalidInput


def local_now() -> datetime:
    return datetime.now()


def utc_to_local(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone().replace(tzinfo=None)


# --- the history
@dataclass
class HistoryFilter:
    name: str = ""
    state: str = ""
    text: str = ""
    since: datetime | None = None
    until: datetime | None = None


DURATION_RE = re.compile(r"^(\d+(?:\.\d+)?)([smhd])$")
UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_time(text: str, now: datetime | None = None) -> datetime:
    """``30m``, ``2h``, ``1d`` ago, or an ISO date/time."""
    text = text.strip()
    match = DURATION_RE.match(text)
    if match:
        return (now or local_now()) - timedelta(seconds=float(match[1]) * UNITS[match[2]])
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        raise InvalidInput(
            f"{text!r} is not a time (use 30m, 2h, 1d or 2026-11-21T10:00)"
        ) from None


def parse_filter(text: str, now: datetime | None = None) -> HistoryFilter:
    """``name:payment state:failed since:2h until:… words`` (words search args and errors)."""
    flt = HistoryFilter()
    words = []
    for token in text.split():
        key, sep, value = token.partition(":")
        if sep and key in ("name", "state") and value:
            setattr(flt, key, value)
        elif sep and key in ("since", "until") and value:
            setattr(flt, key, parse_time(value, now))
        else:
            words.append(token)
    flt.text = " ".join(words)
    return flt
