"""One record: every field, forward and reverse relations; edit (``record_edit.py``) and
delete (``record_delete.py``) from here."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.widgets import Static

from tqconsole.screens import course_actions, subscription_actions
from tqconsole.screens.course_actions import CourseActions
from tqconsole.screens.models import ModelsBase
from tqconsole.screens.subscription_actions import SubscriptionActions
from tqconsole.visible_text import one_line
from tqconsole.widgets.bindings import bind
from tqconsole.widgets.record_fields import RecordFields


def load_record(backends, table: str, pk_text):
    from tqconsole.services.db.records import load, pk_of
    from tqconsole.services.db.table_query import model_for

    model = model_for(backends.database, table)
    pk = pk_text if not isinstance(pk_text, str) else pk_of(model, pk_text)
    return model, load(model, pk)


class RecordScreen(SubscriptionActions, CourseActions, ModelsBase):
    DEFAULT_CSS = """
    RecordScreen #record-title { height: 1; padding: 0 1; background: $boost; }
    RecordScreen #record-fields { height: 1fr; }
    RecordScreen #record-hint { height: 1; padding: 0 1; color: $text-muted; }
    """
    BINDINGS = [
        bind("refresh", "reload", "Reload", show=False),
        bind("edit", "edit"),
        bind("delete", "delete", show=False),
        bind("copy", "copy_value", "Copy value", show=False),
        bind("db.email", "email"),
        *subscription_actions.BINDINGS,
        *course_actions.BINDINGS,
    ]
    MAILABLE = ("auth_user", "courses_subscribe")  # the mail screen finds the user of these

    def __init__(self, table: str, pk) -> None:
        super().__init__()
        self.table_name = table
        self.pk = pk
        self.crumb = f"{table.split('_', 1)[-1]} #{pk}"
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
        yield RecordFields(id="record-fields")
        yield Static("enter: follow a relation or show a long value   e: edit", id="record-hint")

    def on_mount(self) -> None:
        self.query_one(RecordFields).focus()
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
        from tqconsole.services.db.tables import table_title

        model, record = result
        self.record = record
        self.pk = record.pk
        title = Text(f"{table_title(self.table_name)} #{record.pk}", style="bold")
        title.append(f"  {one_line(record.label)}")
        self.query_one("#record-title", Static).update(title)
        self.query_one(RecordFields).show(self.table_name, model, record)

    def on_record_fields_follow(self, event: RecordFields.Follow) -> None:
        if event.pk is None:
            self.open_table(event.table, event.filter_text)
        else:
            self.open_record(event.pk, event.table)

    def action_copy_value(self) -> None:
        value = self.query_one(RecordFields).cursor_value()
        if value is not None:
            self.app.copy_to_clipboard(value)
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
        from tqconsole.screens.record_edit import EditScreen

        if self.record is not None:
            self.app.push_screen(EditScreen(self.table_name, self.record.pk), self.edited)

    def edited(self, saved) -> None:
        if saved:
            self.action_reload()

    def action_delete(self) -> None:
        from tqconsole.screens.record_delete import ask_delete

        if self.record is not None:
            ask_delete(self, self.table_name, self.record.pk, self.app.pop_screen)
