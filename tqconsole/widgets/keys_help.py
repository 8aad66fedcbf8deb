"""``?``: every key of the screen in view, hidden ones too, with the screen's own help.

Textual's help panel lists the focused widget's scrolling keys first and cannot be
scrolled from the keyboard, so at 80×24 the console's own keys fell off the end.
This panel lists the console's bindings only, grouped by where they act, and
scrolls with the usual keys.
"""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Markdown, Static

from tqconsole.widgets.bindings import bind


def textual_keys(node) -> set[tuple[str, str]]:
    """(key, action) of the bindings ``node`` inherits from Textual's own classes."""
    pairs = set()
    for cls in type(node).__mro__:
        if cls.__module__.startswith("textual."):
            for binding in cls.__dict__.get("BINDINGS", []):
                key, action = (
                    (binding.key, binding.action) if isinstance(binding, Binding) else binding[:2]
                )
                pairs.update((k.strip(), action) for k in key.split(","))
    return pairs


def key_groups(screen: Screen) -> list[tuple[str, list[tuple[str, str]]]]:
    """(group title, [(keys, what they do)]) for the console's bindings active on ``screen``.

    Textual's own (scrolling, focus, copy) are left out: they are what one expects.
    """
    app = screen.app
    # title → description → keys: one action bound to several keys is one line
    groups: dict[str, dict[str, list[str]]] = {}
    inherited: dict[type, set[tuple[str, str]]] = {}
    for key, active in screen.active_bindings.items():
        binding, node = active.binding, active.node
        if not binding.description or not type(node).__module__.startswith("tqconsole"):
            continue
        if type(node) not in inherited:
            inherited[type(node)] = textual_keys(node)
        if (key, binding.action) in inherited[type(node)]:
            continue
        if node is app:
            title = "Everywhere"
        elif node is screen:
            title = "This screen"
        else:
            title = (node.id or type(node).__name__).replace("-", " ").replace("_", " ")
        keys = groups.setdefault(title, {}).setdefault(binding.description, [])
        keys.append(app.get_key_display(binding))
    order = {"This screen": 0, "Everywhere": 2}
    return sorted(
        (
            (title, [(" ".join(keys), what) for what, keys in entries.items()])
            for title, entries in groups.items()
        ),
        key=lambda item: order.get(item[0], 1),
    )


class KeysHelp(ModalScreen[None]):
    DEFAULT_CSS = """
    KeysHelp { align: right top; background: $background 40%; }
    KeysHelp #keys-scroll {
        width: 64; max-width: 100%; height: 100%;
        background: $panel; border-left: vkey $primary; padding: 0 1;
    }
    KeysHelp #keys-title { text-style: bold; padding: 0 0 1 0; }
    KeysHelp Markdown { margin: 0; padding: 0; background: $panel; }
    """
    BINDINGS = [
        bind("back", "dismiss", "Close"),
        bind("help", "dismiss", "Close", show=False),
        bind("dialog.close", "dismiss", show=False),
        bind("down", "scroll(1)", show=False),
        bind("up", "scroll(-1)", show=False),
    ]

    def __init__(self, screen: Screen) -> None:
        super().__init__()
        self.title_text = f"Keys of {getattr(screen, 'crumb', '') or type(screen).__name__}"
        focused = screen.focused
        self.help = getattr(focused, "HELP", None) or getattr(screen, "HELP", None) or ""
        self.groups = key_groups(screen)

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="keys-scroll"):
            yield Static(f"{self.title_text}   (esc closes, ↑↓ pgup pgdn scroll)", id="keys-title")
            if self.help:
                yield Markdown(self.help)
            for title, entries in self.groups:
                table = Table.grid(padding=(0, 1))
                table.add_column(justify="right", style="bold", min_width=10)
                table.add_column()
                for keys, what in entries:
                    table.add_row(keys, what)
                yield Static(Text(title, style="bold underline"))
                yield Static(table)
                yield Static("")

    def on_mount(self) -> None:
        self.query_one("#keys-scroll").focus()

    def action_scroll(self, step: int) -> None:
        self.query_one("#keys-scroll", VerticalScroll).scroll_relative(y=step, animate=False)
