"""``d`` on a record or a table row: what the delete would do, then the typed label."""

from __future__ import annotations


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
