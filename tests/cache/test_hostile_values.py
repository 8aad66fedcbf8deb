"""Decoding hostile values for display is bounded (≤ 1 CPU second, ≤ 50 MiB) and says what it cut.

Each value is decoded in a child process with a limited address space
(tests/support/hostile_values.py), measured there: CPU time and peak RSS above the
warmed-up process.
"""

from __future__ import annotations

import pickle
import time

import pytest

from tests.support.hostile_values import HOSTILE, Call, measure, queue_with_bomb
from tqconsole.backends.safe_unpickle import DecodeLimit, render, safe_load

SECONDS, MIB = 1.0, 50
SAYS_CUT = {
    "set(range(10**8))": "first 10,000 of 100,000,000 items",
    "bytearray(2**30)": "bytearray of 1,073,741,824 zero bytes not built",
    "gzip of 2 GiB zeros": "inflated",
}


@pytest.mark.parametrize("name", list(HOSTILE))
def test_cache_get_of_a_hostile_value_is_bounded_and_says_what_it_cut(name, redis_url):
    import redis

    client = redis.Redis.from_url(redis_url)
    client.set(":1:hostile", HOSTILE[name]())
    client.set(":1:warm", pickle.dumps({1, 2}))
    client.close()
    shown = measure("cache", redis_url, ":1:hostile", ":1:warm")
    assert shown["seconds"] <= SECONDS, shown
    assert shown["extra_mib"] <= MIB, shown
    assert SAYS_CUT[name] in shown["note"], shown


def test_pending_with_a_gzip_bomb_is_bounded_and_says_so(redis_url):
    queue_with_bomb(redis_url, "bomb")
    shown = measure("queue", redis_url, "bomb", "0")
    assert shown["seconds"] <= SECONDS, shown
    assert shown["extra_mib"] <= MIB, shown
    assert "too large: gzip of 2,123," in shown["note"] and "inflates past 8 MiB" in shown["note"]


def _two_sets() -> bytes:
    return pickle.dumps([Call(set, Call(range, 10**8)), Call(set, Call(range, 10**8 + 1))], 2)


def _nested_tuple_key(depth: int = 60) -> bytes:
    """{t: 1} where t(0) = None and t(n+1) = (t(n), t(n)): hashing t walks 2**depth tuples."""
    out = b"\x80\x02}N"
    for n in range(depth):
        out += b"q" + bytes([n]) + b"h" + bytes([n]) + b"\x86"
    return out + b"K\x01s."


def _ints_with_one_hash(n: int = 20_000) -> bytes:
    """{k * (2**61 - 1): 0}: every key hashes to 0, so each insert compares with all before."""
    keys = (pickle.encode_long(k * (2**61 - 1)) for k in range(1, n + 1))
    return b"\x80\x02}(" + b"".join(b"\x8a" + bytes([len(e)]) + e + b"K\x00" for e in keys) + b"u."


def _shared_lists(depth: int = 40) -> bytes:
    """l(0) = [], l(n+1) = [l(n), l(n)]: 2**depth paths in a few hundred bytes."""
    out = b"\x80\x02]"
    for n in range(depth):
        out += b"q" + bytes([n]) + b"](h" + bytes([n]) + b"h" + bytes([n]) + b"e"
    return out + b"."


def _objects_on_the_stack() -> bytes:
    """An empty list per byte, or an instance of a stand-in class per three opcodes, kept."""
    return (
        b"\x80\x02(" + b"]" * 1_000_000 + b"cm\nX\nq\x00)q\x01" + b"h\x00h\x01R" * 300_000 + b"N."
    )


def _many_classes() -> bytes:
    return b"\x80\x02" + b"".join(b"cm\nC%d\n0" % i for i in range(100_000)) + b"N."


def _decode(data: bytes) -> str:
    try:
        return render(safe_load(data).value)
    except DecodeLimit as exc:
        return str(exc)


@pytest.mark.parametrize(
    "make",
    [
        _two_sets,
        _nested_tuple_key,
        _ints_with_one_hash,
        _shared_lists,
        _objects_on_the_stack,
        _many_classes,
    ],
)
def test_other_amplifying_pickles_stay_cheap(make):
    """Each of these would take hours or gigabytes decoded without bounds."""
    import tracemalloc

    data = make()
    start = time.thread_time()
    text = _decode(data)
    assert time.thread_time() - start < SECONDS  # CPU seconds: the same under load
    assert 0 < len(text) < 40_000
    tracemalloc.start()
    try:
        _decode(data)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < MIB * 2**20


def test_a_message_with_a_hostile_argument_is_shown_cut_and_never_re_encoded():
    from huey.registry import Message

    from tqconsole.backends.queue.messages import decode, encode

    fields = [None] * len(Message._fields)
    fields[:2] = "t1", "tqconsole.tasks.selftest"
    fields[Message._fields.index("args")] = (Call(set, Call(range, 10**8)),)
    fields[Message._fields.index("kwargs")] = {}
    start = time.thread_time()
    decoded = decode(pickle.dumps(Message(*fields), 4))
    assert time.thread_time() - start < SECONDS  # CPU seconds: the same under load
    assert decoded.id == "t1" and not decoded.problem
    assert decoded.args_text().startswith("(cut: set: first 10,000 of 100,000,000 items built) {")
    with pytest.raises(ValueError, match="not re-encoded"):
        encode(decoded.message)
