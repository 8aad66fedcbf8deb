"""Events with categories and registrations."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from tqconsole.models import (
    Event,
    EventCategory,
    EventCategoryTranslation,
    EventRegistration,
    EventTranslation,
)
from tqconsole.services.demo.words import EVENT_NAMES

if TYPE_CHECKING:
    from tqconsole.services.demo.builder import DemoBuilder


def add_events(builder: DemoBuilder) -> None:
    rng = builder.rng
    categories = (("Party", "Party"), ("Workshop", "Workshop"), ("Tanzabend", "Social"))
    cats = builder.insert(EventCategory, [{"position": i} for i in range(len(categories))])
    builder.translate(
        EventCategoryTranslation, cats, [{"name": {"de": d, "en": e}} for d, e in categories]
    )
    rows, names = [], []
    for i in range(20 * builder.scale):
        day = builder.today + timedelta(days=rng.randrange(-300, 120))
        names.append(f"{rng.choice(EVENT_NAMES)} {day:%b %Y}")
        rows.append(
            {
                "date": day,
                "time_from": time(20),
                "time_to": time(23, 59),
                "room": rng.choice(builder.room_ids),
                "category": rng.choice(cats),
                "price_with_legi": Decimal(rng.choice((0, 5, 10))),
                "price_without_legi": Decimal(rng.choice((10, 15, 20))),
                "max_participants": rng.choice((None, 100, 250)),
                "registration_enabled": i % 3 == 0,
                "display": True,
            }
        )
    event_ids = builder.insert(Event, rows)
    builder.translate(EventTranslation, event_ids, [{"name": {"de": n, "en": n}} for n in names])
    regs = {
        (rng.choice(event_ids), rng.choice(builder.user_ids)) for _ in range(500 * builder.scale)
    }
    builder.insert(
        EventRegistration,
        [
            {
                "event": e,
                "user": u,
                "timestamp": datetime.combine(builder.today, time(12))
                - timedelta(days=rng.randrange(200)),
            }
            for e, u in sorted(regs)
        ],
    )
