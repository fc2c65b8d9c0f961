"""The scoring side of a fitted points scorecard: the fit score, P(win), tier and reasons of every
company, the holdout checks (calibration, win rate and value by tier), the points table and the
stored artefact. :class:`bullseye.scoring.scorecard.ScoreCard` fits the points and inherits these;
import the public names from there.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any, Self

import numpy as np
import pandas as pd
from scipy.special import expit

from bullseye.artefact import FORMAT, decode, encode
from bullseye.errors import ConflictError, InvalidInputError
from bullseye.scoring.features import Feature, rule_mask
from bullseye.scoring.tiers import DISQUALIFIED_GROUP, TIERS, assign_tiers, order_check, tier_table
from bullseye.scoring.value import OUTCOME_WORDS, disqualifier_outcome
from bullseye.stats import wilson_interval
from bullseye.strategy.icp import ICP, Disqualifier

if TYPE_CHECKING:
    from bullseye.scoring.value import AccountValue

__all__ = [
    "PointsCard",
    "disqualifier_reason",
    "BASE_SCORE",
    "POINTS_TO_DOUBLE",
    "MIN_REASON_POINTS",
    "SCORE_COLUMNS",
]

#: The fit score of the base odds.
BASE_SCORE = 50.0
#: Points that double the odds of winning.
POINTS_TO_DOUBLE = 20.0
#: Smaller contributions (under a 7% change in the odds) are not listed as reasons.
MIN_REASON_POINTS = 2.0
#: Columns of a score table, in order (``name`` is added when the companies have one;
#: ``score_accounts`` and ``bullseye score`` add ``why_now`` and ``why_now_score``).
SCORE_COLUMNS = (
    "account_id",
    "fit_score",
    "tier",
    "win_probability",
    "expected_value",
    "expected_value_low",
    "expected_value_high",
    "disqualified",
    "disqualified_by",
    "reasons",
    "icp_version",
)


def disqualifier_reason(rule: Disqualifier) -> str:
    """'employees < 50: disqualified (churns more), churn 4.1x base': the rule, the outcome it rests
    on and its evidence in words."""
    why = (
        rule.reason
        or next((f"{e.metric} {e.lift:.1f}x base" for e in rule.evidence if e.lift), "")
        or next((e.summary for e in rule.evidence if e.summary), "")
        or ("an assumption" if rule.assumption else "")
    )
    return f"{rule.label}: disqualified ({OUTCOME_WORDS[disqualifier_outcome(rule)]})" + (f", {why}" if why else "")


class PointsCard:
    """What a fitted scorecard does with its points (the attributes below are set by
    :meth:`bullseye.scoring.scorecard.ScoreCard.fit`)."""

    icp: ICP
    features_: list[Feature]
    outcomes_: list[str]
    base_log_odds_: float
    value_: AccountValue
    disqualifier_effects_: list[dict[str, Any]]
    tier_cuts_: Any
    tier_basis_: str

    # -- storing ------------------------------------------------------------------------------
    def to_artefact(self) -> dict[str, Any]:
        """The fitted scorecard as JSON-ready data: a readable summary (points per level, tier
        cuts) and the whole fitted state, which :meth:`from_artefact` scores with exactly as this."""
        return {
            "format": FORMAT,
            "icp_version": self.icp.content_hash(),
            "tier_cuts": encode(self.tier_cuts_),
            "tier_basis": self.tier_basis_,
            "base_log_odds": self.base_log_odds_,
            "features": [
                {
                    "name": f.name,
                    "kind": f.kind,
                    "levels": list(map(str, f.levels)),
                    "points": [round(float(p), 3) for p in f.learned("points")],
                }
                for f in self.features_
            ],
            "state": encode(self),
        }

    @classmethod
    def from_artefact(cls, icp: ICP, stored: dict[str, Any]) -> Self:
        """The scorecard :meth:`to_artefact` stored, for ``icp`` (which must be the one it was fitted for)."""
        if stored.get("format") != FORMAT:
            raise InvalidInputError(
                f"a stored scorecard of format {stored.get('format')} cannot be read (expected {FORMAT})"
            )
        if stored.get("icp_version") != icp.content_hash():
            raise ConflictError(
                f"the stored scorecard was fitted for ICP {stored.get('icp_version')}, not {icp.content_hash()}"
            )
        card = decode(stored["state"])
        if not isinstance(card, cls):
            raise InvalidInputError("the stored artefact is not a scorecard")
        return card

    # -- scoring ------------------------------------------------------------------------------
    def _arrays(self, frame: pd.DataFrame) -> dict[str, np.ndarray]:
        cache: dict = {}
        codes = np.empty((len(frame), len(self.features_)), dtype=np.int32, order="F")  # columns written whole
        points = np.empty(codes.shape, order="F")
        for j, f in enumerate(self.features_):
            codes[:, j] = f.codes(frame, cache)
            points[:, j] = f.learned("points")[codes[:, j]]
        dq = np.full(len(frame), -1, dtype=np.int32)
        forced = np.zeros(len(frame), dtype=bool)
        # the first match names the reason, a "loses more" rule (it sets the tier) before the others
        order = sorted(enumerate(self.icp.disqualifiers), key=lambda item: (self.outcomes_[item[0]] == "win", -item[0]))
        for i, rule in order:
            hit = rule_mask(rule, frame, cache)
            dq[hit] = i
            forced |= hit & (self.outcomes_[i] == "win")
        by = np.array([None, *(d.id for d in self.icp.disqualifiers)], dtype=object)[dq + 1]
        raw = BASE_SCORE + points.sum(axis=1)
        p = self._probability(raw)
        ltv, ltv_low, ltv_high = self.value_.ltv_arrays(frame, cache)
        return {
            "codes": codes,
            "points": points,
            "raw": raw,
            "dq": dq,
            "disqualified": dq >= 0,
            "forced": forced,
            "by": by,
            "p": p,
            "ev": p * ltv,
            "ltv_low": ltv_low,
            "ltv_high": ltv_high,
        }

    def _probability(self, raw: np.ndarray) -> np.ndarray:
        return expit(self.base_log_odds_ + (raw - BASE_SCORE) * math.log(2) / POINTS_TO_DOUBLE)

    def _basis(self, arrays: dict[str, np.ndarray]) -> np.ndarray:
        return arrays["ev"] if self.tier_basis_ == "expected_value" else np.clip(arrays["raw"], 0, 100)

    def _tiers(self, arrays: dict[str, np.ndarray]) -> np.ndarray:
        return assign_tiers(self._basis(arrays), arrays["forced"], self.tier_cuts_)

    def probability_interval(self, p: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The calibrated 95% interval of P(win): the Wilson interval of the observed holdout win rate
        of the calibration decile ``p`` falls in, widened to include ``p`` itself."""
        table = getattr(self, "calibration_", pd.DataFrame())
        if table.empty:
            return np.full(len(p), math.nan), np.full(len(p), math.nan)
        bin_ = np.clip(np.searchsorted(self.calibration_edges_, p, side="left"), 0, len(table) - 1)
        low, high = table["observed_low"].to_numpy(float)[bin_], table["observed_high"].to_numpy(float)[bin_]
        return np.minimum(low, p), np.maximum(high, p)

    def explain(self, frame: pd.DataFrame) -> pd.DataFrame:
        """Exact points of every feature for every row: ``50 + row sum`` is the unclipped fit score."""
        arrays = self._arrays(frame)
        return pd.DataFrame(arrays["points"], columns=[f.name for f in self.features_], index=frame.index)

    def score(self, frame: pd.DataFrame, n_reasons: int = 3) -> pd.DataFrame:
        """Score a table of companies (vectorised): one row per input row, in input order."""
        arrays = self._arrays(frame)
        raw, p = arrays["raw"], arrays["p"]
        p_low, p_high = self.probability_interval(p)
        out = pd.DataFrame(
            {
                "account_id": frame["account_id"].to_numpy(object)
                if "account_id" in frame.columns
                else np.full(len(frame), None, dtype=object),
                "fit_score": np.round(np.clip(raw, 0, 100), 1),
                "tier": self._tiers(arrays),
                "win_probability": np.round(p, 4),
                "expected_value": np.round(arrays["ev"], 0),
                "expected_value_low": np.round(p_low * arrays["ltv_low"], 0),
                "expected_value_high": np.round(p_high * arrays["ltv_high"], 0),
                "disqualified": arrays["disqualified"],
                "disqualified_by": arrays["by"],
                "reasons": self._reasons(arrays, n_reasons),
                "icp_version": self.icp.content_hash(),
            }
        )
        if "name" in frame.columns:
            out.insert(1, "name", frame["name"].to_numpy(object))
        return out

    def _reasons(self, arrays: dict[str, np.ndarray], n: int) -> np.ndarray:
        """The ``n`` largest contributions in words, largest first (a disqualifier's reason first).
        Rows are reduced to ids of reason strings; each distinct combination is joined once."""
        points, dq = arrays["points"], arrays["dq"]
        strings = [
            *(r for f in self.features_ for r in f.learned("reasons")),
            *(e["reason"] for e in self.disqualifier_effects_),
            "",
        ]
        blank, empty = len(strings) - 1, np.array([text == "" for text in strings])
        k = min(n, points.shape[1])
        size = -np.abs(points).astype(np.float32)
        size[:, [f.kind == "disqualifier" for f in self.features_]] = 0  # said by the disqualifier's reason
        top = (
            np.argpartition(size, k - 1, axis=1)[:, :k]
            if 0 < k < points.shape[1]
            else np.tile(np.arange(k), (len(points), 1))
        )
        top = np.take_along_axis(top, np.argsort(np.take_along_axis(size, top, axis=1), axis=1, kind="stable"), 1)
        offsets = np.cumsum([0] + [len(f.levels) for f in self.features_])[:-1].astype(np.int64)
        ids = np.take_along_axis(arrays["codes"], top, axis=1) + offsets[top]
        ids = np.where(empty[ids], blank, ids)
        if (dq >= 0).any():  # the disqualifier's reason goes first, in place of the smallest contribution
            ids = np.column_stack([np.where(dq >= 0, sum(len(f.levels) for f in self.features_) + dq, blank), ids])
            if ids.shape[1] > n:
                ids[dq >= 0, -1] = blank
        if ids.shape[1] == 0:
            return np.full(len(points), "", dtype=object)
        key = ids @ (len(strings) ** np.arange(ids.shape[1], dtype=np.int64))
        _, first, inverse = np.unique(key, return_index=True, return_inverse=True)
        joined = np.array(["; ".join(strings[i] for i in row if i != blank) for row in ids[first]], dtype=object)
        return joined[inverse.ravel()]

    # -- checks on the holdout ----------------------------------------------------------------
    def _evaluate(self, holdout: pd.DataFrame) -> None:
        if holdout.empty:
            self.calibration_, self.ece_ = pd.DataFrame(), math.nan
            self.calibration_edges_ = np.zeros(0)
            self.tier_table_ = tier_table(np.zeros(0, dtype=object), np.zeros(0), np.zeros(0), np.zeros(0))
        else:
            arrays = self._arrays(holdout)
            p = arrays["p"]
            y = holdout["won"].to_numpy(float)
            bins = np.array_split(np.argsort(p, kind="stable"), min(10, len(p)))
            low, high = wilson_interval([y[b].sum() for b in bins], [len(b) for b in bins])
            self.calibration_ = pd.DataFrame(
                {
                    "bin": np.arange(1, len(bins) + 1),
                    "deals": [len(b) for b in bins],
                    "predicted": [p[b].mean() for b in bins],
                    "observed": [y[b].mean() for b in bins],
                    "observed_low": low,
                    "observed_high": high,
                }
            )
            self.calibration_edges_ = np.array([p[b].max() for b in bins])
            gap = (self.calibration_["predicted"] - self.calibration_["observed"]).abs()
            self.ece_ = float(np.sum(self.calibration_["deals"] * gap) / len(p))
            group = np.where(arrays["forced"], DISQUALIFIED_GROUP, self._tiers(arrays))
            amount = pd.to_numeric(holdout["amount"], errors="coerce").to_numpy(float)
            self.tier_table_ = tier_table(group, y, amount, p)
        self.order_ = order_check(self.tier_table_)
        self.monotone_ = {"win_rate": self.order_["win_rate"], "value_per_deal": self.order_["value_per_deal"]}
        self.empty_tiers_ = [t for t in TIERS if t in self.order_["empty"]]

    @property
    def summary(self) -> pd.DataFrame:
        """One row per feature level: discovery deals, their win rate, the coefficient and the points."""

        def label(f: Feature) -> str:
            return (
                f"ICP {f.flag_rule.name}"
                if f.kind == "criterion"
                else f"disqualifier {f.flag_rule.name}"
                if f.kind == "disqualifier"
                else f"segment {f.flag_rule.name}"
                if f.kind == "segment"
                else f.name
            )

        return pd.DataFrame(
            [
                {
                    "feature": label(f),
                    "value": "met" if f.is_flag else level,
                    "deals": int(f.learned("deals")[i]),
                    "win_rate": float(f.learned("win_rate")[i]) if f.learned("deals")[i] else math.nan,
                    "coefficient": float(f.learned("coef")[i]),
                    "points": float(f.learned("points")[i]),
                }
                for f in self.features_
                for i, level in enumerate(f.levels)
                if not f.is_flag or i == 1
            ]
        )
