"""The Celery view with 100,000 messages in the broker, against a naive peer in the same run.

Ours: queue counts (LLEN per priority list, one pipeline), a window of 50 decoded
messages at the head, the middle and the end (LRANGE windows), and group-by-task
over all messages (pipelined LRANGE chunks, only the task header parsed).
Peer: what a tool without windows does — LRANGE the whole list and decode every
envelope and body with kombu's own JSON (Flower shows only the LLEN count).
Targets: counts and any window ≤ 50 ms, group-by-task ≤ 1 s.

    python benchmarks/celery.py [--messages 100000]

Uses a Redis db claimed like the tests do (never db 0).
"""

from __future__ import annotations

import argparse
import base64
import json
import sys
import uuid
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.tasks import median_ms  # noqa: E402
from tests.support import services  # noqa: E402

TASKS = (
    "payment_match",
    "post_office.tasks.send_queued_mail",
    "send_scheduled_group_emails",
    "update_groups",
    "payment_parse_zkb_csv_files",
    "events.tasks.toggle_event_registration",
    "celery.backend_cleanup",
    "custom_post_office_send_queued_emails",
)


def envelope(i: int) -> bytes:
    """A protocol-2 message as kombu's Redis transport stores it (the site's shape)."""
    task_id = str(uuid.UUID(int=i))
    body = json.dumps([[i], {"send_reminders": bool(i % 2)}, {"callbacks": None, "chain": None}])
    return json.dumps(
        {
            "body": base64.b64encode(body.encode()).decode(),
            "content-encoding": "utf-8",
            "content-type": "application/json",
            "headers": {
                "lang": "py",
                "task": TASKS[i % len(TASKS)],
                "id": task_id,
                "shadow": None,
                "eta": None,
                "expires": None,
                "group": None,
                "group_index": None,
                "retries": 0,
                "timelimit": [None, None],
                "root_id": task_id,
                "parent_id": None,
                "argsrepr": f"({i},)",
                "kwargsrepr": "{}",
                "origin": "gen1@bench",
                "ignore_result": False,
                "stamps": {},
            },
            "properties": {
                "correlation_id": task_id,
                "reply_to": "r",
                "delivery_mode": 2,
                "delivery_info": {"exchange": "", "routing_key": "celery"},
                "priority": 0,
                "body_encoding": "base64",
                "delivery_tag": task_id,
            },
        }
    ).encode()


def naive_group(conn) -> Counter:
    from kombu.utils.json import loads

    counts: Counter = Counter()
    for raw in conn.lrange("celery", 0, -1):
        message = loads(raw)
        loads(base64.b64decode(message["body"]))
        counts[message["headers"]["task"]] += 1
    return counts


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=100_000)
    n = parser.parse_args().messages
    from tqconsole.backends import celery

    with services.claimed_redis_db() as db:
        url = f"redis://{services.REDIS_HOST}:{services.REDIS_PORT}/{db}"
        broker = celery.from_url(url)
        conn = broker.conn
        conn.flushdb()
        pipe = conn.pipeline(transaction=False)
        for i in range(n):
            pipe.lpush("celery", envelope(i))
            if i % 5000 == 4999:
                pipe.execute()
        pipe.execute()
        broker.queue_names(refresh=True)
        print(f"{conn.llen('celery'):,} messages in 'celery'")
        rows = [
            ("counts (queues)", *median_ms(broker.queues, 21)),
            ("counts + queue discovery", *median_ms(lambda: broker.queues(refresh=True), 21)),
        ]
        for offset in (0, n // 2, n - 50):
            rows.append(
                (
                    f"window of 50 at {offset:,}",
                    *median_ms(lambda o=offset: broker.messages("celery", o, 50), 21),
                )
            )
        ours_ms, ours = median_ms(lambda: broker.task_counts("celery"), 5)
        peer_ms, peer = median_ms(lambda: naive_group(conn), 3)
        assert ours == peer, "group-by-task differs from the peer"
        for label, ms, _ in rows:
            print(f"{label:<28} {ms:8.2f} ms  (target ≤ 50 ms)")
        print(f"{'group-by-task, ours':<28} {ours_ms:8.1f} ms  (target ≤ 1000 ms)")
        print(
            f"{'group-by-task, naive peer':<28} {peer_ms:8.1f} ms  (ratio {peer_ms / ours_ms:.1f}×)"
        )
        conn.flushdb()
        broker.close()


if __name__ == "__main__":
    main()
