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


def probe(backends, family: str) -> Health:
    """Open the family's backend if needed and ask it for its health; never raises."""
    from tqconsole.backends import FAMILIES, family_module

    title = FAMILIES[family][0]
    health = Health(family=family, title=title, url=backends.settings.masked(family))
    start = perf_counter()
    try:
        module = family_module(family)
        backend = backends.get(family)
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
