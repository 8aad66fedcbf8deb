"""Subcommands of ``tqconsole``: one module per group, each with ``register(subparsers)``.

Modules import their services inside the handlers, so ``tqconsole --help`` and
the TUI start without loading the database or network libraries.
"""

from __future__ import annotations

from functools import cached_property

from tqconsole import settings as settings_module


class Context:
    """What a command handler gets: the parsed arguments and lazily opened backends."""

    def __init__(self, args):
        self.args = args

    @cached_property
    def settings(self) -> settings_module.Settings:
        return settings_module.load(
            profile=getattr(self.args, "profile", None),
            read_only=True if getattr(self.args, "read_only", False) else None,
            site_env=getattr(self.args, "site_env", None),
        )

    @cached_property
    def backends(self):
        from tqconsole.backends import Backends

        return Backends(self.settings)

    def close(self) -> None:
        if "backends" in self.__dict__:
            self.backends.close()
