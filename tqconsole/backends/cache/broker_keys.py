"""The Celery broker's keys in a Redis db that the django-redis cache shares with it.

The site's cache and its Celery broker both use ``TQ_REDIS_BROKER_URL``: one db
holds cache entries (``KEY_PREFIX:VERSION:key``) and kombu's queue lists
(``celery``, priority lists ``celery\\x06\\x16N``, any other queue), its bindings
(``_kombu.*``), reserved messages (``unacked``, ``unacked_index``,
``unacked_mutex``) and, with a Redis result backend, results
(``celery-task-meta-<id>``).  Those are the broker's: listed as such, and no
cache action (delete, pattern clear, clear, TTL change) touches them.
"""

from __future__ import annotations

import re

from tqconsole.errors import InvalidInput

BROKER_NAME = re.compile(
    r"_kombu\.|unacked(?:_index|_mutex)?\Z|celery\Z|celery\x06\x16|"
    r"celery-task-meta-|celery-taskset-meta-|chord-unlock-"
)
QUEUE_TYPE = "list"  # django-redis writes strings only; a list is a queue


class BrokerKey(InvalidInput):
    """A cache action named a key of the Celery broker."""


def is_broker_key(key: str, kind: str, entry: re.Pattern) -> bool:
    """True for a key the broker owns: not a cache entry (``entry``), and a broker name or a
    queue list.  ``kind`` is the Redis type ("" when unknown: then the name decides)."""
    if entry.match(key):
        return False
    return bool(BROKER_NAME.match(key)) or kind == QUEUE_TYPE


def refusal(keys: list[tuple[str, str]]) -> BrokerKey:
    """The error for a cache action on broker keys ``(key, type)``, naming them visibly."""
    from tqconsole.visible_text import visible

    shown = ", ".join(f"{visible(k)} ({t})" for k, t in keys[:5])
    more = ", …" if len(keys) > 5 else ""
    return BrokerKey(
        f"{shown}{more}: the Celery broker's, not the cache's — cache actions leave it alone"
    )
