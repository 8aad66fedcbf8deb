"""Health probes shared by ``tqconsole check`` and the dashboard."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from time import monotonic, perf_counter

from tqconsole.errors import ConsoleError


@dataclass
class Health:
    family: str
    title: str
    url: str  # masked
    ok: bool = False
    rtt_ms: float | None = None
    version: str = ""
    figures: list[tuple[str, str]] = field(default_factory=list)
    error: str = ""
    warning: str = ""  # answers, but something needs attention
    checked: float = 0.0  # monotonic() when the probe finished

    def age(self) -> float:
        """Seconds since the probe finished: how old what it says is."""
        return max(0.0, monotonic() - self.checked)

    def as_dict(self) -> dict:
        data = asdict(self)
        data["figures"] = dict(self.figures)
        del data["checked"]  # a monotonic clock reading means nothing outside this process
        return data


def targets(settings) -> list[tuple[str, str]]:
    """(family, name) of each backend to probe: one per family, and each of two caches."""
    from tqconsole.backends import FAMILIES
    from tqconsole.backends.cache import cache_names

    caches = cache_names(settings)
    several = {"cache": caches} if len(caches) > 1 else {}
    return [(family, name) for family in FAMILIES for name in several.get(family, [""])]


def unprobed(settings, family: str, name: str = "") -> Health:
    """A backend's health before its probe: family, title and masked URL.

    ``name`` picks one of several (the caches: ``default``, ``db``); its health's
    family is the backend's slot (``cache:db``; ``default`` is the family's own).
    """
    from tqconsole.backends import FAMILIES
    from tqconsole.settings import mask_url

    slot = "" if name in ("", "default") else name
    title = FAMILIES[family][0] + (f" ({name})" if name else "")
    if not slot:
        return Health(family=family, title=title, url=settings.masked(family))
    from tqconsole.backends.cache import cache_url  # only the caches come in several

    return Health(f"{family}:{slot}", title, mask_url(cache_url(settings, slot)))


def probe(backends, family: str, name: str = "") -> Health:
    """Open the family's backend if needed and ask it for its health; never raises."""
    from tqconsole.backends import family_module

    health = unprobed(backends.settings, family, name)
    slot = health.family.partition(":")[2]
    start = perf_counter()
    try:
        module = family_module(family)
        backend = backends.get(family, slot)
        module.health(backend, health)
        health.ok = not health.error
    except ConsoleError as exc:
        health.error = str(exc)
    except Exception as exc:  # a probe reports; it never crashes its caller
        health.error = one_line(exc)
    health.rtt_ms = (perf_counter() - start) * 1000
    health.checked = monotonic()
    return health


def one_line(exc: BaseException) -> str:
    """The first line of an exception's message, prefixed by its type where that helps."""
    text = str(exc).strip().splitlines()
    first = text[0] if text else ""
    return first or type(exc).__name__
