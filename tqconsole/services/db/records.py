"""One row of any table: read it whole, edit, create and delete it safely.

Edits use optimistic concurrency: the form keeps the values it loaded, and
``save`` re-reads the row (locked on PostgreSQL) in the same transaction; if any
column changed meanwhile it raises ``EditConflict`` carrying both versions and
writes nothing.  ``delete_plan`` lists what a delete would cascade to, set to
NULL, or be blocked by; ``delete`` refuses unless the label was typed.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import peewee as pw

from tqconsole.errors import ConsoleError, InvalidInput, NotFound, ReadOnlyError
from tqconsole.models.base import column_of
from tqconsole.services.db.audit import audited
from tqconsole.services.db.field_values import check_decimal, convert, display, kind
from tqconsole.services.db.filter_language import compile_filter
from tqconsole.services.db.schema import live_table
from tqconsole.services.db.table_query import (
    fk_labels,
    is_reflected,
    label_of,
    selected,
    shown_fields,
    single_pk,
)

MAX_CASCADE_DEPTH = 4
PICK_LIMIT = 50  # rows the picker of a foreign key shows
PICK_DETAIL_CHARS = 40


class FormErrors(InvalidInput):
    """Fields that do not fit: ``errors`` maps a field name to its message."""

    def __init__(self, errors: dict[str, str]):
        self.errors = errors
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))


class EditConflict(ConsoleError):
    """The row changed since it was loaded: ``mine`` and ``theirs`` (column → value)."""

    def __init__(self, changed: list[str], mine: dict, theirs: dict):
        self.changed = changed
        self.mine = mine
        self.theirs = theirs
        super().__init__(f"changed by someone else meanwhile: {', '.join(changed)} — nothing saved")


@dataclass
class Relation:
    """Rows of ``table`` whose ``column`` points at the record, or (``via`` a
    many-to-many link table) the rows the record is linked to."""

    table: str
    column: str
    count: int
    on_delete: str
    filter: str  # the rows, in the filter language of ``table``
    via: str = ""  # the link table of a many-to-many relation

    @property
    def key(self) -> str:
        return f"{self.table}:{self.via or self.column}"


@dataclass
class Record:
    table: str
    pk: object
    label: str
    values: dict  # field name → value (full, never cut)
    labels: dict = field(default_factory=dict)  # foreign key field name → label
    relations: list[Relation] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # how the table differs from the model
    figures: dict = field(default_factory=dict)  # computed, shown after the fields


def subscription_figures(pk) -> dict:
    from tqconsole.models import Subscribe
    from tqconsole.services.payments.amounts import amount_figures

    return amount_figures(Subscribe.get_by_id(pk))


def course_figures(pk) -> dict:
    from tqconsole.services.courses.places import place_figures

    return place_figures(pk)


# Figures a record view shows after the stored fields: table → figures of one row.
RECORD_FIGURES = {"courses_subscribe": subscription_figures, "courses_course": course_figures}


def pk_of(model, text: str):
    pk = single_pk(model)
    if pk is None:
        raise NotFound(f"{model._meta.table_name} has no single-column primary key")
    try:
        return convert(pk, text)
    except InvalidInput as exc:
        raise NotFound(f"no row {text!r} in {model._meta.table_name} ({exc})") from None


def load(model, pk) -> Record:
    key = single_pk(model)
    fields = shown_fields(model)
    row = model.select(*map(selected, fields)).where(key == pk).dicts().get_or_none()
    if row is None:
        raise NotFound(f"no row {pk!r} in {model._meta.table_name}")
    values = {f.name: row[f.name] for f in fields}
    labels = {}
    for f in fields:
        if isinstance(f, pw.ForeignKeyField) and values[f.name] is not None:
            labels[f.name] = fk_labels(f, {values[f.name]}).get(values[f.name], "")
    label = label_of(model, {**values, "__pk": pk})
    notes = [] if is_reflected(model) else live_table(model).notes()
    table = model._meta.table_name
    figures = RECORD_FIGURES[table](pk) if table in RECORD_FIGURES else {}
    return Record(table, pk, label, values, labels, relations(model, pk), notes, figures)


def backrefs(model) -> list[pw.ForeignKeyField]:
    return [
        fk
        for fk in model._meta.backrefs
        if single_pk(fk.model) is not None and not live_table(fk.model).drift.absent
    ]


def link_target(fk: pw.ForeignKeyField) -> pw.ForeignKeyField | None:
    """The other key of a many-to-many link table ``fk`` belongs to (course type ↔
    styles, user ↔ groups): a table of an id and two foreign keys, nothing else."""
    fields = [f for f in fk.model._meta.sorted_fields if not f.primary_key]
    others = [f for f in fields if f is not fk]
    if len(fields) == 2 and isinstance(others[0], pw.ForeignKeyField):
        return others[0]
    return None


def linked(fk: pw.ForeignKeyField, far: pw.ForeignKeyField, pk) -> Relation:
    """The rows of ``far``'s table linked to ``pk`` through ``fk``'s link table."""
    ids = [v for (v,) in fk.model.select(far).where(fk == pk).order_by(far).distinct().tuples()]
    key = far.rel_field.name
    # no ids: a condition no row meets (a primary key is never NULL)
    where = f"{key} in ({','.join(map(str, ids))})" if ids else f"{key} is null"
    table = far.rel_model._meta.table_name
    return Relation(table, key, len(ids), "", where, via=fk.model._meta.table_name)


def relations(model, pk) -> list[Relation]:
    """Reverse relations with their row counts (a user's subscriptions, payments…),
    and after them the rows linked through many-to-many tables (a course type's styles)."""
    out, links = [], []
    for fk in backrefs(model):
        count = fk.model.select().where(fk == pk).count()
        on_delete = (fk.on_delete or "").upper()
        out.append(
            Relation(fk.model._meta.table_name, fk.name, count, on_delete, f"{fk.name}={pk}")
        )
        far = link_target(fk)
        if far is not None and not live_table(far.rel_model).drift.absent:
            links.append(linked(fk, far, pk))
    return out + links


# --- forms
@dataclass
class FieldSpec:
    name: str
    kind: str
    null: bool
    choices: tuple = ()
    primary_key: bool = False
    help: str = ""  # type and constraints, shown while the field has the focus
    related: str = ""  # the table a foreign key points to


def writable_fields(model) -> list[pw.Field]:
    """The model's fields the live table has (all of a reflected table's)."""
    if is_reflected(model):
        return list(model._meta.sorted_fields)
    return list(live_table(model).writable)


def field_specs(model) -> list[FieldSpec]:
    out = []
    for f in writable_fields(model):
        notes = [kind(f)]
        related = f.rel_model._meta.table_name if isinstance(f, pw.ForeignKeyField) else ""
        if related:
            notes = [f"id of {related} (ctrl+f: pick)"]
        if getattr(f, "max_length", None):
            notes.append(f"≤{f.max_length} chars")
        if isinstance(f, pw.DecimalField):
            notes.append(f"{f.decimal_places} decimals")
        if f.unique:
            notes.append("unique")
        if not f.null:
            notes.append("required")
        out.append(
            FieldSpec(
                name=f.name,
                kind=kind(f),
                null=f.null,
                choices=tuple(v for v, _ in (f.choices or ())),
                primary_key=f.primary_key,
                help=", ".join(notes),
                related=related,
            )
        )
    return out


def as_text(value) -> str:
    return "" if value is None else (display(value) or "")


def parse_form(model, texts: dict[str, str]) -> tuple[dict, dict[str, str]]:
    """(values, errors) from the form's texts; an empty text is NULL where allowed."""
    values, errors = {}, {}
    for name, text in texts.items():
        f = model._meta.fields[name]
        if text == "" and (f.null or (isinstance(f, pw.AutoField) and f.primary_key)):
            values[name] = None
            continue
        if text == "" and kind(f) != "text":
            errors[name] = "required"
            continue
        try:
            value = convert(f, text)
        except InvalidInput as exc:
            errors[name] = str(exc).removeprefix(f"{name}: ")
            continue
        if f.choices and value not in [v for v, _ in f.choices]:
            errors[name] = "one of " + ", ".join(str(v) for v, _ in f.choices)
        elif getattr(f, "max_length", None) and len(str(value)) > f.max_length:
            errors[name] = f"at most {f.max_length} characters ({len(str(value))} given)"
        elif isinstance(f, pw.DecimalField) and (why := check_decimal(f, value)):
            errors[name] = why
        else:
            values[name] = value
    return values, errors


def missing_references(model, values: dict) -> dict[str, str]:
    """Foreign keys among ``values`` whose id names no row: field name → message."""
    errors = {}
    for name, value in values.items():
        f = model._meta.fields[name]
        if (
            isinstance(f, pw.ForeignKeyField)
            and value is not None
            and not f.rel_model.select().where(f.rel_field == value).exists()
        ):
            errors[name] = f"no {f.rel_model._meta.table_name} #{value}"
    return errors


def validate(model, texts: dict[str, str]) -> dict:
    """The values of the form's texts; FormErrors naming every field that does not fit."""
    values, errors = parse_form(model, texts)
    errors.update(missing_references(model, values))
    if errors:
        raise FormErrors(errors)
    return values


def reference(model, name: str, text: str) -> str:
    """The label of the row the foreign key ``name`` = ``text`` points to.

    '' when blank (whether it may be is for saving to say); InvalidInput says why
    it points nowhere ("no auth_user #999", not a whole number).
    """
    if not text.strip():
        return ""
    try:
        value = validate(model, {name: text})[name]
    except FormErrors as exc:
        raise InvalidInput(exc.errors[name]) from None
    return fk_labels(model._meta.fields[name], {value}).get(value) or f"#{value}"


def pick_rows(model, text: str, limit: int = PICK_LIMIT) -> list[tuple[object, str, str]]:
    """(pk, label, the other search fields) of the first ``limit`` rows matching the
    filter ``text``, by pk: what a staff member needs to tell two Anna Musters apart."""
    key = single_pk(model)
    if key is None:
        raise NotFound(f"{model._meta.table_name} has no single-column primary key")
    labels = getattr(model, "label_fields", ())
    others = [n for n in getattr(model, "search_fields", ()) if n not in labels]
    columns = [column_of(model, n).alias(n) for n in (*labels, *others)]
    query = model.select(key.alias("__pk"), *columns)
    where = compile_filter(model, text)
    if where is not None:
        query = query.where(where)
    out = []
    for row in query.order_by(key).limit(limit).dicts():
        details = dict.fromkeys(d for n in others if (d := display(row[n])))  # once each
        detail = "  ".join(details)
        out.append((row["__pk"], label_of(model, row), detail[:PICK_DETAIL_CHARS]))
    return out


def locked(query):
    """``SELECT … FOR UPDATE`` where the database has it (SQLite locks on write).

    Not in read-only mode, where the server would refuse the lock with its own
    error before the console's ReadOnlyError names the refused write.
    """
    db = query.model._meta.database.obj
    return query.for_update() if db.vendor == "postgresql" and not db.read_only else query


def writable(model) -> None:
    if is_reflected(model):
        raise ReadOnlyError(f"{model._meta.table_name} has no model: browsable read-only")


def unique_message(exc: pw.IntegrityError) -> str:
    text = str(exc).strip().splitlines()[0]
    return f"not saved: {text}"


def save(model, pk, original: dict, texts: dict[str, str]) -> Record:
    """Write the changed fields of the row ``pk`` if nobody changed it since ``original``."""
    writable(model)
    values = validate(model, texts)
    key = single_pk(model)
    fields = writable_fields(model)
    original = {f.name: original[f.name] for f in fields if f.name in original}
    changed = {k: v for k, v in values.items() if v != original.get(k)}
    try:
        with audited("edit", model._meta.table_name, pk) as write:
            current = locked(model.select(*fields).where(key == pk)).dicts().get_or_none()
            if current is None:
                raise NotFound(f"row {pk} of {model._meta.table_name} was deleted meanwhile")
            moved = [n for n, v in original.items() if current.get(n) != v]
            if moved:
                raise EditConflict(moved, {**original, **values}, current)
            if changed:
                model.update({model._meta.fields[n]: v for n, v in changed.items()}).where(
                    key == pk
                ).execute()
            write.summary = {n: as_text(v) for n, v in changed.items()}
            new_pk = changed.get(key.name, pk)
    except pw.IntegrityError as exc:
        raise InvalidInput(unique_message(exc)) from None
    return load(model, new_pk)


def create(model, texts: dict[str, str]) -> Record:
    writable(model)
    if not is_reflected(model) and (unknown := live_table(model).drift.required_extra):
        raise InvalidInput(
            f"not created: {model._meta.table_name} has required column(s) "
            f"{', '.join(unknown)} the console does not know (the site's schema changed); "
            "create it in the site's admin"
        )
    texts = {k: v for k, v in texts.items() if v != "" or not model._meta.fields[k].primary_key}
    values = validate(model, texts)
    try:
        with audited("create", model._meta.table_name) as write:
            pk = model.insert(**values).execute()
            key = single_pk(model)
            pk = values.get(key.name) or pk
            write.pk = pk
            write.summary = {n: as_text(v) for n, v in values.items()}
    except pw.IntegrityError as exc:
        raise InvalidInput(unique_message(exc)) from None
    return load(model, pk)


@dataclass
class DeletePlan:
    label: str
    cascade: list[tuple[str, int]]  # (table, rows) deleted with it
    set_null: list[tuple[str, int]]  # (table.column, rows) set to NULL
    protected: list[tuple[str, int]]  # (table, rows) that block the delete

    def lines(self) -> list[str]:
        out = [f"deletes {n:,} row(s) of {t}" for t, n in self.cascade]
        out += [f"sets {c} to NULL in {n:,} row(s)" for c, n in self.set_null]
        out += [f"BLOCKED by {n:,} row(s) of {t}" for t, n in self.protected]
        return out


def delete_plan(model, pk) -> DeletePlan:
    """What deleting row ``pk`` would do to the rows that point at it (recursively)."""
    plan = DeletePlan(load(model, pk).label, [], [], [])

    def walk(model, query, depth):
        for fk in model._meta.backrefs:
            child = fk.model
            rows = child.select().where(fk.in_(query))
            n = rows.count()
            if not n:
                continue
            action = (fk.on_delete or "").upper()
            if action == "CASCADE" and depth < MAX_CASCADE_DEPTH:
                plan.cascade.append((child._meta.table_name, n))
                pk_field = single_pk(child)
                if pk_field is not None:
                    walk(child, child.select(pk_field).where(fk.in_(query)), depth + 1)
            elif action == "SET NULL" and fk.null:
                plan.set_null.append((f"{child._meta.table_name}.{fk.column_name}", n))
            else:
                plan.protected.append((child._meta.table_name, n))

    key = single_pk(model)
    walk(model, model.select(key).where(key == pk), 0)
    return plan


def delete(model, pk, typed_label: str) -> DeletePlan:
    """Delete row ``pk`` and what cascades from it, if nothing protects it."""
    writable(model)
    with audited("delete", model._meta.table_name, pk) as write:
        plan = delete_plan(model, pk)
        if typed_label.strip() != plan.label.strip():
            raise InvalidInput(f"type {plan.label!r} to delete it")
        if plan.protected:
            raise InvalidInput("not deleted: " + "; ".join(plan.lines()))
        instance = model.get_by_id(pk)
        instance.delete_instance(recursive=True, delete_nullable=False)
        write.summary = {"label": plan.label, "effects": plan.lines()}
    return plan
