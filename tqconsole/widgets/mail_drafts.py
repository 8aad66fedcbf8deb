"""The compose form's drafts: every unsent message is kept until sent or discarded.

A mixin of ``ComposeForm`` (the form's ``draft_id`` and ``fields``): the
drafts key lists the drafts, picks one, starts anew or discards the one on the form.
"""

from __future__ import annotations

from tqconsole.widgets.dialogs.confirm import ConfirmDialog


class DraftsMixin:
    def show_drafts(self) -> None:
        from tqconsole.services.mail.compose import list_drafts

        self.pick_draft(list_drafts(self.app.settings.data_dir), on_form=True)

    def pick_draft(self, saved: list, on_form: bool = False) -> None:
        """The unsent drafts to pick from (the newest first), a new message, or discard."""
        from rich.text import Text

        from tqconsole.widgets.dialogs.pick import ChooseDialog

        choices = [(d.id, Text(d.label())) for d in saved]
        choices.append(("", Text("New message" + (" (this one is kept)" if on_form else ""))))
        if on_form:
            choices.append(("-discard", Text("Discard the message on the form")))
        title = f"{len(saved)} unsent draft(s): pick one, or start anew"

        def chosen(value: str | None) -> None:
            if value == "-discard":
                self.ask_discard()
            elif value is not None:
                self.switch_draft(value)

        self.app.push_screen(ChooseDialog(title, choices), chosen)

    def switch_draft(self, draft_id: str) -> None:
        """Keep what is on the form as a draft, then open ``draft_id`` (or a new message)."""
        from tqconsole.services.mail.compose import claim_draft, new_draft_id

        self.keep_draft()
        self.draft_id = new_draft_id()
        data_dir = self.app.settings.data_dir
        typed = claim_draft(data_dir, draft_id, self.draft_id) if draft_id else {}
        if typed is None:
            self.notify("that draft was opened in another console meanwhile", severity="warning")
            typed = {}
        self.restore(typed)
        if not draft_id:
            self.status_line(self.compose_hint())

    def ask_discard(self) -> None:
        def done(ok: bool | None) -> None:
            if ok:
                self.clear_draft()
                self.status_line("draft discarded · " + self.compose_hint())

        self.app.push_screen(
            ConfirmDialog("Discard", "Discard the message on the form?", action="Discard"), done
        )

    def keep_draft(self) -> bool:
        from tqconsole.services.mail.compose import save_draft

        kept = {**self.fields.typed, "markdown_html": self.markdown_html}
        return save_draft(self.app.settings.data_dir, self.draft_id, kept)
