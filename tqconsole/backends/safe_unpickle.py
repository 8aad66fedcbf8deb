"""Show what a pickle holds without running it: the console's one safe unpickler.

``safe_load`` unpickles with an Unpickler whose ``find_class`` never imports a
module and never returns a real callable outside a small set of plain value
types (datetime, Decimal, UUID, OrderedDict, set, …).  Every other global —
``os.system``, ``subprocess.Popen``, a Django model — becomes a stand-in class
that records the arguments and state it is given, so a malicious ``__reduce__``
is displayed as the call it would have made.  ``render`` prints the result with
a budget, so a pickle of shared references cannot blow up the display.

Decoding is bounded, because a 42-byte pickle can ask for ``set(range(10**8))``
or ``bytearray(2**30)``: the unpickler runs the opcodes itself (pickle's pure
Python machine, with its own handlers where objects grow), counts the items
and bytes it builds, stops after ``DEADLINE`` seconds, and never hashes a dict
key or set member whose hash would walk too many values, nor more than
``SAME_HASH`` keys with one hash.  What a budget cut is kept as a ``Cut`` in
the value and listed in ``Loaded.cuts``.

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
import itertools
import pickle
import struct
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

MAX_OPS = 250_000  # opcodes of one load (each makes at most a small object)
MAX_ITEMS = 100_000  # container items built by one load
MAX_BUILT = 10_000  # items one constructor call (set(range(…))) builds from its argument
MAX_BYTES = 8 * 1024 * 1024  # bytes made by constructors (bytearray(n)) in one load
DEADLINE = 0.5  # seconds one load may take
MAX_CLASSES = 1_000  # distinct stand-in classes of one load
KEY_NODES = 100_000  # values in the dict keys and set members of one load (hashing walks them)
SAME_HASH = 64  # keys of one load with the same hash (each insert would compare with all)

SAFE_GLOBALS: dict[tuple[str, str], Any] = {
    ("datetime", "datetime"): datetime.datetime,
    ("datetime", "date"): datetime.date,
    ("datetime", "time"): datetime.time,
    ("datetime", "timedelta"): datetime.timedelta,
    ("datetime", "timezone"): datetime.timezone,
    ("uuid", "UUID"): uuid.UUID,
    ("builtins", "complex"): complex,
    ("builtins", "slice"): slice,
    ("builtins", "range"): range,  # lazy: only what consumes it is bounded
    # protocols 0-2 pickle bytes (e.g. datetime's state) as _codecs.encode(text, "latin1")
    ("_codecs", "encode"): lambda text, encoding="utf-8": str(text).encode(
        "latin1" if encoding == "latin1" else "utf-8"
    ),
}
# Value types whose constructors consume their arguments: the unpickler's bounded versions.
BOUNDED_GLOBALS = {
    ("builtins", "set"): "make_set",
    ("builtins", "frozenset"): "make_frozenset",
    ("builtins", "bytearray"): "make_bytearray",
    ("collections", "OrderedDict"): "make_ordered_dict",
    ("decimal", "Decimal"): "make_decimal",
}


class DecodeLimit(pickle.UnpicklingError):
    """Decoding stopped: the pickle asks for more than the display budget."""


class Cut:
    """What a budget left out, in place of the rest of a value."""

    def __init__(self, text: str) -> None:
        self.text = text

    def __repr__(self) -> str:
        return f"…({self.text})"


@dataclass
class Loaded:
    value: Any
    cuts: list[str] = field(default_factory=list)


class Unknown:
    """An object of a class that was not loaded: its name, constructor arguments and state."""

    __slots__ = ("args", "kwargs", "state", "items")  # small: a pickle can make many
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
    return type(name, (base,), {"qualname": f"{module}.{name}", "__slots__": ()})


_Machine = pickle._Unpickler  # the pure-Python machine: its opcode handlers can be replaced


class SafeUnpickler(_Machine):
    """Rebuilds ``safe_globals``; every other global becomes a stand-in subclass of ``unknown``.

    Subclasses add value types (``safe_globals``) or a stand-in with another
    display (``unknown``).  One instance loads one pickle, within its budget.
    """

    safe_globals: dict[tuple[str, str], Any] = SAFE_GLOBALS
    unknown: type[Unknown] = Unknown
    dispatch = dict(_Machine.dispatch)

    def __init__(self, file, deadline: float = DEADLINE) -> None:
        super().__init__(file)
        self.items_left, self.bytes_left, self.nodes_left = MAX_ITEMS, MAX_BYTES, KEY_NODES
        self.hashes: collections.Counter = collections.Counter()
        self.stand_ins: dict[tuple[str, str], type[Unknown]] = {}
        self.deadline = time.monotonic() + deadline
        self.cuts: list[str] = []

    # --- the budget
    def take_items(self, n: int) -> None:
        self.items_left -= n
        if self.items_left < 0:
            raise DecodeLimit(f"the pickle builds more than {MAX_ITEMS:,} items")

    def cut(self, text: str) -> Cut:
        self.cuts.append(text)
        return Cut(text)

    def check_key(self, key: Any) -> None:
        """Hash ``key`` only when that is cheap: tuples are walked within the budget first
        (nested shared tuples would take forever), and few keys may share one hash."""
        todo = [key]
        while todo:
            value = todo.pop()
            if isinstance(value, tuple):
                self.nodes_left -= len(value)
                if self.nodes_left < 0:
                    raise DecodeLimit(
                        f"dict keys and set members hold more than {KEY_NODES:,} values"
                    )
                todo.extend(value)
        same = self.hashes[hash(key)] = self.hashes[hash(key)] + 1
        if same > SAME_HASH:
            raise DecodeLimit(f"more than {SAME_HASH} dict keys or set members share one hash")

    def load(self):
        """pickle's loop, counting the opcodes and checking the clock every 256 of them."""
        self._unframer = pickle._Unframer(self._file_read, self._file_readline)
        self.read = self._unframer.read
        self.readinto = self._unframer.readinto
        self.readline = self._unframer.readline
        self.metastack, self.stack = [], []
        self.append = self.stack.append
        self.proto = 0
        read, dispatch = self.read, self.dispatch
        try:
            for n in itertools.count():
                if not n & 255:
                    if n > MAX_OPS:
                        raise DecodeLimit(f"the pickle has more than {MAX_OPS:,} operations")
                    if time.monotonic() > self.deadline:
                        raise DecodeLimit("decoding took too long")
                key = read(1)
                if not key:
                    raise EOFError
                dispatch[key[0]](self)
        except pickle._Stop as stop:
            return stop.value

    # --- opcodes that build containers: counted, keys checked before they are hashed
    def load_list(self):
        items = self.pop_mark()
        self.take_items(len(items))
        self.append(items)

    def load_tuple(self):
        items = self.pop_mark()
        self.take_items(len(items))
        self.append(tuple(items))

    def load_dict(self):
        items = self.pop_mark()
        self.take_items(len(items) // 2)
        d: dict = {}
        self.append(d)
        self._set_items(d, items)

    def load_frozenset(self):
        items = self.pop_mark()
        self.take_items(len(items))
        for item in items:
            self.check_key(item)
        self.append(frozenset(items))

    def load_append(self):
        self.take_items(1)
        value = self.stack.pop()
        self.stack[-1].append(value)

    def load_appends(self):
        items = self.pop_mark()
        self.take_items(len(items))
        target = self.stack[-1]
        if hasattr(target, "extend"):
            target.extend(items)
        else:
            for item in items:
                target.append(item)

    def load_setitem(self):
        value = self.stack.pop()
        key = self.stack.pop()
        self.take_items(1)
        self._set_items(self.stack[-1], [key, value])

    def load_setitems(self):
        items = self.pop_mark()
        self.take_items(len(items) // 2)
        self._set_items(self.stack[-1], items)

    def _set_items(self, target, items: list) -> None:
        for i in range(0, len(items) - 1, 2):
            self.check_key(items[i])
            target[items[i]] = items[i + 1]

    def load_additems(self):
        items = self.pop_mark()
        self.take_items(len(items))
        target = self.stack[-1]
        for item in items:
            self.check_key(item)
            target.add(item)

    def load_bytearray8(self):
        (size,) = struct.unpack("<Q", self.read(8))
        data = self.read(size)  # never more than the pickle holds
        if len(data) != size:
            raise pickle.UnpicklingError("BYTEARRAY8 longer than the pickle")
        self.append(bytearray(data))

    def load_build(self):
        state = self.stack.pop()
        inst = self.stack[-1]
        if isinstance(inst, Unknown):
            inst.__setstate__(state)
        elif isinstance(inst, type) or callable(inst):
            raise pickle.UnpicklingError("BUILD on a class or function")
        else:
            self.append(state)
            super().load_build()

    for _op, _name in (
        (pickle.LIST, "load_list"),
        (pickle.TUPLE, "load_tuple"),
        (pickle.DICT, "load_dict"),
        (pickle.FROZENSET, "load_frozenset"),
        (pickle.APPEND, "load_append"),
        (pickle.APPENDS, "load_appends"),
        (pickle.SETITEM, "load_setitem"),
        (pickle.SETITEMS, "load_setitems"),
        (pickle.ADDITEMS, "load_additems"),
        (pickle.BYTEARRAY8, "load_bytearray8"),
        (pickle.BUILD, "load_build"),
    ):
        dispatch[_op[0]] = locals()[_name]
    del _op, _name

    # --- globals
    def find_class(self, module: str, name: str):
        module, name = _compat_pickle.NAME_MAPPING.get((module, name), (module, name))
        module = _compat_pickle.IMPORT_MAPPING.get(module, module)
        if (module, name) in BOUNDED_GLOBALS:
            return getattr(self, BOUNDED_GLOBALS[(module, name)])
        if (module, name) in self.safe_globals:
            return self.safe_globals[(module, name)]
        if (module, name) == ("copyreg", "_reconstructor"):
            return self._reconstructor
        return self._stand_in(module, name)

    def _stand_in(self, module: str, name: str) -> type[Unknown]:
        """One stand-in class per name and load (a class costs a kilobyte)."""
        cls = self.stand_ins.get((module, name))
        if cls is None:
            if len(self.stand_ins) >= MAX_CLASSES:
                raise DecodeLimit(f"the pickle names more than {MAX_CLASSES:,} classes")
            cls = self.stand_ins[(module, name)] = stand_in(module, name, self.unknown)
        return cls

    def _reconstructor(self, cls, base, state):
        """copyreg._reconstructor without calling ``base``: an Unknown of ``cls``."""
        if not isinstance(cls, type):
            cls = self._stand_in("copyreg", "object")
        elif not issubclass(cls, Unknown):
            cls = self._stand_in(cls.__module__, cls.__name__)
        obj = Unknown.__new__(cls)
        obj.args = () if state is None else (state,)
        return obj

    def persistent_load(self, pid):
        return self._stand_in("persistent", render(pid, budget=40)[:40])()

    # --- bounded constructors of the value types
    def _first(self, what: str, iterable: Any) -> list:
        """The items of ``iterable`` up to the budget; a Cut in place of the rest."""
        room = max(0, min(self.items_left, MAX_BUILT))
        items = list(itertools.islice(iter(iterable), room + 1))
        if len(items) > room:
            items = items[:room]
            total = f" of {_length(iterable):,}" if isinstance(iterable, range) else ""
            items.append(self.cut(f"{what}: first {len(items):,}{total} items built"))
        self.take_items(len(items))
        return items

    def make_set(self, iterable: Any = ()) -> set:
        result = set()
        for item in self._first("set", iterable):
            self.check_key(item)
            result.add(item)
        return result

    def make_frozenset(self, iterable: Any = ()) -> frozenset:
        return frozenset(self.make_set(iterable))

    def make_bytearray(self, source: Any = b"", *args) -> bytearray | Cut:
        if isinstance(source, int):
            if source > self.bytes_left:
                return self.cut(f"bytearray of {source:,} zero bytes not built")
            self.bytes_left -= source
            return bytearray(source)
        if isinstance(source, str | bytes | bytearray | memoryview):
            return bytearray(source, *args)
        return bytearray(b for b in self._first("bytearray", source) if isinstance(b, int))

    def make_ordered_dict(self, items: Any = ()) -> collections.OrderedDict:
        result: collections.OrderedDict = collections.OrderedDict()
        pairs = items.items() if isinstance(items, dict) else items
        flat = []
        for pair in self._first("OrderedDict", pairs):
            if not isinstance(pair, tuple | list) or len(pair) != 2:
                raise pickle.UnpicklingError("OrderedDict items are not pairs")
            flat += pair
        self._set_items(result, flat)
        return result

    def make_decimal(self, value: Any = "0", *args) -> decimal.Decimal | Cut:
        if isinstance(value, int) and value.bit_length() > 100_000:
            return self.cut(f"Decimal of a {value.bit_length():,}-bit integer not built")
        return decimal.Decimal(value, *args)


def _length(r: range) -> int:
    """len(r), also beyond sys.maxsize (where len() raises OverflowError)."""
    return max(0, (r.stop - r.start + r.step - (1 if r.step > 0 else -1)) // r.step)


def safe_load(data: bytes, unpickler: type[SafeUnpickler] = SafeUnpickler) -> Loaded:
    """Unpickle ``data`` within the budget, without importing or calling anything unsafe.

    Raises (DecodeLimit, UnpicklingError, …) when the data is no pickle or asks too much.
    """
    machine = unpickler(io.BytesIO(data))
    value = machine.load()
    return Loaded(value, machine.cuts)


def looks_like_pickle(data: bytes) -> bool:
    """Protocol 2+ pickles start with PROTO; protocol 0/1 ones are not detected."""
    return len(data) >= 2 and data[0] == 0x80 and 2 <= data[1] <= pickle.HIGHEST_PROTOCOL


class Label(str):
    """A keyword of an Unknown's call (``name=value``), not a dict key."""


class _Budget:
    def __init__(self, chars: int) -> None:
        self.left = chars


MAX_DEPTH = 60
TEXT_CHARS = 2000


def render(obj: Any, budget: int = 20_000, indent: str = "") -> str:
    """A readable multi-line form of ``obj``, at most about ``budget`` characters."""
    return _render(obj, _Budget(budget), indent, set())


def _render(obj: Any, budget: _Budget, indent: str, path: set[int]) -> str:
    if budget.left <= 0 or len(path) > MAX_DEPTH:
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
    text = _scalar(obj)
    budget.left -= len(text)
    return text


def _scalar(obj: Any) -> str:
    """repr of one value, cut to TEXT_CHARS before it is made (a 8 MiB bytes stays cheap)."""
    if isinstance(obj, type) and issubclass(obj, Unknown):
        return obj.qualname
    if isinstance(obj, str | bytes | bytearray) and len(obj) > TEXT_CHARS:
        return f"{repr(obj[:TEXT_CHARS])}… ({len(obj):,} in all)"
    if isinstance(obj, int) and obj.bit_length() > 4 * TEXT_CHARS:
        return f"<integer of {obj.bit_length():,} bits>"
    try:
        text = repr(obj)
    except Exception as exc:  # a value type that cannot show itself (Decimal context, …)
        return f"<{type(obj).__name__}: {type(exc).__name__}>"
    return text if len(text) <= TEXT_CHARS else text[:TEXT_CHARS] + "…"


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
    values = list(obj)
    if kind in (set, frozenset):  # what a budget cut goes last, where the eye looks for it
        values.sort(key=lambda v: isinstance(v, Cut))
    return opening[kind], closing[kind], [(None, v) for v in values], False


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
        budget.left -= len(inner) + 2  # the indentation counts too
        lines.append(f"{inner}{rendered},")
    lines.append(indent + closing)
    return "\n".join(lines)
