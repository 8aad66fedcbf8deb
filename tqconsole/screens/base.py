"""The base of every console screen: breadcrumbs, footer, blocking work in threads."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Footer
from textual.worker import NoActiveWorker, get_current_worker

from tqconsole.screens import ROUTES
from tqconsole.widgets.bindings import WRITE_ACTIONS, refuses_writes
from tqconsole.widgets.breadcrumbs import Breadcrumbs
from tqconsole.widgets.command_line import CommandLine

# Actions that write (to the database, a bucket, the cache, the mail or a queue).  In
# read-only mode a screen offers none of them: not in the footer, ? or the palette,
# and their keys do nothing (the backends refuse the writes anyway).


PALETTE_CELLS = 13  # "▏^p palette" at the right of the footer


class FittingFooter(Footer):
    """Textual's footer that always fits the width: too many keys for the roomy style are
    packed tight, and if they still do not fit, the screen's last ones give way (they stay
    under `?`), never the console's own (`:` go to, `?` keys, esc back, q quit)."""

    def shown_keys(self) -> list:
        """The active bindings the footer shows, one per action, those that fit."""
        app = self.app
        keys = {}
        for active in self.screen.active_bindings.values():
            if active.binding.show:
                keys.setdefault(active.binding.action, active)
        shown = list(keys.values())
        width = self.size.width
        self.fitted_width = width

        def cells(pad: int) -> int:
            return PALETTE_CELLS + sum(
                len(app.get_key_display(k.binding)) + len(k.binding.description) + pad
                for k in shown
            )

        compact = bool(width) and cells(3) > width
        while compact and cells(2) > width:
            own = [i for i, k in enumerate(shown) if k.node is not app]
            if not own:
                break
            del shown[own[-1]]
        self.set_reactive(Footer.compact, compact)
        self.set_class(compact, "-compact")
        self.styles.grid_size_columns = len(shown)  # as Textual's footer does
        return shown

    def compose(self) -> ComposeResult:
        from textual.widgets._footer import FooterKey

        if not self._bindings_ready:
            return
        app = self.app
        for active in self.shown_keys():
            binding = active.binding
            yield FooterKey(
                binding.key,
                app.get_key_display(binding),
                binding.description,
                binding.action,
                disabled=not active.enabled,
                tooltip=active.tooltip,
            ).data_bind(compact=Footer.compact)
        palette = self.screen.active_bindings.get(app.COMMAND_PALETTE_BINDING)
        if self.show_command_palette and app.ENABLE_COMMAND_PALETTE and palette is not None:
            yield FooterKey(
                palette.binding.key,
                app.get_key_display(palette.binding),
                palette.binding.description,
                palette.binding.action,
                classes="-command-palette",
                disabled=not palette.enabled,
                tooltip=palette.binding.tooltip or palette.binding.description,
            )

    fitted_width = 0

    def on_resize(self) -> None:
        if self._bindings_ready and self.size.width != self.fitted_width:
            self.call_after_refresh(self.recompose)


class Poll:
    """A screen's one polling chain, rounds of ``load`` (in a worker) then ``show``.

    The next round is scheduled when the previous one has shown, so slow loads never
    pile up or overlap; a screen under another one or a dialog waits without reading
    anything. ``now()`` runs a round at once (a refresh key): the pending wait is
    dropped, or a round already loading is followed by another. ``load=None`` calls
    ``show()`` alone, for widgets that load in their own workers.
    """

    def __init__(self, screen, group: str, seconds: float, load, show, failed) -> None:
        self.screen, self.group, self.seconds = screen, group, seconds
        self.load, self.show, self.failed = load, show, failed
        self.timer = None
        self.loading = self.again = False

    def wait(self, seconds: float) -> None:
        if self.timer is not None:
            self.timer.stop()
        self.timer = self.screen.set_timer(seconds, self.tick)

    def tick(self) -> None:
        self.timer = None
        screen = self.screen
        if not screen.is_attached:
            return
        if screen.app.screen is not screen:
            self.wait(self.seconds)
        else:
            self.round()

    def now(self) -> None:
        if self.loading:
            self.again = True
            return
        if self.timer is not None:
            self.timer.stop()
            self.timer = None
        self.round()

    def round(self) -> None:
        if self.load is None:
            self.show()
            self.finished()
            return
        self.loading = True
        self.screen.run_blocking(
            self.load, group=self.group, done=self.shown, failed=self.not_loaded
        )

    def shown(self, result: Any) -> None:
        self.show(result)
        self.finished()

    def not_loaded(self, message: str) -> None:
        (self.failed or self.screen.notify_error)(message)
        self.finished()

    def finished(self) -> None:
        self.loading = False
        if self.again:
            self.again = False
            self.round()
        elif self.screen.is_attached:
            self.wait(self.seconds)


class ConsoleScreen(Screen):
    """A screen reached by a location string.

    Subclasses set ``route`` (the ROUTES name), compose their body in
    ``compose_body`` and return where they are in ``location``.  Backend calls go
    through ``run_blocking`` so the event loop never waits for a server.
    """

    route = ""
    crumb = ""

    def __init_subclass__(cls, **kwargs) -> None:
        """Every screen's ``check_action`` (its own or a mixin's) hides writes when read-only."""
        super().__init_subclass__(**kwargs)
        cls.check_action = refuses_writes(cls.check_action)

    DEFAULT_CSS = """
    ConsoleScreen #bottom-bar { dock: bottom; height: auto; }
    ConsoleScreen #bottom-bar Footer { dock: none; }
    """

    @classmethod
    def from_location(cls, rest: str) -> ConsoleScreen:
        return cls()

    @property
    def location(self) -> str:
        return self.route

    @property
    def backends(self):
        return self.app.backends

    @property
    def settings(self):
        return self.app.settings

    def compose(self) -> ComposeResult:
        yield Breadcrumbs()
        yield from self.compose_body()
        with Vertical(id="bottom-bar"):
            yield CommandLine([route.name for route in ROUTES])
            yield FittingFooter()

    def compose_body(self) -> ComposeResult:
        yield from ()

    def on_key(self, event) -> None:
        """A write key pressed in read-only mode (not offered, so nothing runs) says why."""
        if not self.app.settings.read_only:
            return
        for binding in self._bindings.key_to_bindings.get(event.key, []):
            if binding.action.partition("(")[0] in WRITE_ACTIONS:
                what = binding.description or binding.action
                self.notify(f"read-only mode: {what} is not offered", severity="warning")
                return

    def poll(
        self,
        group: str,
        seconds: float,
        load: Callable[[], Any] | None,
        show: Callable[..., None],
        failed: Callable[[str], None] | None = None,
        now: bool = False,
    ) -> Poll:
        """Every ``seconds`` while this screen is on top: ``load()`` in a worker, then
        ``show(result)``; with ``now`` the first round runs at once. See ``Poll``."""
        poll = Poll(self, group, seconds, load, show, failed)
        if now:
            poll.now()
        else:
            poll.wait(seconds)
        return poll

    def run_blocking(
        self,
        fn: Callable[..., Any],
        *args: Any,
        group: str,
        done: Callable[[Any], None] | None = None,
        failed: Callable[[str], None] | None = None,
        exclusive: bool = True,
    ):
        """Run ``fn(*args)`` in a thread; hand its result to ``done`` on the UI thread.

        A newer call in the same ``group`` cancels the older one (its result is
        dropped), so the screen keeps showing the last good data until then.
        Errors go to ``failed`` (default: a notification) as one line.
        """
        return self.run_worker(
            lambda: self._run_in_thread(fn, args, done, failed),
            thread=True,
            group=group,
            exclusive=exclusive,
            name=f"{group}:{getattr(fn, '__name__', 'work')}",
        )

    def _run_in_thread(self, fn, args, done, failed) -> None:
        from tqconsole.errors import ConsoleError, one_line

        try:
            result = fn(*args)
        except Exception as exc:  # shown as one line, never raised into the UI
            message = (
                str(exc)
                if isinstance(exc, ConsoleError)
                else (f"{type(exc).__name__}: {one_line(exc)}")
            )
            self.from_thread(failed or self.notify_error, message)
            return
        finally:
            self.backends_release_thread()
        if done is not None:
            self.from_thread(done, result)

    def from_thread(self, callback: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
        """From a worker thread: run ``callback(*args, **kwargs)`` on the UI thread if the screen still shows.

        The check runs on the UI thread: a cancelled worker, a screen being closed
        (its widgets already pruned) or a console shutting down drops a late result
        instead of failing on widgets that are gone.
        """
        try:
            worker = get_current_worker()
        except NoActiveWorker:  # a thread of the worker's own (a pool of connections)
            worker = None

        def cancelled() -> bool:
            return worker is not None and worker.is_cancelled

        def deliver() -> None:
            if cancelled() or self._closing or self._pruning or not self.is_attached:
                return
            callback(*args, **kwargs)

        if cancelled():
            return
        try:
            self.app.call_from_thread(deliver)
        except RuntimeError:  # the console stopped while this thread worked
            if self.app.is_running:
                raise

    def backends_release_thread(self) -> None:
        """Close this thread's database connection (peewee keeps one per thread)."""
        if self.app.backends.is_open("database"):
            try:
                self.app.backends.database.close()
            except Exception:
                pass

    def notify_error(self, message: str) -> None:
        """Errors quote keys, filters and values that may hold [brackets]: never markup."""
        self.notify(message, severity="error", timeout=8, markup=False)
