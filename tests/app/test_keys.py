"""One key vocabulary: screens bind verbs of tqconsole/keys.py, and the keymap moves them."""

from __future__ import annotations

import dataclasses

import pytest
from textual.binding import Binding

from tests.support.tui_support import settle
from tqconsole.app import TQConsole
from tqconsole.keys import SCREENS as SCREEN_VERBS
from tqconsole.keys import SHARED, VERBS
from tqconsole.screens.bucket_storages import StoragesScreen
from tqconsole.screens.bucket_uploads import UploadsScreen
from tqconsole.screens.bucket_usage import UsageScreen
from tqconsole.screens.buckets import BucketsScreen
from tqconsole.screens.cache import CacheScreen
from tqconsole.screens.celery import CeleryScreen
from tqconsole.screens.dashboard import DashboardScreen
from tqconsole.screens.model_record import RecordScreen
from tqconsole.screens.model_table import TableScreen
from tqconsole.screens.models import ModelsScreen
from tqconsole.screens.record_edit import EditScreen
from tqconsole.screens.tasks import TasksScreen
from tqconsole.settings import load
from tqconsole.widgets.dialogs.viewer import ObjectDialog

SCREENS = (
    DashboardScreen,
    BucketsScreen,
    StoragesScreen,
    UploadsScreen,
    UsageScreen,
    CacheScreen,
    ObjectDialog,
    TasksScreen,
    CeleryScreen,
    ModelsScreen,
    TableScreen,
    RecordScreen,
    EditScreen,
)


def console_bindings(cls) -> list[Binding]:
    return [
        b
        for klass in cls.__mro__
        if klass.__module__.startswith("tqconsole")
        for b in klass.__dict__.get("BINDINGS", [])
    ]


@pytest.mark.parametrize("screen", SCREENS, ids=lambda s: s.__name__)
def test_one_key_one_verb_on_each_screen(screen):
    by_key: dict[str, set[str]] = {}
    for binding in console_bindings(screen) + console_bindings(TQConsole):
        for key in binding.key.split(","):
            by_key.setdefault(key.strip(), set()).add(binding.id)
    shared = {key: ids for key, ids in by_key.items() if len(ids) > 1}
    assert not shared, f"keys bound to several verbs on {screen.__name__}: {shared}"
    unknown = [b.key for b in console_bindings(screen) if b.id not in VERBS]
    assert not unknown, f"bindings without a verb of keys.py: {unknown}"


def test_screen_verbs_leave_the_shared_keys_alone():
    """A shared verb's key means that verb on every screen; a screen's own verbs may use
    a key another screen uses for something else (one meaning per screen: above)."""
    shared_keys = [k for verb in SHARED.values() for k in verb.key.split(",")]
    assert len(set(shared_keys)) == len(shared_keys), shared_keys
    taken = {
        verb_id: verb.key
        for verb_id, verb in SCREEN_VERBS.items()
        if set(verb.key.split(",")) & set(shared_keys)
    }
    assert not taken, taken


def test_every_binding_of_the_console_is_a_verb():
    """Screens, widgets and dialogs alike: the keymap reaches every key of the console
    (only the go-to keys are made from the routes)."""
    import importlib
    import inspect
    import pkgutil

    import tqconsole.screens
    import tqconsole.widgets

    modules = ["tqconsole.app"]
    for package in (tqconsole.screens, tqconsole.widgets):
        modules += [m.name for m in pkgutil.walk_packages(package.__path__, package.__name__ + ".")]
    stray = []
    for name in modules:
        for cls in vars(importlib.import_module(name)).values():
            if inspect.isclass(cls) and cls.__module__ == name:
                stray += [
                    f"{name}.{cls.__name__}: {b.key}"
                    for b in cls.__dict__.get("BINDINGS", [])
                    if b.id not in VERBS and not (b.id or "").startswith("app.goto.")
                ]
    assert not stray


@pytest.mark.asyncio
@pytest.mark.parametrize("place", ["dashboard", "cache"])
async def test_keymap_moves_a_shared_verb(place):
    settings = dataclasses.replace(load(read_only=True), keymap={"refresh": "f5"})
    app = TQConsole(settings, location=place)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        active = app.screen.active_bindings
        assert active["f5"].binding.id == "refresh"
        assert "r" not in active or active["r"].binding.id != "refresh"
