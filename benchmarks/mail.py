"""Bulk mail: 1,000 messages through send_mass_mail to a local aiosmtpd server.

tqconsole's send_mass_mail (every message recorded in the outbox, on SQLite by
default) against Django's send_mass_mail, to the same server, in one run; then
tqconsole with several parallel SMTP connections.  The server runs in its own
process so it never competes with the sender for the GIL.

    python benchmarks/mail.py [--messages 1000] [--repeat 5] [--connections 4]
                              [--database postgresql://…] [--latency MS]

With a local server that answers at once, one connection is fastest (the
server is one asyncio process); ``--latency 5`` models a server that spends
5 ms on each message, where parallel connections pay off.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import socket
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def serve(port: int, ready, latency: float) -> None:
    import asyncio

    from aiosmtpd.controller import Controller

    class Sink:
        async def handle_DATA(self, server, session, envelope):  # noqa: N802
            if latency:
                await asyncio.sleep(latency)  # a server that scans each message
            return "250 OK"

    controller = Controller(Sink(), hostname="127.0.0.1", port=port)
    controller.start()
    ready.set()
    try:
        while True:
            time.sleep(3600)
    finally:
        controller.stop()


def datatuple(n: int, run: int) -> list[tuple[str, str, str, list[str]]]:
    body = "Hallo\n\nDer Kurs beginnt am Montag um 19:30 im Raum A.\n\nLiebe Grüsse\nTanzquotient\n"
    return [
        (f"Kursinfo {run}-{i}", body, "Tanzquotient <info@example.ch>", [f"p{i}@example.ch"])
        for i in range(n)
    ]


def run_django(port: int, data) -> float:
    from django.conf import settings

    if not settings.configured:
        settings.configure(
            EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
            EMAIL_HOST="127.0.0.1",
            EMAIL_PORT=port,
        )
    from django.core.mail import send_mass_mail

    start = time.perf_counter()
    sent = send_mass_mail(data)
    elapsed = time.perf_counter() - start
    assert sent == len(data), sent
    return elapsed


def run_tqconsole(url: str, data, connections: int) -> float:
    from tqconsole.backends.mail import get_connection
    from tqconsole.services.mail.sending import send_mass_mail

    start = time.perf_counter()
    sent = send_mass_mail(data, connection=get_connection(url), connections=connections)
    elapsed = time.perf_counter() - start
    assert sent == len(data), sent
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--database", default=None, help="outbox database (default: SQLite)")
    parser.add_argument(
        "--latency", type=float, default=0.0, help="ms the server waits per message (default 0)"
    )
    args = parser.parse_args()

    data_dir = tempfile.mkdtemp(prefix="tq-bench-mail-")
    os.environ["TQ_DATA_DIR"] = data_dir
    if args.database:
        os.environ["TQ_DATABASE_URL"] = args.database
    from tqconsole.backends import Backends
    from tqconsole.services.db.schema import init
    from tqconsole.settings import load

    backends = Backends(load())
    init(backends)

    port = free_port()
    ready = multiprocessing.Event()
    server = multiprocessing.Process(
        target=serve, args=(port, ready, args.latency / 1000), daemon=True
    )
    server.start()
    ready.wait(10)
    url = f"smtp://127.0.0.1:{port}"
    results: dict[str, list[float]] = {"django": [], "tqconsole": [], "parallel": []}
    try:
        run_django(port, datatuple(50, -1))  # warm up both
        run_tqconsole(url, datatuple(50, -1), 1)
        for run in range(args.repeat):
            data = datatuple(args.messages, run)
            rounds = [
                ("django", run_django, (port, data)),
                ("tqconsole", run_tqconsole, (url, data, 1)),
                ("parallel", run_tqconsole, (url, data, args.connections)),
            ]
            for key, measure, measure_args in rounds if run % 2 else reversed(rounds):
                results[key].append(measure(*measure_args))  # the order alternates: no drift
    finally:
        server.terminate()
        backends.close()

    n = args.messages
    med = {k: statistics.median(v) for k, v in results.items()}
    where = load().masked("database").split(":")[0]
    print(
        f"{n:,} messages to aiosmtpd (+{args.latency:g} ms per message), "
        f"median of {args.repeat} runs, outbox on {where}"
    )
    for key, label in (
        ("django", "Django send_mass_mail (1 connection)"),
        ("tqconsole", "tqconsole send_mass_mail + outbox (1 connection)"),
        ("parallel", f"tqconsole send_mass_mail + outbox ({args.connections} connections)"),
    ):
        print(f"  {label:<58} {med[key]:7.3f} s  {n / med[key]:8.0f} msg/s")
    print(
        f"ratio tqconsole/django (1 connection): {med['tqconsole'] / med['django']:.2f}  (target ≤ 0.67: ≥ 1.5× Django's speed)"
    )
    print(
        f"ratio tqconsole/django ({args.connections} connections): {med['parallel'] / med['django']:.2f}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
