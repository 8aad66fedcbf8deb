"""Whether an SQL string only reads: the first wall of read-only mode.

The string is split into code, literals and comments the way PostgreSQL and
SQLite read it, so a ``;`` or a keyword inside a string never counts and one
hidden behind a comment or a dollar quote always does.  Refused: more than one
statement, a verb that is not a read, a read that writes (data-modifying CTE,
``EXPLAIN ANALYZE UPDATE``, ``SELECT … INTO``, ``FOR UPDATE``), ``BEGIN READ WRITE``,
a PRAGMA that sets something, and the functions that change the session's
settings or run SQL of their own (``set_config``, ``query_to_xml``, dblink).
The read-only session (PostgreSQL) and the read-only file (SQLite) are the
second wall, a read-only role the third.
"""

from __future__ import annotations

import re

READ_VERBS = frozenset(
    {"SELECT", "WITH", "EXPLAIN", "SHOW", "PRAGMA", "VALUES", "BEGIN", "COMMIT", "ROLLBACK", "END"}
    | {"SAVEPOINT", "RELEASE"}
)
# Words that make a statement that starts with a read verb write, lock or change the session.
WRITE_WORDS = frozenset(
    {"INSERT", "UPDATE", "DELETE", "MERGE", "INTO", "CREATE", "DROP", "ALTER", "TRUNCATE"}
    | {"GRANT", "REVOKE", "COPY", "CALL", "SET", "RESET", "WRITE", "SHARE", "NOTIFY"}
)
# Functions that change settings, act outside the transaction or run SQL given as text.
REFUSED_FUNCTIONS = re.compile(
    r"set_config|query_to_xml\w*|dblink\w*|lo_import|lo_export"
    r"|pg_(?:terminate|cancel)_backend|pg_reload_conf|pg_promote|pg_switch_wal",
    re.IGNORECASE,
)
# PRAGMAs that take an argument and only read (SQLite's schema introspection).
READ_PRAGMAS = frozenset(
    {"table_info", "table_xinfo", "index_list", "index_info", "index_xinfo"}
    | {"foreign_key_list", "foreign_key_check", "integrity_check", "quick_check"}
)

TOKEN = re.compile(
    r"""
    (?P<space>\s+)
  | (?P<line_comment>--[^\n]*)
  | (?P<block_comment>/\*)
  | (?P<estring>[eE]')
  | (?P<string>')
  | (?P<ident>")
  | (?P<dollar>\$(?:[A-Za-z_][A-Za-z0-9_]*)?\$)
  | (?P<word>[A-Za-z_][A-Za-z0-9_$]*)
  | (?P<semicolon>;)
  | (?P<other>.)
    """,
    re.VERBOSE | re.DOTALL,
)


class Unreadable(ValueError):
    """The string cannot be split with certainty (an unterminated literal or comment)."""


def _end_of_quoted(sql: str, start: int, quote: str, backslash: bool) -> int:
    """Index after the literal whose opening ``quote`` is at ``start - 1``."""
    i = start
    while True:
        j = sql.find(quote, i)
        if j < 0:
            raise Unreadable("an unterminated quote")
        if backslash:
            slashes = len(sql[i:j]) - len(sql[i:j].rstrip("\\"))
            if slashes % 2:
                i = j + 1
                continue
        if sql.startswith(quote * 2, j):
            i = j + 2
            continue
        return j + 1


def _end_of_comment(sql: str, start: int) -> int:
    """Index after the block comment opened before ``start`` (PostgreSQL nests them)."""
    depth, i = 1, start
    while depth:
        close = sql.find("*/", i)
        if close < 0:
            raise Unreadable("an unterminated comment")
        opened = sql.find("/*", i, close)
        if opened >= 0:
            depth, i = depth + 1, opened + 2
        else:
            depth, i = depth - 1, close + 2
    return i


def split(sql: str, backslash_escapes: bool = False) -> list[list[tuple[str, str]]]:
    """The statements of ``sql`` as lists of (kind, text) tokens: words, quoted
    identifiers and single characters of code; literals and comments left out.

    ``backslash_escapes`` reads '…' strings as PostgreSQL does with
    standard_conforming_strings off (E'…' strings always are).
    """
    statements: list[list[tuple[str, str]]] = [[]]
    i = 0
    while i < len(sql):
        match = TOKEN.match(sql, i)
        kind, i = match.lastgroup, match.end()
        if kind in ("space", "line_comment"):
            continue
        if kind == "block_comment":
            i = _end_of_comment(sql, i)
        elif kind in ("string", "estring"):
            i = _end_of_quoted(sql, i, "'", backslash_escapes or kind == "estring")
        elif kind == "ident":
            end = _end_of_quoted(sql, i, '"', False)
            statements[-1].append(("ident", sql[i : end - 1].replace('""', '"')))
            i = end
        elif kind == "dollar":
            end = sql.find(match.group(), i)
            if end < 0:
                raise Unreadable("an unterminated dollar quote")
            i = end + len(match.group())
        elif kind == "semicolon":
            statements.append([])
        else:
            statements[-1].append((kind, match.group()))
    return [s for s in statements if s]


def refusal(sql: str) -> str | None:
    """Why ``sql`` is refused in read-only mode, or None when it only reads."""
    verdicts = []
    for backslash in (False, True):  # refused if either reading of its strings says so
        try:
            verdicts.append(_refusal(split(sql, backslash)))
        except Unreadable as exc:
            verdicts.append(f"a statement with {exc} cannot be checked")
    return next((v for v in verdicts if v), None)


def _refusal(statements: list[list[tuple[str, str]]]) -> str | None:
    if not statements:
        return None
    if len(statements) > 1:
        return "more than one statement in one call"
    tokens = statements[0]
    words = [text.upper() for kind, text in tokens if kind == "word"]
    first = next((t for t in tokens if t != ("other", "(")), ("other", ""))
    verb = first[1].upper() if first[0] == "word" else ""
    if verb not in READ_VERBS:
        return f"{verb or 'this statement'} is not a read"
    written = sorted(set(words) & WRITE_WORDS)
    if written:
        return f"{verb} … {written[0]} writes or changes the session"
    names = [text for kind, text in tokens if kind in ("word", "ident")]
    called = next((n for n in names if REFUSED_FUNCTIONS.fullmatch(n)), None)
    if called:
        return f"{called}() is refused"
    if verb == "PRAGMA":
        return _pragma_refusal(tokens)
    return None


def _pragma_refusal(tokens: list[tuple[str, str]]) -> str | None:
    texts = [text for _, text in tokens]
    if "=" in texts:
        return "PRAGMA … = sets a value"
    if "(" in texts:
        name = texts[texts.index("(") - 1].lower()
        if name not in READ_PRAGMAS:
            return f"PRAGMA {name}(…) sets a value"
    return None
