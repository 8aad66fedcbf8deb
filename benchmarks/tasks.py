"""Task monitor and history recorder, measured against Huey itself in the same run.

1. Monitor refresh with 100,000 pending tasks in Redis: ``task_monitor.snapshot``
   (O(1) counts, consumers, sparklines and the visible window of 50 decoded
   messages) versus Huey's own ``pending()`` (target: refresh ≤ 10 ms).
2. Recorder overhead: an in-process consumer with 4 thread workers runs N no-op
   tasks from Redis with and without the history recorder (target: ≤ 5%).

    python benchmarks/tasks.py            # 5,000 tasks in part 2
    python benchmarks/tasks.py --full     # 20,000 tasks in part 2

Uses a Redis db claimed like the tests do (never db 0) and a temporary SQLite database.
"""

from __future__ import annotations

import argparse
import itertools
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.support import services  # noqa: E402


def median_ms(fn, repeat: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), result


def open_backends(data_dir: Path, redis_url: str, name: str):
    os.environ.update(
        TQ_DATA_DIR=str(data_dir),
        TQ_QUEUE_URL=redis_url,
        TQ_QUEUE_NAME=name,
        TQ_EMBEDDED_CONSUMER="0",
    )
    for key in ("TQ_DATABASE_URL", "TQ_PROFILE", "TQ_READ_ONLY"):
        os.environ.pop(key, None)
    from tqconsole.backends import Backends
    from tqconsole.services.db.schema import init
    from tqconsole.settings import load

    backends = Backends(load())
    init(backends)
    return backends


def fill_pending(queue, count: int) -> None:
    cls = queue.huey._registry.string_to_task("tqconsole.tasks.selftest")
    conn = queue.storage.conn
    pipe = conn.pipeline(transaction=False)
    for i in range(count):
        pipe.lpush(queue.storage.queue_key, queue.huey.serialize_task(cls((), {"sleep": 0})))
        if i % 5000 == 4999:
            pipe.execute()
    pipe.execute()


def part_monitor(backends, pending: int, repeat: int) -> None:
    from tqconsole import tasks
    from tqconsole.services.tasks.monitor import snapshot

    queue = tasks.bind(backends)
    start = time.perf_counter()
    fill_pending(queue, pending)
    print(f"filled {queue.pending_count():,} pending tasks in {time.perf_counter() - start:.1f}s")
    refresh, snap = median_ms(lambda: snapshot(queue, "pending", 0, 50), repeat)
    assert len(snap.rows) == 50 and snap.counts.pending == pending
    last_page, _ = median_ms(lambda: snapshot(queue, "pending", pending - 50, 50), repeat)
    window, _ = median_ms(lambda: queue.huey.pending(50), repeat)
    full, tasks_ = median_ms(lambda: queue.huey.pending(), 3)
    assert len(tasks_) == pending
    print()
    print(f"monitor refresh with {pending:,} pending (counts + consumers + 50-row window)")
    print(f"  tqconsole snapshot, first page   {refresh:8.1f} ms  (median of {repeat})")
    print(f"  tqconsole snapshot, last page    {last_page:8.1f} ms")
    print(f"  huey pending(50)                 {window:8.1f} ms  (imports + unpickles tasks)")
    print(f"  huey pending()                   {full:8.1f} ms  (median of 3)")
    print(f"  ratio pending() / snapshot       {full / refresh:8.1f} x   target: snapshot <= 10 ms")
    queue.storage.flush_queue()


def run_consumer(queue, count: int, workers: int, recorder=None) -> tuple[float, float]:
    """(tasks per second, CPU µs of this process per task), the recorder's writer included."""
    from tqconsole.tasks.consumers import ThreadConsumer

    cls = queue.huey._registry.string_to_task("tqconsole.tasks.selftest")
    fill = queue.storage.conn.pipeline(transaction=False)
    for _ in range(count):
        fill.lpush(queue.storage.queue_key, queue.huey.serialize_task(cls()))
    fill.execute()
    done = itertools.count(1)
    finished = threading.Event()

    def count_done(task, value, exc):
        if next(done) >= count:
            finished.set()

    queue.huey.post_execute("bench_count")(count_done)
    consumer = ThreadConsumer(
        queue.huey, workers=workers, periodic=False, check_worker_health=False
    )
    start, cpu = time.perf_counter(), time.process_time()
    consumer.start()
    finished.wait(600)
    if recorder is not None:
        recorder.flush()  # the history is written before the clock stops
    elapsed = time.perf_counter() - start
    cpu = time.process_time() - cpu
    consumer.stop(graceful=True)
    queue.huey.unregister_post_execute("bench_count")
    queue.storage.flush_results()
    return count / elapsed, cpu / count * 1e6


def part_recorder(backends, count: int, workers: int, repeat: int) -> None:
    from tqconsole import tasks

    queue = tasks.bind(backends)
    recorder = queue.recorder
    recorder.uninstall()  # bind installs it; the runs below switch it on and off
    without, with_ = [], []
    for _ in range(repeat):
        without.append(run_consumer(queue, count, workers))
        from tqconsole.services.tasks.recorder import TaskRecorder

        recorder = TaskRecorder(queue.huey).install()
        with_.append(run_consumer(queue, count, workers, recorder))
        recorder.uninstall()
    from tqconsole.models import TaskRecord
    from tqconsole.services.tasks.history_table import parse_timeline

    print()
    print(f"consumer throughput, {count:,} no-op tasks, {workers} thread workers, Redis queue")
    best = [max(r[0] for r in runs) for runs in (without, with_)]
    median = [statistics.median(r[0] for r in runs) for runs in (without, with_)]
    cpu = [statistics.median(r[1] for r in runs) for runs in (without, with_)]
    events = sum(len(parse_timeline(r.timeline)) for r in TaskRecord.select(TaskRecord.timeline))
    for label, i in (("without recorder", 0), ("with recorder   ", 1)):
        print(
            f"  {label}   best {best[i]:6.0f} tasks/s   median {median[i]:6.0f}"
            f"   CPU {cpu[i]:5.0f} µs/task"
        )
    print(f"  events recorded    {events:,} (every signal of every run with the recorder)")
    print(
        f"  overhead           best {(1 - best[1] / best[0]) * 100:5.1f} %"
        f"   median {(1 - median[1] / median[0]) * 100:5.1f} %"
        f"   CPU {(cpu[1] / cpu[0] - 1) * 100:5.1f} %   target: <= 5 %"
    )
    print("  (runs alternate; 'best' is the run least disturbed by other load on the machine)")
    own = recorder_cpu(queue, count)
    print(
        f"  recorder's own CPU, in isolation  {own:5.1f} µs/task = {own / cpu[0] * 100:4.1f} % of the"
        f" consumer's {cpu[0]:.0f} µs/task (thread time: not disturbed by other load)"
    )


def recorder_cpu(queue, count: int) -> float:
    """Thread CPU of the signal handler plus the writer for ``count`` completed tasks."""
    from huey import signals as S

    from tqconsole.services.tasks.recorder import TaskRecorder

    recorder = TaskRecorder(queue.huey)  # not installed: fed by hand, flushed here
    cls = queue.huey._registry.string_to_task("tqconsole.tasks.selftest")
    batch = [cls() for _ in range(count)]
    start = time.thread_time()
    for task in batch:
        recorder.on_signal(S.SIGNAL_EXECUTING, task)
        recorder.on_signal(S.SIGNAL_COMPLETE, task)
    recorder.flush()
    return (time.thread_time() - start) / count * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--full", action="store_true", help="20,000 tasks in the recorder part")
    parser.add_argument("--pending", type=int, default=100_000)
    parser.add_argument("--tasks", type=int, default=0, help="tasks in the recorder part")
    parser.add_argument("--repeat", type=int, default=5, help="alternating runs of each")
    args = parser.parse_args()
    count = args.tasks or (20_000 if args.full else 5_000)
    import logging

    logging.getLogger("huey").addHandler(logging.NullHandler())
    logging.getLogger("huey").propagate = False
    with services.claimed_redis_db() as db, tempfile.TemporaryDirectory() as tmp:
        url = f"redis://{services.REDIS_HOST}:{services.REDIS_PORT}/{db}"
        name = f"tqbench{os.getpid()}"
        backends = open_backends(Path(tmp), url, name)
        try:
            part_monitor(backends, args.pending, repeat=20)
            part_recorder(backends, count, workers=4, repeat=args.repeat)
        finally:
            conn = backends.get("queue").storage.conn
            for key in conn.scan_iter(match=f"huey.*{name}*", count=1000):
                conn.delete(key)
            backends.close()


if __name__ == "__main__":
    main()
