"""How the console's Redis connections start (redis-py's ``redis_connect_func``).

What a server says while a connection starts becomes a ``redis.ConnectionError``
that says what is wrong — not a Redis server (an HTTP port), a db number it does
not have — so the cache and the queue report it as unavailable, in one line,
like any other connection problem.
"""

from __future__ import annotations

import redis


def checked_connect(connection) -> None:
    where = f"{getattr(connection, 'host', '?')}:{getattr(connection, 'port', '?')}"
    try:
        connection.on_connect()
    except redis.InvalidResponse as exc:
        raise redis.ConnectionError(f"{where} does not answer as a Redis server ({exc})") from None
    except redis.ResponseError as exc:
        if "DB index" not in str(exc):
            raise
        raise redis.ConnectionError(f"{where} has no db {connection.db} ({exc})") from None
