"""The cache screen: a stats panel, a namespace tree and a key list of one of the site's caches.

``C`` switches between the site's caches (``default``: django-redis, ``db``: the
``tq_cache_table`` DatabaseCache).  Everything the screen changes goes through
``tqconsole.services.cache_inspector`` (the functions ``tqconsole cache …`` calls),
in thread workers; the panels (widgets/cache_*.py) own what they show.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Input, Label, Static, Tree

from tqconsole.errors import InvalidInput
from tqconsole.screens.base import ConsoleScreen
from tqconsole.screens.cache_changes import CacheChanges, inspector
from tqconsole.screens.cache_detail import KeyDetailScreen
from tqconsole.widgets.bindings import bind
from tqconsole.widgets.cache_keys import KeyList
from tqconsole.widgets.cache_namespaces import NamespaceTree
from tqconsole.widgets.cache_stats import StatsPanel

STATS_SECONDS = 2.0
PAGE = 200


class CacheScreen(CacheChanges, ConsoleScreen):
    route = "cache"
    crumb = "Cache"
    DEFAULT_CSS = """
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
        bind("filter", "filter"),
        bind("open", "open_key", "Show", show=False),
        bind("mark", "mark"),
        bind("delete", "delete"),
        bind("cache.ttl", "ttl"),
        bind("cache.clear_pattern", "clear_pattern"),
        bind("cache.clear_all", "clear_all", show=False),
        bind("cache.flush", "flush", show=False),
        bind("cache.cull", "cull", show=False),
        bind("cache.switch", "switch_cache", show=False),
        bind("next_page", "more", "More", show=False),
        bind("refresh", "refresh"),
        bind("cache.namespaces", "focus_tree", show=False),
    ]

    def __init__(self, pattern: str = "*") -> None:
        super().__init__()
        self.pattern = pattern or "*"
        self.cache_name = "default"

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
        return self.backends.get("cache", "" if self.cache_name == "default" else self.cache_name)

    @property
    def stats_panel(self) -> StatsPanel:
        return self.query_one(StatsPanel)

    @property
    def namespace_tree(self) -> NamespaceTree:
        return self.query_one("#namespaces", NamespaceTree)

    @property
    def key_list(self) -> KeyList:
        return self.query_one("#keys", KeyList)

    def compose_body(self) -> ComposeResult:
        yield StatsPanel(id="stats")
        with Horizontal(id="pattern-row"):
            yield Label("pattern")
            yield Input(self.pattern, id="pattern", placeholder="Redis glob, e.g. :1:user_ical_*")
        with Horizontal(id="main"):
            yield NamespaceTree(id="namespaces")
            yield KeyList(id="keys")
        yield Static("", id="status")

    def on_mount(self) -> None:
        self.key_list.focus()
        self.refresh_stats()
        self.load_keys()
        self.load_namespaces()

    def on_resize(self) -> None:
        before = self.namespace_width
        self.set_class(self.size.width < 100, "-narrow")
        self.set_class(self.size.width >= 140, "-wide")
        self.fit_key_column()
        if self.namespace_width != before and self.namespace_tree.result is not None:
            self.show_namespaces(self.namespace_tree.result)

    @property
    def namespace_width(self) -> int:
        """The namespace tree's width (CSS) for the screen's width class.

        Widths are computed from this, not from the widgets' sizes: after a class
        change the layout lags behind, and data arriving in between would be laid
        out for the old width (under load, snapshots then differed).
        """
        return 24 if self.has_class("-narrow") else 48 if self.has_class("-wide") else 34

    def fit_key_column(self) -> None:
        self.key_list.fit(self.size.width - self.namespace_width - 2 - 2)

    # --- which cache
    def action_switch_cache(self) -> None:
        from tqconsole.services.cache_inspector import cache_names

        names = cache_names(self.settings)
        if len(names) == 1:
            self.notify(f"one cache only: the cache URL is the site's db cache ({names[0]})")
            return
        self.cache_name = names[(names.index(self.cache_name) + 1) % len(names)]
        self.stats_panel.reset()
        self.key_list.marked.clear()
        self.notify(f"cache {self.cache_name}")
        self.refresh_stats()
        self.action_refresh()

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
        recovered = self.stats_panel.is_down
        self.stats_panel.show(data, inspector().stats_lines(data), self.cache_name)
        if recovered:
            self.action_refresh()
        self.schedule_stats()

    def stats_failed(self, message: str) -> None:
        if self.closing:
            return
        self.stats_panel.failed(f"✗ {message} — retrying every {STATS_SECONDS:.0f} s")
        self.schedule_stats()

    # --- keys
    def load_keys(self, more: bool = False) -> None:
        self.set_status("loading…")
        self.run_blocking(
            inspector().list_keys,
            self.cache_or_error(),
            self.pattern,
            self.key_list.cursor if more else None,
            PAGE,
            True,  # memory usage too, for the listed keys only
            group="cache-keys",
            done=lambda page: self.show_keys(page, more),
            failed=self.keys_failed,
        )

    def show_keys(self, page, more: bool) -> None:
        if self.closing:
            return
        self.fit_key_column()
        self.key_list.show(page, more)
        stored = inspector().stored_pattern(self.cache, self.pattern)
        if not self.key_list.rows and page.cursor is None and stored:
            self.notify(f"no key is stored as {self.pattern}: showing {stored}, the stored form")
            self.set_pattern(stored)
            return
        self.update_status()

    def update_status(self) -> None:
        self.set_status(self.key_list.status(self.pattern))

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
        if not self.closing:
            self.namespace_tree.show(result, self.namespace_width, self.has_class("-narrow"))

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
            self.key_list.focus()

    def set_pattern(self, pattern: str) -> None:
        try:
            pattern = inspector().check_pattern(pattern)
        except InvalidInput as exc:
            self.notify_error(str(exc))
            return
        self.pattern = pattern
        self.query_one("#pattern", Input).value = pattern
        self.key_list.marked.clear()
        self.load_keys()

    # --- one key
    def on_data_table_row_selected(self, event) -> None:
        event.stop()
        self.action_open_key()

    def action_open_key(self) -> None:
        key = self.key_list.current_key()
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
        self.key_list.toggle_mark()
        self.update_status()

    def action_more(self) -> None:
        if self.key_list.cursor is not None:
            self.load_keys(more=True)

    def action_refresh(self) -> None:
        self.load_keys()
        self.load_namespaces()

    def action_focus_tree(self) -> None:
        self.namespace_tree.focus()


class _Broken:
    """Stands in for a cache that could not be opened: every call raises its error."""

    def __init__(self, exc: Exception) -> None:
        self.exc = exc

    def __getattr__(self, name: str):
        raise self.exc
