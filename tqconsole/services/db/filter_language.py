"""The filter language of the model browser (``/``) and ``tqconsole db show --filter``.

    state=confirmed            equal (also != > >= < <=)
    amount>=20  date>2026-03-01
    name~salsa                 contains, case-insensitive (!~ does not contain)
    state in (new,waiting_list)
    comment is null            is not null
    course.name~salsa          across a foreign key (any depth)
    user.email~@ethz.ch
    a=1 b=2                    space (or "and") means and; "or" binds looser; ( ) group
    not state=rejected
    anna                       a bare word searches the table's search fields and
                               those of the rows its foreign keys point to
    "two words"                quotes keep spaces and operator characters in a value

Values always travel as query parameters.  Every problem is a ``FilterError``
naming the column (1-based) where it was found.
"""

from __future__ import annotations

import operator
import re
from dataclasses import dataclass
from functools import reduce

import peewee as pw

from tqconsole.errors import InvalidInput
from tqconsole.models.base import column_of
from tqconsole.services.db.field_values import convert, target_field

HELP = """\
- `state=confirmed`, also `!= > >= < <=`
- `date>2026-03-01`
- `name~salsa` contains, any case
- `state in (new,waiting_list)`
- `comment is null`, `is not null`
- `course.name~salsa` across a key
- space or `and`, `or`, `not`, `( )`
- bare words: names, emails, USI
- `"quoted"` keeps spaces and `=~<>`
"""

TOKEN = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<str>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')
  | (?P<op>>=|<=|!=|!~|=|>|<|~)
  | (?P<lp>\() | (?P<rp>\)) | (?P<comma>,)
  | (?P<word>[^\s()=<>!~,"']+)
  | (?P<bad>.)
    """,
    re.VERBOSE | re.DOTALL,
)
IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
KEYWORDS = frozenset({"or", "and", "not", "in", "is", "null"})
MAX_DEPTH = 20
# Conditions in one filter: SQLite refuses expressions deeper than 1000, and a
# list of values is one condition (``state in (new,waiting_list)``).  Each condition
# across a foreign key is a join for PostgreSQL's planner: 30 took it 1.8 GB, 200 all
# the server's memory.
MAX_CONDITIONS = 200
MAX_RELATED = 10


class FilterError(InvalidInput):
    def __init__(self, message: str, position: int):
        self.message = message
        self.position = position
        super().__init__(f"{message} (at column {position + 1})")


@dataclass
class Token:
    kind: str
    text: str
    pos: int

    @property
    def value(self) -> str:
        if self.kind == "str":
            return re.sub(r"\\(.)", r"\1", self.text[1:-1], flags=re.DOTALL)
        return self.text

    def keyword(self, *words: str) -> bool:
        return self.kind == "word" and self.text.lower() in words


# --- the syntax tree
@dataclass
class Compare:
    path: list[str]
    op: str  # = != > >= < <= ~ !~ in isnull notnull
    values: list[str]
    pos: int
    value_pos: int = 0


@dataclass
class Search:
    word: str
    pos: int


@dataclass
class All:
    parts: list


@dataclass
class Any:
    parts: list


@dataclass
class Not:
    part: object


def tokenize(text: str) -> list[Token]:
    if "\x00" in text:  # neither database stores it, PostgreSQL refuses it even in a parameter
        raise FilterError("a filter cannot contain a NUL character", text.index("\x00"))
    tokens = []
    for match in TOKEN.finditer(text):
        kind_ = match.lastgroup
        if kind_ == "ws":
            continue
        if kind_ == "bad":
            char = match.group()
            what = "unterminated string" if char in "\"'" else f"unexpected {char!r}"
            raise FilterError(what, match.start())
        tokens.append(Token(kind_, match.group(), match.start()))
    return tokens


class Parser:
    def __init__(self, text: str):
        self.text = text
        self.tokens = tokenize(text)
        self.i = 0
        self.depth = 0
        self.conditions = 0
        self.related = 0

    def peek(self, ahead: int = 0) -> Token | None:
        j = self.i + ahead
        return self.tokens[j] if j < len(self.tokens) else None

    def take(self) -> Token:
        token = self.peek()
        if token is None:
            raise FilterError("unexpected end of filter", len(self.text))
        self.i += 1
        return token

    def expect(self, kind_: str, what: str) -> Token:
        token = self.peek()
        if token is None or token.kind != kind_:
            pos = token.pos if token else len(self.text)
            raise FilterError(f"expected {what}", pos)
        self.i += 1
        return token

    def parse(self):
        if not self.tokens:
            return None
        node = self.any_of()
        token = self.peek()
        if token is not None:
            raise FilterError(f"unexpected {token.text!r}", token.pos)
        return node

    def any_of(self):
        parts = [self.all_of()]
        while (token := self.peek()) is not None and token.keyword("or"):
            self.i += 1
            parts.append(self.all_of())
        return parts[0] if len(parts) == 1 else Any(parts)

    def all_of(self):
        parts = []
        while (token := self.peek()) is not None and token.kind != "rp" and not token.keyword("or"):
            if token.keyword("and") and parts:
                self.i += 1
                continue
            parts.append(self.unary())
        if not parts:
            token = self.peek()
            raise FilterError("expected a condition", token.pos if token else len(self.text))
        return parts[0] if len(parts) == 1 else All(parts)

    def unary(self):
        token = self.peek()
        if token is None:
            raise FilterError("expected a condition", len(self.text))
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise FilterError("filter nested too deeply", token.pos)
        try:
            if token.keyword("not"):
                self.i += 1
                return Not(self.unary())
            if token.kind == "lp":
                self.i += 1
                node = self.any_of()
                self.expect("rp", "')'")
                return node
            return self.atom()
        finally:
            self.depth -= 1

    def atom(self):
        token = self.take()
        if token.kind not in ("word", "str"):
            raise FilterError(f"unexpected {token.text!r}", token.pos)
        self.conditions += 1
        if self.conditions > MAX_CONDITIONS:
            raise FilterError(
                f"more than {MAX_CONDITIONS} conditions; use column in (a,b,…) for many values",
                token.pos,
            )
        after = self.peek()
        if token.kind == "word" and after is not None:
            if after.kind == "op":
                self.i += 1
                value = self.take()
                if value.kind not in ("word", "str"):
                    raise FilterError("expected a value", value.pos)
                return Compare(self.path(token), after.text, [value.value], token.pos, value.pos)
            if after.keyword("in"):
                self.i += 1
                start = self.peek()
                values = self.value_list()
                return Compare(self.path(token), "in", values, token.pos, start.pos if start else 0)
            if after.keyword("is"):
                self.i += 1
                negated = (nxt := self.peek()) is not None and nxt.keyword("not")
                if negated:
                    self.i += 1
                null = self.take()
                if not null.keyword("null"):
                    raise FilterError("expected 'null'", null.pos)
                op = "notnull" if negated else "isnull"
                return Compare(self.path(token), op, [], token.pos)
        if token.kind == "word" and token.text.lower() in KEYWORDS:
            raise FilterError(f"unexpected keyword {token.text!r}", token.pos)
        return Search(token.value, token.pos)

    def path(self, token: Token) -> list[str]:
        parts = token.text.split(".")
        for part in parts:
            if not IDENT.match(part):
                raise FilterError(f"{token.text!r} is not a column name", token.pos)
        if len(parts) > 1:
            self.related += 1
            if self.related > MAX_RELATED:
                raise FilterError(
                    f"more than {MAX_RELATED} conditions across foreign keys", token.pos
                )
        return parts

    def value_list(self) -> list[str]:
        self.expect("lp", "'(' after in")
        values = []
        while True:
            value = self.take()
            if value.kind not in ("word", "str"):
                raise FilterError("expected a value", value.pos)
            values.append(value.value)
            sep = self.take()
            if sep.kind == "rp":
                return values
            if sep.kind != "comma":
                raise FilterError("expected ',' or ')'", sep.pos)


def parse(text: str):
    """The syntax tree of ``text`` (None for an empty filter)."""
    return Parser(text).parse()


# --- compiling to a peewee expression
def find_field(model, name: str, pos: int) -> pw.Field:
    fields = [*model._meta.fields.values(), *getattr(model, "translated", {}).values()]
    lowered = name.lower()
    for field in fields:
        if field.name.lower() == lowered or field.column_name.lower() == lowered:
            return field
    known = ", ".join(f.name for f in model._meta.sorted_fields)
    raise FilterError(f"unknown column {name!r} of {model._meta.table_name} ({known})", pos)


def is_text(field) -> bool:
    """A column of text as such: not JSON, bytes or a type the models do not know."""
    return isinstance(target_field(field), pw.CharField | pw.TextField)


def text_fields(model) -> list[pw.Field]:
    return [f for f in model._meta.sorted_fields if is_text(f)]


def search_fields(model) -> list[pw.Field]:
    names = getattr(model, "search_fields", None)
    if names:
        return [column_of(model, n) for n in names]
    return text_fields(model)


def search(model, word: str, pos: int, follow: bool = True) -> pw.Expression | None:
    """``word`` in any search field of ``model`` or (one level) of a row it points to."""
    parts = [contains(f, word) for f in search_fields(model)]
    if follow:
        for field in model._meta.sorted_fields:
            if isinstance(field, pw.ForeignKeyField) and field.rel_model is not model:
                inner = search(field.rel_model, word, pos, follow=False)
                if inner is not None and getattr(field.rel_model, "search_fields", None):
                    query = field.rel_model.select(field.rel_field).where(inner)
                    parts.append(field.in_(query))
    return reduce(operator.or_, parts) if parts else None


def escape_like(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def contains(field, value: str, pos: int = 0) -> pw.Expression:
    """Case-insensitive contains with LIKE wildcards in ``value`` taken literally;
    other columns than text compare their text form (numbers, dates, JSON)."""
    if isinstance(target_field(field), pw.BlobField):
        raise FilterError(f"{field.name} holds bytes: ~ searches text", pos)
    column = field if is_text(field) else pw.Cast(field, "TEXT")
    pattern = pw.NodeList((pw.Value(f"%{escape_like(value)}%"), pw.SQL("ESCAPE '\\'")))
    return pw.Expression(column, pw.OP.ILIKE, pattern)


def typed(field, text: str, pos: int):
    try:
        value = convert(field, text)
    except InvalidInput as exc:
        raise FilterError(str(exc), pos) from None
    choices = [choice for choice, _ in field.choices or ()]
    if choices and value not in choices:  # a typo would otherwise just match nothing
        known = ", ".join(map(str, choices))
        raise FilterError(f"{field.name} is one of {known}, not {text!r}", pos)
    return value


def compile_compare(model, node: Compare, depth: int = 0) -> pw.Expression:
    field = find_field(model, node.path[depth], node.pos)
    if depth < len(node.path) - 1:
        if not isinstance(field, pw.ForeignKeyField):
            raise FilterError(f"{field.name} is not a foreign key", node.pos)
        related = field.rel_model
        inner = compile_compare(related, node, depth + 1)
        return field.in_(related.select(field.rel_field).where(inner))
    op = node.op
    if op == "isnull":
        return field.is_null()
    if op == "notnull":
        return field.is_null(False)
    if op in ("~", "!~"):
        expression = contains(field, node.values[0], node.pos)
        if op == "~":
            return expression
        return ~expression | field.is_null() if field.null else ~expression
    values = [typed(field, v, node.value_pos) for v in node.values]
    if op == "in":
        return field.in_(values)
    value = values[0]
    if op == "!=":
        return (field != value) | field.is_null() if field.null else field != value
    return {
        "=": field == value,
        ">": field > value,
        ">=": field >= value,
        "<": field < value,
        "<=": field <= value,
    }[op]


def compile_node(model, node) -> pw.Expression:
    if isinstance(node, Compare):
        return compile_compare(model, node)
    if isinstance(node, Search):
        expression = search(model, node.word, node.pos)
        if expression is None:
            raise FilterError(
                f"{model._meta.table_name} has no text columns to search; use column=value",
                node.pos,
            )
        return expression
    if isinstance(node, Not):
        return ~compile_node(model, node.part)
    parts = [compile_node(model, p) for p in node.parts]
    # one flat list: a chain of binary nodes would be as deep as the filter is long
    return pw.NodeList(parts, " AND " if isinstance(node, All) else " OR ", parens=True)


def compile_filter(model, text: str) -> pw.Expression | None:
    """The WHERE expression of ``text`` for ``model`` (None when empty); FilterError if bad."""
    node = parse(text)
    return None if node is None else compile_node(model, node)
