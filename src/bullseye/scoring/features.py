"""The blocks of an account-fit scorecard: fast, exact ICP rule masks, and the features (an ICP
criterion met or not; an account attribute as categories or human bands) whose levels get points.

Split out of :mod:`bullseye.scoring.scorecard`, which fits the points; import the public names from there.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from bullseye.artefact import register
from bullseye.errors import InvalidInputError
from bullseye.outcomes.summary import EMPLOYEE_BANDS, MISSING, REVENUE_BANDS
from bullseye.strategy.icp import ICP, Condition, Criterion, Disqualifier

if TYPE_CHECKING:
    from bullseye.core.dataset import Dataset

__all__ = ["Feature", "rule_mask", "learn_features", "is_list_column", "condition_mask", "OTHER", "QUANTILE_BANDS"]

OTHER = "(other)"
_NUMERIC_OPS = {">=", ">", "<", "<=", "between"}
_BANDS = {
    "employees": tuple((None if up is None else up + 1, label) for up, label in EMPLOYEE_BANDS),
    "revenue": REVENUE_BANDS,
}


# -- fast, exact rule masks ---------------------------------------------------------------------
def is_list_column(column: pd.Series) -> bool:
    if column.dtype != object:
        return False
    sample = column.iloc[:1000].dropna()
    sample = sample if len(sample) else column.dropna()
    return len(sample) > 0 and isinstance(sample.iloc[0], (list, tuple, np.ndarray))


def _factorized(frame: pd.DataFrame, name: str, cache: dict) -> tuple[np.ndarray, pd.DataFrame]:
    """(code per row, the distinct values + a trailing None): code -1 (missing) picks the None."""
    if name not in cache:
        codes, uniques = pd.factorize(frame[name], use_na_sentinel=True)
        cache[name] = codes, pd.DataFrame({name: pd.Series([*uniques, None], dtype=object)})
    return cache[name]


def condition_mask(condition: Condition, frame: pd.DataFrame, cache: dict) -> np.ndarray:
    """``condition.mask(frame)``, evaluated once per distinct value (same result, ~100x faster)."""
    name = condition.attribute
    if name not in frame.columns:
        raise InvalidInputError(f"the ICP uses attribute '{name}', which the scored companies do not have")
    if condition.op in _NUMERIC_OPS or is_list_column(frame[name]):
        return condition.mask(frame[[name]])
    codes, distinct = _factorized(frame, name, cache)
    return condition.mask(distinct)[codes]


def rule_mask(rule: Criterion | Disqualifier, frame: pd.DataFrame, cache: dict | None = None) -> np.ndarray:
    """``rule.mask(frame)``, fast; pass the same ``cache`` dict to share work across rules on a frame."""
    cache = {} if cache is None else cache
    result = np.ones(len(frame), dtype=bool)
    for condition in rule.conditions:
        result &= condition_mask(condition, frame, cache)
    return result


# -- features -----------------------------------------------------------------------------------
def _key(value: Any) -> str | None:
    """How category values are matched: case, spaces and yes/true spellings folded."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return None
    if isinstance(value, (bool, np.bool_)):
        return "yes" if value else "no"
    text = str(value).strip().casefold()
    return {"true": "yes", "false": "no", "": None}.get(text, text)


def _short(x: float) -> str:
    for scale, suffix in ((1e9, "B"), (1e6, "M"), (1e4, "k")):
        if abs(x) >= scale:
            return f"{x / scale:g}{suffix}"
    return f"{x:g}"


#: Numbers without human bands are cut at their quantiles, in this many bands by default ...
QUANTILE_BANDS = 10
#: ... and a value held by at least this share of the accounts gets a band of its own (-1 for "never").
POINT_MASS = 0.1
#: A band holds at least this share of the rows.
MIN_BAND = 0.02


def _quantile_bands(values: np.ndarray, count: int = QUANTILE_BANDS) -> tuple[tuple[float | None, str], ...]:
    """Quantile cut points (``count`` bands: 10 are deciles) rounded to 2 significant figures, plus
    a band of its own for every value that holds ``POINT_MASS`` of the rows, as (exclusive upper
    bound, label)."""
    values = values[np.isfinite(values)]
    if len(values) == 0:
        return ((None, "any"),)
    integer = bool(np.all(values == np.round(values)))
    cuts = {float(f"{q:.2g}") for q in np.quantile(values, np.linspace(0, 1, count + 1)[1:-1], method="lower")}
    if integer:
        cuts = {float(math.ceil(c)) for c in cuts}
    distinct, counts = np.unique(values, return_counts=True)
    for i in np.flatnonzero(counts >= POINT_MASS * len(values)):  # the value, alone between two cuts
        cuts |= {float(distinct[i]), *([float(distinct[i + 1])] if i + 1 < len(distinct) else [])}
    kept: list[float] = []
    for cut in sorted(c for c in cuts if values.min() < c <= values.max()):
        if np.mean((values >= (kept[-1] if kept else -math.inf)) & (values < cut)) >= MIN_BAND:
            kept.append(cut)  # a sliver between two close cut points merges into the band above it
    edges = [-math.inf, *kept, math.inf]
    bands: list[tuple[float | None, str]] = []
    for low, high in zip(edges, edges[1:]):
        inside = distinct[(distinct >= low) & (distinct < high)]
        if len(inside) == 1:
            label = _short(float(inside[0]))
        elif low == -math.inf:
            label = f"<{_short(high)}"
        elif high == math.inf:
            label = f"{_short(low)}+"
        else:
            label = f"{_short(low)}-{_short(high - 1)}" if integer else f"{_short(low)}-{_short(high)}"
        bands.append((None if high == math.inf else high, label))
    return tuple(bands)


@register
@dataclass
class Feature:
    """One block of the scorecard: an ICP criterion (met / not met) or an account attribute
    (one level per category or band, plus ``(missing)``). Exactly one level applies to a row."""

    name: str
    kind: str  # "criterion", "disqualifier" (a loss disqualifier's flag), "segment" (an interaction), "category",
    # "band" or "pair" (a table over two attribute features, ``parts``: one level per combination)
    levels: list[str]
    rule: Criterion | Disqualifier | None = None
    lookup: dict[str, int] = field(default_factory=dict)  # category key -> level
    cuts: np.ndarray | None = None  # band exclusive upper bounds
    coef: np.ndarray | None = None  # per level, log-odds
    points: np.ndarray | None = None  # per level
    reasons: np.ndarray | None = None  # per level, in words ('' when the points round to 0)
    deals: np.ndarray | None = None  # per level, discovery deals
    win_rate: np.ndarray | None = None  # per level, their win rate
    parts: list[Feature] | None = None  # a pair's two attribute features

    def codes(self, frame: pd.DataFrame, cache: dict) -> np.ndarray:
        """The level index of every row."""
        if self.is_flag:
            return rule_mask(self.flag_rule, frame, cache).astype(np.int32)
        if self.kind == "pair":
            first, second = self.pair_parts
            return first.codes(frame, cache) * np.int32(len(second.levels)) + second.codes(frame, cache)
        missing = len(self.levels) - 1
        if self.name not in frame.columns:
            return np.full(len(frame), missing, dtype=np.int32)
        if self.kind == "band":
            if self.cuts is None:
                raise InvalidInputError(f"the banded feature {self.name!r} has no band bounds")
            numbers = pd.to_numeric(frame[self.name], errors="coerce").to_numpy(float)
            return np.where(np.isnan(numbers), missing, np.searchsorted(self.cuts, numbers, side="right")).astype(
                np.int32
            )
        codes, distinct = _factorized(frame, self.name, cache)
        other = self.levels.index(OTHER)
        table = np.array(
            [missing if (k := _key(u)) is None else self.lookup.get(k, other) for u in distinct[self.name]],
            dtype=np.int32,
        )
        return table[codes]

    @property
    def flag_rule(self) -> Criterion | Disqualifier:
        """The rule of a flag feature (the criterion, disqualifier or segment it stands for)."""
        if self.rule is None:
            raise InvalidInputError(f"the {self.kind} feature {self.name!r} has no rule")
        return self.rule

    @property
    def pair_parts(self) -> list[Feature]:
        """The two attribute features of a pair feature."""
        if not self.parts or len(self.parts) != 2:
            raise InvalidInputError(f"the pair feature {self.name!r} does not name its two attributes")
        return self.parts

    def learned(self, what: str) -> np.ndarray:
        """A per-level array set by fitting: ``coef``, ``points``, ``reasons``, ``deals`` or ``win_rate``."""
        value = getattr(self, what)
        if value is None:
            raise InvalidInputError(f"the {self.kind} feature {self.name!r} has no {what}: the scorecard is not fitted")
        return value

    @property
    def is_flag(self) -> bool:
        """A rule met or not (an ICP criterion, a loss disqualifier): levels no / yes, no scores 0."""
        return self.kind in ("criterion", "disqualifier", "segment")

    def describe(self, level: int) -> str:
        """Level ``level`` in words: 'ICP <criterion name>', 'employees 51-200', 'industry = Retail'."""
        value = self.levels[level]
        if self.kind == "pair":
            first, second = self.pair_parts
            return f"{first.describe(level // len(second.levels))} and {second.describe(level % len(second.levels))}"
        if self.kind == "disqualifier":
            return f"{self.flag_rule.label}: disqualified"
        if self.kind == "segment":
            return self.flag_rule.name
        if self.kind == "criterion" or value == MISSING:
            return f"ICP {self.flag_rule.name}" if self.kind == "criterion" else f"{self.name} unknown"
        return f"{self.name} {value}" if self.kind == "band" else f"{self.name} = {value}"


def _category(name: str, column: pd.Series, min_count: int, max_levels: int) -> Feature:
    keys = column.map(_key)
    counts = keys.value_counts()
    kept = [k for k, n in counts.items() if n >= min_count][:max_levels]
    spelled = column[keys.isin(kept)].astype(str).str.strip()
    labels = {k: spelled[keys == k].mode().iloc[0] if k not in ("yes", "no") else k for k in kept}
    return Feature(
        name, "category", [labels[k] for k in kept] + [OTHER, MISSING], lookup={k: i for i, k in enumerate(kept)}
    )


def learn_features(
    icp: ICP,
    dataset: Dataset,
    deals: pd.DataFrame,
    attributes: list[str] | None,
    min_count: int,
    max_levels: int,
    loss_rules: Sequence[Disqualifier] = (),
    bands: int = QUANTILE_BANDS,
) -> tuple[list[Feature], dict[str, str]]:
    """The scorecard's features: a flag per criterion and loss disqualifier, then each attribute as
    categories or bands (numbers without human bands in ``bands`` quantile bands)."""
    features = [Feature(c.id, "criterion", ["no", "yes"], rule=c) for c in icp.criteria]
    features += [Feature(r.id, "disqualifier", ["no", "yes"], rule=r) for r in loss_rules]
    skipped: dict[str, str] = {}
    for name in attributes if attributes is not None else dataset.attributes:
        column = dataset.accounts[name] if name in dataset.accounts.columns else None
        if column is None or name not in deals.columns:
            skipped[name] = "not an account attribute of this workspace"
        elif is_list_column(column):
            skipped[name] = "a list (enters the score only through ICP criteria)"
        elif pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column) and column.nunique() > 4:
            cut = _BANDS.get(name) or _quantile_bands(pd.to_numeric(column, errors="coerce").to_numpy(float), bands)
            features.append(
                Feature(
                    name,
                    "band",
                    [label for _, label in cut] + [MISSING],
                    cuts=np.array([up for up, _ in cut if up is not None], dtype=float),
                )
            )
        else:
            features.append(_category(name, deals[name], min_count, max_levels))
    return features, skipped
