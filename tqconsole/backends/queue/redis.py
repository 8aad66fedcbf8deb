"""Redis: RedisHuey (a list, the TQ site's default) or PriorityRedisHuey (``?priority=1``)."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import redis
from huey import PriorityRedisHuey, RedisHuey

from tqconsole.backends.queue.base import (
    QueueBackend,
    ScheduledItem,
    console_huey,
    huey_version,
    read_only_storage,
)
from tqconsole.errors import ConfigError

OWN_PARAMS = {"priority"}


class RedisQueue(QueueBackend):
    scheme = "redis"
    unavailable_errors = (redis.ConnectionError, redis.TimeoutError)

    @classmethod
    def from_url(cls, url: str, name: str, read_only: bool = False, **options) -> RedisQueue:
        parts = urlsplit(url)
        params = dict(parse_qsl(parts.query))
        priority = params.get("priority", "0").lower() in ("1", "true", "yes")
        query = urlencode({k: v for k, v in params.items() if k not in OWN_PARAMS})
        server_url = urlunsplit(parts._replace(query=query))
        huey_class = PriorityRedisHuey if priority else RedisHuey
        storage = huey_class.storage_class
        options.setdefault("socket_timeout", 5)
        options.setdefault("socket_connect_timeout", 3)
        try:
            pool = redis.ConnectionPool.from_url(server_url, **options)
        except ValueError as exc:
            raise ConfigError(f"TQ_QUEUE_URL: {exc}") from None
        huey = console_huey(huey_class, cls.unavailable_errors)(
            name,
            connection_pool=pool,
            storage_class=read_only_storage(storage) if read_only else storage,
        )
        return cls(huey, url, read_only)

    @property
    def conn(self):
        return self.storage.conn

    @property
    def priority(self) -> bool:
        return bool(self.storage.priority)

    def version_string(self) -> str:
        with self.guard():
            info = self.conn.info("server")
        kind = "priority queue" if self.priority else "list"
        return f"Redis {info.get('redis_version', '?')} ({kind}, huey {huey_version()})"

    def ping(self) -> None:
        with self.guard():
            self.conn.ping()

    def pending_window(self, offset: int, limit: int) -> list[bytes]:
        key = self.storage.queue_key
        with self.guard():
            if self.priority:
                return [item[8:] for item in self.conn.zrange(key, offset, offset + limit - 1)]
            # RedisStorage pops from the right: the next message is at -1.
            return self.conn.lrange(key, -(offset + limit), -(offset + 1))[::-1]

    def scheduled_window(self, offset: int, limit: int) -> list[ScheduledItem]:
        with self.guard():
            rows = self.conn.zrange(
                self.storage.schedule_key, offset, offset + limit - 1, withscores=True
            )
        return [ScheduledItem(data, score) for data, score in rows]

    def remove_scheduled(self, data: bytes) -> bool:
        self.check_writable("removing a scheduled task")
        with self.guard():
            return self.conn.zrem(self.storage.schedule_key, data) == 1
