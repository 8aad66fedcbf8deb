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
# The site's models set no verbose names on these tables, so Django's defaults
# apply (the class name in words, a field's name with spaces); the titles below
# are those, shortened where staff say it shorter.  Columns a table declares
# come first in this order; every other column follows in the table's order.
TABLE_TITLES = {
    "courses_subscribe": "subscriptions",
    "payment_payment": "payments",
    "payment_subscriptionpayment": "subscription payments",
    "payment_financefile": "finance files",
    "payment_paymentreminder": "payment reminders",
    "courses_course": "courses",
    "courses_coursetype": "course types",
    "courses_offering": "offerings",
    "courses_userprofile": "user profiles",
    "courses_voucher": "vouchers",
    "courses_pricereduction": "price reductions",
    "auth_user": "users",
    "auth_group": "groups",
    "post_office_email": "emails",
    "post_office_emailtemplate": "email templates",
    "django_celery_results_taskresult": "task results",
    "django_celery_beat_periodictask": "periodic tasks",
}

LIST_COLUMNS: dict[str, tuple[tuple[str, str], ...]] = {
    "courses_subscribe": (
        ("user", "participant"),
        ("course", "course"),
        ("state", "state"),
        ("usi", "USI"),
        ("open_amount", "open amount"),
        ("paymentmethod", "payment method"),
    ),
    "payment_payment": (
        ("date", "date"),
        ("amount", "amount"),
        ("name", "name"),
        ("remittance_user_string", "remittance"),
        ("state", "state"),
        ("type", "type"),
    ),
    "courses_course": (
        ("name", "name"),
        ("type", "course type"),
        ("period", "period"),
        ("max_subscribers", "max"),
        ("active", "active"),
        ("cancelled", "cancelled"),
    ),
    "courses_offering": (
        ("name", "name"),
        ("period", "period"),
        ("type", "type"),
        ("active", "active"),
        ("display", "display"),
    ),
    "auth_user": (
        ("first_name", "first name"),
        ("last_name", "last name"),
        ("email", "email address"),
        ("is_active", "active"),
        ("username", "username"),
    ),
    "payment_subscriptionpayment": (
        ("subscription", "subscription"),
        ("payment", "payment"),
        ("amount", "amount"),
    ),
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


def table_title(table: str) -> str:
    return TABLE_TITLES.get(table, table)


def column_title(table: str, name: str) -> str:
    declared = dict(LIST_COLUMNS.get(table, ()))
    return declared.get(name) or name.replace("_", " ")


def default_order(table: str, names: list[str]) -> list[str]:
    """The declared columns first (those the table has), then the rest in table order."""
    first = [n for n, _ in LIST_COLUMNS.get(table, ()) if n in names]
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
