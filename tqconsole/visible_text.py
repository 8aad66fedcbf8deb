"""Text from data made safe to show on a terminal: control characters become visible.

A value from the database, a bucket key, a cache value, a queue message or a mail
header may hold terminal escapes (``\\x1b]52;c;…\\x07`` writes the clipboard,
``\\x1b]0;…\\x07`` the window title, ``\\x1b[2J`` clears the screen) or Unicode
bidi overrides that reorder what is shown.  Everything the console writes to a
terminal passes through ``visible``:

- C0 controls become their Unicode control pictures (ESC → ␛, BEL → ␇, tab → ␉,
  newline → ␊), DEL becomes ␡;
- C1 controls (U+0080–U+009F, including the one-byte CSI U+009B) become ``\\x9b``;
- bidi embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069) become
  ``\\u202e``.

Multi-line output keeps its newlines and tabs (``keep="\\n\\t"``); a table cell is
``one_line``.  JSON output stays exact: ``json_text`` escapes these characters as
``\\uXXXX``, which a JSON reader turns back into the same string.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

# C0, DEL and C1, bidi embeddings/overrides, bidi isolates (first and last code point)
CONTROL_RANGES = ((0x00, 0x1F), (0x7F, 0x9F), (0x202A, 0x202E), (0x2066, 0x2069))


def char_class(ranges) -> str:
    return "[" + "".join(f"\\U{a:08x}-\\U{b:08x}" for a, b in ranges) + "]"


CONTROLS = re.compile(char_class(CONTROL_RANGES))
# what JSON leaves unescaped: it escapes C0 in strings (and its own newlines must stay)
JSON_UNSAFE = re.compile(char_class(CONTROL_RANGES[1:]))


def picture(code: int) -> str:
    """The visible stand-in of one control character."""
    if code < 0x20:
        return chr(0x2400 + code)
    if code == 0x7F:
        return "\u2421"
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


PICTURES = {chr(c): picture(c) for a, b in CONTROL_RANGES for c in range(a, b + 1)}


@lru_cache(maxsize=8)
def pattern(keep: str) -> re.Pattern:
    """The control characters but those in ``keep``."""
    if not keep:
        return CONTROLS
    return re.compile("[" + "".join(re.escape(c) for c in PICTURES if c not in keep) + "]")


def visible(text: str, keep: str = "") -> str:
    """``text`` with every control character (but those in ``keep``) shown as a glyph."""
    found = pattern(keep)
    if found.search(text) is None:
        return text
    return found.sub(lambda m: PICTURES[m.group()], text)


def one_line(text: str) -> str:
    """``text`` for one line of a table: line breaks as ⏎, tabs as spaces, controls visible."""
    if CONTROLS.search(text) is None:
        return text
    return visible(text.replace("\r\n", "⏎").replace("\n", "⏎").replace("\t", " "))


def json_text(data: Any, **options) -> str:
    """``json.dumps`` (non-ASCII kept) with DEL, C1 and bidi controls escaped as ``\\uXXXX``."""
    import json  # here: the console's start needs no JSON

    text = json.dumps(data, ensure_ascii=False, **options)
    return JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)
