"""The cache screen: stats with sparklines, namespaces, a key browser, key detail, clearing.

Everything the screen changes goes through ``tqconsole.services.cache_inspector``
(the functions ``tqconsole cache …`` calls), in thread workers.
"""

from __future__ import annotations

from collections import deque
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Sparkline, Static, Tree

from tqconsole.errors import InvalidInput
from tqconsole.screens.base import ConsoleScreen
from tqconsole.visible_text import visible
from tqconsole.widgets.confirm_dialog import ConfirmDialog, ProgressDialog, PromptDialog
from tqconsole.widgets.lists import KeyTable, KeyTree

STATS_SECONDS = 2.0
PAGE = 200
HISTORY = 60


def inspector():
    from tqconsole.services import cache_inspector

    return cache_inspector


class KeyDetailScreen(ModalScreen[str | None]):
    """One key: type, TTL, size, encoding and its value decoded safely."""

    DEFAULT_CSS = """
    KeyDetailScreen { align: center middle; }
    KeyDetailScreen > Vertical {
        width: 95%; height: 90%; border: thick $primary; background: $surface; padding: 0 1;
    }
    KeyDetailScreen #detail-head { height: auto; color: $text-muted; }
    KeyDetailScreen VerticalScroll { height: 1fr; }
    """
    BINDINGS = [
        Binding("escape,q", "dismiss(None)", "Close", id="cache.detail.close"),
        Binding("d", "dismiss('delete')", "Delete", id="cache.detail.delete"),
        Binding("t", "dismiss('ttl')", "Set TTL", id="cache.detail.ttl"),
        Binding("j", "scroll('down')", "Down", show=False),
        Binding("k", "scroll('up')", "Up", show=False),
    ]

    def __init__(self, detail) -> None:
        super().__init__()
        self.detail = detail

    def compose(self) -> ComposeResult:
        insp = inspector()
        d = self.detail
        size = insp.human_bytes(d.size) if d.type == "string" else f"{d.size:,} items"
        head = Text()
        head.append(insp.display_key(d.key) + "\n", style="bold")
        head.append(f"type {d.type}  ttl {insp.human_ttl(d.ttl)}  size {size}")
        head.append(f"  encoding {d.encoding or '–'}  shown as {d.decoded.kind}")
        if d.decoded.note:
            head.append(f"\n{d.decoded.note}", style="italic")
        with Vertical() as box:
            box.border_title = "Key"
            box.border_subtitle = "d delete · t TTL · esc close"
            yield Static(head, id="detail-head")
            with VerticalScroll():
                yield Static(Text(visible(d.decoded.text, keep="\n\t")), id="detail-value")

    def action_scroll(self, direction: str) -> None:
        scroll = self.query_one(VerticalScroll)
        scroll.scroll_down() if direction == "down" else scroll.scroll_up()


class CacheScreen(ConsoleScreen):
    route = "cache"
    crumb = "Cache"
    DEFAULT_CSS = """
    CacheScreen #stats { height: auto; padding: 0 1; background: $boost; }
    CacheScreen #stats-text { height: auto; max-height: 3; }
    CacheScreen #stats-text.-down { color: $error; }
    CacheScreen #sparks { height: 1; }
    CacheScreen #sparks Label { width: auto; padding: 0 1 0 0; color: $text-muted; }
    CacheScreen #sparks Sparkline { width: 1fr; height: 1; margin: 0 2 0 0; }
    CacheScreen #pattern-row { height: 1; padding: 0 1; }
    CacheScreen #pattern-row Label { width: auto; padding: 0 1 0 0; }
    CacheScreen #pattern { border: none; height: 1; padding: 0; width: 1fr; }
    CacheScreen #main { height: 1fr; }
    CacheScreen #namespaces { width: 34; border-right: vkey $primary-darken-2; overflow-x: hidden; }
    CacheScreen #keys { width: 1fr; }
    CacheScreen #status { height: 1; padding: 0 1; color: $text-muted; }
    CacheScreen.-narrow #namespaces { width: 24; }
    CacheScreen.-wide #namespaces { width: 48; }
    """
    BINDINGS = [
        Binding("slash", "filter", "Filter", id="cache.filter"),
        Binding("enter", "open_key", "Show", show=False, id="cache.show"),
        Binding("space", "mark", "Mark", id="cache.mark"),
        Binding("d", "delete", "Delete", id="cache.delete"),
        Binding("t", "ttl", "TTL", id="cache.ttl"),
        Binding("x", "clear_pattern", "Clear pattern", id="cache.clear_pattern"),
        Binding("X", "clear_all", "Clear all", show=False, id="cache.clear_all"),
        Binding("F", "flush", "Flush db", show=False, id="cache.flush"),
        Binding("c", "cull", "Cull expired", show=False, id="cache.cull"),
        Binding("m", "more", "More", show=False, id="cache.more"),
        Binding("r", "refresh", "Refresh", id="cache.refresh"),
        Binding("n", "focus_tree", "Namespaces", show=False, id="cache.namespaces"),
    ]

    def __init__(self, pattern: str = "*") -> None:
        super().__init__()
        self.pattern = pattern or "*"
        self.cursor: Any = None
        self.rows: list = []
        self.marked: set[str] = set()
        self.memory: deque[float] = deque(maxlen=HISTORY)
        self.ops: deque[float] = deque(maxlen=HISTORY)
        self.last_stats: dict | None = None
        self.namespace_root = None
        self.namespaces_shown = None  # the tree's data, laid out again when its width changes

    @classmethod
    def from_location(cls, rest: str) -> CacheScreen:
        return cls(rest or "*")

    @property
    def location(self) -> str:
        return "cache" if self.pattern == "*" else f"cache/{self.pattern}"

    @property
    def closing(self) -> bool:
        """A worker's answer that arrives while the screen closes (widgets going) is dropped."""
        return not self.is_attached or self._pruning or self.app._closing

    @property
    def cache(self):
        return self.backends.get("cache")

    def compose_body(self) -> ComposeResult:
        with Vertical(id="stats"):
            yield Static("connecting…", id="stats-text")
            with Horizontal(id="sparks"):
                yield Label("mem", id="spark-a-label")
                yield Sparkline([], id="spark-a")
                yield Label("ops/s", id="spark-b-label")
                yield Sparkline([], id="spark-b")
        with Horizontal(id="pattern-row"):
            yield Label("pattern")
            yield Input(self.pattern, id="pattern", placeholder="Redis glob, e.g. :1:user_ical_*")
        with Horizontal(id="main"):
            yield KeyTree("keys", id="namespaces")
            yield KeyTable(id="keys", cursor_type="row", zebra_stripes=False)
        yield Static("", id="status")

    def on_mount(self) -> None:
        table = self.query_one("#keys", KeyTable)
        table.add_column(" ", key="mark", width=1)
        table.add_column("key", key="key", width=40)
        table.add_column("type", key="type", width=6)
        table.add_column("ttl", key="ttl", width=7)
        table.add_column("size", key="size", width=9)
        self.query_one("#namespaces", KeyTree).root.expand()
        table.focus()
        self.refresh_stats()
        self.load_keys()
        self.load_namespaces()

    def on_resize(self) -> None:
        before = self.namespace_width
        self.set_class(self.size.width < 100, "-narrow")
        self.set_class(self.size.width >= 140, "-wide")
        self.fit_key_column()
        if self.namespace_width != before and self.namespaces_shown is not None:
            self.show_namespaces(self.namespaces_shown)

    @property
    def namespace_width(self) -> int:
        """The namespace tree's width (CSS) for the screen's width class.

        Widths are computed from this, not from the widgets' sizes: after a class
        change the layout lags behind, and data arriving in between would be laid
        out for the old width (under load, snapshots then differed).
        """
        return 24 if self.has_class("-narrow") else 48 if self.has_class("-wide") else 34

    def fit_key_column(self) -> None:
        """The key column takes what the other columns (and cell padding, scrollbar) leave."""
        table = self.query_one("#keys", KeyTable)
        others = sum(c.width + 2 for c in table.columns.values() if c.key.value != "key")
        width = max(16, self.size.width - self.namespace_width - others - 2 - 2)
        column = table.columns.get("key")  # type: ignore[call-overload]
        if column is not None and column.width != width:
            column.width = width
            column.auto_width = False
            table.refresh()

    # --- stats, every 2 s after the previous refresh finished
    def refresh_stats(self) -> None:
        self.run_blocking(
            inspector().stats,
            self.cache_or_error(),
            group="cache-stats",
            done=self.show_stats,
            failed=self.stats_failed,
        )

    def cache_or_error(self):
        try:
            return self.cache
        except Exception as exc:  # shown in the stats panel by stats_failed
            return _Broken(exc)

    def schedule_stats(self) -> None:
        def again() -> None:
            if self.is_current:
                self.refresh_stats()
            else:
                self.schedule_stats()

        self.set_timer(STATS_SECONDS, again)

    def show_stats(self, data: dict) -> None:
        if self.closing:
            return
        insp = inspector()
        text = self.query_one("#stats-text", Static)
        recovered = text.has_class("-down")
        self.last_stats = data
        text.remove_class("-down")
        text.update("  ".join(f"[dim]{k}[/] {v}" for k, v in insp.stats_lines(data)))
        if data["backend"] == "redis":
            self.memory.append(data["used_memory"])
            self.ops.append(data["ops_per_sec"])
            labels = ("mem", "ops/s")
        else:
            self.memory.append(data.get("table_bytes") or data.get("stored_bytes") or 0)
            self.ops.append(data.get("entries", 0))
            labels = ("size", "entries")
        self.query_one("#spark-a-label", Label).update(labels[0])
        self.query_one("#spark-b-label", Label).update(labels[1])
        self.query_one("#spark-a", Sparkline).data = list(self.memory)
        self.query_one("#spark-b", Sparkline).data = list(self.ops)
        if recovered:
            self.action_refresh()
        self.schedule_stats()

    def stats_failed(self, message: str) -> None:
        if self.closing:
            return
        self.last_stats = None
        text = self.query_one("#stats-text", Static)
        text.add_class("-down")
        text.update(Text(f"✗ {message} — retrying every {STATS_SECONDS:.0f} s"))
        self.schedule_stats()

    # --- keys
    def load_keys(self, more: bool = False) -> None:
        if not more:
            self.cursor = None
        self.set_status("loading…")
        self.run_blocking(
            inspector().list_keys,
            self.cache_or_error(),
            self.pattern,
            self.cursor if more else None,
            PAGE,
            True,  # memory usage too, for the listed keys only
            group="cache-keys",
            done=lambda page: self.show_keys(page, more),
            failed=self.keys_failed,
        )

    def show_keys(self, page, more: bool) -> None:
        if self.closing:
            return
        insp = inspector()
        table = self.query_one("#keys", KeyTable)
        if not more:
            table.clear()
            self.rows = []
        self.fit_key_column()
        for info in page.keys:
            if info.key in table.rows:
                continue
            size = insp.human_bytes(info.size) if info.size is not None else ""
            table.add_row(
                "•" if info.key in self.marked else "",
                Text(insp.display_key(info.key), no_wrap=True, overflow="ellipsis"),
                info.type,
                insp.human_ttl(info.ttl),
                Text(size, justify="right"),
                key=info.key,
            )
            self.rows.append(info)
        self.cursor = page.cursor
        stored = inspector().stored_pattern(self.cache, self.pattern)
        if not self.rows and self.cursor is None and stored:
            self.notify(f"no key is stored as {self.pattern}: showing {stored}, the stored form")
            self.set_pattern(stored)
            return
        self.update_status()

    def update_status(self) -> None:
        count = len(self.query_one("#keys", KeyTable).rows)
        more = " · m: more" if self.cursor is not None else " (all)"
        marked = f" · {len(self.marked)} marked" if self.marked else ""
        self.set_status(f"{count:,} keys matching {self.pattern}{more}{marked}")

    def keys_failed(self, message: str) -> None:
        if self.closing:
            return
        self.set_status(f"✗ {message}")

    def set_status(self, text: str) -> None:
        self.query_one("#status", Static).update(Text(text, no_wrap=True, overflow="ellipsis"))

    # --- namespaces
    def load_namespaces(self) -> None:
        self.run_blocking(
            inspector().namespaces,
            self.cache_or_error(),
            group="cache-namespaces",
            done=self.show_namespaces,
            failed=lambda message: None,  # the stats panel already says what is wrong
        )

    def show_namespaces(self, result) -> None:
        if self.closing:
            return
        insp = inspector()
        self.namespace_root = result.root
        self.namespaces_shown = result
        tree = self.query_one("#namespaces", KeyTree)
        tree.clear()
        approx = "≈" if result.is_sample else ""
        top = result.root
        while len(top.children) == 1 and next(iter(top.children.values())).keys == top.keys:
            top = next(iter(top.children.values()))  # ":" then ":1:" hold everything: skip them
        where = f" in {top.prefix}" if top.prefix else ""
        tree.root.set_label(f"all {approx}{result.root.keys:,}{where}")
        tree.root.data = "*"
        if result.is_sample:
            tree.root.add_leaf(
                Text(
                    f"sampled {result.sampled:,} of {result.total:,} keys, "
                    f"memory of {result.memory_sampled:,}",
                    style="dim italic",
                ),
                data=None,
            )

        narrow = self.has_class("-narrow")
        width = self.namespace_width - 1  # its right border

        def add(parent_node, ns, parent_prefix: str, depth: int) -> None:
            children = sorted(ns.children.values(), key=lambda c: -c.keys)
            for child in children[:50]:
                label = child.prefix[len(parent_prefix) :] or child.prefix
                label += "*" if not child.prefix.endswith(":") else ""
                figures = f" {approx}{child.keys:,}"
                size = "" if narrow else f" {insp.human_bytes(child.bytes)}"
                room = max(6, width - 2 - 4 * depth - len(figures) - len(size))
                if len(label) > room:  # cut the name, never the figures
                    label = label[: room - 1] + "…"
                text = Text.assemble((label, "bold"), figures, (size, "dim"))
                if child.children:
                    node = parent_node.add(text, data=child.pattern, expand=len(children) <= 3)
                    add(node, child, child.prefix, depth + 1)
                else:
                    parent_node.add_leaf(text, data=child.pattern)

        add(tree.root, top, top.prefix, 1)
        tree.root.expand()

    def on_tree_node_selected(self, event: Tree.NodeSelected) -> None:
        if event.node.data:
            self.set_pattern(event.node.data)

    # --- pattern
    def action_filter(self) -> None:
        self.query_one("#pattern", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "pattern":
            event.stop()
            self.set_pattern(event.value)
            self.query_one("#keys", KeyTable).focus()

    def set_pattern(self, pattern: str) -> None:
        try:
            pattern = inspector().check_pattern(pattern)
        except InvalidInput as exc:
            self.notify_error(str(exc))
            return
        self.pattern = pattern
        self.query_one("#pattern", Input).value = pattern
        self.marked.clear()
        self.load_keys()

    # --- one key
    def current_key(self) -> str | None:
        table = self.query_one("#keys", KeyTable)
        if not table.rows or table.cursor_row < 0:
            return None
        return table.coordinate_to_cell_key((table.cursor_row, 0)).row_key.value

    def on_data_table_row_selected(self, event) -> None:
        event.stop()
        self.action_open_key()

    def action_open_key(self) -> None:
        key = self.current_key()
        if key is None:
            return
        self.run_blocking(
            inspector().key_detail,
            self.cache,
            key,
            group="cache-detail",
            done=lambda detail: self.app.push_screen(
                KeyDetailScreen(detail), lambda action: self.after_detail(key, action)
            ),
        )

    def after_detail(self, key: str, action: str | None) -> None:
        if action == "delete":
            self.confirm_delete([key])
        elif action == "ttl":
            self.ask_ttl(key)

    def action_mark(self) -> None:
        key = self.current_key()
        if key is None:
            return
        table = self.query_one("#keys", KeyTable)
        self.marked.symmetric_difference_update({key})
        table.update_cell(key, "mark", "•" if key in self.marked else "")
        table.action_cursor_down()
        self.update_status()

    # --- changes
    def refuse_if_read_only(self, what: str) -> bool:
        if self.settings.read_only:
            self.notify_error(f"read-only mode: {what} refused")
            return True
        return False

    def action_delete(self) -> None:
        keys = sorted(self.marked) or [k for k in [self.current_key()] if k]
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
        self.marked.clear()
        self.changed(f"deleted {removed:,} key(s)")

    def changed(self, message: str) -> None:
        self.notify(message, markup=False)  # it may name keys, which may hold [brackets]
        self.action_refresh()

    def action_ttl(self) -> None:
        key = self.current_key()
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
            PromptDialog(
                "Set TTL",
                f"New TTL of {insp.display_key(key)}: seconds, 15m, 2h, 1d — or 'none' for no expiry.",
                placeholder="e.g. 1h or none",
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
        dialog = ProgressDialog(f"Clearing {pattern or 'every cache entry'}", total=total)
        self.app.push_screen(dialog)

        def progress(removed: int) -> None:
            self.from_thread(dialog.report, removed, f"removed {removed:,} keys")

        def work():
            if pattern is None:
                return insp.clear_all(self.cache, self.cache.name, progress, dialog.cancel.is_set)
            return insp.clear_pattern(self.cache, pattern, progress, dialog.cancel.is_set)

        def finished(result) -> None:
            dialog.dismiss()
            stopped = " (cancelled)" if dialog.cancel.is_set() else ""
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
            stats = self.last_stats or {}
            return stats.get("keys") or stats.get("entries") or None
        found = [n for n in _walk_namespaces(self.namespace_root) if n.pattern == pattern]
        return found[0].keys if found else None

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

    def action_more(self) -> None:
        if self.cursor is not None:
            self.load_keys(more=True)

    def action_refresh(self) -> None:
        self.load_keys()
        self.load_namespaces()

    def action_focus_tree(self) -> None:
        self.query_one("#namespaces", KeyTree).focus()


def _walk_namespaces(node):
    if node is not None:
        yield node
        for child in node.children.values():
            yield from _walk_namespaces(child)


class _Broken:
    """Stands in for a cache that could not be opened: every call raises its error."""

    def __init__(self, exc: Exception) -> None:
        self.exc = exc

    def __getattr__(self, name: str):
        raise self.exc
