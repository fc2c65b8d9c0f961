"""What discovery reports: segments with their numbers on the data they were found on and on the
data that confirms them, in words a product marketer can repeat."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from bullseye.strategy.icp import Condition

__all__ = ["Measure", "Finding", "OutcomeReport", "METRICS", "format_value", "metric"]

#: outcome -> (metric, what "better" means: +1 higher is better, -1 lower is better, unit). The unit
#: of win, velocity and value is the account's new-business opportunity: one account, one unit.
METRICS = {
    "win": ("win rate", +1, "accounts"),
    "days_to_close": ("days to close", -1, "won accounts"),
    "discount": ("discount", -1, "won accounts"),
    "acv": ("ACV", +1, "won accounts"),
    "retention": ("churn hazard ratio", -1, "customers"),
    "usage": ("weekly active users", +1, "customers"),
    "nps": ("NPS score", +1, "customers"),
}


def metric(outcome: str) -> tuple[str, int, str]:
    """(name, +1 when higher is better, unit) of an outcome, including ``target:<attribute>``."""
    if outcome.startswith("target:"):
        return (f"share with {outcome[len('target:') :]}", +1, "won accounts")
    return METRICS[outcome]


@dataclass
class Measure:
    """One outcome in one segment over one period, against the whole period."""

    units: int  # deals or customers in the segment
    value: float | None  # rate, median, mean or hazard ratio
    base: float | None  # the same over the whole period
    low: float | None = None  # 95% interval of ``value``
    high: float | None = None
    p_value: float | None = None  # one-sided, in the finding's direction
    events: int | None = None  # wins or churn events in the segment (for small-sample words)

    @property
    def lift(self) -> float | None:
        if self.value is None or not self.base:
            return None
        return self.value / self.base


@dataclass
class Finding:
    outcome: str  # a key of METRICS
    direction: int  # +1: the segment is better (ICP); -1: worse (negative ICP)
    conditions: list[Condition]
    discovery: Measure
    holdout: Measure | None
    quality: float
    q_value: float  # Benjamini-Hochberg over every candidate the search evaluated (discovery part)
    p_family: float  # Holm over every candidate the search evaluated (discovery part)
    p_value: float  # family-wise on the discovery part: permutation max-T where affordable, else = p_family
    evidence: str  # "strong", "suggestive", "weak", "did not hold up", "not enough data: ..."
    shrunk: tuple[float, float, float] | None = None  # partial-pooling estimate and 95% interval
    accounts: int = 0
    names: list[str] = field(default_factory=list)  # the readable label of each condition
    selectors: list = field(default_factory=list, repr=False)  # the search's selectors (not serialised)
    p_holdout: float | None = None  # one-sided on the holdout, Holm over the outcome's segments shown

    @property
    def significant_on_discovery(self) -> bool:
        """Family-wise significant on the discovery part: what every choice is made on."""
        return self.p_value <= 0.05

    @property
    def label(self) -> str:
        return " and ".join(self.names) if self.names else " and ".join(c.label for c in self.conditions)

    @property
    def metric(self) -> str:
        return metric(self.outcome)[0]

    @property
    def holds_up(self) -> bool:
        return self.evidence in ("strong", "suggestive")

    @property
    def significant(self) -> bool:
        return self.significant_on_discovery and not self.evidence.startswith(("not enough", "did not"))

    def sentence(self) -> str:
        """The finding in one line, measured on the holdout where there is one."""
        measure = self.holdout or self.discovery
        where = "on the holdout" if self.holdout else "on the data it was found on"
        name, _, unit = metric(self.outcome)
        value, base = format_value(self.outcome, measure.value), format_value(self.outcome, measure.base)
        interval = ""
        if measure.low is not None and measure.high is not None:
            interval = f", 95% CI {format_value(self.outcome, measure.low)}-{format_value(self.outcome, measure.high)}"
        if self.outcome == "retention":
            return (
                f"{self.label}: churn hazard {value} the rest{interval} "
                f"({measure.units:,} {unit} {where}; {self.evidence})"
            )
        return f"{self.label}: {name} {value} vs {base}{interval} ({measure.units:,} {unit} {where}; {self.evidence})"

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("selectors", None)
        data["conditions"] = [c.model_dump(mode="json") for c in self.conditions]
        data["label"] = self.label
        data["metric"] = self.metric
        data["sentence"] = self.sentence()
        return data


def format_value(outcome: str, value: float | None) -> str:
    """A value of an outcome as people read it: rates in %, hazard ratios as '0.41x', money whole."""
    if value is None:
        return "–"
    if outcome in ("win", "discount") or outcome.startswith("target:"):
        return f"{100 * value:.0f}%"
    if outcome == "retention":
        return f"{value:.2f}x"
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:,.1f}"


@dataclass
class OutcomeReport:
    """The search on one outcome: how much was tried, what was found, how much the data can see."""

    outcome: str
    units_discovery: int
    units_holdout: int
    evaluated: int  # candidate segments whose statistics were computed (the multiple-testing family)
    findings: list[Finding] = field(default_factory=list)
    negative: list[Finding] = field(default_factory=list)
    power: str = ""
    note: str = ""
    leakage: dict[str, str] = field(default_factory=dict)  # kept out for this outcome only (targets)
    refused: bool = False  # too few of one outcome before the cut to search at all (``note`` says why)
    base: float | None = None  # the rate over the discovery part (binary outcomes): the one base shown

    def to_dict(self) -> dict[str, Any]:
        return {
            "outcome": self.outcome,
            "metric": metric(self.outcome)[0],
            "units_discovery": self.units_discovery,
            "units_holdout": self.units_holdout,
            "evaluated": self.evaluated,
            "findings": [f.to_dict() for f in self.findings],
            "negative": [f.to_dict() for f in self.negative],
            "power": self.power,
            "note": self.note,
            "leakage": self.leakage,
            "refused": self.refused,
            "base": self.base,
            "unit": metric(self.outcome)[2],
        }
