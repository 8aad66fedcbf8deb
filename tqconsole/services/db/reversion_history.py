"""The site's change history (django-reversion) for the subscriptions the console changes.

The site reads it back: ``Subscribe.get_last_updated_date()`` takes the newest
version of a subscription, and the profile page's overdue check calls it, so a
subscription changed without a version breaks those pages.  A staff action is
one revision (as the site's admin makes one per request): ``revision.add(sub)``
records the subscription as saved, the last comment set wins, and the rows are
written when the block ends, inside the action's transaction.

Rows as the site writes them: ``reversion_revision`` (date, comment, user),
``reversion_version`` per object (``format`` json, Django's serializer output,
the content type of ``courses.subscribe`` or ``courses.voucher``, ``db``
default, ``object_repr`` = the model's ``__str__``).  Databases without these tables (the demo on SQLite)
get no history.
"""

from __future__ import annotations

import json
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal

from tqconsole.models import Course, Offering, Subscribe, User, Voucher

# the order of the site's Subscribe fields (its serializer writes them in this order)
SUBSCRIBE_FIELDS = (
    "user",
    "course",
    "partner",
    "matching_state",
    "lead_follow",
    "experience",
    "comment",
    "date",
    "state",
    "usi",
    "price_to_pay",
    "paymentmethod",
    "personal_data_sharing",
)


def django_datetime(value: datetime | None) -> str | None:
    """DjangoJSONEncoder's form: ISO 8601 in UTC, milliseconds, ``Z``."""
    if value is None:
        return None
    text = value.astimezone(UTC).isoformat()
    if "." in text:
        text = text[:23] + text[26:]
    return text.replace("+00:00", "Z")


def serialize(sub: Subscribe) -> str:
    fields = {}
    for name in SUBSCRIBE_FIELDS:
        value = getattr(sub, f"{name}_id" if name in ("user", "course", "partner") else name)
        if name == "date":
            value = django_datetime(value)
        elif isinstance(value, Decimal | float) and value is not None:
            value = f"{Decimal(str(value)):.2f}"
        fields[name] = value
    return json.dumps(
        [{"model": "courses.subscribe", "pk": sub.id, "fields": fields}], ensure_ascii=False
    )


# the order of the site's Voucher fields
VOUCHER_FIELDS = (
    "purpose",
    "amount",
    "key",
    "issued",
    "expires",
    "used",
    "pdf_file",
    "subscription",
    "comment",
    "sent_to",
)


def serialize_voucher(voucher: Voucher) -> str:
    fields = {}
    for name in VOUCHER_FIELDS:
        if name in ("purpose", "subscription", "sent_to"):
            value = getattr(voucher, f"{name}_id")
        else:
            value = getattr(voucher, name)
        if name in ("issued", "expires") and value is not None:
            value = value.isoformat()
        fields[name] = value if name != "pdf_file" else (value or "")
    return json.dumps(
        [{"model": "courses.voucher", "pk": voucher.id, "fields": fields}], ensure_ascii=False
    )


def voucher_repr(voucher: Voucher) -> str:
    """The site's ``Voucher.__str__``."""
    return f"{voucher.key}: {voucher.amount} CHF, issued on {voucher.issued}"


def subscribe_repr(sub: Subscribe) -> str:
    """The site's ``Subscribe.__str__``: "<full name> subscribes to <course> (<offering>)"."""
    user = User.get_by_id(sub.user_id)
    course = Course.get_by_id(sub.course_id)
    offering = Offering.get_by_id(course.offering_id)
    name = f"{user.first_name} {user.last_name}".strip()
    return f"{name} subscribes to {course.name} ({offering.name})"


@dataclass
class Revision:
    user: str | None = None
    comment: str = ""
    objects: dict[tuple[str, int], Subscribe | Voucher] = field(default_factory=dict)

    def add(self, row: Subscribe | Voucher, comment: str | None = None) -> None:
        """Record ``row`` (a subscription or voucher) as saved, as it is now; the newest
        comment wins."""
        key = (type(row).__name__, row.id)
        self.objects.pop(key, None)
        self.objects[key] = row
        if comment is not None:
            self.comment = comment


def has_history(db) -> bool:
    tables = set(db.get_tables())
    return {"reversion_revision", "reversion_version", "django_content_type"} <= tables


def write(revision: Revision) -> int | None:
    """Write the revision and its versions; its id, or None without history tables."""
    db = Subscribe._meta.database
    if not revision.objects or not has_history(db):
        return None
    user_id = None
    if revision.user:
        found = User.get_or_none(User.username == revision.user)
        user_id = found.id if found else None
    kinds = {}
    for model in ("subscribe", "voucher"):
        found = db.execute_sql(
            "SELECT id FROM django_content_type"
            f" WHERE app_label = {db.param} AND model = {db.param}",
            ("courses", model),
        ).fetchone()
        kinds[model] = found[0] if found else None
    if kinds["subscribe"] is None:
        return None
    revision_id = db.execute_sql(
        "INSERT INTO reversion_revision (date_created, comment, user_id) "
        f"VALUES ({db.param}, {db.param}, {db.param}) RETURNING id",
        (datetime.now(UTC), revision.comment, user_id),
    ).fetchone()[0]
    for row in revision.objects.values():
        if isinstance(row, Voucher):
            kind, data, text = kinds["voucher"], serialize_voucher(row), voucher_repr(row)
        else:
            kind, data, text = kinds["subscribe"], serialize(row), subscribe_repr(row)
        db.execute_sql(
            "INSERT INTO reversion_version (object_id, format, serialized_data, object_repr,"
            " content_type_id, revision_id, db) VALUES "
            f"({', '.join([db.param] * 7)})",
            (str(row.id), "json", data, text, kind, revision_id, "default"),
        )
    return revision_id


@contextmanager
def revision(user: str | None = None):
    """One revision for a block inside a transaction: ``with revision(user) as r: r.add(sub)``."""
    current = Revision(user=user)
    yield current
    write(current)
