"""One record as a list: every field, its computed figures, its reverse relations.

enter on a foreign key or a relation asks the screen to go there (``Follow``); on a
long value it shows the value in full.
"""

from __future__ import annotations

from rich.text import Text
from textual.message import Message

from tqconsole.visible_text import one_line
from tqconsole.widgets.lists import KeyTable

VALUE_CHARS = 300  # the list shows this much; enter on the field shows all


class RecordFields(KeyTable):
    class Follow(Message):
        """Open the record ``pk`` of ``table``, or (``pk`` None) the rows ``filter_text`` finds."""

        def __init__(self, table: str, pk=None, filter_text: str = "") -> None:
            super().__init__()
            self.table = table
            self.pk = pk
            self.filter_text = filter_text

    def __init__(self, **kwargs) -> None:
        super().__init__(cursor_type="row", **kwargs)
        self.table_name = ""
        self.model = None
        self.record = None

    def show(self, table_name: str, model, record) -> None:
        """``record`` of ``model``; the cursor stays on its row."""
        from tqconsole.services.db.field_values import display
        from tqconsole.services.db.tables import cell_text, column_title, table_title

        self.table_name, self.model, self.record = table_name, model, record
        row = self.cursor_row
        # fixed widths: the table is right at its first paint (no auto-size pass pending)
        self.clear(columns=True)
        titles = {name: column_title(table_name, name) for name in record.values}
        names = [
            *titles.values(),
            *record.figures,
            *(f"← {table_title(r.table)}" for r in record.relations),
        ]
        width = max(len(n) for n in names)
        self.add_column("field", key="field", width=width)
        self.add_column("value", key="value", width=max(20, self.app.size.width - width - 6))
        for name, value in record.values.items():
            text = display(value)
            if text is None:
                cell = Text("∅", style="dim")
            elif name in record.labels:
                cell = Text(f"→ {record.labels[name] or ''} #{text}".replace("  ", " "))
            elif (shown := cell_text(model._meta.fields.get(name), text)) != text:
                cell = Text(shown)  # a choice's label or ✓ / ✗, then the stored value
                cell.append(f"  {one_line(text)}", style="dim")
            else:
                one = one_line(text)
                cut = len(one) > VALUE_CHARS
                cell = Text(one[:VALUE_CHARS])
                if cut:
                    cell.append(f" … ({len(text):,} characters, enter shows all)", style="dim")
            self.add_row(titles[name], cell, key=f"f:{name}")
        for name, value in record.figures.items():  # computed (the site's amounts)
            self.add_row(
                Text(column_title(table_name, name), style="italic"), str(value), key=f"c:{name}"
            )
        for rel in record.relations:
            how = f"via {rel.via}" if rel.via else f"by {rel.column}"
            self.add_row(
                Text(f"← {table_title(rel.table)}", style="cyan"),
                f"{rel.count:,} row{'' if rel.count == 1 else 's'} {how}",
                key=f"r:{rel.key}",
            )
        if row:
            self.move_cursor(row=min(row, self.row_count - 1))

    def cursor_value(self) -> str | None:
        """The stored value of the field under the cursor as text (None on a figure or relation)."""
        if self.record is None or not self.row_count:
            return None
        key = self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value
        if not key.startswith("f:"):
            return None
        from tqconsole.services.db.records import as_text

        return as_text(self.record.values[key[2:]])

    def on_data_table_row_selected(self, event) -> None:
        event.stop()
        import peewee as pw

        kind, _, rest = event.row_key.value.partition(":")
        if kind == "r":
            rel = next(r for r in self.record.relations if r.key == rest)
            self.post_message(self.Follow(rel.table, filter_text=rel.filter))
            return
        if kind == "c":
            return
        field = self.model._meta.fields[rest]
        value = self.record.values[rest]
        if isinstance(field, pw.ForeignKeyField) and value is not None:
            self.post_message(self.Follow(field.rel_model._meta.table_name, value))
        elif isinstance(value, str) and (len(value) > VALUE_CHARS or "\n" in value):
            from tqconsole.widgets.dialogs.viewer import TextViewer

            title = f"{self.table_name} #{self.record.pk} {rest}"
            self.app.push_screen(TextViewer(title, value))
