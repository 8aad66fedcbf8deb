"""The form of one row (``pk`` None: a new row): ctrl+s saves, esc leaves unsaved.

If the row changed since the form was loaded, both versions are shown and nothing is
overwritten.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.widgets import Static

from tqconsole.screens.model_record import load_record
from tqconsole.screens.models import ModelsBase
from tqconsole.widgets.bindings import bind
from tqconsole.widgets.record_form import RecordForm


class EditScreen(ModelsBase):
    DEFAULT_CSS = """
    EditScreen #form-message { height: auto; padding: 0 1; }
    EditScreen #form-help { height: 1; padding: 0 1; color: $text-muted; background: $boost; }
    """
    BINDINGS = [
        bind("db.save", "save"),
        # priority: the Input's own ctrl+f (delete a word) acts in the other fields
        bind("db.pick", "pick", priority=True),
        bind("back", "cancel", "Cancel"),
    ]

    def __init__(self, table: str, pk) -> None:
        super().__init__()
        self.table_name = table
        self.pk = pk
        self.crumb = f"edit {table}/{pk}" if pk is not None else f"new {table}"
        self.model = None
        self.original: dict = {}

    @property
    def location(self) -> str:
        return f"models/{self.table_name}" + (f"/{self.pk}" if self.pk is not None else "")

    def compose_body(self) -> ComposeResult:
        yield Static("loading…", id="form-message")
        yield RecordForm(id="form")
        yield Static("", id="form-help")

    def on_mount(self) -> None:
        self.run_blocking(self.load, group="form-load", done=self.build_form)

    def load(self):
        from tqconsole.services.db.records import field_specs
        from tqconsole.services.db.table_query import model_for

        if self.pk is None:
            model = model_for(self.backends.database, self.table_name)
            return model, None, field_specs(model)
        model, record = load_record(self.backends, self.table_name, self.pk)
        return model, record, field_specs(model)

    def build_form(self, result) -> None:
        self.model, record, specs = result
        self.original = dict(record.values) if record else {}
        form = self.query_one(RecordForm)
        form.fill(self.model, specs, self.original if record else None, self.run_blocking)
        pick = "   ctrl+f: pick" if any(s.related for s in specs) else ""
        self.message(f"ctrl+s: save{pick}   esc: leave without saving")
        if specs:
            self.call_after_refresh(form.focus_first)

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        if action == "pick":
            return self.query_one(RecordForm).foreign_key(self.focused) is not None
        return super().check_action(action, parameters)

    def action_pick(self) -> None:
        field = self.query_one(RecordForm).foreign_key(self.focused)
        if field is not None:
            field.pick()

    def on_descendant_focus(self, event) -> None:
        help_text = getattr(event.widget, "tooltip", None)
        if isinstance(help_text, str):
            self.query_one("#form-help", Static).update(help_text)

    def message(self, text: str, error: bool = False) -> None:
        self.query_one("#form-message", Static).update(
            Text(text, style="bold red" if error else "dim")
        )

    def action_save(self) -> None:
        if self.model is None:
            return
        self.message("saving…")
        texts = self.query_one(RecordForm).texts()
        self.run_blocking(
            self.write, texts, group="form-save", done=self.saved, failed=self.save_failed
        )

    def write(self, texts: dict):
        """The saved record, or the EditConflict / FormErrors the form shows."""
        from tqconsole.services.db.records import EditConflict, FormErrors, create, save

        try:
            if self.pk is None:
                return create(self.model, texts)
            return save(self.model, self.pk, self.original, texts)
        except (EditConflict, FormErrors) as refused:
            return refused

    def saved(self, result) -> None:
        from tqconsole.services.db.records import EditConflict, FormErrors
        from tqconsole.widgets.dialogs.confirm import Conflict

        errors = result.errors if isinstance(result, FormErrors) else {}
        self.query_one(RecordForm).show_errors(errors)
        if errors:
            self.message(f"not saved: {len(errors)} field(s) to fix", error=True)
        if isinstance(result, FormErrors):
            return
        if isinstance(result, EditConflict):
            self.message(str(result), error=True)

            def resolve(take_theirs: bool) -> None:
                if take_theirs:
                    self.take(result.theirs)

            self.app.push_screen(Conflict(result.changed, result.mine, result.theirs), resolve)
            return
        self.notify(f"saved {self.table_name} #{result.pk}")
        self.dismiss(True)

    def take(self, values: dict) -> None:
        self.original = dict(values)
        self.query_one(RecordForm).take(values)
        self.message("the form now shows their version; edit and save again")

    def save_failed(self, message: str) -> None:
        self.message(message, error=True)

    def action_cancel(self) -> None:
        self.dismiss(False)
