"""Storage benchmark against moto's threaded S3 server on 127.0.0.1 (in its own process).

1. First page of a prefix holding 10,000 objects on the buckets screen, from the
   moment the screen is asked for until its rows are on screen (target ≤ 200 ms);
   peer: listing the whole prefix with boto3's paginator, what a screen that
   lists everything would wait for.
2. Uploading 1,000 small files: the console's many-file upload (one boto3
   transfer manager, requests in parallel) vs a sequential boto3 ``put_object``
   loop (target ≥ 5×) and vs ``aws s3 cp --recursive`` (target: no slower).

Usage: python benchmarks/storage.py [--repeat N] [--files N]
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


def start_server() -> tuple[subprocess.Popen, int]:
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, __file__, "--serve", str(port)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    if proc.stdout.readline().strip() != "ready":
        raise SystemExit("moto server did not start")
    return proc, port


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


def upload_console(folder: Path, run: int) -> float:
    from tqconsole.backends import Backends
    from tqconsole.services import bucket_transfers
    from tqconsole.settings import load

    backends = Backends(load())
    media = backends.get("storage").storage("media")
    plan = bucket_transfers.plan_upload(folder, f"console-{run}")
    start = time.perf_counter()
    media.save_many(plan.items)
    elapsed = time.perf_counter() - start
    assert len(media.list(f"console-{run}/", page_size=1000).objects) == len(plan.items)
    backends.close()
    return elapsed


def upload_loop(client, folder: Path, run: int) -> float:
    start = time.perf_counter()
    for path in sorted(folder.iterdir()):
        client.put_object(
            Bucket=BUCKET,
            Key=f"loop-{run}/{path.name}",
            Body=path.read_bytes(),
            ContentType="image/jpeg",
        )
    return time.perf_counter() - start


def upload_awscli(endpoint: str, folder: Path, run: int) -> float | None:
    aws = shutil.which("aws") or str(Path(sys.executable).parent / "aws")
    if not Path(aws).exists():
        return None
    env = {
        **os.environ,
        "AWS_ACCESS_KEY_ID": "bench",
        "AWS_SECRET_ACCESS_KEY": "bench",
        "AWS_DEFAULT_REGION": "us-east-1",
    }
    start = time.perf_counter()
    subprocess.run(
        [
            aws,
            "s3",
            "cp",
            "--recursive",
            "--quiet",
            "--endpoint-url",
            endpoint,
            str(folder),
            f"s3://{BUCKET}/awscli-{run}/",
        ],
        check=True,
        env=env,
    )
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--serve", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--files", type=int, default=1000)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve)
        return

    import boto3

    proc, port = start_server()
    endpoint = f"http://127.0.0.1:{port}"
    data = Path(tempfile.mkdtemp(prefix="tq-bench-storage-"))
    os.environ.update(
        TQ_DATA_DIR=str(data / "data"),
        TQ_STORAGE_URL=f"s3://bench:bench@127.0.0.1:{port}?secure=0&region=us-east-1",
        TQ_STORAGE_MEDIA_BUCKET=BUCKET,
    )
    client = boto3.client(
        "s3",
        endpoint_url=endpoint,
        aws_access_key_id="bench",
        aws_secret_access_key="bench",
        region_name="us-east-1",
    )
    try:
        print(f"moto server {endpoint}, prefix big/ with {PREFIX_OBJECTS:,} objects")
        screen = asyncio.run(first_page_times(args.repeat * 2))
        listing = full_listing_times(client, args.repeat)
        print(
            f"first page on screen: median {median(screen) * 1000:.0f} ms (target ≤ 200 ms); "
            f"listing all {PREFIX_OBJECTS:,} keys: {median(listing) * 1000:.0f} ms "
            f"({median(listing) / median(screen):.1f}× longer)"
        )

        folder = data / "files"
        make_files(folder, args.files)
        console, loop, awscli, server_cpu = [], [], [], []
        for run in range(args.repeat):
            before = cpu_seconds(proc.pid)
            console.append(upload_console(folder, run))
            server_cpu.append(cpu_seconds(proc.pid) - before)
            loop.append(upload_loop(client, folder, run))
            took = upload_awscli(endpoint, folder, run)
            if took is not None:
                awscli.append(took)
        c = median(console)
        print(f"upload {args.files} files of 1 KB, median of {args.repeat}:")
        print(f"  console (transfer manager, parallel): {c:.2f} s  {args.files / c:,.0f} files/s")
        print(
            f"  sequential boto3 put_object loop:     {median(loop):.2f} s  "
            f"-> console is {median(loop) / c:.1f}× faster (target ≥ 5×)"
        )
        per_put = median(server_cpu) / args.files
        print(
            f"  moto spent {per_put * 1000:.1f} ms of CPU per upload: the server alone allows "
            f"at most ~{1 / per_put:,.0f} files/s, the loop's "
            f"{median(loop) / args.files * 1000:.1f} ms per file caps any speed-up near "
            f"{median(loop) / args.files / per_put:.1f}×"
        )
        if awscli:
            print(
                f"  aws s3 cp --recursive:                {median(awscli):.2f} s  "
                f"-> console is {median(awscli) / c:.2f}× its speed (target ≥ 1×)"
            )
        else:
            print("  aws s3 cp --recursive: not installed (pip install awscli); not compared")
    finally:
        proc.stdin.close()
        proc.wait(timeout=10)
        shutil.rmtree(data, ignore_errors=True)


if __name__ == "__main__":
    main()
