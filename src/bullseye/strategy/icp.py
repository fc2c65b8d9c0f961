"""The ideal customer profile as a definition: ``strategy/icp.yaml``.

A pydantic model saved as YAML, reviewable in git and editable by hand. Every criterion and
disqualifier carries its evidence (numbers, sample sizes, the date range they were measured on)
or says that it is an assumption. Bullseye proposes a draft; it never overwrites a hand-edited
file without ``force``, and shows the difference instead.
"""

from __future__ import annotations

import difflib
import hashlib
import json
from datetime import date
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from bullseye.artefact import register
from bullseye.errors import ConflictError, InvalidInputError, NotFoundError
from bullseye.strategy.drafts import draft_write
from bullseye.yamlio import load_model

__all__ = [
    "Condition",
    "Evidence",
    "Criterion",
    "Disqualifier",
    "Tiers",
    "SignalFilters",
    "Signal",
    "Review",
    "TriggerRules",
    "ICP",
    "load_icp",
    "save_icp",
    "icp_json_schema",
    "ICP_FILE",
    "IcpWriteRefused",
]

ICP_FILE = "strategy/icp.yaml"
GENERATED_COPY = ".bullseye/icp.generated.yaml"

Operator = Literal[
    "==", "!=", "in", "not in", ">=", ">", "<", "<=", "between", "contains", "is missing", "is not missing"
]
OutcomeKind = Literal["win", "velocity", "value", "retention", "stickiness"]
Strength = Literal["strong", "suggestive", "weak", "did not hold up", "not enough data"]
CriterionKind = Literal["firmographic", "technographic", "behavioural"]
RestsOn = Literal["loses more", "churns more", "costs more"]
Effect = Literal["lowers win probability", "lowers expected value"]


class Condition(BaseModel):
    """One test on one account attribute, e.g. ``employees >= 200`` or ``industry in [...]``."""

    model_config = ConfigDict(extra="forbid")

    attribute: str
    op: Operator
    value: Any = None

    @model_validator(mode="after")
    def _value_fits_operator(self) -> Condition:
        if self.op in ("is missing", "is not missing"):
            return self
        if self.value is None:
            raise ValueError(f"operator '{self.op}' needs a value")
        if self.op in ("in", "not in") and not isinstance(self.value, list):
            raise ValueError(f"operator '{self.op}' needs a list of values")
        if self.op == "between" and not (isinstance(self.value, list) and len(self.value) == 2):
            raise ValueError("operator 'between' needs [low, high] (low included, high excluded)")
        if self.op in (">=", ">", "<", "<=", "between"):
            for bound in self.value if self.op == "between" else [self.value]:
                if not _is_number(bound):
                    raise ValueError(f"operator '{self.op}' compares numbers; {bound!r} is not a number")
        return self

    @property
    def label(self) -> str:
        if self.op in ("is missing", "is not missing"):
            return f"{self.attribute} {self.op}"
        if self.op == "between":
            return f"{self.attribute} {self.value[0]}-{self.value[1]}"
        value = ", ".join(map(str, self.value)) if isinstance(self.value, list) else self.value
        return f"{self.attribute} {self.op} {value}"

    def mask(self, frame: pd.DataFrame) -> np.ndarray:
        """Which rows of ``frame`` meet the condition (a missing value never meets a comparison)."""
        if self.attribute not in frame.columns:
            raise InvalidInputError(f"the ICP uses attribute '{self.attribute}', which the accounts do not have")
        column = frame[self.attribute]
        missing = column.isna().to_numpy() if column.dtype != object else column.map(_is_missing).to_numpy(bool)
        if self.op == "is missing":
            return missing
        if self.op == "is not missing":
            return ~missing
        if self.op == "contains":
            wanted = str(self.value).casefold()
            return column.map(lambda cell: _contains(cell, wanted)).to_numpy(bool)
        value = self.value
        if self.op in ("in", "not in"):
            hit = column.map(lambda cell: _equal_any(cell, value)).to_numpy(bool)
            return hit & ~missing if self.op == "in" else ~hit & ~missing
        if self.op in ("==", "!="):
            hit = column.map(lambda cell: _equal_any(cell, [value])).to_numpy(bool)
            return hit & ~missing if self.op == "==" else ~hit & ~missing
        numbers = pd.to_numeric(column, errors="coerce").to_numpy(float)
        with np.errstate(invalid="ignore"):
            if self.op == "between":
                result = (numbers >= float(value[0])) & (numbers < float(value[1]))
            else:
                result = {">=": np.greater_equal, ">": np.greater, "<": np.less, "<=": np.less_equal}[self.op](
                    numbers, float(value)
                )
        return result & ~np.isnan(numbers)


def _is_number(value: Any) -> bool:
    """A value a comparison can use: a number, or text that reads as one ("200"); never NaN."""
    if isinstance(value, bool):
        return False
    try:
        return not np.isnan(float(value))
    except (TypeError, ValueError):
        return False


def _is_missing(cell: Any) -> bool:
    if cell is None:
        return True
    if isinstance(cell, float) and np.isnan(cell):
        return True
    if isinstance(cell, (list, tuple, np.ndarray)):
        return len(cell) == 0
    return False


def _normal(value: Any) -> Any:
    if isinstance(value, str):
        lowered = value.strip().casefold()
        return {"yes": True, "true": True, "no": False, "false": False}.get(lowered, lowered)
    if isinstance(value, (np.bool_, bool)):
        return bool(value)
    if isinstance(value, (int, float, np.number)):
        return float(value)
    return value


def _equal_any(cell: Any, values: list[Any]) -> bool:
    if _is_missing(cell):
        return False
    return _normal(cell) in {_normal(v) for v in values}


def _contains(cell: Any, wanted: str) -> bool:
    if _is_missing(cell):
        return False
    items = cell if isinstance(cell, (list, tuple, np.ndarray)) else [cell]
    return any(str(item).casefold() == wanted for item in items)


class Evidence(BaseModel):
    """What the data says about one criterion, on one outcome."""

    model_config = ConfigDict(extra="forbid")

    outcome: OutcomeKind
    metric: str = Field(description="e.g. 'win rate', 'days to close', 'churn hazard ratio'")
    segment: float | None = Field(default=None, description="The value inside the segment.")
    base: float | None = Field(default=None, description="The value over all accounts compared.")
    lift: float | None = None
    interval: list[float] | None = Field(default=None, description="95% interval of the segment value.")
    accounts: int | None = None
    deals: int | None = None
    p_value: float | None = Field(default=None, description="Adjusted for every segment the search evaluated.")
    strength: Strength | None = None
    measured_on: Literal["discovery", "holdout", "all"] = "holdout"
    date_range: list[date] | None = None
    summary: str = Field(default="", description="The evidence in one sentence.")
    odds_ratio: float | None = Field(
        default=None, description="Win odds with vs without (signals: Mantel-Haenszel, fit held constant)."
    )
    odds_ratio_interval: list[float] | None = Field(default=None, description="95% interval of the odds ratio.")


class _Rule(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str
    name: str
    conditions: list[Condition] = Field(min_length=1, description="All must hold (a conjunction).")
    evidence: list[Evidence] = Field(default_factory=list)
    assumption: bool = Field(default=False, description="True when this is believed, not measured.")
    note: str | None = None

    @model_validator(mode="after")
    def _evidence_or_assumption(self) -> _Rule:
        if not self.evidence and not self.assumption:
            raise ValueError(f"'{self.id}' has no evidence; add evidence or mark it `assumption: true`")
        return self

    def mask(self, frame: pd.DataFrame) -> np.ndarray:
        result = np.ones(len(frame), dtype=bool)
        for condition in self.conditions:
            result &= condition.mask(frame)
        return result

    @property
    def label(self) -> str:
        return " and ".join(c.label for c in self.conditions)


class Criterion(_Rule):
    """Something ICP accounts have: firmographic, technographic or behavioural."""

    kind: CriterionKind = "firmographic"


class Disqualifier(_Rule):
    """Something that rules an account out (the negative ICP), with the reason in words."""

    reason: str = Field(default="", description="e.g. 'churn is 4.1x the base under 50 employees'")
    rests_on: RestsOn | None = Field(
        default=None, description="The outcome the evidence is about: won less often, churned more, cost more."
    )
    effect: Effect | None = Field(
        default=None,
        description="What it does to an account: a churn or cost disqualifier lowers the expected "
        "value; it does not say the account will not buy.",
    )


class Tiers(BaseModel):
    """How accounts become tiers A-D: by default quantiles of the scores (``shares``), or by capacity
    (how many accounts sales can work), or by fixed cuts when set; on the fit score or the expected
    value (``basis``). See docs/scoring.md."""

    model_config = ConfigDict(extra="forbid")

    basis: Literal["fit_score", "expected_value"] = Field(
        default="fit_score", description="Cut tiers on the fit score or on the expected value (P(win) x LTV)."
    )
    shares: list[float] = Field(
        default_factory=lambda: [0.1, 0.2, 0.3],
        min_length=3,
        max_length=3,
        description="Shares of the accounts (not disqualified) in tiers A, B and C; D the rest.",
    )
    a_capacity: int | None = Field(default=None, ge=0, description="Accounts in tier A (the best-scoring ones).")
    b_capacity: int | None = Field(default=None, ge=0, description="Accounts in tier B (the next ones).")
    a_min_score: float | None = Field(default=None, ge=0, description="A fixed cut for tier A instead of a share.")
    b_min_score: float | None = Field(default=None, ge=0, description="A fixed cut for tier B instead of a share.")
    c_min_score: float | None = Field(default=None, ge=0, description="A fixed cut for tier C instead of a share.")

    @field_validator("shares")
    @classmethod
    def _shares_leave_room_for_d(cls, value: list[float]) -> list[float]:
        if any(s <= 0 for s in value) or sum(value) >= 1:
            raise ValueError("shares of tiers A, B and C must be positive and add up to less than 1 (D is the rest)")
        return value


class SignalFilters(BaseModel):
    """Which events of the signal's type count; every filter given must hold."""

    model_config = ConfigDict(extra="forbid")

    title_function: str | None = Field(
        default=None, description="Function of the normalised job title, e.g. 'operations' (operations and logistics)."
    )
    title_seniority: str | None = Field(default=None, description="Seniority of the normalised title, e.g. 'head'.")
    title_contains: str | None = Field(default=None, description="Text the title contains (any case).")
    description_contains: str | None = Field(default=None, description="Text the description contains (any case).")
    min_value: float | None = Field(default=None, description="Smallest value (money raised, headcount change...).")
    max_value: float | None = Field(default=None, description="Largest value.")

    @field_validator("title_function", "title_seniority")
    @classmethod
    def _known_title_word(cls, value: str | None, info) -> str | None:
        if value is None:
            return None
        from bullseye.people.title_lexicon import FUNCTIONS, SENIORITIES

        known = FUNCTIONS if info.field_name == "title_function" else SENIORITIES
        wanted = value.strip().casefold()
        if wanted not in known:
            raise ValueError(f"unknown {info.field_name.split('_')[1]} '{value}'; use one of: {', '.join(known)}")
        return wanted

    @model_validator(mode="after")
    def _range_in_order(self) -> SignalFilters:
        if self.min_value is not None and self.max_value is not None and self.min_value > self.max_value:
            raise ValueError(f"min_value ({self.min_value:g}) is above max_value ({self.max_value:g})")
        return self


class Signal(BaseModel):
    """A dynamic "why now" signal: something that just happened to a company (a funding round, a new
    executive, layoffs...) that changes how likely it is to buy now. Fresh events add
    ``weight``, halved every ``half_life_days``; a negative signal subtracts."""

    model_config = ConfigDict(extra="forbid")

    id: str
    name: str
    event_type: str = Field(
        description="The event type it watches: funding, exec_hire, headcount_change, layoff, "
        "tech_adopted, tech_dropped, job_posting, ..."
    )
    filters: SignalFilters = Field(default_factory=SignalFilters)
    lookback_days: int = Field(default=90, ge=1, le=3650, description="An event is fresh this many days after it.")
    weight: float = Field(default=1.0, ge=0, description="Points of a fresh event on the day it happens.")
    direction: Literal["positive", "negative"] = Field(default="positive", description="negative: it lowers priority.")
    half_life_days: float = Field(default=30, gt=0, description="Days after which an event counts half.")
    evidence: list[Evidence] = Field(default_factory=list)
    assumption: bool = Field(default=False, description="True when this is believed, not measured.")
    note: str | None = None

    @field_validator("event_type")
    @classmethod
    def _normal_event_type(cls, value: str) -> str:
        value = value.strip().casefold()
        if not value:
            raise ValueError("event_type must not be empty")
        return value

    @model_validator(mode="after")
    def _evidence_or_assumption(self) -> Signal:
        if not self.evidence and not self.assumption:
            raise ValueError(f"'{self.id}' has no evidence; add evidence or mark it `assumption: true`")
        return self


class Review(BaseModel):
    """Who reviews the ICP and how often (the minimum governance model: one accountable owner, a
    monthly hygiene check, a quarterly strategic review)."""

    model_config = ConfigDict(extra="forbid")

    reviewers: list[str] = Field(default_factory=list, description="Who else signs off (sales, product, CS).")
    hygiene_every_days: int = Field(default=30, ge=1, description="Monthly hygiene check: claims, examples, evidence.")
    strategic_every_days: int = Field(
        default=91, ge=1, description="Quarterly strategic review: assumptions, segments, competitive positioning."
    )
    last_hygiene: date | None = Field(default=None, description="When the last hygiene check was done.")
    last_strategic: date | None = Field(default=None, description="When the last strategic review was done.")


class TriggerRules(BaseModel):
    """What forces a look at the ICP, checked on every load and by `bullseye check`."""

    model_config = ConfigDict(extra="forbid")

    objection_mentions: int = Field(default=3, ge=1, description="A new objection heard this many times ...")
    objection_days: int = Field(default=30, ge=1, description="... within this many days.")
    large_loss_amount: float | None = Field(
        default=None,
        ge=0,
        description="A lost ICP deal at least this large; default: the 90th percentile of won deal amounts.",
    )
    icp_share_drop: float = Field(
        default=0.10,
        gt=0,
        le=1,
        description="The ICP's share of new opportunities falling this far (absolute) below its share at publication.",
    )
    segment_outside_interval: bool = Field(
        default=True, description="An ICP rule's win rate leaving the interval it was published with."
    )
    watch_terms: list[str] = Field(
        default_factory=list, description="Competitors or themes: a note mentioning one raises a trigger."
    )


class ICP(BaseModel):
    """The ideal customer profile."""

    model_config = ConfigDict(extra="forbid")

    id: str = "icp"
    name: str = "Ideal customer profile"
    description: str = ""
    criteria: list[Criterion] = Field(default_factory=list)
    disqualifiers: list[Disqualifier] = Field(default_factory=list)
    tiers: Tiers = Field(default_factory=Tiers)
    signals: list[Signal] = Field(default_factory=list, description="Dynamic 'why now' signals.")
    owner: str | None = Field(default=None, description="Who keeps this definition true.")
    review_date: date | None = Field(default=None, description="When it must be looked at again.")
    review: Review = Field(default_factory=Review, description="Reviewers and review rhythm.")
    triggers: TriggerRules = Field(default_factory=TriggerRules, description="What forces a look at the ICP.")
    data_range: list[date] | None = Field(default=None, description="The data the evidence comes from.")
    generated_by: str | None = Field(default=None, description="The command that drafted it, if any.")

    @model_validator(mode="after")
    def _unique_ids(self) -> ICP:
        rules: list[Criterion | Disqualifier | Signal] = [*self.criteria, *self.disqualifiers, *self.signals]
        ids = [r.id for r in rules]
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        if duplicates:
            raise ValueError(f"ids must be unique; repeated: {', '.join(duplicates)}")
        return self

    def content_hash(self) -> str:
        """A short hash of the definition's content: scores record which version produced them."""
        canonical = json.dumps(self.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()[:12]

    def to_yaml(self) -> str:
        header = (
            "# The ideal customer profile. Edit freely: Bullseye will not overwrite your edits without --force.\n"
            "# yaml-language-server: $schema=schema/icp.schema.json\n"
        )
        return header + yaml.safe_dump(
            self.model_dump(mode="json", exclude_none=True), sort_keys=False, allow_unicode=True, width=100
        )


class IcpWriteRefused(ConflictError):
    """The ICP file was edited by hand; the proposed version was not written."""

    def __init__(self, path: Path, diff: str) -> None:
        super().__init__(
            f"{path} was edited by hand since Bullseye last wrote it; not overwriting it. "
            f"Review the difference below and rerun with --force to replace it.\n{diff}"
        )
        self.diff = diff


def icp_json_schema() -> dict:
    return ICP.model_json_schema()


def load_icp(root: Path) -> ICP:
    path = root / ICP_FILE
    if not path.exists():
        from bullseye.discover.stored import why_no_draft

        raise NotFoundError(f"{path} does not exist yet; " + why_no_draft(root))
    return load_model(ICP, path)


def save_icp(root: Path, icp: ICP, force: bool = False, expected_hash: str | None = None) -> tuple[Path, str]:
    """Write ``strategy/icp.yaml``; refuse (with the diff) if it was edited by hand, unless forced.
    With ``expected_hash`` (the draft's hash when the caller read it, see
    :mod:`bullseye.strategy.drafts`), refuse with a ConflictError when the draft changed since.

    Returns the path and the unified diff against what was there (empty for a new file).
    """
    with draft_write(root, expected_hash):
        return _write_icp(root, icp, force)


def _write_icp(root: Path, icp: ICP, force: bool) -> tuple[Path, str]:
    path, generated = root / ICP_FILE, root / GENERATED_COPY
    text = icp.to_yaml()
    old = path.read_text(encoding="utf-8") if path.exists() else ""
    diff = "".join(
        difflib.unified_diff(
            old.splitlines(True), text.splitlines(True), fromfile=f"{ICP_FILE} (yours)", tofile=f"{ICP_FILE} (proposed)"
        )
    )
    last_written = generated.read_text(encoding="utf-8") if generated.exists() else None
    hand_edited = bool(old) and old != last_written and old != text
    if hand_edited and not force:
        raise IcpWriteRefused(path, diff)
    path.parent.mkdir(parents=True, exist_ok=True)
    schema_path = path.parent / "schema" / "icp.schema.json"
    schema_path.parent.mkdir(parents=True, exist_ok=True)
    schema_path.write_text(json.dumps(icp_json_schema(), indent=2), encoding="utf-8")
    path.write_text(text, encoding="utf-8")
    generated.parent.mkdir(parents=True, exist_ok=True)
    generated.write_text(text, encoding="utf-8")
    return path, diff


# A fitted scorecard stores the ICP it was fitted for.
register(Condition, Evidence, Criterion, Disqualifier, Tiers, SignalFilters, Signal, Review, TriggerRules, ICP)
