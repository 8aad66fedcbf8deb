"""The fields of one row as a form: an input or a choice per field, a foreign key with the
row it names, each field's error under it."""

from __future__ import annotations

from collections.abc import Callable

from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Input, Label, Select, Static

from tqconsole.widgets.foreign_key_field import ForeignKeyField


class RecordForm(VerticalScroll):
    DEFAULT_CSS = """
    RecordForm { height: 1fr; padding: 0 1; }
    RecordForm .form-row { height: 1; }
    RecordForm .form-label { width: 20; }
    RecordForm .form-field { width: 1fr; }
    RecordForm .form-error { color: $error; height: auto; padding: 0 0 0 20; }
    RecordForm .form-error { display: none; }
    RecordForm .form-error.-shown { display: block; }
    """

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.specs = []  # the FieldSpecs of the fields, in the form's order

    def fill(self, model, specs: list, values: dict | None, runner: Callable) -> None:
        """A field per spec holding ``values`` (None: a new row); ``runner`` looks up keys."""
        from tqconsole.services.db.records import as_text

        self.specs = specs
        rows = []
        for spec in specs:
            value = as_text(values.get(spec.name)) if values is not None else ""
            if spec.related:
                holder = ForeignKeyField(model, spec, value, runner)
                field = holder.input
            elif spec.choices or spec.kind == "bool":
                choices = spec.choices or ("true", "false")
                field = holder = Select(
                    [(str(c), str(c)) for c in choices],
                    allow_blank=spec.null or values is None,
                    value=value if value in [str(c) for c in choices] else Select.NULL,
                    id=f"in-{spec.name}",
                    classes="form-field",
                    compact=True,
                )
            else:
                field = holder = Input(
                    value, id=f"in-{spec.name}", classes="form-field", compact=True
                )
            field.tooltip = spec.help
            if spec.primary_key and values is not None:
                field.disabled = True
            label = Label(spec.name, classes="form-label")
            rows.append(Horizontal(label, holder, classes="form-row"))
            rows.append(Static("", classes="form-error", id=f"err-{spec.name}"))
        self.mount_all(rows)

    def foreign_key(self, widget) -> ForeignKeyField | None:
        """The foreign key field ``widget`` (the focused one, say) is the input of, if any."""
        parent = getattr(widget, "parent", None)
        return parent if isinstance(parent, ForeignKeyField) else None

    @property
    def pending(self) -> bool:
        """A foreign key's lookup waits for typing to pause."""
        return any(f.pending for f in self.query(ForeignKeyField))

    def focus_first(self) -> None:
        fields = [w for w in self.query(".form-field") if not w.disabled]
        if fields:
            fields[0].focus()

    def texts(self) -> dict[str, str]:
        """What each field holds, as text (a disabled one, the primary key, left out)."""
        out = {}
        for spec in self.specs:
            widget = self.query_one(f"#in-{spec.name}")
            if widget.disabled:
                continue
            if isinstance(widget, Select):
                out[spec.name] = "" if widget.value is Select.NULL else str(widget.value)
            else:
                out[spec.name] = widget.value
        return out

    def show_errors(self, errors: dict[str, str]) -> None:
        """Each field's error under it; a foreign key's beside it, where its label goes."""
        for spec in self.specs:
            message = errors.get(spec.name, "")
            if spec.related and message:
                self.query_one(f"#fk-{spec.name}", ForeignKeyField).show_reference(
                    message, missing=True
                )
                message = ""
            error = self.query_one(f"#err-{spec.name}", Static)
            error.update(message)
            error.set_class(bool(message), "-shown")

    def take(self, values: dict) -> None:
        """Put ``values`` (another version of the row) in the fields."""
        from tqconsole.services.db.records import as_text

        for spec in self.specs:
            widget = self.query_one(f"#in-{spec.name}")
            text = as_text(values.get(spec.name))
            if isinstance(widget, Select):
                if text:
                    widget.value = text
                elif widget._allow_blank:
                    widget.clear()
            else:
                widget.value = text
