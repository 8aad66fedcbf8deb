"""Redis glob patterns (``*``, ``?``, ``[a-z]``, ``[^…]``, ``\\`` escapes) outside Redis.

The database and local-memory caches match keys with the same rules as Redis's
SCAN MATCH, so a pattern means the same on every backend.  A name the site's
code uses (``user_ical_*``) finds its keys under any KEY_PREFIX and VERSION
through ``site_form``.
"""

from __future__ import annotations

import re
from functools import lru_cache


def _class(pattern: str, i: int) -> tuple[str, int]:
    """The regex of the ``[...]`` starting at ``pattern[i] == '['``, and the index after it."""
    i += 1
    negate = i < len(pattern) and pattern[i] == "^"
    if negate:
        i += 1
    parts: list[str] = []
    while i < len(pattern) and pattern[i] != "]":
        ch = pattern[i]
        if ch == "\\" and i + 1 < len(pattern):
            i += 1
            ch = pattern[i]
        if i + 2 < len(pattern) and pattern[i + 1] == "-" and pattern[i + 2] != "]":
            end = pattern[i + 2]
            if end == "\\" and i + 3 < len(pattern):
                end = pattern[i + 3]
                i += 1
            lo, hi = sorted((ch, end))
            parts.append(f"{re.escape(lo)}-{re.escape(hi)}")
            i += 3
            continue
        parts.append(re.escape(ch))
        i += 1
    body = "".join(parts)
    if not body:
        return ("[^\\s\\S]" if not negate else "[\\s\\S]"), i + 1
    return f"[{'^' if negate else ''}{body}]", i + 1


@lru_cache(maxsize=256)
def glob_regex(pattern: str) -> re.Pattern:
    """A compiled regex matching whole keys exactly as Redis matches ``pattern``."""
    out: list[str] = []
    i = 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "*":
            out.append("[\\s\\S]*")
            i += 1
        elif ch == "?":
            out.append("[\\s\\S]")
            i += 1
        elif ch == "[":
            regex, i = _class(pattern, i)
            out.append(regex)
        elif ch == "\\" and i + 1 < len(pattern):
            out.append(re.escape(pattern[i + 1]))
            i += 2
        else:
            out.append(re.escape(ch))
            i += 1
    return re.compile("".join(out) + r"\Z")


def glob_like(pattern: str) -> str:
    """A SQL LIKE pattern (escape ``\\``) matching a superset of ``pattern``'s keys.

    Character classes become ``_``; the exact match is then checked with ``glob_regex``.
    """
    out: list[str] = []
    i = 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "*":
            out.append("%")
        elif ch == "?":
            out.append("_")
        elif ch == "[":
            _, i = _class(pattern, i)
            out.append("_")
            continue
        else:
            if ch == "\\" and i + 1 < len(pattern):
                i += 1
                ch = pattern[i]
            out.append("\\" + ch if ch in "%_\\" else ch)
        i += 1
    return "".join(out)


# Where a key's name begins in Django's stored form ``KEY_PREFIX:VERSION:name``, any prefix
# and version: a glob (SCAN's superset) and the exact rule checked after it.
SITE_FORM = "*:[0-9]*:"
_SITE_FORM_REGEX = r"[^:]*:\d+:"
_STORED = re.compile(r"[^:]*:[0-9*?\[\]^-]+:")


def site_form(pattern: str) -> str:
    """``user_ical_*`` (a name the site's code uses) as stored under any KEY_PREFIX and
    VERSION: ``*:[0-9]*:user_ical_*``; "" when ``pattern`` is in the stored form already."""
    if pattern.startswith("*") or _STORED.match(pattern):
        return ""
    return SITE_FORM + pattern


def exact_filter(pattern: str) -> re.Pattern | None:
    """For a ``site_form`` pattern, the regex its keys must match too (SCAN's glob lets
    ``*`` span colons and ``[0-9]*`` take letters); None for any other pattern."""
    if not pattern.startswith(SITE_FORM):
        return None
    return re.compile(_SITE_FORM_REGEX + glob_regex(pattern[len(SITE_FORM) :]).pattern)


def escape(text: str) -> str:
    """``text`` as a pattern that matches only itself."""
    return re.sub(r"([*?\[\]\\])", r"\\\1", text)
