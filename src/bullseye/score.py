"""Explainable account fit scores: points per attribute value, a 0-100 fit score, tiers A-D,
disqualifiers with their reason, and the ICP version that produced every score.

A regularised (L2) logistic model of winning a new-business deal is fitted on the discovery-period
deals over one flag per ICP criterion plus the account attributes (categories one-hot, numbers in
human bands, missing as its own level), and checked on the holdout deals. Its log-odds become
points: ``fit score = 50 + 20 * log2(odds / base odds)``, clipped to 0-100, so every 20 points
double the odds and the score is exactly 50 plus the account's points. It is fitted on the fly from
the workspace data on every run (deterministic; nothing is cached). See ``docs/scoring.md``.

Example::

    card = fit_scorecard(ws)                    # the ICP in strategy/icp.yaml, the workspace data
    table = card.score(companies)               # or score_accounts(ws) for the CRM accounts
    score_one(card, {"industry": "E-commerce", "employees": 120})
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from scipy.special import expit

from bullseye.discover.stats import wilson_interval
from bullseye.errors import BullseyeError
from bullseye.scorecard_features import Feature, learn_features, rule_mask
from bullseye.scorecard_features import condition_mask as _condition_mask  # noqa: F401  (tests use it)
from bullseye.strategy.icp import ICP, Disqualifier, load_icp

if TYPE_CHECKING:
    from bullseye.discover.dataset import Dataset
    from bullseye.workspace import Workspace

__all__ = ["ScoreCard", "Feature", "fit_scorecard", "score_accounts", "score_one", "disqualifier_reason", "new_business",
           "rule_mask", "BASE_SCORE", "MIN_REASON_POINTS", "POINTS_TO_DOUBLE", "TIERS", "SCORE_COLUMNS"]

#: The fit score of the base odds.
BASE_SCORE = 50.0
#: Points that double the odds of winning.
POINTS_TO_DOUBLE = 20.0
#: Smaller contributions (under a 7% change in the odds) are not listed as reasons.
MIN_REASON_POINTS = 2.0
TIERS = ("A", "B", "C", "D")
#: Columns of a score table, in order (``name`` is added when the companies have one;
#: ``score_accounts`` and ``bullseye score`` add ``why_now`` and ``why_now_score``).
SCORE_COLUMNS = ("account_id", "fit_score", "tier", "win_probability", "disqualified", "disqualified_by",
                 "reasons", "icp_version")


def disqualifier_reason(rule: Disqualifier) -> str:
    """'employees < 50: disqualified, churn 4.1x base': the rule and its evidence in words."""
    why = rule.reason or next((f"{e.metric} {e.lift:.1f}x base" for e in rule.evidence if e.lift), "") \
        or next((e.summary for e in rule.evidence if e.summary), "") or ("an assumption" if rule.assumption else "")
    return f"{rule.label}: disqualified" + (f", {why}" if why else "")


def new_business(deals: pd.DataFrame, history: pd.DataFrame | None = None) -> pd.DataFrame:
    """The deals that were attempts to win a new customer: created before the account's first win
    (in ``history``, default ``deals``). Expansions and renewals at existing customers are left out."""
    history = deals if history is None else history
    won = history[history["won"] == 1]
    when = won["decided_at"] if "decided_at" in won.columns else won["closed_at"]  # closed, else created
    first_win = pd.to_datetime(pd.Series(when.to_numpy(), index=won["account_id"].to_numpy())).groupby(level=0).min()
    before = pd.to_datetime(deals["account_id"].map(first_win))
    return deals[before.isna().to_numpy() | (pd.to_datetime(deals["created_at"]) < before).to_numpy()]


#: The attribute regularisation strengths cross-validation chooses from (``attribute_C="cv"``).
C_GRID = tuple(float(c) for c in np.logspace(-3, 1, 9))


def _fit_logistic(X: np.ndarray, y: np.ndarray, is_criterion: np.ndarray, C: float, attribute_C: float, model=None):
    """L2 logistic regression with one strength for criterion columns and another for the rest
    (glmnet's penalty factors, done by scaling the columns). Returns the model and the coefficients."""
    from sklearn.linear_model import LogisticRegression

    scale = np.where(is_criterion, math.sqrt(C / attribute_C), 1.0)
    model = model or LogisticRegression(solver="newton-cholesky", max_iter=100, tol=1e-8)
    model.set_params(C=attribute_C).fit(X * scale, y)
    return model, model.coef_[0] * scale


def _choose_attribute_C(X: np.ndarray, y: np.ndarray, is_criterion: np.ndarray, C: float, folds: int = 5) -> float:
    """The attribute strength with the best cross-validated log loss (unshuffled, stratified folds)."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold

    if min(np.bincount(y, minlength=2)) < folds:
        return C
    loss = np.zeros(len(C_GRID))
    for fit_rows, test_rows in StratifiedKFold(folds).split(X, y):
        model = LogisticRegression(solver="newton-cholesky", warm_start=True, max_iter=100, tol=1e-6)
        for i, attribute_C in enumerate(C_GRID):
            model, coef = _fit_logistic(X[fit_rows], y[fit_rows], is_criterion, C, attribute_C, model)
            p = np.clip(expit(X[test_rows] @ coef + model.intercept_[0]), 1e-12, 1 - 1e-12)
            loss[i] -= np.sum(y[test_rows] * np.log(p) + (1 - y[test_rows]) * np.log(1 - p))
    return C_GRID[int(np.argmin(loss))]


# -- the estimator ------------------------------------------------------------------------------
class ScoreCard:
    """A points scorecard for account fit, following scikit-learn conventions.

    Settings: ``icp`` (its criteria become flags, its disqualifiers force tier D, its tiers cut
    the scores); ``C``, the inverse L2 strength on the criterion flags; ``attribute_C``, the
    strength on the attribute levels (``"cv"``: chosen by 5-fold cross-validation on the discovery
    deals, so attributes that do not predict wins get next to no points); ``attributes`` (default:
    the dataset's usable attributes); ``min_count`` (deals a category value needs to get its own
    points; rarer values share ``(other)``); ``max_levels`` per attribute.

    Learned: ``features_``, ``intercept_``, ``attribute_C_``, ``base_log_odds_`` (the log-odds of
    score 50: an account meeting no criterion and average on every attribute),
    ``dropped_criteria_`` (criteria whose coefficient came out negative: dropped and refitted, so a
    criterion never subtracts points), ``skipped_`` (attributes not used, and why),
    ``tier_cuts_``, ``train_deals_``; on the holdout: ``calibration_``, ``ece_``,
    ``tier_table_``, ``monotone_`` (do win rate and median ACV fall from A to D, over the tiers
    with holdout deals?) and ``empty_tiers_``.
    """

    def __init__(self, icp: ICP, C: float = 1.0, attribute_C: float | str = "cv", attributes: list[str] | None = None,
                 min_count: int = 10, max_levels: int = 20) -> None:
        self.icp, self.C, self.attribute_C, self.attributes = icp, C, attribute_C, attributes
        self.min_count, self.max_levels = min_count, max_levels

    # -- fitting ------------------------------------------------------------------------------
    def design(self, frame: pd.DataFrame) -> tuple[np.ndarray, list[str]]:
        """The 0/1 design matrix of ``frame`` (a flag per criterion, a column per attribute level)."""
        cache: dict = {}
        blocks = [(f.codes(frame, cache)[:, None] == (np.array([1]) if f.kind == "criterion"
                                                      else np.arange(len(f.levels)))).astype(float)
                  for f in self.features_]
        names = [name for f in self.features_ for name in
                 ([f"criterion {f.name}"] if f.kind == "criterion" else [f"{f.name}={v}" for v in f.levels])]
        return (np.hstack(blocks) if blocks else np.zeros((len(frame), 0))), names

    def fit(self, dataset: Dataset) -> ScoreCard:
        """Fit on the dataset's discovery-period new-business deals; check on its holdout deals."""
        from threadpoolctl import threadpool_limits  # installed with scikit-learn

        with threadpool_limits(limits=1, user_api="blas"):  # small matrices: threads only contend
            return self._fit(dataset)

    def _fit(self, dataset: Dataset) -> ScoreCard:
        train = new_business(dataset.deals_in("discovery"))
        if train["won"].nunique() < 2:
            raise BullseyeError("scoring needs both won and lost deals in the discovery period")
        self.features_, self.skipped_ = learn_features(self.icp, dataset, train, self.attributes,
                                                        self.min_count, self.max_levels)
        self.dropped_criteria_: dict[str, str] = {}
        self.train_deals_ = len(train)
        y = train["won"].to_numpy(int)
        self.attribute_C_ = None
        while True:
            X, names = self.design(train)
            is_criterion = np.array([name.startswith("criterion ") for name in names], dtype=bool)
            if self.attribute_C_ is None:
                self.attribute_C_ = _choose_attribute_C(X, y, is_criterion, self.C) if self.attribute_C == "cv" \
                    else float(self.attribute_C)
            model, coef = _fit_logistic(X, y, is_criterion, self.C, self.attribute_C_)
            widths = [1 if f.kind == "criterion" else len(f.levels) for f in self.features_]
            for f, part in zip(self.features_, np.split(coef, np.cumsum(widths)[:-1])):
                f.coef = np.r_[0.0, part] if f.kind == "criterion" else part
            negative = [f for f in self.features_ if f.kind == "criterion" and f.coef[1] < 0]
            if not negative:
                break
            worst = min(negative, key=lambda f: f.coef[1])  # one at a time: the others may turn positive
            self.dropped_criteria_[worst.name] = (
                f"meeting it went with lower win odds in the discovery deals once the other features are "
                f"accounted for (coefficient {worst.coef[1]:+.2f}); it gives no points")
            self.features_.remove(worst)
        self.intercept_ = float(model.intercept_[0])
        scale = POINTS_TO_DOUBLE / math.log(2)
        base = self.intercept_
        cache: dict = {}
        won = train["won"].to_numpy(float)
        for f in self.features_:
            codes = f.codes(train, cache)
            f.deals = np.bincount(codes, minlength=len(f.levels))
            f.win_rate = np.bincount(codes, weights=won, minlength=len(f.levels)) / np.maximum(f.deals, 1)
            mean = 0.0 if f.kind == "criterion" else float(f.coef[codes].mean())
            base += mean
            f.points = scale * (f.coef - mean)
            f.reasons = np.array([f"{f.describe(i)}: {p:+.0f}" if abs(p) >= MIN_REASON_POINTS else ""
                                  for i, p in enumerate(f.points)], dtype=object)
        self.base_log_odds_ = base
        accounts = self._arrays(dataset.accounts)
        self.tier_cuts_ = self._learn_cuts(accounts["raw"], accounts["disqualified"])
        self._evaluate(new_business(dataset.deals_in("holdout"), dataset.deals))
        return self

    def _learn_cuts(self, raw: np.ndarray, disqualified: np.ndarray) -> dict[str, float]:
        tiers = self.icp.tiers
        ranked = np.sort(np.clip(raw[~disqualified], 0, 100))[::-1]

        def cut(capacity: int | None, already: int, threshold: float) -> float:
            if capacity is None or not len(ranked):
                return threshold
            return float(ranked[min(already + capacity, len(ranked)) - 1]) if capacity > 0 else math.inf

        a = cut(tiers.a_capacity, 0, tiers.a_min_score)
        b = min(a, cut(tiers.b_capacity, int(np.sum(ranked >= a)), tiers.b_min_score))
        return {"A": a, "B": b, "C": min(b, tiers.c_min_score)}

    # -- scoring ------------------------------------------------------------------------------
    def _arrays(self, frame: pd.DataFrame) -> dict[str, np.ndarray]:
        cache: dict = {}
        codes = np.empty((len(frame), len(self.features_)), dtype=np.int32, order="F")  # columns written whole
        points = np.empty(codes.shape, order="F")
        for j, f in enumerate(self.features_):
            codes[:, j] = f.codes(frame, cache)
            points[:, j] = f.points[codes[:, j]]
        dq = np.full(len(frame), -1, dtype=np.int32)
        for i, rule in reversed(list(enumerate(self.icp.disqualifiers))):  # the first match names the reason
            dq[rule_mask(rule, frame, cache)] = i
        by = np.array([None, *(d.id for d in self.icp.disqualifiers)], dtype=object)[dq + 1]
        return {"codes": codes, "points": points, "raw": BASE_SCORE + points.sum(axis=1), "dq": dq,
                "disqualified": dq >= 0, "by": by}

    def _probability(self, raw: np.ndarray) -> np.ndarray:
        return expit(self.base_log_odds_ + (raw - BASE_SCORE) * math.log(2) / POINTS_TO_DOUBLE)

    def _tiers(self, raw: np.ndarray, disqualified: np.ndarray) -> np.ndarray:
        score = np.clip(raw, 0, 100)
        cuts = self.tier_cuts_
        tier = np.select([score >= cuts["A"], score >= cuts["B"], score >= cuts["C"]], ["A", "B", "C"], "D")
        return np.where(disqualified, "D", tier).astype(object)

    def explain(self, frame: pd.DataFrame) -> pd.DataFrame:
        """Exact points of every feature for every row: ``50 + row sum`` is the unclipped fit score."""
        arrays = self._arrays(frame)
        return pd.DataFrame(arrays["points"], columns=[f.name for f in self.features_], index=frame.index)

    def score(self, frame: pd.DataFrame, n_reasons: int = 3) -> pd.DataFrame:
        """Score a table of companies (vectorised): one row per input row, in input order."""
        arrays = self._arrays(frame)
        raw, disq = arrays["raw"], arrays["disqualified"]
        out = pd.DataFrame({
            "account_id": frame["account_id"].to_numpy(object) if "account_id" in frame.columns
            else np.full(len(frame), None, dtype=object),
            "fit_score": np.round(np.clip(raw, 0, 100), 1), "tier": self._tiers(raw, disq),
            "win_probability": np.round(self._probability(raw), 4), "disqualified": disq,
            "disqualified_by": arrays["by"], "reasons": self._reasons(arrays, n_reasons),
            "icp_version": self.icp.content_hash()})
        if "name" in frame.columns:
            out.insert(1, "name", frame["name"].to_numpy(object))
        return out

    def _reasons(self, arrays: dict[str, np.ndarray], n: int) -> np.ndarray:
        """The ``n`` largest contributions in words, largest first (a disqualifier's reason first).
        Rows are reduced to ids of reason strings; each distinct combination is joined once."""
        points, dq = arrays["points"], arrays["dq"]
        strings = [*(r for f in self.features_ for r in f.reasons), *map(disqualifier_reason, self.icp.disqualifiers), ""]
        blank, empty = len(strings) - 1, np.array([text == "" for text in strings])
        k = min(n, points.shape[1])
        size = -np.abs(points).astype(np.float32)
        top = np.argpartition(size, k - 1, axis=1)[:, :k] if 0 < k < points.shape[1] \
            else np.tile(np.arange(k), (len(points), 1))
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
            self.calibration_, self.tier_table_, self.ece_ = pd.DataFrame(), pd.DataFrame(), math.nan
            self.empty_tiers_ = [*TIERS]
            self.monotone_ = {"win_rate": None, "acv_median": None}
            return
        arrays = self._arrays(holdout)
        p = self._probability(arrays["raw"])
        y = holdout["won"].to_numpy(float)
        bins = np.array_split(np.argsort(p, kind="stable"), min(10, len(p)))
        low, high = wilson_interval([y[b].sum() for b in bins], [len(b) for b in bins])
        self.calibration_ = pd.DataFrame({"bin": np.arange(1, len(bins) + 1), "deals": [len(b) for b in bins],
                                          "predicted": [p[b].mean() for b in bins],
                                          "observed": [y[b].mean() for b in bins],
                                          "observed_low": low, "observed_high": high})
        gap = (self.calibration_["predicted"] - self.calibration_["observed"]).abs()
        self.ece_ = float(np.sum(self.calibration_["deals"] * gap) / len(p))
        tier = self._tiers(arrays["raw"], arrays["disqualified"])
        group = np.where(arrays["disqualified"], "D (disqualified)", tier)
        amount = holdout["amount"].to_numpy(float)
        rows = []
        for name in (*TIERS, "D (disqualified)"):
            member = group == name
            won = member & (y == 1)
            low, high = wilson_interval(won.sum(), member.sum())
            acv = amount[won & np.isfinite(amount)]
            rows.append({"tier": name, "deals": int(member.sum()), "won": int(won.sum()),
                         "win_rate": won.sum() / member.sum() if member.any() else math.nan,
                         "win_rate_low": float(low), "win_rate_high": float(high),
                         "acv_median": float(np.median(acv)) if len(acv) else math.nan,
                         "predicted": float(p[member].mean()) if member.any() else math.nan})
        self.tier_table_ = pd.DataFrame(rows)
        scored = self.tier_table_[self.tier_table_["tier"].isin(TIERS) & (self.tier_table_["deals"] > 0)]
        self.monotone_ = {key: bool(np.all(np.diff(scored[key].to_numpy()) < 0)) if len(scored) > 1 else None
                          for key in ("win_rate", "acv_median")}
        self.empty_tiers_ = [t for t in TIERS if t not in set(scored["tier"])]

    @property
    def summary(self) -> pd.DataFrame:
        """One row per feature level: discovery deals, their win rate, the coefficient and the points."""
        return pd.DataFrame([
            {"feature": f"ICP {f.rule.name}" if f.kind == "criterion" else f.name,
             "value": "met" if f.kind == "criterion" else level, "deals": int(f.deals[i]),
             "win_rate": float(f.win_rate[i]) if f.deals[i] else math.nan, "coefficient": float(f.coef[i]),
             "points": float(f.points[i])}
            for f in self.features_ for i, level in enumerate(f.levels) if f.kind != "criterion" or i == 1])


# -- workspace entry points ---------------------------------------------------------------------
def fit_scorecard(ws: Workspace, icp: ICP | None = None, as_of: object = None,
                  dataset: Dataset | None = None) -> ScoreCard:
    """A scorecard for ``icp`` (default: strategy/icp.yaml) fitted on the workspace's deals."""
    from bullseye.discover.dataset import build_dataset
    from bullseye.discover.leakage import non_leaking_attributes

    icp = icp if icp is not None else load_icp(ws.root)
    data = dataset if dataset is not None else build_dataset(ws, as_of=as_of)
    return ScoreCard(icp, attributes=non_leaking_attributes(ws, data)).fit(data)  # no points on leaks


def score_accounts(ws: Workspace, icp: ICP | None = None, frame: pd.DataFrame | None = None,
                   card: ScoreCard | None = None, as_of: object = None) -> pd.DataFrame:
    """Score ``frame`` (default: every CRM account) with a scorecard fitted on the workspace data,
    plus ``why_now`` and ``why_now_score``: the account's strongest fresh signal of the ICP as of
    ``as_of`` (see :mod:`bullseye.market.signals`; '' and 0 when there is none)."""
    from bullseye.discover.dataset import build_dataset
    from bullseye.market.signals import add_why_now

    if card is None or frame is None:
        icp = icp if icp is not None else (card.icp if card is not None else load_icp(ws.root))
        dataset = build_dataset(ws, as_of=as_of)
        card = card if card is not None else fit_scorecard(ws, icp, dataset=dataset)
        frame = frame if frame is not None else dataset.accounts
    return add_why_now(ws, card.score(frame), card.icp, as_of)


def score_one(card: ScoreCard, record: dict[str, Any]) -> dict[str, Any]:
    """Score one company given as a dict of attributes: the same result as its row in a table."""
    frame = pd.DataFrame({k: pd.Series([v], dtype=object) for k, v in record.items()})
    row = card.score(frame).iloc[0].to_dict()
    return {k: (v.item() if isinstance(v, np.generic) else v) for k, v in row.items()}
