"""A course's staff actions, shared by the table and the record screen: its participants
as CSV, its whole waiting list confirmed.

The screen mixing this in says which course is meant (``action_targets``: the first
of the selection, else the row under the cursor) and what to do afterwards
(``after_action``), as for ``subscription_actions.py``.
"""

from __future__ import annotations

from tqconsole.widgets.bindings import bind

COURSES = "courses_course"

BINDINGS = [
    bind("db.participants", "participants", show=False),
    bind("db.confirm_waiting", "confirm_waiting", show=False),
]


class CourseActions:
    table_name = ""

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        if action in ("participants", "confirm_waiting"):
            return self.table_name == COURSES
        return super().check_action(action, parameters)

    def action_participants(self, overwrite: bool = False) -> None:
        """Write the course's participants into the exports folder of the data dir;
        an existing file is replaced only after Enter on "Overwrite"."""
        from tqconsole.widgets.dialogs.confirm import ConfirmDialog

        ids = self.action_targets()
        if not ids:
            return
        course = ids[0]

        def written(path) -> None:
            self.notify(f"participants of course {course} written to {path}", markup=False)

        def exists(message: str) -> None:
            if overwrite:
                self.notify_error(message)
                return
            self.app.push_screen(
                ConfirmDialog("Export exists", f"{message}\nReplace it?", action="Overwrite"),
                lambda ok: self.action_participants(overwrite=True) if ok else None,
            )

        def failed(message: str) -> None:
            from tqconsole.services.db.export import EXISTS

            (exists if message.startswith(EXISTS) else self.notify_error)(message)

        self.run_blocking(
            self.write_participants,
            course,
            overwrite,
            group="participants",
            done=written,
            failed=failed,
        )

    def write_participants(self, course: int, overwrite: bool):
        from tqconsole.services.courses.participants_export import export_file

        self.backends.database  # noqa: B018 - binds the models
        return export_file(self.settings.data_dir, course, overwrite)

    def action_confirm_waiting(self) -> None:
        """Admit and confirm the whole waiting list of the course under the cursor."""
        ids = self.action_targets()
        if ids:
            self.run_blocking(
                self.waiting_list_plan, ids[0], group="staff-action", done=self.ask_waiting
            )

    def waiting_list_plan(self, course: int):
        from tqconsole.services.courses.places import course_places, waiting_list_ids

        self.backends.database  # noqa: B018 - binds the models
        taken, left = waiting_list_ids(course)
        return course_places(course), taken, left

    def ask_waiting(self, plan) -> None:
        from tqconsole.widgets.dialogs.confirm import ConfirmDialog

        places, taken, left = plan
        if not taken:
            why = f" ({len(left)} without a partner stay there: couple course)" if left else ""
            self.notify(f"{places.name}: nobody to confirm on the waiting list{why}", markup=False)
            return
        lines = [
            f"{places.name}: {len(taken)} on the waiting list are admitted and confirmed",
            f"now {places.accepted} accepted of max {places.limit or '–'}, "
            f"{places.free if places.free is not None else 'no limit of'} free",
        ]
        if places.limit is not None and places.admitted + len(taken) > places.limit:
            lines.append(
                f"⚠ over the maximum: {places.admitted + len(taken)} holding a place "
                f"of max {places.limit}"
            )
        if left:
            lines.append(f"{len(left)} stay on the waiting list: {left[0][1]}")
        lines.append("Each participant is mailed the confirmation (through the outbox).")
        typed = f"confirm {len(taken)}"
        self.app.push_screen(
            ConfirmDialog(
                f"Confirm the waiting list of course {places.course}", lines, typed, buttons=False
            ),
            lambda ok: (
                self.run_blocking(
                    self.run_waiting, places.course, group="staff-action", done=self.waiting_done
                )
                if ok
                else None
            ),
        )

    def run_waiting(self, course: int):
        from tqconsole.services.courses.places import confirm_waiting_list

        self.backends.database  # noqa: B018 - binds the models
        return confirm_waiting_list(course, mail=self.backends.get("email"))

    def waiting_done(self, run) -> None:
        warnings = [*run.admitted.warnings, *(run.confirmed.warnings if run.confirmed else [])]
        severity = "warning" if warnings or run.left else "information"
        self.notify(run.summary(), severity=severity, timeout=8, markup=False)
        for warning in warnings:
            self.notify(warning, severity="error", timeout=15, markup=False)
        self.after_action()
