"""The site's django-parler translations: titles kept in ``<table>_translation`` tables.

A ``TranslatedField`` is a column of the master model that is not stored in its
table: it reads as the translation in the user's language, else in the site's
fallbacks (``de``, then ``en``, as the site's PARLER_LANGUAGES say).  It selects,
filters and sorts like a column (a correlated subquery) and is never written.
"""

from __future__ import annotations

import os

import peewee as pw

from tqconsole.models.base import BaseModel

SITE_FALLBACKS = ("de", "en")
LANGUAGE_ENV = "TQCONSOLE_LANGUAGE"


def user_language() -> str:
    """``TQCONSOLE_LANGUAGE``, else the locale's language (``LANG=en_US.UTF-8`` → en)."""
    for name in (LANGUAGE_ENV, "LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(name, "")
        code = value.split("_")[0].split(".")[0].lower()
        if code and code not in ("c", "posix"):
            return code
    return SITE_FALLBACKS[0]


def language_chain() -> tuple[str, ...]:
    return tuple(dict.fromkeys((user_language(), *SITE_FALLBACKS)))


class TranslationModel(BaseModel):
    """One language of a master row: ``language_code`` and the translated fields."""

    language_code = pw.CharField(max_length=15, index=True, verbose_name="Language")

    class Meta:
        indexes = ((("language_code", "master"), True),)

    @classmethod
    def verbose_name(cls) -> str:
        """django-parler's name of a translations model: its master's, then "Translation"."""
        return f"{cls._meta.fields['master'].rel_model.verbose_name()} Translation"


class TranslatedField(pw.CharField):
    """A translated field of the master model (see the module docstring)."""

    def __init__(self, column: str | None = None, **kwargs):
        super().__init__(null=True, **kwargs)
        self.translation_column = column

    @property
    def translation(self) -> type[TranslationModel]:
        return self.model._meta.translation

    def expression(self) -> pw.Node:
        model = self.translation
        column = model._meta.fields[self.translation_column or self.name]
        master = self.model._meta.primary_key
        picks = [
            model.select(column).where((model.master == master) & (model.language_code == code))
            for code in language_chain()
        ]
        return pw.fn.COALESCE(*(p.limit(1) for p in picks))

    def __sql__(self, ctx):
        return ctx.sql(self.expression())


def translated(master: type[BaseModel], translation: type[TranslationModel], **fields) -> None:
    """Give ``master`` the translated ``fields`` (name → TranslatedField) of ``translation``."""
    master._meta.translation = translation
    master.translated = {}
    for name, field in fields.items():
        field.bind(master, name, set_attribute=False)
        column = translation._meta.fields[field.translation_column or name]
        field.verbose_name = field.verbose_name or column.verbose_name
        master.translated[name] = field


def translated_value(instance: BaseModel, name: str):
    """The translated field ``name`` of one row (one query)."""
    field = type(instance).translated[name]
    key = type(instance)._meta.primary_key
    return type(instance).select(field.alias("v")).where(key == instance.get_id()).scalar()
