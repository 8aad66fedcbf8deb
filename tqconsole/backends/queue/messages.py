"""Decode raw Huey messages without importing task modules or running their code.

Huey pickles a ``huey.registry.Message`` namedtuple.  ``decode`` unpickles it
with the console's safe unpickler (``backends.safe_unpickle``) extended by the
Message itself: it and a few harmless value types (datetime, Decimal, UUID) are
rebuilt; any other global becomes an inert ``Opaque`` stand-in that only
remembers its name, arguments and state.  Undecodable or
foreign data comes back as a ``DecodedMessage`` with ``problem`` set.
"""

from __future__ import annotations

import datetime
import gzip
import io
import pickle
import zlib
from collections import namedtuple
from dataclasses import dataclass, field
from typing import Any

from tqconsole.backends.safe_unpickle import SAFE_GLOBALS, SafeUnpickler, Unknown

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

    def __repr__(self) -> str:
        inner = ", ".join(repr(a) for a in self.args)
        return f"<{self.qualname}({inner})>" if inner else f"<{self.qualname}>"


class MessageUnpickler(SafeUnpickler):
    """The console's safe unpickler, plus Huey's Message; unknown globals become ``Opaque``."""

    safe_globals = {**SAFE_GLOBALS, ("huey.registry", "Message"): Message}
    unknown = Opaque


def _load(data: bytes) -> Any:
    return MessageUnpickler(io.BytesIO(decompress(bytes(data)))).load()


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
    problem: str = ""  # "undecodable: …" or "foreign: …"
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
        parts = [repr(a) for a in self.args]
        parts += [f"{k}={v!r}" for k, v in self.kwargs.items()]
        text = ", ".join(parts)
        return text if len(text) <= width else text[: width - 1] + "…"

    def is_due(self, now: datetime.datetime) -> bool:
        if self.eta is None:
            return True
        eta = self.eta
        if eta.tzinfo is not None:
            eta = eta.astimezone(datetime.UTC).replace(tzinfo=None)
        return eta <= now


def decompress(data: bytes) -> bytes:
    if data[:2] == b"\x1f\x8b":
        return gzip.decompress(data)
    if data[:1] == b"\x78":
        try:
            return zlib.decompress(data)
        except zlib.error:
            return data
    return data


def decode(data: bytes) -> DecodedMessage:
    """A decoded message, or one with ``problem`` set; never raises, never runs code."""
    size = len(data)
    try:
        obj = _load(data)
    except Exception as exc:
        return DecodedMessage(size=size, problem=f"undecodable: {type(exc).__name__}")
    if not isinstance(obj, Message):
        kind = type(obj).__name__ if not isinstance(obj, Opaque) else obj.qualname
        return DecodedMessage(size=size, problem=f"foreign: {kind}")
    try:
        return DecodedMessage(
            id=str(obj.id),
            name=str(obj.name or ""),
            eta=obj.eta if isinstance(obj.eta, datetime.datetime) else None,
            retries=int(obj.retries or 0),
            priority=obj.priority,
            args=tuple(obj.args or ()),
            kwargs=dict(obj.kwargs or {}),
            expires=obj.expires,
            timeout=obj.timeout,
            size=size,
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
    if _has_opaque(values):
        raise ValueError("the message holds objects of classes the console does not load")
    return pickle.dumps(HueyMessage(*values), pickle.HIGHEST_PROTOCOL)


def _has_opaque(value) -> bool:
    if isinstance(value, Opaque):
        return True
    if isinstance(value, tuple | list | set | frozenset):
        return any(_has_opaque(v) for v in value)
    if isinstance(value, dict):
        return any(_has_opaque(k) or _has_opaque(v) for k, v in value.items())
    return False


def peek_value(data: bytes, width: int = 2000) -> str:
    """A stored result as text (restricted unpickling: no code runs)."""
    try:
        value = _load(data)
    except Exception as exc:
        return f"<undecodable result: {type(exc).__name__}>"
    if isinstance(value, Opaque) and value.qualname == "huey.utils.Error":
        metadata = value.args[0] if value.args and isinstance(value.args[0], dict) else {}
        return f"error stored by huey: {metadata.get('error', '?')}"
    text = repr(value)
    return text if len(text) <= width else text[: width - 1] + "…"
