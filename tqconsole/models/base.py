"""The model base class, the database proxy every model is bound through, shared field types."""

from __future__ import annotations

import peewee

database = peewee.DatabaseProxy()


class BaseModel(peewee.Model):
    """A model of the TQ schema.

    ``search_fields``: columns a bare word in a filter searches.
    ``label_fields``: columns whose values, joined by spaces, name a row
    (what a foreign key to this model shows); a translated name (see
    ``models/translations.py``) may be one of them.
    ``translated``: name → TranslatedField, the site's django-parler titles.
    """

    search_fields: tuple[str, ...] = ()
    label_fields: tuple[str, ...] = ()
    app: str = ""
    translated: dict = {}

    class Meta:
        database = database
        legacy_table_names = False

    def label(self) -> str:
        if self.label_fields:
            parts = [str(self.value_of(name) or "") for name in self.label_fields]
            text = " ".join(p for p in parts if p).strip()
            if text:
                return text
        return f"{type(self).__name__} {self.get_id()}"

    def __str__(self) -> str:
        return self.label()

    def value_of(self, name: str):
        """A field's value, a translated one read in the user's language."""
        if name in self.translated:
            from tqconsole.models.translations import translated_value

            return translated_value(self, name)
        return getattr(self, name)


class ZonedDateTimeField(peewee.DateTimeField):
    """Django's ``DateTimeField``: ``timestamp with time zone`` on PostgreSQL.

    Values travel as naive local time, as everywhere else in the console: an
    aware value read from PostgreSQL is turned into the machine's local time.
    """

    def ddl_datatype(self, ctx):
        if ctx and ctx.state.field_types and ctx.state.field_types.get("DATETIME") == "TIMESTAMP":
            return peewee.SQL("timestamp with time zone")
        return super().ddl_datatype(ctx)

    def python_value(self, value):
        value = super().python_value(value)
        if getattr(value, "tzinfo", None) is not None:
            return value.astimezone().replace(tzinfo=None)
        return value


def plain_id(column: str, **kwargs) -> peewee.IntegerField:
    """A foreign key to a table the console does not model (post_office, addresses…)."""
    return peewee.IntegerField(null=True, column_name=column, **kwargs)


def column_of(model, name: str) -> peewee.Field:
    """The field ``name`` of ``model``: a stored one or a translated one (KeyError if neither)."""
    field = model._meta.fields.get(name) or getattr(model, "translated", {}).get(name)
    if field is None:
        raise KeyError(name)
    return field
