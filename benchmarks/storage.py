"""Storage benchmark against moto's threaded S3 server (in its own process, own GIL).

1. First page of a prefix holding 10,000 objects on the buckets screen, from the
   moment the screen is asked for until its rows are on screen (target ≤ 100 ms);
   peer: listing the whole prefix with boto3's paginator, what a screen that
   lists everything would wait for.
2. Uploading 1,000 small files: the console's many-file upload (``Storage.save_many``,
   what ``tqconsole storage put FOLDER`` and the buckets screen use) vs a sequential
   boto3 ``put_object`` loop (target ≥ 5×) and vs ``aws s3 cp --recursive`` (target:
   at most 0.7× its time), all three in the same run, twice: on bare loopback, and through a
   proxy (a process of its own) that delays every chunk by half the round-trip time
   each way, as a server across a network would (``--rtt-ms``; 0 skips it).

moto burns ~2.5 ms of CPU per PUT and shares the machine's cores with the clients,
so on loopback the server, not the client, sets the ceiling; with latency, as with
MinIO across a network, waiting dominates and parallel requests pay.

Usage: python benchmarks/storage.py [--repeat N] [--files N] [--rtt-ms MS]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import deque
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BUCKET = "bench-media"
PREFIX_OBJECTS = 10_000


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def serve(port: int) -> None:
    """The server process: moto with the bucket and 10,000 objects under big/ already in it."""
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.s3.models import s3_backends
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    backend = s3_backends[DEFAULT_ACCOUNT_ID]["aws"]
    backend.create_bucket(BUCKET, "us-east-1")
    for i in range(PREFIX_OBJECTS):
        backend.put_object(BUCKET, f"big/{i:05d}.jpg", b"x" * 100)
    print("ready", flush=True)
    sys.stdin.read()  # until the parent closes our stdin
    server.stop()


class Hop(asyncio.Protocol):
    """One end of a proxied connection: writes what the other end receives ``delay`` s later.

    Chunks queue in order with their due time, so many can be in flight at once
    (latency, not a bandwidth limit); ``None`` closes after the same delay.
    """

    def __init__(self, delay: float):
        self.delay = delay
        self.other: Hop | None = None
        self.transport = None
        self.queue: deque = deque()
        self.timer = None

    def connection_made(self, transport) -> None:
        self.transport = transport
        self.schedule()

    def data_received(self, data: bytes) -> None:
        self.other.later(data)

    def connection_lost(self, exc) -> None:
        self.other.later(None)

    def later(self, data: bytes | None) -> None:
        self.queue.append((asyncio.get_running_loop().time() + self.delay, data))
        self.schedule()

    def schedule(self) -> None:
        if self.timer is None and self.queue and self.transport is not None:
            self.timer = asyncio.get_running_loop().call_at(self.queue[0][0], self.flush)

    def flush(self) -> None:
        self.timer = None
        now = asyncio.get_running_loop().time()
        while self.queue and self.queue[0][0] <= now:
            data = self.queue.popleft()[1]
            if data is None:
                self.transport.close()
                self.queue.clear()
                return
            self.transport.write(data)
        self.schedule()


def proxy(port: int, target: int, rtt: float) -> None:
    """The proxy process: 127.0.0.1:``port`` to ``target``, ``rtt`` s per round trip.

    A new connection reaches the server one round trip later, as a TCP handshake would.
    """

    async def run() -> None:
        loop = asyncio.get_running_loop()

        def accepted() -> Hop:
            client, upstream = Hop(rtt / 2), Hop(rtt / 2)
            client.other, upstream.other = upstream, client
            connect = loop.create_connection(lambda: upstream, "127.0.0.1", target)
            loop.call_later(rtt, loop.create_task, connect)
            return client

        server = await loop.create_server(accepted, "127.0.0.1", port)
        print("ready", flush=True)
        await loop.run_in_executor(None, sys.stdin.read)  # until the parent closes our stdin
        server.close()

    asyncio.run(run())


def start_child(*args: str) -> tuple[subprocess.Popen, int]:
    """This script as a server (``--serve``) or proxy (``--proxy``) process on a free port."""
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, __file__, *args, "--port", str(port)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    if proc.stdout.readline().strip() != "ready":
        raise SystemExit(f"{' '.join(args)} did not start")
    return proc, port


def stop_child(proc: subprocess.Popen) -> None:
    proc.stdin.close()
    proc.wait(timeout=10)


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def median(values: list[float]) -> float:
    return statistics.median(values)


# --- 1. first page on screen
async def first_page_times(repeat: int) -> list[float]:
    from tqconsole.app import TQConsole
    from tqconsole.settings import load
    from tqconsole.widgets.lists import KeyTable

    app = TQConsole(load(), location="dashboard")
    times = []
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        for _ in range(repeat + 1):  # the first run also imports boto3 and connects
            start = time.perf_counter()
            app.goto("buckets/media/big")
            while True:
                await asyncio.sleep(0.001)
                tables = app.screen.query(KeyTable)
                if (
                    app.screen.location == "buckets/media/big"
                    and tables
                    and tables.first().row_count
                ):
                    break
            times.append(time.perf_counter() - start)
            app.pop_screen()
            await pilot.pause()
    return times[1:]


def full_listing_times(client, repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        n = 0
        for page in client.get_paginator("list_objects_v2").paginate(Bucket=BUCKET, Prefix="big/"):
            n += len(page.get("Contents", []))
        assert n == PREFIX_OBJECTS
        times.append(time.perf_counter() - start)
    return times


# --- 2. uploading many small files
def make_files(folder: Path, count: int) -> None:
    folder.mkdir(parents=True)
    for i in range(count):
        (folder / f"photo-{i:04d}.jpg").write_bytes(os.urandom(1024))


def upload_console(url: str, folder: Path, prefix: str) -> float:
    """``Storage.save_many`` of a fresh console (its S3 client is made inside the timing)."""
    from tqconsole.backends import Backends
    from tqconsole.services.storage import transfers as bucket_transfers
    from tqconsole.settings import load

    os.environ["TQ_STORAGE_URL"] = url
    backends = Backends(load())
    media = backends.get("storage").storage("media")
    plan = bucket_transfers.plan_upload(folder, prefix)
    start = time.perf_counter()
    result = media.save_many(plan.items)
    elapsed = time.perf_counter() - start
    assert len(result.done) == len(plan.items) and not result.errors
    backends.close()
    return elapsed


def plain_client(endpoint: str):
    """boto3's client with its defaults, for the peers and the set-up."""
    import boto3

    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        aws_access_key_id="bench",
        aws_secret_access_key="bench",
        region_name="us-east-1",
    )


def upload_loop(endpoint: str, folder: Path, prefix: str) -> float:
    """A plain boto3 client with its defaults, one ``put_object`` after the other."""
    client = plain_client(endpoint)
    start = time.perf_counter()
    for path in sorted(folder.iterdir()):
        client.put_object(
            Bucket=BUCKET,
            Key=f"{prefix}/{path.name}",
            Body=path.read_bytes(),
            ContentType="image/jpeg",
        )
    elapsed = time.perf_counter() - start
    client.close()
    return elapsed


def awscli() -> str | None:
    aws = shutil.which("aws") or str(Path(sys.executable).parent / "aws")
    return aws if Path(aws).exists() else None


def upload_awscli(endpoint: str, folder: Path, prefix: str) -> float:
    """The whole ``aws s3 cp --recursive`` command, its start-up included."""
    env = {
        **os.environ,
        "AWS_ACCESS_KEY_ID": "bench",
        "AWS_SECRET_ACCESS_KEY": "bench",
        "AWS_DEFAULT_REGION": "us-east-1",
    }
    start = time.perf_counter()
    subprocess.run(
        [
            awscli(),
            "s3",
            "cp",
            "--recursive",
            "--quiet",
            "--endpoint-url",
            endpoint,
            str(folder),
            f"s3://{BUCKET}/{prefix}/",
        ],
        check=True,
        env=env,
    )
    return time.perf_counter() - start


def upload_round(name: str, port: int, folder: Path, args, server_pid: int) -> None:
    """The three peers in turn, ``args.repeat`` times, to 127.0.0.1:``port``; medians printed."""
    endpoint = f"http://127.0.0.1:{port}"
    url = f"s3://bench:bench@127.0.0.1:{port}?secure=0&region=us-east-1"
    times: dict[str, list[float]] = {"console": [], "loop": [], "awscli": []}
    server_cpu = []
    for run in range(args.repeat):
        label = f"{name.split()[0].lower()}-{run}"
        before = cpu_seconds(server_pid)
        times["console"].append(upload_console(url, folder, f"console-{label}"))
        server_cpu.append(cpu_seconds(server_pid) - before)
        times["loop"].append(upload_loop(endpoint, folder, f"loop-{label}"))
        if awscli():
            times["awscli"].append(upload_awscli(endpoint, folder, f"awscli-{label}"))
    c, loop = median(times["console"]), median(times["loop"])
    runs = ", ".join(f"{t:.2f}" for t in times["console"])
    print(f"upload {args.files} files of 1 KB, {name}, median of {args.repeat}:")
    print(f"  console save_many (parallel):     {c:.2f} s  ({runs})  {args.files / c:,.0f} files/s")
    runs = ", ".join(f"{t:.2f}" for t in times["loop"])
    print(
        f"  sequential boto3 put_object loop: {loop:.2f} s  ({runs})  "
        f"-> console {loop / c:.2f}× faster (target ≥ 5×)"
    )
    if times["awscli"]:
        a = median(times["awscli"])
        runs = ", ".join(f"{t:.2f}" for t in times["awscli"])
        print(
            f"  aws s3 cp --recursive:            {a:.2f} s  ({runs})  "
            f"-> console {c / a:.2f}× its time (target ≤ 0.7×)"
        )
    else:
        print("  aws s3 cp --recursive: not installed (pip install awscli); not compared")
    per_put = median(server_cpu) / args.files
    print(
        f"  moto's CPU per upload: {per_put * 1000:.1f} ms (one GIL, on cores the clients "
        f"share): at best ~{1 / per_put:,.0f} files/s, {args.files * per_put:.2f} s, so at "
        f"most ~{loop / args.files / per_put:.1f}× the loop's {loop / args.files * 1000:.1f} ms "
        "per file"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--proxy", type=int, metavar="TARGET", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    parser.add_argument(
        "--repeat", type=int, default=2, help="runs per measurement (default 2; 3: ~3 min)"
    )
    parser.add_argument("--files", type=int, default=1000, help="files to upload (default 1000)")
    parser.add_argument(
        "--rtt-ms",
        type=float,
        default=5.0,
        help="round-trip time of the proxied run (default 5; 0 skips it)",
    )
    args = parser.parse_args()
    if args.serve:
        serve(args.port)
        return
    if args.proxy:
        proxy(args.port, args.proxy, args.rtt_ms / 1000)
        return

    server, port = start_child("--serve")
    endpoint = f"http://127.0.0.1:{port}"
    data = Path(tempfile.mkdtemp(prefix="tq-bench-storage-"))
    os.environ.update(
        TQ_DATA_DIR=str(data / "data"),
        TQ_STORAGE_URL=f"s3://bench:bench@127.0.0.1:{port}?secure=0&region=us-east-1",
        TQ_STORAGE_MEDIA_BUCKET=BUCKET,
    )
    client = plain_client(endpoint)
    try:
        print(f"moto server {endpoint} (pid {server.pid}), {os.cpu_count()} CPU cores")
        screen = asyncio.run(first_page_times(args.repeat * 2))
        listing = full_listing_times(client, args.repeat)
        print(
            f"first page on screen: median {median(screen) * 1000:.0f} ms (target ≤ 100 ms); "
            f"listing all {PREFIX_OBJECTS:,} keys: {median(listing) * 1000:.0f} ms "
            f"({median(listing) / median(screen):.1f}× longer)"
        )
        folder = data / "files"
        make_files(folder, args.files)
        upload_round("loopback", port, folder, args, server.pid)
        if args.rtt_ms:
            proxy_proc, proxy_port = start_child("--proxy", str(port), "--rtt-ms", str(args.rtt_ms))
            try:
                upload_round(f"RTT {args.rtt_ms:g} ms", proxy_port, folder, args, server.pid)
            finally:
                stop_child(proxy_proc)
    finally:
        stop_child(server)
        shutil.rmtree(data, ignore_errors=True)


if __name__ == "__main__":
    main()
