"""Kombu's Redis transport, read directly: one list per queue (LPUSH, consumed
from the tail; priorities in ``queue\\x06\\x16N`` lists), ``_kombu.binding.*``
sets naming the queues, and the ``unacked`` hash with its ``unacked_index`` zset."""

from __future__ import annotations

import json
from collections import Counter
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import redis

from tqconsole.backends.celery.base import CeleryBroker, QueueCount
from tqconsole.backends.celery.messages import Message, decode, task_name
from tqconsole.errors import ConfigError

SEP = "\x06\x16"
PRIORITY_STEPS = (0, 3, 6, 9)  # kombu's default; 0 is the bare queue key
UNACKED, UNACKED_INDEX = "unacked", "unacked_index"
CHUNK = 5000  # messages per LRANGE when counting a whole queue
OWN_PARAMS = {"queues"}


def priority_keys(queue: str) -> list[str]:
    return [queue if p == 0 else f"{queue}{SEP}{p}" for p in PRIORITY_STEPS]


class RedisBroker(CeleryBroker):
    scheme = "redis"
    unavailable_errors = (redis.ConnectionError, redis.TimeoutError)

    def __init__(self, url: str, client: redis.Redis, queues: list[str], read_only: bool):
        super().__init__(url, read_only)
        self.conn = client
        self.configured = queues
        self._known: list[str] | None = None

    @classmethod
    def from_url(cls, url: str, read_only: bool = False, **options) -> RedisBroker:
        parts = urlsplit(url)
        params = dict(parse_qsl(parts.query))
        queues = [q for q in params.get("queues", "celery").split(",") if q]
        server_url = urlunsplit(
            parts._replace(
                query=urlencode({k: v for k, v in params.items() if k not in OWN_PARAMS})
            )
        )
        options.setdefault("socket_timeout", 5)
        options.setdefault("socket_connect_timeout", 3)
        try:
            client = redis.Redis.from_url(server_url, **options)
        except ValueError as exc:
            raise ConfigError(f"TQ_CELERY_BROKER_URL: {exc}") from None
        return cls(server_url, client, queues, read_only)

    def close(self) -> None:
        super().close()
        self.conn.close()

    def ping(self) -> None:
        with self.guard():
            self.conn.ping()

    def version_string(self) -> str:
        with self.guard():
            info = self.conn.info("server")
        return f"Redis {info.get('redis_version', '?')} (kombu transport)"

    # --- queues
    def queue_names(self, refresh: bool = False) -> list[str]:
        """The configured queues and every queue bound in ``_kombu.binding.*`` (one SCAN,
        remembered until ``refresh``)."""
        if self._known is None or refresh:
            names = set(self.configured)
            with self.guard():
                bindings = [
                    k
                    for k in self.conn.scan_iter(match="_kombu.binding.*", count=1000, _type="set")
                    if not k.endswith(b".pidbox")
                ]
                pipe = self.conn.pipeline(transaction=False)
                for key in bindings:
                    pipe.smembers(key)
                for members in pipe.execute():
                    for member in members:
                        names.add(member.decode("utf-8", "replace").rsplit(SEP, 1)[-1])
            self._known = sorted(n for n in names if n)
        return self._known

    def _lengths(self, queues: list[str]) -> list[list[int]]:
        with self.guard():
            pipe = self.conn.pipeline(transaction=False)
            for q in queues:
                for key in priority_keys(q):
                    pipe.llen(key)
            flat = pipe.execute()
        n = len(PRIORITY_STEPS)
        return [flat[i * n : (i + 1) * n] for i in range(len(queues))]

    def queues(self, refresh: bool = False) -> list[QueueCount]:
        names = self.queue_names(refresh)
        return [
            QueueCount(q, sum(lens)) for q, lens in zip(names, self._lengths(names), strict=True)
        ]

    def _pieces(self, queue: str, offset: int, limit: int):
        """(key, start, stop) LRANGE windows, in consumption order, covering the window:
        the tail of the first priority list first."""
        lengths = self._lengths([queue])[0]
        pieces, skip, want = [], max(offset, 0), max(limit, 0)
        for key, length in zip(priority_keys(queue), lengths, strict=True):
            if want <= 0:
                break
            if skip >= length:
                skip -= length
                continue
            take = min(want, length - skip)
            # position p (0 = next) is index -(p + 1)
            pieces.append((key, -(skip + take), -(skip + 1)))
            want -= take
            skip = 0
        return pieces

    def messages(self, queue: str, offset: int, limit: int) -> list[Message]:
        pieces = self._pieces(queue, offset, limit)
        with self.guard():
            pipe = self.conn.pipeline(transaction=False)
            for key, start, stop in pieces:
                pipe.lrange(key, start, stop)
            raws = [raw for chunk in pipe.execute() for raw in reversed(chunk)]
        out = []
        for i, raw in enumerate(raws):
            msg = decode(raw, offset + i)
            msg.queue = queue
            out.append(msg)
        return out

    def _raw_in_order(self, queue: str):
        """Every raw message of ``queue`` in consumption order, as chunks of
        (position, raw) read with pipelined LRANGEs."""
        lengths = self._lengths([queue])[0]
        position = 0
        for key, length in zip(priority_keys(queue), lengths, strict=True):
            for start in range(0, length, CHUNK * 4):
                with self.guard():
                    pipe = self.conn.pipeline(transaction=False)
                    for s in range(start, min(start + CHUNK * 4, length), CHUNK):
                        pipe.lrange(key, -(s + CHUNK), -(s + 1))
                    chunks = pipe.execute()
                for chunk in chunks:
                    chunk.reverse()
                    yield [(position + i, raw) for i, raw in enumerate(chunk)]
                    position += len(chunk)

    def task_counts(self, queue: str) -> Counter:
        counts: Counter = Counter()
        for chunk in self._raw_in_order(queue):
            counts.update(task_name(raw) for _, raw in chunk)
        return counts

    def task_messages(self, queue: str, task: str, offset: int, limit: int) -> list[Message]:
        matches: list[Message] = []
        seen = 0
        for chunk in self._raw_in_order(queue):
            for position, raw in chunk:
                if task_name(raw) != task:
                    continue
                if seen >= offset:
                    msg = decode(raw, position)
                    msg.queue = queue
                    matches.append(msg)
                    if len(matches) >= limit:
                        return matches
                seen += 1
        return matches

    # --- reserved by workers, not yet acknowledged
    def unacked_count(self) -> int:
        with self.guard():
            return self.conn.zcard(UNACKED_INDEX)

    def unacked(self, offset: int, limit: int) -> list[Message]:
        with self.guard():
            tags = self.conn.zrange(UNACKED_INDEX, offset, offset + limit - 1, withscores=True)
            values = self.conn.hmget(UNACKED, [t for t, _ in tags]) if tags else []
        out = []
        for i, ((tag, score), value) in enumerate(zip(tags, values, strict=True)):
            msg = self._unacked_message(value, offset + i)
            msg.reserved_at = score
            msg.delivery_tag = msg.delivery_tag or tag.decode("utf-8", "replace")
            out.append(msg)
        return out

    @staticmethod
    def _unacked_message(value: bytes | None, position: int) -> Message:
        """``unacked`` holds ``[message, exchange, routing_key]`` as JSON."""
        if value is None:
            return Message(position, "(acknowledged meanwhile)", problem="gone from unacked")
        try:
            triple = json.loads(value)
            raw = json.dumps(triple[0]).encode()
            routing_key = str(triple[2])
        except (ValueError, TypeError, IndexError, KeyError, UnicodeDecodeError):
            return decode(value, position)
        msg = decode(raw, position)
        msg.queue = routing_key or msg.queue
        return msg
