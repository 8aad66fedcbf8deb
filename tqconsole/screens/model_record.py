"""One record: every field, forward and reverse relations; the edit form; delete."""

from __future__ import annotations

from functools import partial

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import ModalScreen
from textual.timer import Timer
from textual.widgets import Input, Label, Log, Select, Static

from tqconsole.screens import subscription_actions
from tqconsole.screens.models import ModelsBase
from tqconsole.screens.subscription_actions import SubscriptionActions
from tqconsole.visible_text import one_line, visible
from tqconsole.widgets.dialogs.pick import DEBOUNCE
from tqconsole.widgets.lists import KeyTable

VALUE_CHARS = 300  # the field list shows this much; enter on the field shows all


def load_record(backends, table: str, pk_text):
    from tqconsole.services.db.records import load, pk_of
    from tqconsole.services.db.table_query import model_for

    model = model_for(backends.database, table)
    pk = pk_text if not isinstance(pk_text, str) else pk_of(model, pk_text)
    return model, load(model, pk)


class RecordScreen(SubscriptionActions, ModelsBase):
    DEFAULT_CSS = """
    RecordScreen #record-title { height: 1; padding: 0 1; background: $boost; }
    RecordScreen #record-fields { height: 1fr; }
    RecordScreen #record-hint { height: 1; padding: 0 1; color: $text-muted; }
    """
    BINDINGS = [
        Binding("r", "reload", "Reload", show=False, id="record.reload"),
        Binding("e", "edit", "Edit", id="record.edit"),
        Binding("d,D", "delete", "Delete", show=False, id="record.delete"),
        Binding("y", "copy_value", "Copy value", show=False, id="record.copy"),
        Binding("at", "email", "Email", key_display="@", id="record.email"),
        *subscription_actions.BINDINGS,
    ]
    MAILABLE = ("auth_user", "courses_subscribe")  # the mail screen finds the user of these

    def __init__(self, table: str, pk) -> None:
        super().__init__()
        self.table_name = table
        self.pk = pk
        self.crumb = f"{table.split('_', 1)[-1]} #{pk}"
        self.model = None
        self.record = None

    @property
    def location(self) -> str:
        return f"models/{self.table_name}/{self.pk}"

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        if action == "email":
            return self.table_name in self.MAILABLE
        return super().check_action(action, parameters)

    def action_email(self) -> None:
        """Compose a mail to this user (or the subscription's user)."""
        self.app.goto(f"mail/compose/{self.table_name}/{self.pk}")

    def compose_body(self) -> ComposeResult:
        yield Static(self.crumb, id="record-title")
        yield KeyTable(id="record-fields", cursor_type="row")
        yield Static("enter: follow a relation or show a long value   e: edit", id="record-hint")

    def on_mount(self) -> None:
        self.query_one(KeyTable).focus()
        self.action_reload()

    def action_reload(self) -> None:
        self.run_blocking(
            load_record,
            self.backends,
            self.table_name,
            self.pk,
            group="record",
            done=self.show,
            failed=self.load_failed,
        )

    def load_failed(self, message: str) -> None:
        if self.record is None:  # a reload keeps the record on screen
            self.query_one("#record-title", Static).update(Text(message, style="bold red"))
        self.notify_error(message)

    def show(self, result) -> None:
        self.model, record = result
        self.record = record
        self.pk = record.pk
        from tqconsole.services.db.tables import table_title

        title = Text(f"{table_title(self.table_name)} #{record.pk}", style="bold")
        title.append(f"  {one_line(record.label)}")
        self.query_one("#record-title", Static).update(title)
        table = self.query_one(KeyTable)
        row = table.cursor_row
        # fixed widths: the table is right at its first paint (no auto-size pass pending)
        table.clear(columns=True)
        from tqconsole.services.db.tables import cell_text, column_title, table_title

        titles = {name: column_title(self.table_name, name) for name in record.values}
        names = [
            *titles.values(),
            *record.figures,
            *(f"← {table_title(r.table)}" for r in record.relations),
        ]
        width = max(len(n) for n in names)
        table.add_column("field", key="field", width=width)
        table.add_column("value", key="value", width=max(20, self.app.size.width - width - 6))
        from tqconsole.services.db.field_values import display

        for name, value in record.values.items():
            text = display(value)
            if text is None:
                cell = Text("∅", style="dim")
            elif name in record.labels:
                cell = Text(f"→ {record.labels[name] or ''} #{text}".replace("  ", " "))
            elif (shown := cell_text(self.model._meta.fields.get(name), text)) != text:
                cell = Text(shown)  # a choice's label or ✓ / ✗, then the stored value
                cell.append(f"  {one_line(text)}", style="dim")
            else:
                one = one_line(text)
                cut = len(one) > VALUE_CHARS
                cell = Text(one[:VALUE_CHARS])
                if cut:
                    cell.append(f" … ({len(text):,} characters, enter shows all)", style="dim")
            table.add_row(titles[name], cell, key=f"f:{name}")
        for name, value in record.figures.items():  # computed (the site's amounts)
            table.add_row(
                Text(column_title(self.table_name, name), style="italic"),
                str(value),
                key=f"c:{name}",
            )
        for rel in record.relations:
            how = f"via {rel.via}" if rel.via else f"by {rel.column}"
            table.add_row(
                Text(f"← {table_title(rel.table)}", style="cyan"),
                f"{rel.count:,} row{'' if rel.count == 1 else 's'} {how}",
                key=f"r:{rel.key}",
            )
        if row:
            table.move_cursor(row=min(row, table.row_count - 1))

    def on_data_table_row_selected(self, event) -> None:
        event.stop()
        import peewee as pw

        key = event.row_key.value
        kind, _, rest = key.partition(":")
        if kind == "r":
            rel = next(r for r in self.record.relations if r.key == rest)
            self.open_table(rel.table, rel.filter)
            return
        if kind == "c":
            return
        field = self.model._meta.fields[rest]
        value = self.record.values[rest]
        if isinstance(field, pw.ForeignKeyField) and value is not None:
            self.open_record(value, field.rel_model._meta.table_name)
        elif isinstance(value, str) and (len(value) > VALUE_CHARS or "\n" in value):
            self.app.push_screen(TextView(f"{self.table_name} #{self.record.pk} {rest}", value))

    def action_copy_value(self) -> None:
        table = self.query_one(KeyTable)
        if self.record is None or not table.row_count:
            return
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        if key.startswith("f:"):
            from tqconsole.services.db.records import as_text

            self.app.copy_to_clipboard(as_text(self.record.values[key[2:]]))
            self.notify("value copied")

    def action_targets(self) -> list:
        return [] if self.record is None else [self.record.pk]

    def after_action(self) -> None:
        self.action_reload()

    def target_names(self, ids: list) -> list[str]:
        return (
            [f"{self.record.label} (#{self.record.pk})"]
            if self.record
            else super().target_names(ids)
        )

    def action_edit(self) -> None:
        if self.record is not None:
            self.app.push_screen(EditScreen(self.table_name, self.record.pk), self.edited)

    def edited(self, saved) -> None:
        if saved:
            self.action_reload()

    def action_delete(self) -> None:
        if self.record is not None:
            ask_delete(self, self.table_name, self.record.pk, self.app.pop_screen)


def wrapped(text: str, width: int):
    """``text`` as lines of at most ``width`` characters (its own line breaks kept)."""
    for line in text.split("\n"):
        if not line:
            yield ""
        for start in range(0, len(line), width):
            yield line[start : start + width]


class TextView(ModalScreen[None]):
    """A long value in full (a 10 MB text cell too), read-only.

    A Log renders only the lines on screen; a TextArea would lay out the whole
    value first (seconds for 10 MB).
    """

    DEFAULT_CSS = """
    TextView { background: $surface; }
    TextView #text-title { height: 1; padding: 0 1; background: $boost; }
    """
    BINDINGS = [Binding("escape,q", "dismiss(None)", "Close")]

    def __init__(self, title: str, text: str) -> None:
        super().__init__()
        self.title_text = title
        self.text = text

    def compose(self) -> ComposeResult:
        yield Static(
            f"{self.title_text} ({len(self.text):,} characters) — esc closes", id="text-title"
        )
        yield Log(id="text-log", auto_scroll=False)

    def on_mount(self) -> None:
        log = self.query_one(Log)
        text = visible(self.text, keep="\n\t").expandtabs()
        log.write_lines(wrapped(text, max(20, self.app.size.width - 2)))
        log.scroll_home(animate=False)
        log.focus()


def ask_delete(screen, table: str, pk, after) -> None:
    """Show what a delete would do; delete when the record's label is typed."""
    from tqconsole.widgets.dialogs.confirm import ConfirmDialog

    def plan(backends):
        from tqconsole.services.db.records import delete_plan
        from tqconsole.services.db.table_query import model_for

        model = model_for(backends.database, table)
        return model, delete_plan(model, pk)

    def confirm(result) -> None:
        model, plan_ = result
        lines = plan_.lines() or ["nothing else points at it"]
        if plan_.protected:
            screen.notify(
                "cannot delete: " + "; ".join(plan_.lines()), severity="error", timeout=10
            )
            return

        def go(ok: bool) -> None:
            if ok:
                screen.run_blocking(
                    delete_row, model, pk, plan_.label, group="delete", done=deleted
                )

        title = f"Delete {table} #{pk} ({plan_.label}) for good?"
        screen.app.push_screen(ConfirmDialog(title, lines, typed=plan_.label, buttons=False), go)

    def delete_row(model, pk, label):
        from tqconsole.services.db.records import delete

        return delete(model, pk, label)

    def deleted(plan_) -> None:
        screen.notify(f"deleted {table} #{pk} ({plan_.label})")
        after()

    screen.run_blocking(plan, screen.backends, group="delete-plan", done=confirm)


class EditScreen(ModelsBase):
    """The form of one row (``pk`` None: a new row).  ctrl+s saves, esc leaves unsaved."""

    DEFAULT_CSS = """
    EditScreen #form { height: 1fr; padding: 0 1; }
    EditScreen .form-row { height: 1; }
    EditScreen .form-label { width: 20; }
    EditScreen .form-field { width: 1fr; }
    EditScreen .form-field.-fk { width: 10; }
    EditScreen .form-ref { width: 1fr; padding: 0 0 0 1; color: $text-muted; }
    EditScreen .form-ref.-missing { color: $error; }
    EditScreen .form-error { color: $error; height: auto; padding: 0 0 0 20; }
    EditScreen .form-error { display: none; }
    EditScreen .form-error.-shown { display: block; }
    EditScreen #form-message { height: auto; padding: 0 1; }
    EditScreen #form-help { height: 1; padding: 0 1; color: $text-muted; background: $boost; }
    """
    BINDINGS = [
        Binding("ctrl+s", "save", "Save", id="edit.save"),
        # priority: the Input's own ctrl+f (delete a word) acts in the other fields
        Binding("ctrl+f", "pick", "Pick row", priority=True, id="edit.pick"),
        Binding("escape", "cancel", "Cancel", id="edit.cancel"),
    ]

    def __init__(self, table: str, pk) -> None:
        super().__init__()
        self.table_name = table
        self.pk = pk
        self.crumb = f"edit {table}/{pk}" if pk is not None else f"new {table}"
        self.model = None
        self.original: dict = {}
        self.specs = []
        self.timers: dict[str, Timer] = {}  # foreign key field → its pending lookup

    @property
    def location(self) -> str:
        return f"models/{self.table_name}" + (f"/{self.pk}" if self.pk is not None else "")

    def compose_body(self) -> ComposeResult:
        yield Static("loading…", id="form-message")
        yield VerticalScroll(id="form")
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
        from tqconsole.services.db.records import as_text

        self.model, record, self.specs = result
        self.original = dict(record.values) if record else {}
        form = self.query_one("#form", VerticalScroll)
        rows = []
        for spec in self.specs:
            value = as_text(self.original.get(spec.name)) if record else ""
            if spec.choices or spec.kind == "bool":
                choices = spec.choices or ("true", "false")
                widget = Select(
                    [(str(c), str(c)) for c in choices],
                    allow_blank=spec.null or not record,
                    value=value if value in [str(c) for c in choices] else Select.NULL,
                    id=f"in-{spec.name}",
                    classes="form-field",
                    compact=True,
                )
            else:
                widget = Input(value, id=f"in-{spec.name}", classes="form-field", compact=True)
            widget.tooltip = spec.help
            if spec.primary_key and record:
                widget.disabled = True
            row = [Label(spec.name, classes="form-label"), widget]
            if spec.related:
                widget.add_class("-fk")
                row.append(Static("", classes="form-ref", id=f"ref-{spec.name}"))
                self.look_up(spec.name, value)
            rows.append(Horizontal(*row, classes="form-row"))
            rows.append(Static("", classes="form-error", id=f"err-{spec.name}"))
        form.mount_all(rows)
        pick = "   ctrl+f: pick" if any(s.related for s in self.specs) else ""
        self.message(f"ctrl+s: save{pick}   esc: leave without saving")
        if self.specs:
            self.call_after_refresh(self.focus_first)

    def fk_name(self, widget) -> str | None:
        """The foreign key field ``widget`` edits, if it edits one."""
        name = (widget.id or "").removeprefix("in-") if isinstance(widget, Input) else ""
        return name if any(s.name == name and s.related for s in self.specs) else None

    def on_input_changed(self, event: Input.Changed) -> None:
        name = self.fk_name(event.input)
        if name is None:
            return
        if name in self.timers:
            self.timers[name].stop()
        self.timers[name] = self.set_timer(DEBOUNCE, partial(self.look_up, name, event.value))

    def look_up(self, name: str, text: str) -> None:
        """Show the label of the row the foreign key ``name`` = ``text`` points to (in a worker)."""
        from tqconsole.services.db.records import reference

        self.timers.pop(name, None)
        self.run_blocking(
            reference,
            self.model,
            name,
            text,
            group=f"ref-{name}",
            done=lambda label: self.show_reference(name, f"→ {label}" if label else ""),
            failed=lambda message: self.show_reference(name, message, missing=True),
        )

    def show_reference(self, name: str, text: str, missing: bool = False) -> None:
        ref = self.query_one(f"#ref-{name}", Static)
        ref.update(Text(text))
        ref.set_class(missing, "-missing")

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        if action == "pick":
            return self.fk_name(self.focused) is not None
        return super().check_action(action, parameters)

    def action_pick(self) -> None:
        from tqconsole.services.db.records import PICK_LIMIT
        from tqconsole.services.db.tables import pick_choices
        from tqconsole.widgets.dialogs.pick import Pick

        name = self.fk_name(self.focused)
        if name is None:
            return
        spec = next(s for s in self.specs if s.name == name)
        related = self.model._meta.fields[name].rel_model
        field = self.query_one(f"#in-{name}", Input)

        def picked(row: tuple | None) -> None:
            if row is not None:
                field.value = str(row[0])
                self.show_reference(name, f"→ {row[1]}")
            field.focus()

        current = field.value.strip()
        current = int(current) if current.isdigit() else None
        search = partial(pick_choices, related, limit=PICK_LIMIT, current=current)
        self.app.push_screen(
            Pick(spec.related, search, self.run_blocking, PICK_LIMIT, current), picked
        )

    def on_descendant_focus(self, event) -> None:
        help_text = getattr(event.widget, "tooltip", None)
        if isinstance(help_text, str):
            self.query_one("#form-help", Static).update(help_text)

    def focus_first(self) -> None:
        fields = [w for w in self.query(".form-field") if not w.disabled]
        if fields:
            fields[0].focus()

    def message(self, text: str, error: bool = False) -> None:
        self.query_one("#form-message", Static).update(
            Text(text, style="bold red" if error else "dim")
        )

    def texts(self) -> dict[str, str]:
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

    def action_save(self) -> None:
        if self.model is None:
            return
        self.message("saving…")
        self.run_blocking(
            self.write, self.texts(), group="form-save", done=self.saved, failed=self.save_failed
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

    def show_errors(self, errors: dict[str, str]) -> None:
        """Each field's error under it; a foreign key's beside it, where its label goes."""
        for spec in self.specs:
            message = errors.get(spec.name, "")
            if spec.related and message:
                self.show_reference(spec.name, message, missing=True)
                message = ""
            error = self.query_one(f"#err-{spec.name}", Static)
            error.update(message)
            error.set_class(bool(message), "-shown")
        if errors:
            self.message(f"not saved: {len(errors)} field(s) to fix", error=True)

    def saved(self, result) -> None:
        from tqconsole.services.db.records import EditConflict, FormErrors
        from tqconsole.widgets.dialogs.confirm import Conflict

        self.show_errors(result.errors if isinstance(result, FormErrors) else {})
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
        from tqconsole.services.db.records import as_text

        self.original = dict(values)
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
        self.message("the form now shows their version; edit and save again")

    def save_failed(self, message: str) -> None:
        self.message(message, error=True)

    def action_cancel(self) -> None:
        self.dismiss(False)
