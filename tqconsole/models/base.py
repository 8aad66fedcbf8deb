"""The model base class, the database proxy every model is bound through, shared field types."""

from __future__ import annotations

import re

import peewee

database = peewee.DatabaseProxy()


class BaseModel(peewee.Model):
    """A model of the TQ schema.

    ``search_fields``: columns a bare word in a filter searches.
    ``label_fields``: columns whose values, joined by spaces, name a row
    (what a foreign key to this model shows); a translated name (see
    ``models/translations.py``) may be one of them.
    ``translated``: name → TranslatedField, the site's django-parler titles.

    Titles are the site's: a field's ``verbose_name=`` and ``Meta.verbose_name`` /
    ``Meta.verbose_name_plural`` where its Django model sets them, else Django's
    defaults (``verbose_name``, ``verbose_name_plural``, ``field_title``).
    """

    search_fields: tuple[str, ...] = ()
    label_fields: tuple[str, ...] = ()
    app: str = ""
    translated: dict = {}

    class Meta:
        database = database
        legacy_table_names = False

    @classmethod
    def verbose_name(cls) -> str:
        """The site's ``Meta.verbose_name``, else Django's default: the class name in words."""
        return getattr(cls._meta, "verbose_name", None) or camel_case_to_spaces(cls.__name__)

    @classmethod
    def verbose_name_plural(cls) -> str:
        """The site's ``Meta.verbose_name_plural``, else Django's default: ``verbose_name`` + s."""
        return getattr(cls._meta, "verbose_name_plural", None) or f"{cls.verbose_name()}s"

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


def camel_case_to_spaces(name: str) -> str:
    """Django's ``camel_case_to_spaces``: ``UserProfile`` → ``user profile``."""
    return re.sub(r"(((?<=[a-z])[A-Z])|([A-Z](?![A-Z]|$)))", r" \1", name).strip().lower()


def field_title(field: peewee.Field) -> str:
    """The site's ``verbose_name`` of a field, else Django's default (its name in words)."""
    return field.verbose_name or field.name.replace("_", " ")


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
