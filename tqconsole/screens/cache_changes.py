"""What the cache screen changes: delete, TTL, clear by pattern, clear all, flush, cull.

Each change asks in the confirm-dialog family first and runs the cache inspector's
function (the one ``tqconsole cache …`` runs) in a worker; read-only mode and the
Celery broker's keys are refused by the backend, the screen only says so early.
"""

from __future__ import annotations

from tqconsole.errors import InvalidInput
from tqconsole.services.progress import Meter
from tqconsole.widgets.dialogs.confirm import ConfirmDialog
from tqconsole.widgets.dialogs.progress import ProgressDialog
from tqconsole.widgets.dialogs.prompt import AskDialog


def inspector():
    from tqconsole.services.cache import inspector as cache_inspector

    return cache_inspector


class CacheChanges:
    """The change actions of ``CacheScreen`` (which provides ``cache``, ``key_list``,
    ``stats_panel``, ``namespace_tree``, ``run_blocking`` and ``action_refresh``)."""

    def refuse_if_read_only(self, what: str) -> bool:
        if self.settings.read_only:
            self.notify_error(f"read-only mode: {what} refused")
            return True
        return False

    def action_delete(self) -> None:
        keys = self.key_list.chosen()
        if keys:
            self.confirm_delete(keys)

    def confirm_delete(self, keys: list[str]) -> None:
        if self.refuse_if_read_only("delete"):
            return
        insp = inspector()
        shown = "\n".join(insp.display_key(k) for k in keys[:8])
        more = f"\n… and {len(keys) - 8:,} more" if len(keys) > 8 else ""
        question = f"Delete {len(keys):,} key(s) from {self.cache.name}? Their values are lost.\n{shown}{more}"

        def done(ok: bool | None) -> None:
            if ok:
                self.run_blocking(
                    insp.delete_keys, self.cache, keys, group="cache-change", done=self.deleted
                )

        self.app.push_screen(ConfirmDialog("Delete keys", question), done)

    def deleted(self, removed: int) -> None:
        self.key_list.marked.clear()
        self.changed(f"deleted {removed:,} key(s)")

    def changed(self, message: str) -> None:
        self.notify(message, markup=False)  # it may name keys, which may hold [brackets]
        self.action_refresh()

    def action_ttl(self) -> None:
        key = self.key_list.current_key()
        if key is not None:
            self.ask_ttl(key)

    def ask_ttl(self, key: str) -> None:
        if self.refuse_if_read_only("TTL change"):
            return
        insp = inspector()

        def done(value: str | None) -> None:
            if value is None:
                return
            try:
                seconds = insp.parse_ttl(value)
            except InvalidInput as exc:
                self.notify_error(str(exc))
                return
            self.run_blocking(
                insp.set_ttl,
                self.cache,
                key,
                seconds,
                group="cache-change",
                done=lambda _: self.changed(
                    f"TTL of {insp.display_key(key)}: {insp.human_ttl(seconds)}"
                ),
            )

        self.app.push_screen(
            AskDialog(
                "Set TTL",
                hint=f"New TTL of {insp.display_key(key)}: seconds, 15m, 2h, 1d — or 'none' for no expiry.",
                placeholder="e.g. 1h or none",
                raw=True,
            ),
            done,
        )

    def action_clear_pattern(self) -> None:
        if self.refuse_if_read_only("clear"):
            return
        if self.pattern == "*":
            self.action_clear_all()
            return
        pattern = self.pattern
        question = (
            f"Remove every key of {self.cache.name} matching {pattern!r}? "
            "Their values are lost (the site recomputes what it caches)."
        )
        self.app.push_screen(
            ConfirmDialog("Clear by pattern", question, typed=pattern, action="Clear"),
            lambda ok: self.start_clear(pattern) if ok else None,
        )

    def action_clear_all(self) -> None:
        if self.refuse_if_read_only("clear"):
            return
        cache = self.cache
        question = (
            f"Remove every entry of this cache ({cache.key_prefix}:<version>:…) from {cache.name}?"
            " Their values are lost (the site recomputes what it caches). Other keys in"
            f" {cache.name} — another program's, such as a Celery broker's queues — are kept"
            f" (F removes every key: {cache.flush_word})."
        )
        self.app.push_screen(
            ConfirmDialog(
                "Clear all cache entries", question, typed=cache.name, action="Clear all"
            ),
            lambda ok: self.start_clear(None) if ok else None,
        )

    def action_flush(self) -> None:
        if self.refuse_if_read_only(self.cache.flush_word):
            return
        insp = inspector()
        cache, phrase = self.cache, insp.flush_phrase(self.cache)
        question = (
            f"Remove EVERY key of {cache.name}, cache entry or not — another program's data"
            " too (a Celery broker's queues and bindings, …)? All values are lost."
        )

        def confirmed(ok: bool | None) -> None:
            if ok:
                self.run_blocking(
                    insp.flush,
                    cache,
                    phrase,
                    group="cache-clear",
                    done=lambda n: self.changed(f"removed {n:,} keys: {phrase}"),
                )

        self.app.push_screen(
            ConfirmDialog(phrase, question, typed=phrase, action=cache.flush_word), confirmed
        )

    def start_clear(self, pattern: str | None) -> None:
        insp = inspector()
        total = self.estimate_total(pattern)
        meter = Meter(total)
        dialog = ProgressDialog(f"Clearing {pattern or 'every cache entry'}", meter)
        self.app.push_screen(dialog)

        def progress(removed: int) -> None:
            meter.step(removed, text=f"removed {removed:,} keys")

        def work():
            if pattern is None:
                return insp.clear_all(self.cache, self.cache.name, progress, meter.cancel.is_set)
            return insp.clear_pattern(self.cache, pattern, progress, meter.cancel.is_set)

        def finished(result) -> None:
            dialog.dismiss()
            stopped = " (cancelled)" if meter.cancel.is_set() else ""
            if isinstance(result, int):
                self.changed(f"removed {result:,} keys{stopped}")
                return
            kept = f"; kept {result.others_text()}" if result.others else ""
            self.changed(f"removed {result.removed:,} cache entries{stopped}{kept}")

        def failed(message: str) -> None:
            dialog.dismiss()
            self.notify_error(message)

        self.run_blocking(work, group="cache-clear", done=finished, failed=failed)

    def estimate_total(self, pattern: str | None) -> int | None:
        """What the progress bar counts to: the namespace's (estimated) keys, or all keys."""
        if pattern is None or pattern == "*":
            return self.stats_panel.total()
        return self.namespace_tree.keys_of(pattern)

    def action_cull(self) -> None:
        if self.refuse_if_read_only("cull"):
            return
        if self.cache.scheme != "db":
            self.notify("only the database cache keeps expired entries (Redis drops them itself)")
            return
        self.app.push_screen(
            ConfirmDialog(
                "Cull expired",
                f"Remove the expired entries of table {self.cache.name}?",
                action="Cull",
            ),
            self.cull_confirmed,
        )

    def cull_confirmed(self, ok: bool | None) -> None:
        if ok:
            self.run_blocking(
                inspector().cull_expired,
                self.cache,
                group="cache-change",
                done=lambda n: self.changed(f"culled {n:,} expired entries"),
            )
