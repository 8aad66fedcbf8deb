"""The cache screen's namespace tree: keys grouped by ``:`` with counts and memory."""

from __future__ import annotations

from rich.text import Text

from tqconsole.sizes import human_size
from tqconsole.widgets.lists import KeyTree

SHOWN_CHILDREN = 50


class NamespaceTree(KeyTree):
    """Lays out a ``Namespaces`` result for its width; a node's data is its key pattern."""

    def __init__(self, **kwargs) -> None:
        super().__init__("keys", **kwargs)
        self.result = None  # the data shown, laid out again when the width changes

    def on_mount(self) -> None:
        self.root.expand()

    def show(self, result, width: int, narrow: bool) -> None:
        """``width``: the tree's width (CSS) for the screen's width class; ``narrow``: no sizes."""

        self.result = result
        self.clear()
        approx = "≈" if result.is_sample else ""
        top = result.root
        while len(top.children) == 1 and next(iter(top.children.values())).keys == top.keys:
            top = next(iter(top.children.values()))  # ":" then ":1:" hold everything: skip them
        where = f" in {top.prefix}" if top.prefix else ""
        self.root.set_label(f"all {approx}{result.root.keys:,}{where}")
        self.root.data = "*"
        if result.broker:
            self.root.add_leaf(
                Text(f"{approx}{result.broker:,} of the Celery broker", style="dim italic"),
                data=None,
            )
        if result.is_sample:
            self.root.add_leaf(
                Text(
                    f"sampled {result.sampled:,} of {result.total:,} keys, "
                    f"memory of {result.memory_sampled:,}",
                    style="dim italic",
                ),
                data=None,
            )
        width -= 1  # its right border

        def add(parent_node, ns, parent_prefix: str, depth: int) -> None:
            children = sorted(ns.children.values(), key=lambda c: -c.keys)
            for child in children[:SHOWN_CHILDREN]:
                label = child.prefix[len(parent_prefix) :] or child.prefix
                label += "*" if not child.prefix.endswith(":") else ""
                figures = f" {approx}{child.keys:,}"
                size = "" if narrow else f" {human_size(child.bytes)}"
                room = max(6, width - 2 - 4 * depth - len(figures) - len(size))
                if len(label) > room:  # cut the name, never the figures
                    label = label[: room - 1] + "…"
                text = Text.assemble((label, "bold"), figures, (size, "dim"))
                if child.children:
                    node = parent_node.add(text, data=child.pattern, expand=len(children) <= 3)
                    add(node, child, child.prefix, depth + 1)
                else:
                    parent_node.add_leaf(text, data=child.pattern)

        add(self.root, top, top.prefix, 1)
        self.root.expand()

    def keys_of(self, pattern: str) -> int | None:
        """The (estimated) keys of the namespace with this pattern, if it is one."""
        nodes = [self.result.root] if self.result is not None else []
        while nodes:
            node = nodes.pop()
            if node.pattern == pattern:
                return node.keys
            nodes.extend(node.children.values())
        return None
