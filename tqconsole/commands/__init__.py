"""Subcommands of ``tqconsole``: one module per group, each with ``register(subparsers)``.

Modules import their services inside the handlers, so ``tqconsole --help`` and
the TUI start without loading the database or network libraries.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cached_property
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tqconsole.settings import Settings


class Context:
    """What a command handler gets: the parsed arguments, the settings the command line
    loads (``load_settings``, called at first use) and lazily opened backends."""

    def __init__(self, args, load_settings: Callable[[], Settings]):
        self.args = args
        self._load_settings = load_settings

    @cached_property
    def settings(self) -> Settings:
        return self._load_settings()

    @cached_property
    def backends(self):
        from tqconsole.backends import Backends

        return Backends(self.settings)

    def close(self) -> None:
        if "backends" in self.__dict__:
            self.backends.close()
