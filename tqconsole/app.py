"""The Textual application: routing of locations, global keys, the command palette."""

from __future__ import annotations

import importlib
import threading
from collections.abc import Iterable

from textual import events
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.screen import Screen

from tqconsole.screens import ROUTES, UnknownLocation, parse_location
from tqconsole.services.health import Backends
from tqconsole.settings import Settings
from tqconsole.widgets.bindings import bind
from tqconsole.widgets.command_line import CommandLine, resolve_location
from tqconsole.widgets.key_order import KeyOrder, KeyPassed
from tqconsole.widgets.visible_controls import SHOW_CONTROLS

# Background services started 0.3 s after the first paint, in a thread, and stopped on
# quit: "module:function" taking the Backends, returning a stop function or None.
BACKGROUND_HOOKS = ["tqconsole.tasks.embedded:embedded_consumer"]


class TQConsole(App):
    TITLE = "tqconsole"
    CSS = """
    Screen { background: $surface; }
    """
    BINDINGS = [
        bind("go_to", "command_line"),
        bind("help", "toggle_help"),
        bind("back", "back"),
        bind("quit", "quit"),
        *(
            Binding(r.key, f"goto('{r.name}')", r.title, show=False, id=f"app.goto.{r.name}")
            for r in ROUTES
        ),
    ]

    def __init__(self, settings: Settings, location: str = "dashboard") -> None:
        super().__init__()
        self.settings = settings
        self.backends = Backends(settings)
        self.start_location = location or "dashboard"
        self._stops: list = []
        self._stopping = threading.Lock()
        self._closed = False
        self.key_order = KeyOrder(self, super().on_event)
        if not settings.animations:
            self.animation_level = "none"
        keymap = settings.keymap
        if isinstance(keymap, dict) and keymap:
            self.set_keymap(keymap)

    def get_line_filters(self):
        """Textual's filters, then the one that shows control characters from data."""
        return [*super().get_line_filters(), SHOW_CONTROLS]

    def get_default_screen(self) -> Screen:
        """The dashboard is the root screen: painted first, never popped."""
        route, _ = parse_location("dashboard")
        return route.screen_class()()

    def on_mount(self) -> None:
        if parse_location_head(self.start_location) != "dashboard":
            self.goto(self.start_location)
        self.call_after_refresh(self.set_timer, 0.3, self.start_background)
        self.set_interval(0.25, self.key_order.check_stuck)
        self.exit_on_hangup()

    # --- keys: one at a time, in order (see widgets/key_order.py)
    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, (events.Key, events.Paste)) and not event.is_forwarded:
            await self.key_order.arrive(event)
        else:
            await super().on_event(event)

    def on_key(self, event: events.Key) -> None:
        """Runs before the bindings are looked up for a key no widget took."""
        if not self.key_order.reached(event):
            event.prevent_default()

    def on_key_passed(self, message: KeyPassed) -> None:
        self.key_order.passed(message)

    def push_screen(self, screen, *args, **kwargs):
        result = super().push_screen(screen, *args, **kwargs)
        self.key_order.screen_opened(screen if isinstance(screen, Screen) else self.screen)
        return result

    def exit_on_hangup(self) -> None:
        """A dropped SSH session (SIGHUP) or a kill (SIGTERM) closes the console cleanly.

        Without this the process dies at once: the embedded consumer would stop in
        the middle of a task and show as dead, its task as lost.
        """
        import asyncio
        import signal

        loop = asyncio.get_running_loop()
        for sig in (signal.SIGHUP, signal.SIGTERM):
            try:
                loop.add_signal_handler(sig, self.exit)
            except (NotImplementedError, RuntimeError, ValueError):
                pass  # not the main thread (tests) or no such signal here

    def start_background(self) -> None:
        self.run_worker(self._start_background, thread=True, group="background")

    def _start_background(self) -> None:
        for hook in BACKGROUND_HOOKS:
            module, _, name = hook.partition(":")
            try:
                stop = getattr(importlib.import_module(module), name)(self.backends)
            except Exception as exc:  # a background service never stops the console
                # notify posts a message: safe from this thread, even while closing
                self.notify(f"{name.replace('_', ' ')} not started: {exc}", severity="warning")
                continue
            if stop is not None:
                with self._stopping:
                    if not self._closed:
                        self._stops.append(stop)
                        continue
                stop()

    def on_unmount(self) -> None:
        with self._stopping:
            self._closed = True
            stops, self._stops = self._stops, []
        for stop in stops:
            try:
                stop()
            except Exception:
                pass
        self.backends.close()

    # --- navigation
    def goto(self, location: str) -> bool:
        """Open the screen of ``location``; an unknown one is a notification (or inline error)."""
        location = resolve_location(location)
        try:
            route, rest = parse_location(location)
            screen = route.screen_class().from_location(rest)
        except UnknownLocation as exc:
            self.notify(str(exc), severity="error")
            return False
        except Exception as exc:  # a bad location never crashes the console
            self.notify(f"cannot open {location!r}: {exc}", severity="error")
            return False
        # A place already open is opened fresh in its place (the stack never holds it
        # twice, and no old filter comes back); the root screen is only returned to.
        for depth, open_screen in enumerate(reversed(self.screen_stack)):
            if getattr(open_screen, "location", None) == screen.location:
                root = open_screen is self.screen_stack[0]
                for _ in range(depth if root else depth + 1):
                    self.pop_screen()
                if root:
                    return True
                break
        self.push_screen(screen)
        return True

    def action_goto(self, location: str) -> None:
        self.goto(location)

    def action_back(self) -> None:
        from tqconsole.screens.base import ConsoleScreen

        consoles = [s for s in self.screen_stack if isinstance(s, ConsoleScreen)]
        if len(consoles) > 1:
            self.pop_screen()

    def action_command_line(self) -> None:
        lines = self.screen.query(CommandLine)
        if lines:
            lines.first().open()

    def on_command_line_submitted(self, event: CommandLine.Submitted) -> None:
        line = event.line
        try:
            parse_location(resolve_location(event.location))
        except UnknownLocation as exc:
            line.show_error(str(exc))
            return
        line.action_close()
        self.goto(event.location)

    def action_toggle_help(self) -> None:
        from tqconsole.widgets.keys_help import KeysHelp

        if not isinstance(self.screen, KeysHelp):  # its own ? closes it
            self.push_screen(KeysHelp(self.screen))

    # --- command palette: the same bindings, and every location
    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        seen = set()
        for active in screen.active_bindings.values():
            binding = active.binding
            if not (binding.description and binding.show) or binding.action in seen:
                continue
            seen.add(binding.action)
            node = active.node

            def run(node=node, action=binding.action) -> None:
                self.call_later(node.run_action, action)

            key = self.get_key_display(binding)
            yield SystemCommand(f"{binding.description} ({key})", binding.tooltip or "", run)
        for location, title in palette_locations():
            yield SystemCommand(title, location, lambda where=location: self.goto(where))
        yield from super().get_system_commands(screen)


def palette_locations() -> list[tuple[str, str]]:
    """Every screen, every model's table and every named storage, as (location, title)."""
    from tqconsole.models import APPS
    from tqconsole.settings import STORAGES

    places = [(r.name, f"Go to {r.title} ({r.key})") for r in ROUTES]
    names = {r.name for r in ROUTES}
    if "models" in names:
        places += [
            (f"models/{m._meta.table_name}", f"Open table {m._meta.table_name}")
            for models in APPS.values()
            for m in models
        ]
    if "buckets" in names:
        places += [(f"buckets/{name}", f"Open bucket {name}") for name in STORAGES]
    return places


def parse_location_head(location: str) -> str:
    return location.strip().lstrip(":").partition("/")[0].lower()
