"""Every table of the database, with its model (or "reflected") and row count."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from tqconsole.models import by_table


@dataclass
class TableInfo:
    name: str
    model: str  # the model's class name, or "reflected"
    app: str
    rows: int
    exact: bool

    @property
    def rows_text(self) -> str:
        return f"{self.rows:,}" if self.exact else f"≈{self.rows:,}"

    def as_dict(self) -> dict:
        return asdict(self)


def list_tables(db) -> list[TableInfo]:
    result = []
    for name in sorted(db.get_tables()):
        model = by_table(name)
        rows, exact = db.row_estimate(name)
        result.append(
            TableInfo(
                name=name,
                model=model.__name__ if model else "reflected",
                app=model.app if model else "other",
                rows=rows,
                exact=exact,
            )
        )
    return result


# --- what a table shows first, and how its columns are titled
#
# Titles are the site's verbose names, kept on the models (``BaseModel.verbose_name_plural``,
# ``field_title``).  Columns a table declares come first in this order (at 80 columns the
# first three or four are on screen); every other column follows in the table's order.
LIST_COLUMNS: dict[str, tuple[str, ...]] = {
    "courses_subscribe": ("user", "course", "state", "usi", "open_amount", "paymentmethod"),
    "payment_payment": ("date", "amount", "name", "remittance_user_string", "state", "type"),
    "courses_course": (
        "name",
        "places",
        "type",
        "period",
        "max_subscribers",
        "active",
        "cancelled",
    ),
    "courses_offering": ("name", "period", "type", "active", "display"),
    "auth_user": ("first_name", "last_name", "email", "is_active", "username"),
    "payment_subscriptionpayment": ("subscription", "payment", "amount"),
}

# Tables the site and the queues change all the time: their lists read themselves again.
LIVE_TABLES = frozenset(
    {
        "post_office_email",
        "post_office_log",
        "django_celery_results_taskresult",
        "tqconsole_task",
        "tqconsole_consumer",
        "tqconsole_auditentry",
        "tqconsole_outboxentry",
    }
)
LIVE_SECONDS = 5.0

BOOLEAN_CELLS = {"true": "✓", "false": "✗"}


def site_model(table: str):
    """The model of one of the site's tables (its Celery ones too), else None."""
    from tqconsole.models.celery import CELERY_MODELS

    model = by_table(table) or next((m for m in CELERY_MODELS if m._meta.table_name == table), None)
    return model if model is not None and model.app != "console" else None


def table_title(table: str) -> str:
    """The site's ``verbose_name_plural`` of a site table; the name of any other table."""
    model = site_model(table)
    return model.verbose_name_plural() if model else table


def column_title(table: str, name: str) -> str:
    """The site's ``verbose_name`` of a field, else the column's name in words."""
    from tqconsole.models.base import column_of, field_title

    model = by_table(table) or site_model(table)
    try:
        return field_title(column_of(model, name)) if model else name.replace("_", " ")
    except KeyError:  # a computed column (open amount, places) or a column of no field
        return name.replace("_", " ")


def default_order(table: str, names: list[str]) -> list[str]:
    """The declared columns first (those the table has), then the rest in table order."""
    first = [n for n in LIST_COLUMNS.get(table, ()) if n in names]
    return first + [n for n in names if n not in first]


def choice_labels(field) -> dict[str, str]:
    """Stored value → the site's label, for a field with choices (else empty)."""
    return {str(value): str(label) for value, label in (getattr(field, "choices", None) or ())}


def cell_labels(field) -> dict[str, str]:
    """Stored text → what a listing shows for ``field``: choice labels, booleans as ✓ / ✗."""
    import peewee as pw

    if field is None:
        return {}
    if isinstance(field, pw.BooleanField):
        return BOOLEAN_CELLS
    return choice_labels(field)


def cell_text(field, text: str | None) -> str | None:
    """A listing's cell as staff read it: a choice's label, a boolean as ✓ / ✗."""
    if text is None:
        return text
    return cell_labels(field).get(text, text)


class ColumnView:
    """A table's source with its columns in the order staff chose, titled and labelled.

    Wraps a windowed-table source (``TableWindow``): the same rows, their cells
    in ``names`` order (a hidden column is simply not among them), choice values
    shown as labels and booleans as ✓ / ✗.  ``names`` are the source's header
    names, so the screen maps the cursor's column back to a field.
    """

    def __init__(self, source, table: str, fields: dict, names: list[str]) -> None:
        self.source = source
        self.table = table
        index = {name: i for i, name in enumerate(source.headers)}
        self.names = [n for n in names if n in index] or list(source.headers)
        self.picks = [index[n] for n in self.names]
        self.fields = [fields.get(n) for n in self.names]
        self.labels = [cell_labels(f) for f in self.fields]  # built once, not per cell

    @property
    def headers(self) -> list[str]:
        return [column_title(self.table, n) for n in self.names]

    def estimate(self):
        return self.source.estimate()

    def fetch(self, start: int, count: int):
        from dataclasses import replace

        window = self.source.fetch(start, count)
        pairs = list(zip(self.picks, self.labels, strict=True))
        rows = [
            replace(row, cells=[labels.get(row.cells[i], row.cells[i]) for i, labels in pairs])
            for row in window.rows
        ]
        return replace(window, rows=rows)


# --- the columns staff chose, per table, in the data directory
COLUMNS_FILE = "columns.json"


def load_column_choices(data_dir) -> dict[str, list[str]]:
    """Table → shown columns in order; an unreadable or malformed file counts as none."""
    import json
    from pathlib import Path

    try:
        data = json.loads((Path(data_dir) / COLUMNS_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict):
        return {}
    return {
        str(table): [str(n) for n in names]
        for table, names in data.items()
        if isinstance(names, list)
    }


def save_column_choice(data_dir, table: str, names: list[str] | None) -> None:
    """Remember ``names`` for ``table`` (None forgets the choice: the declared order again)."""
    import json
    import os
    from pathlib import Path

    from tqconsole.errors import ConsoleError

    choices = load_column_choices(data_dir)
    if names is None:
        choices.pop(table, None)
    else:
        choices[table] = list(names)
    path = Path(data_dir) / COLUMNS_FILE
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(".tmp")
        temporary.write_text(json.dumps(choices, indent=1), encoding="utf-8")
        os.replace(temporary, path)
    except OSError as exc:
        raise ConsoleError(f"cannot save the column choice in {path}: {exc.strerror}") from None


# --- the rows a foreign-key picker offers
def pick_choices(model, text: str, limit: int, current=None) -> list[tuple]:
    """``records.pick_rows`` as staff tell rows apart: a subscription by participant,
    course and USI; with no filter, the row the field points at now comes first."""
    from tqconsole.services.db.records import pick_rows

    rows = pick_rows(model, text, limit)
    if current is not None and not text.strip() and current not in {r[0] for r in rows}:
        rows = [*pick_rows(model, f"{model._meta.primary_key.name}={current}", 1), *rows]
        rows = rows[:limit]
    if model._meta.table_name != "courses_subscribe" or not rows:
        return rows
    from tqconsole.services.db.table_query import fk_labels

    ids = [r[0] for r in rows]
    pairs = {
        s.id: (s.user_id, s.course_id, s.usi)
        for s in model.select(model.id, model.user, model.course, model.usi).where(
            model.id.in_(ids)
        )
    }
    users = fk_labels(model.user, {p[0] for p in pairs.values()})
    courses = fk_labels(model.course, {p[1] for p in pairs.values()})
    out = []
    for pk, label, detail in rows:
        if pk in pairs:
            user, course, usi = pairs[pk]
            label = " · ".join(p for p in (users.get(user), courses.get(course), usi) if p)
        out.append((pk, label, detail))
    return out
