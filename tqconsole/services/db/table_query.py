"""Reading any table a window at a time: keyset pagination, estimates, foreign-key labels.

``TableQuery`` is one table with a filter and a sort.  Its total order is the
sort column (NULLs last) then the primary key, and "descending" is the exact
reverse, so every page is a ``WHERE (sort, pk) > (last key) ORDER BY … LIMIT n``
that an index answers in the same time on the first page as on the millionth;
the last page is the same query in reverse order.  Tables without a single-column
primary key fall back to OFFSET paging ordered by every column.

``TableWindow`` answers "rows start…start+count" for the windowed table widget
from the nearest place it knows: the first row, the last row, or a key it has
already seen; only a jump into the middle of a big table pays for an OFFSET.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from dataclasses import field as dataclass_field

import peewee as pw

from tqconsole.errors import InvalidInput, NotFound
from tqconsole.models import by_table
from tqconsole.models.base import column_of
from tqconsole.services.db.field_values import display
from tqconsole.services.db.filter_language import IDENT, compile_filter, find_field
from tqconsole.services.db.schema import live_table

CELL_CHARS = 200  # long text is cut to this in listings; the record view shows all of it
COUNT_LIMIT = 20_000  # a filtered view counts exactly up to this, then estimates


def open_amount_cells(keys: list) -> dict:
    from tqconsole.services.payments.amounts import open_amounts_of

    return {k: f"{v:.2f}" for k, v in open_amounts_of(keys).items()}


def place_cells(keys: list) -> dict:
    from tqconsole.services.courses.places import place_cells

    return place_cells(keys)


# Figures computed per page after the stored columns: table → (header, cells by pk).
COMPUTED_COLUMNS = {
    "courses_subscribe": [("open_amount", open_amount_cells)],
    "courses_course": [("places", place_cells)],
}
KEYS_KEPT = 64

_reflected: dict[tuple[int, str], type[pw.Model]] = {}
_reflect_lock = threading.Lock()


def model_for(db, table: str) -> type[pw.Model]:
    """The console's model of ``table``, else one reflected from the database (cached)."""
    model = by_table(table)
    if model is not None:
        return model
    key = (id(db), table)
    with _reflect_lock:
        if key not in _reflected:
            from playhouse.reflection import generate_models

            if table not in db.get_tables():
                raise NotFound(f"no table {table!r} in the database")
            models = generate_models(db, table_names=[table], literal_column_names=True)
            _reflected[key] = models[table]
        return _reflected[key]


def is_reflected(model) -> bool:
    return by_table(model._meta.table_name) is not model


def shown_fields(model) -> list[pw.Field]:
    """The columns a listing or record shows: the live table's (drift), translated titles."""
    if is_reflected(model):
        return list(model._meta.sorted_fields)
    return list(live_table(model).fields)


def selected(field: pw.Field):
    """``field`` in a select list: a column not stored as the model's keeps its name."""
    registered = field.model._meta.fields.get(field.name) is field
    return field if registered else field.alias(field.name)


def single_pk(model) -> pw.Field | None:
    pk = model._meta.primary_key
    return pk if isinstance(pk, pw.Field) and not isinstance(pk, pw.CompositeKey) else None


def label_of(model, values: dict) -> str:
    names = getattr(model, "label_fields", ())
    parts = [display(values.get(n)) for n in names]
    text = " ".join(p for p in parts if p)
    return text or f"#{values.get('__pk')}"


def fk_labels(field: pw.ForeignKeyField, ids: set) -> dict:
    """Labels of the rows ``ids`` of the related table: one query for the whole page."""
    related = field.rel_model
    names = getattr(related, "label_fields", ())
    ids = {i for i in ids if i is not None}
    if not names or not ids:
        return {}
    key = field.rel_field
    columns = [key.alias("__pk"), *(column_of(related, n).alias(n) for n in names)]
    rows = related.select(*columns).where(key.in_(list(ids))).dicts()
    return {row["__pk"]: label_of(related, row) for row in rows}


@dataclass
class Row:
    key: object  # the primary key (None in a table without one)
    cells: list[str | None]
    order: tuple = ()  # (sort value, pk): where the next page starts


@dataclass
class TableQuery:
    model: type[pw.Model]
    where: pw.Expression | None = None
    sort: pw.Field | None = None
    descending: bool = False
    filter_text: str = ""
    fields: list[pw.Field] = dataclass_field(init=False)

    def __post_init__(self):
        self.fields = shown_fields(self.model)
        self.pk = single_pk(self.model)
        if self.sort is None:
            self.sort = self.pk

    @classmethod
    def build(cls, db, table: str, filter_text: str = "", sort: str = "") -> TableQuery:
        """Raises NotFound for a table, FilterError / InvalidInput for a filter or sort."""
        model = model_for(db, table)
        where = compile_filter(model, filter_text)
        sort = sort.strip()
        descending = sort.startswith("-")
        name = sort.removeprefix("-")
        sort_field = None
        if sort and not IDENT.match(name):
            raise InvalidInput(
                f"sort: {sort!r} is not a column (COLUMN, or -COLUMN for descending)"
            )
        if name:
            try:
                sort_field = find_field(model, name, 0)
            except InvalidInput as exc:
                raise InvalidInput(f"sort: {exc.message}") from None
        return cls(model, where, sort_field, descending, filter_text)

    @property
    def notes(self) -> list[str]:
        """How the live table differs from the model (see services/db/schema.py)."""
        return [] if is_reflected(self.model) else live_table(self.model).notes()

    @property
    def table(self) -> str:
        return self.model._meta.table_name

    @property
    def keyset(self) -> bool:
        return self.pk is not None

    @property
    def computed(self) -> list:
        return COMPUTED_COLUMNS.get(self.table, []) if self.keyset else []

    @property
    def headers(self) -> list[str]:
        return [f.name for f in self.fields] + [name for name, _ in self.computed]

    @property
    def sort_text(self) -> str:
        if self.sort is None or (self.sort is self.pk and not self.descending):
            return ""
        return ("-" if self.descending else "") + self.sort.name

    def with_sort(self, sort_field: pw.Field, descending: bool) -> TableQuery:
        return TableQuery(self.model, self.where, sort_field, descending, self.filter_text)

    # --- SQL
    def columns(self, cut: bool) -> list:
        """Every field, long text cut to CELL_CHARS when ``cut``; then the sort key if cut."""
        out = []
        for f in self.fields:
            if cut and type(f) is pw.TextField:
                out.append(pw.fn.SUBSTR(f, 1, CELL_CHARS).alias(f.column_name))
            else:
                out.append(selected(f))
        if self.keyset:
            out.append(self.sort.alias("__sort"))
        return out

    def order_by(self, ascending: bool) -> list:
        if not self.keyset:
            return [f.asc() if ascending else f.desc() for f in self.fields]
        terms = []
        if self.sort is not self.pk:
            if self.sort.null:
                terms.append(
                    self.sort.asc(nulls="LAST") if ascending else self.sort.desc(nulls="FIRST")
                )
            else:
                terms.append(self.sort.asc() if ascending else self.sort.desc())
        terms.append(self.pk.asc() if ascending else self.pk.desc())
        return terms

    def after(self, key: tuple, ascending: bool) -> pw.Expression:
        """Rows strictly after ``key`` = (sort value, pk) in the given direction."""
        value, pk = key
        if self.sort is self.pk:
            return self.pk > pk if ascending else self.pk < pk
        col = self.sort
        if value is None:
            if ascending:
                return col.is_null() & (self.pk > pk)
            return (col.is_null() & (self.pk < pk)) | col.is_null(False)
        pair = pw.Tuple(col, self.pk)
        if ascending:
            beyond = pair > pw.Tuple(value, pk)
            return beyond | col.is_null() if col.null else beyond
        return pair < pw.Tuple(value, pk)

    def select(self, cut: bool = True) -> pw.ModelSelect:
        query = self.model.select(*self.columns(cut))
        if self.where is not None:
            query = query.where(self.where)
        return query

    def page(
        self,
        anchor: tuple | None = None,
        backward: bool = False,
        offset: int = 0,
        limit: int = 100,
        cut: bool = True,
    ) -> list[tuple]:
        """``limit`` rows after ``anchor`` (or from the start), or before it (or from the end)
        when ``backward``; always returned in the table's order."""
        ascending = self.descending == backward
        if offset and self.keyset:
            anchor = self.skip(anchor, ascending, offset)
            if anchor is None:
                return []
            offset = 0
        query = self.select(cut)
        if anchor is not None and self.keyset:
            query = query.where(self.after(anchor, ascending))
        query = query.order_by(*self.order_by(ascending)).limit(limit)
        if offset:
            query = query.offset(offset)
        rows = list(query.tuples())
        if backward:
            rows.reverse()
        return rows

    def skip(self, anchor: tuple | None, ascending: bool, offset: int) -> tuple | None:
        """The key of the ``offset``-th row after ``anchor``: an OFFSET over the key columns
        alone (an index-only scan), not over every shown column and FK label."""
        query = self.model.select(self.sort.alias("__sort"), self.pk)
        if self.where is not None:
            query = query.where(self.where)
        if anchor is not None:
            query = query.where(self.after(anchor, ascending))
        query = query.order_by(*self.order_by(ascending)).offset(offset - 1).limit(1)
        found = query.tuples().first()
        return None if found is None else tuple(found)

    def order_key(self, row: tuple) -> tuple:
        if not self.keyset:
            return ()
        return (row[-1], row[self.fields.index(self.pk)])

    def count(self, db) -> tuple[int, bool]:
        """(rows, exact): the table's estimate when unfiltered, else a bounded count."""
        if self.where is None:
            return db.row_estimate(self.table)
        inner = self.model.select(pw.SQL("1")).where(self.where).limit(COUNT_LIMIT + 1)
        sql, params = inner.sql()
        n = db.execute_sql(f"SELECT COUNT(*) FROM ({sql}) AS t", params).fetchone()[0]
        if n <= COUNT_LIMIT:
            return n, True
        if db.vendor == "postgresql":
            sql, params = self.model.select().where(self.where).sql()
            plan = db.execute_sql(f"EXPLAIN (FORMAT JSON) {sql}", params).fetchone()[0]
            return max(n, int(plan[0]["Plan"]["Plan Rows"])), False
        return self.model.select().where(self.where).count(), True

    # --- display
    def rows(self, raw: list[tuple]) -> list[Row]:
        """Cells as text, foreign keys replaced by the related rows' labels."""
        labels = {}
        for i, f in enumerate(self.fields):
            if isinstance(f, pw.ForeignKeyField):
                labels[i] = fk_labels(f, {r[i] for r in raw})
        pk_index = self.fields.index(self.pk) if self.keyset else None
        keys = [r[pk_index] for r in raw] if pk_index is not None else []
        computed = [cells_of(keys) for _, cells_of in self.computed]
        out = []
        for r in raw:
            cells = []
            for i, _ in enumerate(self.fields):
                value = r[i]
                if i in labels and value is not None:
                    cells.append(labels[i].get(value) or f"#{value}")
                else:
                    cells.append(display(value))
            key = r[pk_index] if pk_index is not None else None
            cells.extend(values.get(key) for values in computed)
            out.append(Row(key, cells, self.order_key(r)))
        return out

    def iter_pages(self, size: int = 1000, cut: bool = False) -> Iterator[list[tuple]]:
        """Every row, ``size`` at a time, in constant memory (keyset, or OFFSET without a pk)."""
        anchor = None
        offset = 0
        while True:
            rows = self.page(anchor, offset=0 if self.keyset else offset, limit=size, cut=cut)
            if not rows:
                return
            yield rows
            if len(rows) < size:
                return
            offset += len(rows)
            anchor = self.order_key(rows[-1]) if self.keyset else None


@dataclass
class Window:
    """Rows ``start``…``start + len(rows)`` of a table of ``total`` rows."""

    start: int
    rows: list[Row]
    total: int
    exact: bool


class TableWindow:
    """The data source of the windowed table widget for one TableQuery (see its docstring).

    Remembers the order keys of rows it has served (a few dozen), so the next
    window is a keyset query from the nearest one.  Row numbers near the end
    count back from the estimated total; when the estimate proves wrong the
    numbers are corrected and the Window says so.
    """

    def __init__(self, db, query: TableQuery):
        self.db = db
        self.query = query
        self.total = 0
        self.exact = True
        self.keys: dict[int, tuple] = {}

    @property
    def headers(self) -> list[str]:
        return self.query.headers

    def estimate(self) -> tuple[int, bool]:
        self.total, self.exact = self.query.count(self.db)
        return self.total, self.exact

    def fetch(self, start: int, count: int) -> Window:
        q = self.query
        start = max(0, min(start, max(0, self.total - count)))
        end = start + count
        # (rows to skip, anchor key, backward, the anchor's row number)
        plans = [(start, None, False, -1), (max(0, self.total - end), None, True, self.total)]
        if q.keyset:
            for index, key in self.keys.items():
                if index < start:
                    plans.append((start - index - 1, key, False, index))
                elif index >= end:
                    plans.append((index - end, key, True, index))
        skip, anchor, backward, anchor_index = min(plans, key=lambda p: p[0])
        rows = q.rows(q.page(anchor, backward, skip, count))
        if len(rows) < count and backward:
            # the first row came sooner than the numbering said: it is row 0
            before = skip + len(rows)  # rows that precede the anchor
            self.total = before if anchor is None else self.total - (anchor_index - before)
            self.exact = anchor is None or self.exact
            start = 0
            self.keys.clear()
        elif len(rows) < count:
            self.total, self.exact = start + len(rows), True
        self.remember(start, rows)
        return Window(start, rows, self.total, self.exact)

    def remember(self, start: int, rows: list[Row]) -> None:
        if not rows or not self.query.keyset:
            return
        self.keys[start] = rows[0].order
        self.keys[start + len(rows) - 1] = rows[-1].order
        if len(self.keys) > KEYS_KEPT:
            middle = start + len(rows) // 2
            for index in sorted(self.keys, key=lambda i: -abs(i - middle))[
                : len(self.keys) - KEYS_KEPT
            ]:
                del self.keys[index]
