"""Upkeep of the database cache table (``tq_cache_table``)."""

from __future__ import annotations

from datetime import datetime

from tqconsole.models import CacheEntry
from tqconsole.services.audit import audited


def cull_expired(now: datetime | None = None) -> int:
    """Delete the entries whose ``expires`` has passed; returns how many."""
    now = now or datetime.now()
    with audited("cache_cull", CacheEntry._meta.table_name) as write:
        count = CacheEntry.delete().where(CacheEntry.expires < now).execute()
        write.summary = {"deleted": count}
    return count
