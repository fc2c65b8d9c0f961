"""What a discovery run returns, kept apart from the search (and its compiled kernel) so that
rendering or reading a result never loads the search."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from bullseye.results import Result

if TYPE_CHECKING:
    from bullseye.core.dataset import Dataset
    from bullseye.discover.findings import Finding, OutcomeReport

__all__ = ["DiscoverySettings", "DiscoveryResult", "dataset_for"]


@dataclass
class DiscoverySettings:
    outcomes: tuple[str, ...] = ("all",)
    max_depth: int = 3
    min_support: int | None = None  # default: max(10, 3% of the units)
    top: int = 10
    holdout_share: float = 0.3
    alpha: float = 0.05  # family-wise (and false-discovery) level on the discovery part that decides "significant"
    seed: int = 0  # for the permutations; the same seed gives the same report
    until: Any = None  # only deals decided before this date (an outcome that needs time to show)
    as_of: Any = None


def dataset_for(ws, settings: DiscoverySettings) -> Dataset:
    """The data a run with ``settings`` searches: the same for the same load and ``as_of`` (which is
    how a kept run gets its data back, see :mod:`bullseye.discover.stored`)."""
    from bullseye.core.dataset import build_dataset
    from bullseye.core.units import TARGET_PREFIX

    targets = [o[len(TARGET_PREFIX) :] for o in settings.outcomes if o.startswith(TARGET_PREFIX)]
    return build_dataset(
        ws,
        as_of=settings.as_of,
        holdout_share=settings.holdout_share,
        until=settings.until,
        target=targets[0] if targets else None,
    )


@dataclass(repr=False)
class DiscoveryResult(Result):
    """What discovery found per outcome (``reports``), on which data (``data``) and with which
    ``settings``; rendered by :mod:`bullseye.render.discovery` (terminal and the HTML report)."""

    data: Dataset
    settings: DiscoverySettings
    reports: dict[str, OutcomeReport]
    leakage: dict[str, str]
    attributes: list[str]
    bullseye: list[dict] = field(default_factory=list)
    alignment: dict[str, Any] = field(default_factory=dict)
    cohorts: dict[str, Any] = field(default_factory=dict)

    def findings(self, positive: bool = True) -> list[Finding]:
        out = []
        for report in self.reports.values():
            out += report.findings if positive else report.negative
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "as_of": self.data.as_of.isoformat(),
            "cutoff": self.data.cutoff.isoformat() if self.data.cutoff else None,
            "split": self.data.split.to_dict(),
            "unit": self.data.unit,
            "date_range": [d.isoformat() for d in self.data.date_range] if self.data.date_range else None,
            "attributes": self.attributes,
            "skipped_attributes": self.data.skipped,
            "leakage": self.leakage,
            "outcomes": {name: report.to_dict() for name, report in self.reports.items()},
            "bullseye": self.bullseye,
            "alignment": self.alignment,
            "cohorts": self.cohorts,
        }
