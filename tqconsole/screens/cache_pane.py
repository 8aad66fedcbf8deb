"""One cache on the cache screen: its stats, pattern, namespace tree, key list and status line.

The screen composes one pane per configured cache (the site's ``default`` and ``db``).
Each pane loads its cache in its own workers (groups named after the cache) and
refreshes its stats through the screen's poll, every ``STATS_SECONDS`` after the
previous reading has shown.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Input, Label, Static, Tree

from tqconsole.errors import InvalidInput
from tqconsole.screens.cache_changes import inspector
from tqconsole.widgets.cache_keys import KeyList
from tqconsole.widgets.cache_namespaces import NamespaceTree
from tqconsole.widgets.cache_stats import StatsPanel

STATS_SECONDS = 2.0
PAGE = 200
# the namespace tree's width (CSS) for the pane's width class; 0: hidden
TREE_WIDTHS = {"-slim": 0, "-narrow": 24, "": 34, "-wide": 48}


class CachePane(Vertical):
    """One cache's panels; ``name`` is the site's name of the cache (``default``, ``db``)."""

    DEFAULT_CSS = """
    CachePane { height: 1fr; width: 1fr; }
    CachePane #pattern-row { height: 1; padding: 0 1; }
    CachePane #pattern-row Label { width: auto; padding: 0 1 0 0; }
    CachePane #pattern { border: none; height: 1; padding: 0; width: 1fr; }
    CachePane #main { height: 1fr; }
    CachePane #namespaces { width: 34; border-right: vkey $primary-darken-2; overflow-x: hidden; }
    CachePane #keys { width: 1fr; }
    CachePane #status { height: 1; padding: 0 1; color: $text-muted; }
    CachePane.-narrow #namespaces { width: 24; }
    CachePane.-wide #namespaces { width: 48; }
    CachePane.-slim #namespaces { display: none; }
    CachePane.-active > StatsPanel { background: $primary 30%; }
    CachePane.-folded { height: auto; }
    CachePane.-folded #pattern-row, CachePane.-folded #main, CachePane.-folded #status {
        display: none;
    }
    """

    def __init__(self, name: str, pattern: str, **kwargs) -> None:
        super().__init__(id=f"pane-{name}", **kwargs)
        self.cache_name = name
        self.pattern = pattern or "*"
        self.width_class = ""
        self.width = 80  # the columns the pane was last laid out for

    # --- parts
    @property
    def stats_panel(self) -> StatsPanel:
        return self.query_one(StatsPanel)

    @property
    def namespace_tree(self) -> NamespaceTree:
        return self.query_one("#namespaces", NamespaceTree)

    @property
    def key_list(self) -> KeyList:
        return self.query_one("#keys", KeyList)

    @property
    def cache(self):
        return self.screen.backends.get(
            "cache", "" if self.cache_name == "default" else self.cache_name
        )

    def compose(self) -> ComposeResult:
        yield StatsPanel(id="stats")
        with Horizontal(id="pattern-row"):
            yield Label("pattern")
            yield Input(self.pattern, id="pattern", placeholder="Redis glob, e.g. :1:user_ical_*")
        with Horizontal(id="main"):
            yield NamespaceTree(id="namespaces")
            yield KeyList(id="keys")
        yield Static("", id="status")

    def on_mount(self) -> None:
        self.refresh_stats()
        self.load()
        self.screen.poll(  # the group of refresh_stats: one reading of this cache at a time
            f"cache-stats-{self.cache_name}",
            STATS_SECONDS,
            self.read_stats,
            self.show_stats,
            self.stats_failed,
        )

    def load(self) -> None:
        self.load_keys()
        self.load_namespaces()

    def run(self, fn, *args, group: str, **kwargs) -> None:
        """``fn(*args)`` in a worker of this pane's own group (one per cache)."""
        self.screen.run_blocking(fn, *args, group=f"{group}-{self.cache_name}", **kwargs)

    @property
    def closing(self) -> bool:
        """A worker's answer that arrives while the screen closes (widgets going) is dropped."""
        screen = self.screen
        return not self.is_attached or screen._pruning or self.app._closing

    # --- width
    def fit(self, width: int) -> None:
        """Lay the pane out for ``width`` columns (the screen's width, or half of it)."""
        before = self.tree_width
        self.width = width
        self.width_class = (
            "-slim" if width < 70 else "-narrow" if width < 100 else "-wide" if width >= 140 else ""
        )
        for name in TREE_WIDTHS:
            if name:
                self.set_class(name == self.width_class, name)
        self.fit_key_column()
        tree = self.tree_width
        if tree and tree != before and self.namespace_tree.result is not None:
            self.show_namespaces(self.namespace_tree.result)

    def fit_key_column(self) -> None:
        tree = self.tree_width
        self.key_list.fit(self.width - tree - (2 if tree else 0) - 2)

    @property
    def tree_width(self) -> int:
        """The namespace tree's width (CSS) for the pane's width class.

        Widths are computed from this, not from the widgets' sizes: after a class
        change the layout lags behind, and data arriving in between would be laid
        out for the old width (under load, snapshots then differed).
        """
        return TREE_WIDTHS[self.width_class]

    # --- stats: now, then every STATS_SECONDS (the screen's poll)
    def refresh_stats(self) -> None:
        self.run(
            self.read_stats, group="cache-stats", done=self.show_stats, failed=self.stats_failed
        )

    def read_stats(self) -> dict:
        return inspector().stats(self.cache_or_error())

    def cache_or_error(self):
        try:
            return self.cache
        except Exception as exc:  # shown in the stats panel by stats_failed
            return _Broken(exc)

    def show_stats(self, data: dict) -> None:
        if self.closing:
            return
        recovered = self.stats_panel.is_down
        self.stats_panel.show(data, inspector().stats_lines(data), self.cache_name)
        if recovered:
            self.load()

    def stats_failed(self, message: str) -> None:
        if self.closing:
            return
        self.stats_panel.failed(
            f"✗ {self.cache_name}: {message} — retrying every {STATS_SECONDS:.0f} s"
        )

    # --- keys
    def load_keys(self, more: bool = False) -> None:
        self.set_status("loading…")
        self.run(
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
        if not self.closing:
            self.set_status(f"✗ {message}")

    def set_status(self, text: str) -> None:
        self.query_one("#status", Static).update(Text(text, no_wrap=True, overflow="ellipsis"))

    # --- namespaces
    def load_namespaces(self) -> None:
        self.run(
            inspector().namespaces,
            self.cache_or_error(),
            group="cache-namespaces",
            done=self.show_namespaces,
            failed=lambda message: None,  # the stats panel already says what is wrong
        )

    def show_namespaces(self, result) -> None:
        if not self.closing:
            width = self.tree_width or TREE_WIDTHS["-narrow"]  # hidden: laid out for when shown
            self.namespace_tree.show(result, width, self.width_class in ("-slim", "-narrow"))

    def on_tree_node_selected(self, event: Tree.NodeSelected) -> None:
        event.stop()
        if event.node.data:
            self.set_pattern(event.node.data)

    # --- pattern
    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "pattern":
            event.stop()
            self.set_pattern(event.value)
            self.key_list.focus()

    def set_pattern(self, pattern: str) -> None:
        try:
            pattern = inspector().check_pattern(pattern)
        except InvalidInput as exc:
            self.screen.notify_error(str(exc))
            return
        self.pattern = pattern
        self.query_one("#pattern", Input).value = pattern
        self.key_list.marked.clear()
        self.load_keys()


class _Broken:
    """Stands in for a cache that could not be opened: every call raises its error."""

    def __init__(self, exc: Exception) -> None:
        self.exc = exc

    def __getattr__(self, name: str):
        raise self.exc
