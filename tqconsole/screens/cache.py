"""The cache screen: each of the site's caches in its own pane, side by side.

With two caches configured (``default``: django-redis, ``db``: the ``tq_cache_table``
DatabaseCache) both panes show at once: two columns at 120 columns and more; below
that the other cache folds to its stats lines and ``C`` unfolds it.  The actions
apply to the pane that has the focus (``C`` or a click moves it).  Everything the
screen changes goes through ``tqconsole.services.cache.inspector`` (the functions
``tqconsole cache …`` calls), in thread workers; the panes (screens/cache_pane.py)
and their panels (widgets/cache_*.py) own what they show.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal

from tqconsole.screens.base import ConsoleScreen
from tqconsole.screens.cache_changes import CacheChanges, inspector
from tqconsole.screens.cache_detail import KeyDetailScreen
from tqconsole.screens.cache_pane import CachePane
from tqconsole.widgets.bindings import bind

SIDE_BY_SIDE = 120  # columns from which two caches show in two columns


class CacheScreen(CacheChanges, ConsoleScreen):
    route = "cache"
    crumb = "Cache"
    DEFAULT_CSS = """
    CacheScreen #panes { height: 1fr; }
    CacheScreen.-stacked #panes { layout: vertical; }
    CacheScreen.-columns CachePane { width: 1fr; }
    CacheScreen.-columns #pane-default { border-right: vkey $primary-darken-2; }
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
        self.first_pattern = pattern or "*"
        self.active_name = "default"

    @classmethod
    def from_location(cls, rest: str) -> CacheScreen:
        return cls(rest or "*")

    @property
    def location(self) -> str:
        panes = self.panes  # the first pane's pattern: where the screen opens again
        pattern = panes[0].pattern if panes else self.first_pattern
        return "cache" if pattern == "*" else f"cache/{pattern}"

    # --- the focused pane: what the actions (cache_changes.py) apply to
    @property
    def panes(self) -> list[CachePane]:
        return list(self.query(CachePane))

    @property
    def pane(self) -> CachePane:
        return self.query_one(f"#pane-{self.active_name}", CachePane)

    @property
    def cache_name(self) -> str:
        return self.active_name

    @property
    def pattern(self) -> str:
        return self.pane.pattern

    @property
    def cache(self):
        return self.pane.cache

    @property
    def stats_panel(self):
        return self.pane.stats_panel

    @property
    def namespace_tree(self):
        return self.pane.namespace_tree

    @property
    def key_list(self):
        return self.pane.key_list

    def compose_body(self) -> ComposeResult:
        from tqconsole.services.cache.inspector import cache_names

        with Horizontal(id="panes"):
            for i, name in enumerate(cache_names(self.settings)):
                yield CachePane(name, self.first_pattern if i == 0 else "*")

    def on_mount(self) -> None:
        self.key_list.focus()

    def on_resize(self) -> None:
        self.lay_out()

    def lay_out(self) -> None:
        panes = self.panes
        columns = len(panes) > 1 and self.size.width >= SIDE_BY_SIDE
        self.set_class(columns, "-columns")
        self.set_class(not columns, "-stacked")
        width = (self.size.width - 1) // 2 if columns else self.size.width
        for pane in panes:
            other = pane.cache_name != self.active_name
            pane.set_class(len(panes) > 1 and not other, "-active")  # where the actions go
            pane.set_class(not columns and other, "-folded")
            pane.fit(width)

    def on_descendant_focus(self, event) -> None:
        for pane in event.widget.ancestors_with_self:
            if isinstance(pane, CachePane) and pane.cache_name != self.active_name:
                self.active_name = pane.cache_name
                self.lay_out()
                return

    # --- which cache
    def action_switch_cache(self) -> None:
        names = [pane.cache_name for pane in self.panes]
        if len(names) == 1:
            self.notify(f"one cache only: the cache URL is the site's db cache ({names[0]})")
            return
        self.active_name = names[(names.index(self.active_name) + 1) % len(names)]
        self.lay_out()
        self.key_list.focus()
        self.notify(f"cache {self.active_name}")

    # --- pattern
    def action_filter(self) -> None:
        self.pane.query_one("#pattern").focus()

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
                KeyDetailScreen(
                    detail, delete=lambda: self.confirm_delete([key]), ttl=lambda: self.ask_ttl(key)
                )
            ),
        )

    def action_mark(self) -> None:
        self.key_list.toggle_mark()
        self.pane.update_status()

    def action_more(self) -> None:
        if self.key_list.cursor is not None:
            self.pane.load_keys(more=True)

    def action_refresh(self) -> None:
        self.pane.load()

    def action_focus_tree(self) -> None:
        if not self.pane.tree_width:
            self.notify(
                f"the namespace tree needs {SIDE_BY_SIDE + 20} columns beside another cache"
            )
            return
        self.namespace_tree.focus()
