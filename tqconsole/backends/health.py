"""What a backend family's ``probe(backend, health)`` fills in: version, figures, error.

``services/health.py`` runs the probes (timed, never raising) and adds the figures
the services compute; this module is only the record both share.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from time import monotonic


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
