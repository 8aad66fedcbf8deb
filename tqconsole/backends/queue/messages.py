"""Decode raw Huey messages without importing task modules or running their code.

Huey pickles a ``huey.registry.Message`` namedtuple.  ``decode`` unpickles it
with the console's safe unpickler (``backends.safe_unpickle``) extended by the
Message itself: it and a few harmless value types (datetime, Decimal, UUID) are
rebuilt; any other global becomes an inert ``Opaque`` stand-in that only
remembers its name, arguments and state.  Undecodable or
foreign data comes back as a ``DecodedMessage`` with ``problem`` set.

Decoding is bounded: compressed messages are inflated to at most
``MAX_INFLATED`` bytes (a 2 MB gzip of 2 GiB of zeros stays a problem, not
2 GiB), the unpickler keeps to its budget (``cut`` says what it left out), and
arguments are shown through ``render``'s character budget.
"""

from __future__ import annotations

import datetime
import pickle
import zlib
from collections import namedtuple
from dataclasses import dataclass, field
from typing import Any

from tqconsole.backends.inflate import compression, inflate
from tqconsole.backends.safe_unpickle import (
    SAFE_GLOBALS,
    Cut,
    DecodeLimit,
    Loaded,
    SafeUnpickler,
    Unknown,
    render,
    safe_load,
)

MAX_INFLATED = 8 * 1024 * 1024

MESSAGE_FIELDS = (
    "id",
    "name",
    "eta",
    "retries",
    "retry_delay",
    "priority",
    "args",
    "kwargs",
    "on_complete",
    "on_error",
    "expires",
    "expires_resolved",
    "timeout",
    "chord_config",
    "retry_backoff",
)
Message = namedtuple("Message", MESSAGE_FIELDS, defaults=(None,) * len(MESSAGE_FIELDS))


class Opaque(Unknown):
    """An object of a class the console does not load; shown by its name only."""

    __slots__ = ()

    def __repr__(self) -> str:
        inner = ", ".join(render(a, budget=2000) for a in self.args)
        return f"<{self.qualname}({inner})>" if inner else f"<{self.qualname}>"


class MessageUnpickler(SafeUnpickler):
    """The console's safe unpickler, plus Huey's Message; unknown globals become ``Opaque``."""

    safe_globals = {**SAFE_GLOBALS, ("huey.registry", "Message"): Message}
    unknown = Opaque


def _load(data: bytes) -> Loaded:
    return safe_load(decompress(bytes(data)), MessageUnpickler)


@dataclass
class DecodedMessage:
    id: str = ""
    name: str = ""  # registry string: module.function
    eta: datetime.datetime | None = None
    retries: int = 0
    priority: int | None = None
    args: tuple = ()
    kwargs: dict = field(default_factory=dict)
    expires: Any = None
    timeout: Any = None
    size: int = 0
    problem: str = ""  # "undecodable: …", "foreign: …" or "too large: …"
    cut: str = ""  # what the decoding budget left out (the message is shown, not re-encoded)
    message: Any = None  # the restricted Message, for re-encoding

    @property
    def short_name(self) -> str:
        return self.name.rsplit(".", 1)[-1] if self.name else ""

    @property
    def label(self) -> str:
        return self.short_name or f"({self.problem.split(':', 1)[0]})"

    def args_text(self, width: int = 200) -> str:
        if self.problem:
            return self.problem
        each = max(width, 40)  # render's budget: a huge or self-similar argument stays cheap
        parts = [render(a, each) for a in self.args]
        parts += [
            f"{k if isinstance(k, str) else render(k, each)}={render(v, each)}"
            for k, v in self.kwargs.items()
        ]  # keyword names as in a call: sleep=0
        text = (f"(cut: {self.cut}) " if self.cut else "") + ", ".join(parts)
        return text if len(text) <= width else text[: width - 1] + "…"

    def is_due(self, now: datetime.datetime) -> bool:
        if self.eta is None:
            return True
        eta = self.eta
        if eta.tzinfo is not None:
            eta = eta.astimezone(datetime.UTC).replace(tzinfo=None)
        return eta <= now


class TooLarge(ValueError):
    """A compressed message that inflates past MAX_INFLATED."""


def decompress(data: bytes, limit: int = MAX_INFLATED) -> bytes:
    """Huey's gzip or zlib compression undone, up to ``limit`` bytes (TooLarge beyond)."""
    kind = "gzip" if data[:2] == b"\x1f\x8b" else "zlib" if data[:1] == b"\x78" else ""
    if not kind:
        return data
    try:
        inflated = inflate(data, kind, limit)
    except zlib.error:
        if kind == "gzip" or compression(data) == "zlib":
            raise
        return data  # a 'x' that starts something else
    if not inflated.complete:
        size = f"{limit / 2**20:g} MiB"
        raise TooLarge(f"{kind} of {len(data):,} bytes inflates past {size}; not inflated further")
    return inflated.data


def _text(value: Any) -> str:
    return value if isinstance(value, str) else render(value, budget=200)


def _number(value: Any) -> Any:
    return value if isinstance(value, int | float | datetime.datetime) or value is None else None


def decode(data: bytes) -> DecodedMessage:
    """A decoded message, or one with ``problem`` set; never raises, never runs code."""
    size = len(data)
    try:
        loaded = _load(data)
    except (TooLarge, DecodeLimit) as exc:
        return DecodedMessage(size=size, problem=f"too large: {exc}")
    except Exception as exc:
        return DecodedMessage(size=size, problem=f"undecodable: {type(exc).__name__}")
    obj = loaded.value
    if not isinstance(obj, Message):
        kind = type(obj).__name__ if not isinstance(obj, Opaque) else obj.qualname
        return DecodedMessage(size=size, problem=f"foreign: {kind}")
    if not isinstance(obj.kwargs or {}, dict):
        return DecodedMessage(size=size, problem="undecodable: kwargs is not a dict")
    try:
        return DecodedMessage(
            id=_text(obj.id),
            name=_text(obj.name or ""),
            eta=obj.eta if isinstance(obj.eta, datetime.datetime) else None,
            retries=obj.retries if isinstance(obj.retries, int) else 0,
            priority=obj.priority if isinstance(obj.priority, int) else None,
            args=tuple(obj.args) if isinstance(obj.args, tuple | list) else (obj.args,),
            kwargs=obj.kwargs or {},
            expires=_number(obj.expires),
            timeout=_number(obj.timeout),
            size=size,
            cut="; ".join(loaded.cuts),
            message=obj,
        )
    except Exception as exc:
        return DecodedMessage(size=size, problem=f"undecodable: {type(exc).__name__}")


def encode(message: Message, **changes) -> bytes:
    """Pickle a (restricted) Message as Huey's Message again, with ``changes``.

    Only messages whose values are all real types can be re-encoded; Opaque
    stand-ins would not survive, so such messages raise ValueError.
    """
    from huey.registry import Message as HueyMessage

    values = message._replace(**changes)
    found = _stand_in(values)
    if found == "cut":
        raise ValueError("the message is larger than the console decodes; it is not re-encoded")
    if found:
        raise ValueError("the message holds objects of classes the console does not load")
    return pickle.dumps(HueyMessage(*values), pickle.HIGHEST_PROTOCOL)


def _stand_in(value) -> str:
    """What in ``value`` would not survive re-pickling: "opaque", "cut" or ""."""
    todo, seen = [value], set()
    while todo:
        item = todo.pop()
        if isinstance(item, Opaque):
            return "opaque"
        if isinstance(item, Cut):
            return "cut"
        if id(item) in seen:
            continue
        seen.add(id(item))
        if isinstance(item, tuple | list | set | frozenset):
            todo.extend(item)
        elif isinstance(item, dict):
            todo.extend(item.keys())
            todo.extend(item.values())
    return ""


def peek_value(data: bytes, width: int = 2000) -> str:
    """A stored result as text (restricted unpickling: no code runs; bounded like ``decode``)."""
    try:
        loaded = _load(data)
    except (TooLarge, DecodeLimit) as exc:
        return f"<result too large: {exc}>"
    except Exception as exc:
        return f"<undecodable result: {type(exc).__name__}>"
    value = loaded.value
    if isinstance(value, Opaque) and value.qualname == "huey.utils.Error":
        metadata = value.args[0] if value.args and isinstance(value.args[0], dict) else {}
        return f"error stored by huey: {_text(metadata.get('error', '?'))}"
    text = render(value, budget=width)
    if loaded.cuts:
        text += f"  (cut: {'; '.join(loaded.cuts)})"
    return text if len(text) <= width else text[: width - 1] + "…"
