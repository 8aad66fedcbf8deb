"""Show what a pickle holds without running it: the console's one safe unpickler.

``safe_loads`` unpickles with an Unpickler whose ``find_class`` never imports a
module and never returns a real callable outside a small set of plain value
types (datetime, Decimal, UUID, OrderedDict, set, …).  Every other global —
``os.system``, ``subprocess.Popen``, a Django model — becomes a stand-in class
that records the arguments and state it is given, so a malicious ``__reduce__``
is displayed as the call it would have made.  ``render`` prints the result with
a budget, so a pickle of shared references cannot blow up the display.

It lives in ``backends`` so that both the backends (the queue's message decoder,
which subclasses ``SafeUnpickler`` to add Huey's Message) and the services (the
cache inspector) can use it.
"""

from __future__ import annotations

import _compat_pickle
import collections
import datetime
import decimal
import io
import pickle
import uuid
from typing import Any

SAFE_GLOBALS: dict[tuple[str, str], Any] = {
    ("datetime", "datetime"): datetime.datetime,
    ("datetime", "date"): datetime.date,
    ("datetime", "time"): datetime.time,
    ("datetime", "timedelta"): datetime.timedelta,
    ("datetime", "timezone"): datetime.timezone,
    ("decimal", "Decimal"): decimal.Decimal,
    ("uuid", "UUID"): uuid.UUID,
    ("collections", "OrderedDict"): collections.OrderedDict,
    ("builtins", "set"): set,
    ("builtins", "frozenset"): frozenset,
    ("builtins", "bytearray"): bytearray,
    ("builtins", "complex"): complex,
    ("builtins", "slice"): slice,
    ("builtins", "range"): range,
    # protocols 0-2 pickle bytes (e.g. datetime's state) as _codecs.encode(text, "latin1")
    ("_codecs", "encode"): lambda text, encoding="utf-8": str(text).encode(
        "latin1" if encoding == "latin1" else "utf-8"
    ),
}


class Unknown:
    """An object of a class that was not loaded: its name, constructor arguments and state."""

    qualname = "?"

    def __new__(cls, *args, **kwargs):
        self = object.__new__(cls)
        self.args, self.kwargs, self.state, self.items = args, kwargs, None, []
        return self

    def __init__(self, *args, **kwargs) -> None:
        pass

    def __setstate__(self, state) -> None:
        self.state = state

    # list- and dict-like BUILD opcodes (APPENDS, SETITEMS) on an unknown object
    def append(self, item) -> None:
        self.items.append(item)

    def extend(self, items) -> None:
        self.items.extend(items)

    def __setitem__(self, key, value) -> None:
        self.items.append((key, value))

    def __repr__(self) -> str:
        return render(self)


def stand_in(module: str, name: str, base: type[Unknown] = Unknown) -> type[Unknown]:
    return type(name, (base,), {"qualname": f"{module}.{name}"})


class SafeUnpickler(pickle.Unpickler):
    """Rebuilds ``safe_globals``; every other global becomes a stand-in subclass of ``unknown``.

    Subclasses add value types (``safe_globals``) or a stand-in with another
    display (``unknown``).
    """

    safe_globals: dict[tuple[str, str], Any] = SAFE_GLOBALS
    unknown: type[Unknown] = Unknown

    def find_class(self, module: str, name: str):
        module, name = _compat_pickle.NAME_MAPPING.get((module, name), (module, name))
        module = _compat_pickle.IMPORT_MAPPING.get(module, module)
        if (module, name) in self.safe_globals:
            return self.safe_globals[(module, name)]
        if (module, name) == ("copyreg", "_reconstructor"):
            return self._reconstructor
        return stand_in(module, name, self.unknown)

    def _reconstructor(self, cls, base, state):
        """copyreg._reconstructor without calling ``base``: an Unknown of ``cls``."""
        if not isinstance(cls, type):
            cls = stand_in("copyreg", "object", self.unknown)
        elif not issubclass(cls, Unknown):
            cls = stand_in(cls.__module__, cls.__name__, self.unknown)
        obj = Unknown.__new__(cls)
        obj.args = () if state is None else (state,)
        return obj

    def persistent_load(self, pid):
        return stand_in("persistent", str(pid)[:40], self.unknown)()


def safe_loads(data: bytes) -> Any:
    """Unpickle ``data`` without importing or calling anything outside SAFE_GLOBALS."""
    return SafeUnpickler(io.BytesIO(data)).load()


def looks_like_pickle(data: bytes) -> bool:
    """Protocol 2+ pickles start with PROTO; protocol 0/1 ones are not detected."""
    return len(data) >= 2 and data[0] == 0x80 and 2 <= data[1] <= pickle.HIGHEST_PROTOCOL


class Label(str):
    """A keyword of an Unknown's call (``name=value``), not a dict key."""


class _Budget:
    def __init__(self, chars: int) -> None:
        self.left = chars


def render(obj: Any, budget: int = 20_000, indent: str = "") -> str:
    """A readable multi-line form of ``obj``, at most about ``budget`` characters."""
    return _render(obj, _Budget(budget), indent, set())


def _render(obj: Any, budget: _Budget, indent: str, path: set[int]) -> str:
    if budget.left <= 0:
        return "…"
    if isinstance(obj, (dict, list, tuple, set, frozenset, Unknown)):
        if id(obj) in path:
            return "<recursion>"
        path = path | {id(obj)}
        trial = min(budget.left, 100)
        compact = _Budget(trial)
        flat = _compact(obj, compact, path)
        if compact.left > 0 and len(flat) + len(indent) <= 100:
            budget.left -= len(flat)
            return flat
        budget.left -= trial - compact.left  # a failed attempt costs too: no exponential re-tries
        return _multiline(obj, budget, indent, path)
    text = obj.qualname if isinstance(obj, type) and issubclass(obj, Unknown) else repr(obj)
    if len(text) > 2000:
        text = text[:2000] + "…"
    budget.left -= len(text)
    return text


def _parts(obj: Any) -> tuple[str, str, list[tuple[Any, Any]], bool]:
    """(opening, closing, items, is_mapping) of a container or an Unknown."""
    if isinstance(obj, Unknown):
        items: list = [(None, a) for a in obj.args]
        items += [(Label(k), v) for k, v in obj.kwargs.items()]
        if obj.state is not None:
            items.append((Label("state"), obj.state))
        items += [(None, i) for i in obj.items]
        return f"{obj.qualname}(", ")", items, True
    if isinstance(obj, dict):
        return "{", "}", list(obj.items()), True
    opening = {list: "[", tuple: "(", set: "{", frozenset: "frozenset({"}
    closing = {list: "]", tuple: ")", set: "}", frozenset: "})"}
    kind = next((t for t in (list, tuple, frozenset, set) if isinstance(obj, t)), list)
    return opening[kind], closing[kind], [(None, v) for v in obj], False


def _item(key, value, is_mapping, render_one) -> str:
    if key is None:
        return render_one(value)
    if isinstance(key, Label):
        return f"{key}={render_one(value)}"
    return f"{render_one(key)}: {render_one(value)}"


def _compact(obj: Any, budget: _Budget, path: set[int]) -> str:
    opening, closing, items, is_mapping = _parts(obj)
    out = []
    for key, value in items:
        if budget.left <= 0:
            out.append("…")
            break
        out.append(_item(key, value, is_mapping, lambda v: _render(v, budget, "", path)))
    return opening + ", ".join(out) + closing


def _multiline(obj: Any, budget: _Budget, indent: str, path: set[int]) -> str:
    opening, closing, items, is_mapping = _parts(obj)
    inner = indent + "  "
    lines = [opening]
    for n, (key, value) in enumerate(items):
        if budget.left <= 0:
            lines.append(f"{inner}… ({len(items) - n:,} more)")
            break
        rendered = _item(key, value, is_mapping, lambda v: _render(v, budget, inner, path))
        lines.append(f"{inner}{rendered},")
    lines.append(indent + closing)
    return "\n".join(lines)
