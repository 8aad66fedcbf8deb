"""Hostile values for the display decoders, and a child process that measures decoding them.

Shared by tests/cache/test_hostile_values.py and benchmarks/hostile_decode.py.
The child runs with its address space limited (``LIMIT_BYTES``), so a decoder
without bounds fails there with MemoryError instead of taking the machine's memory.
"""

from __future__ import annotations

import functools
import json
import os
import pickle
import struct
import subprocess
import sys
import zlib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LIMIT_BYTES = 2 * 1024**3
CHILD_TIMEOUT = 120


class Call:
    """Pickles as ``func(*args)``: how a hostile pickle asks for work on loading."""

    def __init__(self, func, *args) -> None:
        self.func, self.args = func, args

    def __reduce__(self):
        return self.func, self.args


def set_of_range() -> bytes:
    """``set(range(10**8))`` in a few dozen bytes."""
    return pickle.dumps(Call(set, Call(range, 10**8)), 2)


def bytearray_of_gib() -> bytes:
    return pickle.dumps(Call(bytearray, 2**30), 2)


@functools.cache
def gzip_of_zeros(size: int = 2 * 1024**3) -> bytes:
    """A valid gzip of ``size`` zero bytes (~2 MB for 2 GiB), made from one repeated block."""
    chunk = 1 << 20
    deflate = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = deflate.compress(bytes(chunk)) + deflate.flush(zlib.Z_FULL_FLUSH)
    crc, zeros = 0, bytes(64 << 20)
    for _ in range(size // len(zeros)):
        crc = zlib.crc32(zeros, crc)
    header = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff"
    body = block * (size // chunk) + deflate.flush(zlib.Z_FINISH)
    return header + body + struct.pack("<II", crc, size & 0xFFFFFFFF)


def queue_with_bomb(url: str, name: str) -> None:
    """Huey queue ``name`` at ``url``: one ordinary message, then the gzip of 2 GiB zeros."""
    from tqconsole.backends.queue import from_url
    from tqconsole.tasks import register

    queue = from_url(url, name=name)
    register(queue.huey)
    task = queue.huey._registry.string_to_task("tqconsole.tasks.selftest")  # noqa: SLF001
    queue.huey.enqueue(task((), {}, id="first"))
    queue.enqueue_raw(gzip_of_zeros())
    queue.close()


HOSTILE = {
    "set(range(10**8))": set_of_range,
    "bytearray(2**30)": bytearray_of_gib,
    "gzip of 2 GiB zeros": gzip_of_zeros,
}

CHILD = r"""
import json, resource, sys, time
resource.setrlimit(resource.RLIMIT_AS, (int(sys.argv[1]), int(sys.argv[1])))
what, url, key, warm = sys.argv[2:6]

def peak_mib():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

if what == "cache":
    from tqconsole.backends.cache import from_url
    from tqconsole.services.cache.inspector import key_detail
    cache = from_url(url)
    def show(k):
        d = key_detail(cache, k)
        return {"kind": d.decoded.kind, "note": d.decoded.note, "text": d.decoded.text[:3000]}
else:
    from tqconsole.backends.queue import from_url
    from tqconsole.services.tasks.monitor import pending_page
    queue = from_url(url, name=key)
    def show(k):
        items = pending_page(queue, int(k), 1)
        return {"kind": "pending", "note": items[0].problem, "text": items[0].args}
show(warm)  # imports and first connections before measuring
before = peak_mib()
start = time.process_time()  # CPU seconds: the same on a loaded machine
try:
    shown = show(key if what == "cache" else "1")
except MemoryError:
    shown = {"kind": "MemoryError", "note": "", "text": ""}
seconds = time.process_time() - start
print(json.dumps({"seconds": seconds, "extra_mib": peak_mib() - before, **shown}))
"""


def measure(what: str, url: str, key: str, warm: str) -> dict:
    """Decode ``key`` (cache) or the second pending message (queue ``key``, after ``warm``)
    in a fresh process; CPU seconds, peak MiB above the warmed-up process, what was shown."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(LIMIT_BYTES), what, url, key, warm],
        capture_output=True,
        text=True,
        timeout=CHILD_TIMEOUT,
        env=env,
        check=False,
    )
    if done.returncode != 0:
        return {
            "seconds": float("inf"),
            "extra_mib": float("inf"),
            "kind": "crash",
            "note": done.stderr.strip().splitlines()[-1:],
            "text": "",
        }
    return json.loads(done.stdout)
