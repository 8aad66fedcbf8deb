"""Cache benchmarks, each against its peer in the same run (medians of several rounds).

1. Database cache set+get on PostgreSQL: the console's DatabaseCache vs Django's
   DatabaseCache on the same server and the same table (target: >= 5x).
2. Listing Redis keys with type and TTL (target: >= 500,000 keys/s).
3. Clearing keys by pattern: the console (SCAN + UNLINK pipelined) vs
   ``redis-cli --scan --pattern P | xargs -n 1000 redis-cli unlink`` (target: at most half
   its time, i.e. >= 2x faster).

Run: python benchmarks/cache.py [--keys N | --full] [--rounds R]
It makes its own PostgreSQL database (dropped at the end) and claims a Redis test db
(flushed before and after), as the test suite does.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.support import services  # noqa: E402

VALUE = (
    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Tanzquotient//Courses//EN\r\n"
    + "BEGIN:VEVENT\r\nSUMMARY:Salsa 2 Mo 19:30\r\nEND:VEVENT\r\n" * 3
    + "END:VCALENDAR\r\n"
)


def median_rate(samples: list[float]) -> float:
    return statistics.median(samples)


# --- 1. database cache on PostgreSQL
def bench_database(rounds: int, ops: int) -> None:
    from django.conf import settings

    name, url = services.create_pg_database()
    try:
        settings.configure(
            USE_TZ=True,
            DATABASES={
                "default": {
                    "ENGINE": "django.db.backends.postgresql",
                    "NAME": name,
                    "USER": services.PG_USER,
                    "HOST": services.PG_HOST,
                    "PORT": services.PG_PORT,
                }
            },
            INSTALLED_APPS=[],
        )
        import django

        django.setup()
        from django.core.cache.backends.db import DatabaseCache as DjangoDatabaseCache
        from django.db import connection

        from tqconsole import models
        from tqconsole.backends.cache import from_url
        from tqconsole.backends.db import from_url as db_from_url
        from tqconsole.services.cache.table import statements

        db = db_from_url(url)
        models.bind(db)
        for sql in statements(models.CacheEntry):
            db.execute_sql(sql.rstrip(";"))
        console = from_url("db://tq_cache_table", database=db)
        site = DjangoDatabaseCache("tq_cache_table", {})
        keys = [f"user_ical_{i % 250}" for i in range(ops)]  # below MAX_ENTRIES (300): no culling

        def run(cache) -> float:
            db.execute_sql("DELETE FROM tq_cache_table")
            start = time.perf_counter()
            for key in keys:
                cache.set(key, VALUE)
                if cache.get(key) != VALUE:
                    raise AssertionError(f"{key} did not round-trip")
            return ops / (time.perf_counter() - start)

        run(console), run(site)  # warm up connections and caches
        ours, theirs = [], []
        for _ in range(rounds):
            ours.append(run(console))
            theirs.append(run(site))
        a, b = median_rate(ours), median_rate(theirs)
        print(f"database cache set+get on PostgreSQL ({ops:,} pairs, {rounds} rounds, medians)")
        print(f"  tqconsole DatabaseCache   {a:10,.0f} set+get/s")
        print(f"  Django DatabaseCache      {b:10,.0f} set+get/s")
        print(f"  ratio                     {a / b:10.2f}x   (target >= 5x)")
        connection.close()
        db.close()
    finally:
        services.drop_pg_database(name)


# --- Redis
FILL = """
for i = tonumber(ARGV[2]), tonumber(ARGV[3]) do
    redis.call('SET', ARGV[1] .. i, 'x', 'EX', 3600)
end
"""


def fill(client, prefix: str, n: int) -> None:
    script = client.register_script(FILL)
    for start in range(0, n, 50_000):
        script(args=[prefix, start, min(n, start + 50_000) - 1])


def bench_listing(url: str, client, rounds: int, n: int) -> None:
    from tqconsole.backends.cache import from_url
    from tqconsole.services.cache.inspector import iter_keys

    client.flushdb()
    fill(client, "bench:list:", n)
    cache = from_url(url)
    rates = []
    for _ in range(rounds):
        start = time.perf_counter()
        count = sum(1 for info in iter_keys(cache, "bench:list:*") if info.type and info.ttl)
        rates.append(count / (time.perf_counter() - start))
        assert count == n, count
    print(f"listing {n:,} Redis keys with type and TTL ({rounds} rounds, median)")
    print(f"  tqconsole iter_keys       {median_rate(rates):10,.0f} keys/s   (target >= 500,000)")
    cache.close()
    client.flushdb()


def bench_clear(url: str, db: int, client, rounds: int, n: int) -> None:
    from tqconsole.backends.cache import from_url
    from tqconsole.services.cache.inspector import clear_pattern

    cache = from_url(url)
    host, port = services.REDIS_HOST, str(services.REDIS_PORT)
    shell = (
        f"redis-cli -h {host} -p {port} -n {db} --scan --pattern 'bench:drop:*' "
        f"| xargs -n 1000 redis-cli -h {host} -p {port} -n {db} unlink > /dev/null"
    )

    def console() -> None:
        removed = clear_pattern(cache, "bench:drop:*")
        assert removed == n, removed

    def redis_cli() -> None:
        subprocess.run(shell, shell=True, check=True)

    ours, theirs = [], []
    client.flushdb()
    fill(client, "bench:keep:", 10_000)
    for _ in range(rounds):
        for runner, times in ((console, ours), (redis_cli, theirs)):
            fill(client, "bench:drop:", n)
            start = time.perf_counter()
            runner()
            times.append(time.perf_counter() - start)
            left = sum(1 for _ in client.scan_iter("bench:drop:*", count=1000))
            assert left == 0, f"{left} keys left"
    kept = sum(1 for _ in client.scan_iter("bench:keep:*", count=1000))
    assert kept == 10_000, f"a key outside the pattern was removed ({kept})"
    a, b = statistics.median(ours), statistics.median(theirs)
    print(f"clearing {n:,} keys by pattern among 10,000 others ({rounds} rounds, medians)")
    print(f"  tqconsole clear_pattern   {a:8.2f} s   ({n / a:10,.0f} keys/s)")
    print(f"  redis-cli --scan | xargs  {b:8.2f} s   ({n / b:10,.0f} keys/s)")
    print(f"  ratio                     {b / a:8.2f}x faster (target >= 2x: at most half its time)")
    cache.close()
    client.flushdb()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--keys", type=int, default=200_000, help="keys to list and clear")
    parser.add_argument("--full", action="store_true", help="clear 1,000,000 keys (the target)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--ops", type=int, default=2_000, help="set+get pairs per round")
    args = parser.parse_args()
    keys = 1_000_000 if args.full else args.keys
    bench_database(args.rounds, args.ops)
    import redis

    with services.claimed_redis_db() as db:
        url = f"redis://{services.REDIS_HOST}:{services.REDIS_PORT}/{db}"
        client = redis.Redis.from_url(url)
        try:
            bench_listing(url, client, args.rounds, min(keys, 200_000) if not args.full else keys)
            bench_clear(url, db, client, args.rounds, keys)
        finally:
            client.flushdb()
            client.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
