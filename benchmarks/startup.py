"""Start-up: `tqconsole` to the first dashboard paint vs a bare Textual app with the same words.

Each run starts a new process in a real pseudo-terminal (120×40) and times, from
just before the process starts, until the terminal receives the word "Database"
(the title of the dashboard's first panel; the bare app prints the same words).
Both run from bytecode: Textual from its installed ``.pyc`` files, tqconsole from
the ones compiled here first (as installing it does); otherwise each run would
compile tqconsole from source (``PYTHONDONTWRITEBYTECODE``) and time that.
Runs alternate between the two so machine noise hits both alike; the load
average is printed with the result.  Target (DESIGN.md): ratio ≤ 1.2.

    python benchmarks/startup.py [--runs 15]
"""

from __future__ import annotations

import argparse
import compileall
import fcntl
import importlib.util
import os
import pty
import select
import signal
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import time
from pathlib import Path

BARE = """
from textual.app import App
from textual.widgets import Footer, Static
class Bare(App):
    def compose(self):
        yield Static("tqconsole › Dashboard")
        yield Static("Database")
        yield Static("url sqlite:///…/tqconsole.db\\nstatus ● up 1 ms\\nserver SQLite\\n"
                     "open subscriptions 998\\nconfirmed, unpaid 793\\n"
                     "unmatched payments 1,438\\ncourses this period 24")
        yield Footer()
Bare().run()
"""
MARKER = b"Database"
TARGET = 1.2


def time_to_paint(argv: list[str], env: dict) -> float:
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    start = time.perf_counter()
    proc = subprocess.Popen(
        argv, stdin=slave, stdout=slave, stderr=slave, env=env, start_new_session=True
    )
    os.close(slave)
    seen = b""
    try:
        while True:
            ready, _, _ = select.select([master], [], [], 30)
            if not ready:
                raise RuntimeError(f"nothing painted in 30 s: {seen[-300:]!r}")
            chunk = os.read(master, 65536)
            if not chunk:
                raise RuntimeError(f"exited before painting: {seen[-300:]!r}")
            seen += chunk
            if MARKER in seen:
                return time.perf_counter() - start
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        os.close(master)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    compileall.compile_dir(Path(importlib.util.find_spec("tqconsole").origin).parent, quiet=1)
    with tempfile.TemporaryDirectory() as data:
        env = {k: v for k, v in os.environ.items() if not k.startswith("TQ_")}
        env.update(TQ_DATA_DIR=data, TERM="xterm-256color", COLUMNS="120", LINES="40")
        subprocess.run(
            [sys.executable, "-m", "tqconsole", "demo"], env=env, check=True, capture_output=True
        )
        bare, console = [], []
        for _ in range(args.runs):
            bare.append(time_to_paint([sys.executable, "-c", BARE], env))
            console.append(time_to_paint([sys.executable, "-m", "tqconsole"], env))
    b, c = statistics.median(bare), statistics.median(console)
    print(f"bare Textual app, first paint   : median {b * 1000:5.0f} ms (n={args.runs})")
    print(f"tqconsole dashboard, first paint: median {c * 1000:5.0f} ms (n={args.runs})")
    print(f"ratio tqconsole / bare: {c / b:.2f} (target ≤ {TARGET})")
    print("load average (1, 5, 15 min): {:.1f} {:.1f} {:.1f}".format(*os.getloadavg()))


if __name__ == "__main__":
    main()
