"""Staff actions on subscriptions, shared by the table and the record screen.

A screen mixing this in says which subscriptions are meant (``action_targets``:
the multi-selection, else the row under the cursor) and what to do afterwards
(``after_action``); the rules live in ``tqconsole.services.courses.subscriptions``.
A course's own actions are in ``course_actions.py``.
"""

from __future__ import annotations

from tqconsole.models.choices import RejectionReason
from tqconsole.widgets.bindings import bind

SUBSCRIPTIONS = "courses_subscribe"

BINDINGS = [
    bind("subs.confirm", "staff('confirm')"),
    bind("subs.confirm_singles", "staff('confirm_singles')", show=False),
    bind("subs.admit", "staff('admit')", show=False),
    bind("subs.waiting_list", "staff('waiting_list')", show=False),
    bind("subs.reject", "staff('reject')"),
    bind("subs.paid_counter", "staff('paid_counter')", show=False),
    bind("subs.paid_online", "staff('paid_online')", show=False),
    bind("subs.match", "staff('match')", show=False),
    bind("subs.redeem", "redeem", show=False),
    bind("subs.remind", "remind", show=False),
]


class SubscriptionActions:
    table_name = ""

    def action_targets(self) -> list:
        raise NotImplementedError

    def after_action(self) -> None:
        raise NotImplementedError

    def target_names(self, ids: list) -> list[str]:
        """How the confirmation names the targets (default: their ids)."""
        return [f"#{i}" for i in ids]

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        if action in ("staff", "redeem", "remind"):
            return self.table_name == SUBSCRIPTIONS
        return super().check_action(action, parameters)

    def action_staff(self, action: str) -> None:
        from tqconsole.services.courses.subscriptions import ACTIONS
        from tqconsole.services.mail.workflows import MAILED_ACTIONS
        from tqconsole.widgets.dialogs.confirm import ConfirmDialog
        from tqconsole.widgets.dialogs.pick import ChooseDialog

        ids = self.action_targets()
        if not ids:
            self.notify("no subscription under the cursor", severity="warning")
            return
        options = {}
        if action == "confirm_singles":  # the site's "allow singles in couple courses"
            action, options = "confirm", {"allow_singles": True}
        title = f"{ACTIONS[action]}: {len(ids)} subscription(s)"
        if options:
            title += " (singles in couple courses too)"
        names = self.target_names(ids[:12])
        shown = ", ".join(names) + (f" and {len(ids) - 12} more" if len(ids) > 12 else "")

        def run(reason=None) -> None:
            details = {**options, "reason": reason} if reason else options
            self.run_blocking(
                self.apply_staff_action,
                action,
                ids,
                details,
                group="staff-action",
                done=self.show_outcome,
            )

        def ask(reason=None, warnings=()) -> None:
            """enter for one subscription; for several, the action and count must be typed."""
            lines = [shown, *(f"⚠ over the maximum: {w}" for w in warnings)]
            if reason:
                lines.append(f"reason: {reason}")
            if action in MAILED_ACTIONS:
                lines.append("Each participant is mailed the new state (through the outbox).")
            lines.append("The change is recorded in the audit log.")
            typed = f"{action} {len(ids)}" if len(ids) > 1 else ""
            self.app.push_screen(
                ConfirmDialog(title, lines, typed, buttons=False),
                lambda ok: run(reason) if ok else None,
            )

        if action == "reject":
            reasons = [(v, label) for v, label in RejectionReason.CHOICES]

            def chosen(reason: str | None) -> None:
                if reason:
                    ask(reason)

            self.app.push_screen(
                ChooseDialog(f"Reject {len(ids)} subscription(s): reason", reasons), chosen
            )
            return
        self.run_blocking(
            self.capacity_warnings, action, ids, group="staff-action", done=lambda w: ask(None, w)
        )

    def capacity_warnings(self, action: str, ids: list) -> list[str]:
        from tqconsole.services.courses.places import capacity_warnings

        self.backends.database  # noqa: B018 - binds the models
        return capacity_warnings(action, ids)

    def apply_staff_action(self, action: str, ids: list, details: dict):
        from tqconsole.services.courses.subscriptions import apply

        self.backends.database  # noqa: B018 - binds the models
        return apply(action, ids, mail=self.backends.get("email"), **details)

    def show_outcome(self, outcome) -> None:
        """The summary, then each mail refused or not sent as an error that stays a while."""
        severity = "information" if outcome.done and not outcome.warnings else "warning"
        self.notify(outcome.summary(), severity=severity, timeout=8, markup=False)
        for warning in outcome.warnings:
            self.notify(warning, severity="error", timeout=15, markup=False)
        self.after_action()

    def one_target(self) -> tuple[int, str] | None:
        """(id, name) of the one subscription meant (the finance actions take one at a time)."""
        ids = self.action_targets()
        if len(ids) != 1:
            self.notify("choose one subscription (no marks, or one)", severity="warning")
            return None
        return ids[0], self.target_names(ids)[0]

    def action_redeem(self) -> None:
        """The site's voucher redemption: ask the key, confirm, apply it in a worker."""
        from tqconsole.widgets.dialogs.confirm import ConfirmDialog
        from tqconsole.widgets.dialogs.prompt import AskDialog

        target = self.one_target()
        if target is None:
            return
        sid, name = target

        def confirmed(key: str, ok: bool) -> None:
            if ok:
                self.run_blocking(
                    self.redeem_voucher, key, sid, group="staff-action", done=self.show_done
                )

        def typed(key: str | None) -> None:
            if key and key.strip():
                lines = [
                    f"voucher {key.strip().upper()} on {name}",
                    "Recorded in the site's history.",
                ]
                self.app.push_screen(
                    ConfirmDialog("Redeem voucher", lines, buttons=False),
                    lambda ok: confirmed(key, ok),
                )

        self.app.push_screen(AskDialog(f"Redeem a voucher on {name}: its key", raw=True), typed)

    def redeem_voucher(self, key: str, sid: int) -> str:
        from tqconsole.models import Subscribe
        from tqconsole.services.courses.vouchers import redeem

        self.backends.database  # noqa: B018 - binds the models
        return redeem(key, Subscribe.get_by_id(sid).usi).summary()

    def action_remind(self) -> None:
        """The finance view's single payment reminder, after a confirmation."""
        from tqconsole.widgets.dialogs.confirm import ConfirmDialog

        target = self.one_target()
        if target is None:
            return
        sid, name = target
        lines = [name, "The participant is mailed the site's payment reminder now."]

        def confirmed(ok: bool) -> None:
            if ok:
                self.run_blocking(
                    self.send_reminder, sid, group="staff-action", done=self.show_done
                )

        self.app.push_screen(
            ConfirmDialog("Send payment reminder", lines, buttons=False), confirmed
        )

    def send_reminder(self, sid: int) -> str:
        from tqconsole.models import Subscribe
        from tqconsole.services.payments.reminders import remind_one

        self.backends.database  # noqa: B018 - binds the models
        usi = Subscribe.get_by_id(sid).usi
        email_id, report = remind_one(usi, self.backends.get("email"))
        if email_id in report.sent:
            return f"{usi}: reminder mail #{email_id} sent"
        return f"{usi}: reminder mail #{email_id} NOT sent: {report.summary()}"

    def show_done(self, text: str) -> None:
        self.notify(text, timeout=8, markup=False)
        self.after_action()
