"""Ask for a value: ``AskDialog`` (one line); ``EnqueueDialog`` (a task and its arguments)."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Input, Label, Select, Static

from tqconsole.widgets.bindings import bind
from tqconsole.widgets.dialogs import DIALOG_CSS, PANEL_CSS
from tqconsole.widgets.path_input import PathInput


class AskDialog(ModalScreen[tuple[str, bool] | str | None]):
    """One line of input (a key, a TTL, or a local path with completion); optional checkbox.

    Returns (value, checked), an empty value refused in place; with ``raw`` the text
    as typed (even empty).  None on escape.
    """

    DEFAULT_CSS = PANEL_CSS.format(name="AskDialog")
    BINDINGS = [bind("back", "dismiss(None)", "Cancel")]

    def __init__(
        self,
        title: str,
        value: str = "",
        hint: str = "",
        path: bool = False,
        check: str = "",
        placeholder: str = "",
        raw: bool = False,
    ) -> None:
        super().__init__()
        self.title_text, self.value, self.hint = title, value, hint
        self.path, self.check, self.placeholder, self.raw = path, check, placeholder, raw

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(self.title_text, classes="title", markup=False)
            field = PathInput if self.path else Input
            yield field(self.value, placeholder=self.placeholder, id="ask-input")
            if self.check:
                yield Checkbox(self.check, id="ask-check")
            yield Static(self.hint, classes="hint", id="ask-hint", markup=False)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.submit(event.value)

    def submit(self, value: str) -> None:
        if self.raw:
            self.dismiss(value)
            return
        if not value.strip():
            self.query_one("#ask-hint", Static).update(Text("a value is needed", "red"))
            return
        checked = bool(self.check) and self.query_one("#ask-check", Checkbox).value
        self.dismiss((value.strip(), checked))


class EnqueueDialog(ModalScreen[tuple[str, str] | None]):
    """Pick a registered task and give its arguments as JSON (checked before it is sent).

    No task is picked when it opens: Enter (in the arguments or on Enqueue) sends
    nothing until staff chose one, so no default task goes out by accident.
    """

    DEFAULT_CSS = DIALOG_CSS.format(name="EnqueueDialog")
    BINDINGS = [bind("back", "cancel", "Cancel")]

    def __init__(self, tasks: list) -> None:
        super().__init__()
        self.tasks = {t.name: t for t in tasks}

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("Enqueue a task", classes="title")
            yield Select(
                [(self.label(t), name) for name, t in self.tasks.items()],
                prompt="pick a task",
                id="task-name",
            )
            yield Static("", classes="hint", id="signature")
            yield Input(placeholder='arguments as JSON: [1, 2] or {"course_id": 3}', id="args")
            yield Static("", classes="error", id="enqueue-error")
            with Horizontal():
                yield Button("Cancel", id="cancel")
                yield Button("Enqueue", variant="primary", id="ok")

    def on_mount(self) -> None:
        self.show_signature()
        self.query_one("#task-name", Select).focus()

    def on_select_changed(self, event: Select.Changed) -> None:
        self.show_signature()
        if not event.select.is_blank():
            self.query_one("#args", Input).focus()

    @staticmethod
    def label(task) -> str:
        return f"{task.name} → the site's Celery" if task.site_task else task.name

    def show_signature(self) -> None:
        task = self.tasks.get(self.query_one("#task-name", Select).value)
        text = ""
        if task is not None and task.site_task:
            text = f"sent to the site's Celery as {task.site_task} (no arguments here)"
        elif task is not None:
            text = f"{task.name}{task.signature}  {task.doc}"
        self.query_one("#signature", Static).update(text)
        self.query_one("#enqueue-error", Static).update("")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "ok":
            self.submit()
        else:
            self.dismiss(None)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.submit()

    def submit(self) -> None:
        from tqconsole.errors import InvalidInput
        from tqconsole.services.tasks.monitor import parse_arguments

        select = self.query_one("#task-name", Select)
        if select.is_blank():
            self.query_one("#enqueue-error", Static).update("pick a task first")
            select.focus()
            return
        text = self.query_one("#args", Input).value
        try:
            parse_arguments(text)
        except InvalidInput as exc:
            self.query_one("#enqueue-error", Static).update(str(exc))
            return
        self.dismiss((str(select.value), text))

    def action_cancel(self) -> None:
        self.dismiss(None)
