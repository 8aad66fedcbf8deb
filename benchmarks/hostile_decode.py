"""Decoding hostile values for display, against the target of DESIGN.md (≤ 1 s, ≤ 50 MiB).

The values of issue 10: a 42-byte pickle of ``set(range(10**8))`` and one of
``bytearray(2**30)`` as cache values (``cache get``), and a 2 MB gzip of 2 GiB of
zeros in the Huey queue (``tasks pending``).  Each round decodes in a fresh
process with its address space limited to 2 GiB (tests/support/hostile_values.py) and
measures the wall time and the peak RSS above the warmed-up process.

Run: python benchmarks/hostile_decode.py [--rounds R]
It claims a Redis test db (flushed before and after), as the test suite does.
"""

from __future__ import annotations

import argparse
import pickle
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.support import services  # noqa: E402
from tests.support.hostile_values import HOSTILE, measure, queue_with_bomb  # noqa: E402

TARGET_SECONDS, TARGET_MIB = 1.0, 50


def cases(url: str):
    """(label, what, key, warm) for each hostile value, stored in the Redis db ``url``."""
    import redis

    client = redis.Redis.from_url(url)
    client.set(":1:warm", pickle.dumps({1, 2}))
    for name, make in HOSTILE.items():
        key = f":1:hostile:{name}"
        client.set(key, make())
        yield f"cache get {name}", "cache", key, ":1:warm"
    client.close()
    queue_with_bomb(url, "bench-bomb")
    yield "tasks pending: gzip of 2 GiB zeros", "queue", "bench-bomb", "0"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    failed = False
    with services.claimed_redis_db() as db:
        import redis

        url = f"redis://{services.REDIS_HOST}:{services.REDIS_PORT}/{db}"
        redis.Redis.from_url(url).flushdb()
        try:
            print(
                f"{'value':<40} {'median s':>9} {'peak MiB':>9}  target ≤ {TARGET_SECONDS:g} s, ≤ {TARGET_MIB} MiB"
            )
            for label, what, key, warm in cases(url):
                runs = [measure(what, url, key, warm) for _ in range(args.rounds)]
                seconds = statistics.median(r["seconds"] for r in runs)
                mib = statistics.median(r["extra_mib"] for r in runs)
                ok = seconds <= TARGET_SECONDS and mib <= TARGET_MIB
                failed |= not ok
                print(f"{label:<40} {seconds:>9.3f} {mib:>9.1f}  {'ok' if ok else 'MISSED'}")
                print(f"{'':<40} shown: {runs[0]['note'][:90]}")
        finally:
            redis.Redis.from_url(url).flushdb()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
