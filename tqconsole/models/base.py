"""The model base class and the database proxy every model is bound through."""

from __future__ import annotations

import peewee

database = peewee.DatabaseProxy()


class BaseModel(peewee.Model):
    """A model of the TQ schema.

    ``search_fields``: columns a bare word in a filter searches.
    ``label_fields``: columns whose values, joined by spaces, name a row
    (what a foreign key to this model shows).
    """

    search_fields: tuple[str, ...] = ()
    label_fields: tuple[str, ...] = ()
    app: str = ""

    class Meta:
        database = database
        legacy_table_names = False

    def label(self) -> str:
        if self.label_fields:
            parts = [str(getattr(self, name) or "") for name in self.label_fields]
            text = " ".join(p for p in parts if p).strip()
            if text:
                return text
        return f"{type(self).__name__} {self.get_id()}"

    def __str__(self) -> str:
        return self.label()
