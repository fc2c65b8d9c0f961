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
import scipy.sparse as sp
from scipy.special import expit

from bullseye.artefact import register
from bullseye.errors import NotEnoughDataError
from bullseye.scoring.card_output import (
    BASE_SCORE,
    MIN_REASON_POINTS,
    POINTS_TO_DOUBLE,
    SCORE_COLUMNS,
    PointsCard,
    disqualifier_reason,
)
from bullseye.scoring.features import Feature, learn_features, rule_mask
from bullseye.scoring.features import condition_mask as _condition_mask  # noqa: F401  (tests use it)
from bullseye.scoring.pairs import PAIR_GRID, choose_pair_count, one_hot, pair_feature, rank_pairs
from bullseye.scoring.segments import SEGMENT_FEATURES, learn_segments
from bullseye.scoring.solver import C_GRID, choose_size_and_C, cross_validated_losses, penalised_logistic
from bullseye.scoring.tiers import DISQUALIFIED_GROUP, TIERS, learn_cuts
from bullseye.scoring.value import AccountValue, disqualifier_outcome
from bullseye.strategy.icp import ICP, Disqualifier, load_icp

if TYPE_CHECKING:
    from bullseye.core.dataset import Dataset
    from bullseye.workspace import Workspace

__all__ = [
    "ScoreCard",
    "Feature",
    "fit_scorecard",
    "score_one",
    "disqualifier_reason",
    "new_business",
    "rule_mask",
    "BASE_SCORE",
    "MIN_REASON_POINTS",
    "POINTS_TO_DOUBLE",
    "TIERS",
    "DISQUALIFIED_GROUP",
    "SCORE_COLUMNS",
    "BAND_GRID",
]


def new_business(deals: pd.DataFrame, history: pd.DataFrame | None = None) -> pd.DataFrame:
    """The deals that were attempts to win a new customer: created before the account's first win
    (in ``history``, default ``deals``). Expansions and renewals at existing customers are left out."""
    history = deals if history is None else history
    won = history[history["won"] == 1]
    when = won["decided_at"] if "decided_at" in won.columns else won["closed_at"]  # closed, else created
    first_win = pd.to_datetime(pd.Series(when.to_numpy(), index=won["account_id"].to_numpy())).groupby(level=0).min()
    before = pd.to_datetime(deals["account_id"].map(first_win))
    return deals[before.isna().to_numpy() | (pd.to_datetime(deals["created_at"]) < before).to_numpy()]


# -- the estimator ------------------------------------------------------------------------------
#: The counts of quantile bands cross-validation chooses from (``bands="cv"``): deciles, or twenty
#: bands (5% each) where the deals support the finer shape.
BAND_GRID = (10, 20)


@register
class ScoreCard(PointsCard):
    """A points scorecard for account fit, following scikit-learn conventions.

    Settings: ``icp`` (its criteria become flags; its disqualifiers act through the outcome they
    rest on, see :mod:`bullseye.scoring.value`; its tiers cut the scores); ``C``, the inverse L2
    strength on the criterion and disqualifier flags; ``attribute_C``, the strength on the
    attribute levels (``"cv"``: chosen by 5-fold cross-validation on the discovery deals, so
    attributes that do not predict wins get next to no points); ``attributes`` (default: the
    dataset's usable attributes); ``min_count`` (deals a category value needs to get its own
    points; rarer values share ``(other)``); ``max_levels`` per attribute; ``margin`` (gross
    margin of the lifetime value); ``pairs``, the most pair tables (two attributes that act
    together, :mod:`bullseye.scoring.pairs`; cross-validation chooses how many); ``segments``,
    the most interaction segments (:mod:`bullseye.scoring.segments`); ``bands``, how many
    quantile bands a number without human bands is cut in (default ``"cv"``: deciles, or the finer
    count in ``BAND_GRID`` only when it beats deciles' cross-validated log loss by more than one
    standard error; a count fixes it; see docs/scoring.md).

    Learned: ``features_``, ``intercept_``, ``attribute_C_``, ``bands_`` and ``band_loss_`` (the
    cross-validated log loss per count of bands), ``pair_loss_`` (cross-validated log
    loss per number of pairs), ``base_log_odds_`` (the log-odds of
    score 50: an account meeting no criterion and average on every attribute),
    ``dropped_criteria_`` (criteria whose coefficient came out negative, and loss disqualifiers
    whose came out positive: dropped and refitted, so a criterion never subtracts points and a
    disqualifier never adds them), ``skipped_`` (attributes not used, and why), ``value_``
    (the :class:`AccountValue` model), ``disqualifier_effects_``, ``tier_cuts_``, ``tier_basis_``,
    ``tier_notes_``, ``train_deals_``; on the holdout: ``calibration_``, ``ece_``, ``tier_table_``,
    ``order_`` (do win rate and value per deal fall from A to the disqualified group, and which
    tiers break it), ``monotone_`` and ``empty_tiers_``.
    """

    def __init__(
        self,
        icp: ICP,
        C: float = 1.0,
        attribute_C: float | str = "cv",
        attributes: list[str] | None = None,
        min_count: int = 10,
        max_levels: int = 20,
        margin: float = 1.0,
        segments: int = SEGMENT_FEATURES,
        pairs: int = max(PAIR_GRID),
        bands: int | str = "cv",
    ) -> None:
        self.icp, self.C, self.attribute_C, self.attributes = icp, C, attribute_C, attributes
        self.min_count, self.max_levels, self.margin, self.segments = min_count, max_levels, margin, segments
        self.pairs, self.bands = pairs, bands

    # -- fitting ------------------------------------------------------------------------------
    def design(self, frame: pd.DataFrame) -> tuple[np.ndarray, list[str]]:
        """The 0/1 design matrix of ``frame`` (a flag per criterion, loss disqualifier and segment,
        a column per attribute level and per cell of a pair's table)."""
        names = [
            name
            for f in self.features_
            for name in ([f"{f.kind} {f.name}"] if f.is_flag else [f"{f.name}={v}" for v in f.levels])
        ]
        return self._sparse_design(frame).toarray(), names

    def _sparse_design(self, frame: pd.DataFrame) -> sp.csr_matrix:
        cache: dict = {}
        blocks = [
            sp.csr_matrix(f.codes(frame, cache)[:, None].astype(float))
            if f.is_flag
            else one_hot(f.codes(frame, cache), len(f.levels))
            for f in self.features_
        ]
        return sp.hstack(blocks, format="csr") if blocks else sp.csr_matrix((len(frame), 0))

    def _penalty(self) -> np.ndarray:
        """Per design column, the L2 strength (1 / C): ``C`` on the rule flags, ``attribute_C_`` on the rest."""
        return np.where(self._flags(), 1 / self.C, 1 / float(self.attribute_C_ or self.C))

    def _learn_pairs(self, train: pd.DataFrame, y: np.ndarray, shuffle: bool) -> list[Feature]:
        """The pair features cross-validation keeps (:mod:`bullseye.scoring.pairs`), best first."""
        attributes = [f for f in self.features_ if not f.is_flag]
        cache: dict = {}
        codes = [f.codes(train, cache) for f in attributes]
        widths = [len(f.levels) for f in attributes]
        X, penalty = self._sparse_design(train), self._penalty()
        grid = tuple(k for k in PAIR_GRID if k <= self.pairs)
        count, self.pair_loss_ = choose_pair_count(
            X, y, penalty, codes, widths, 1 / float(self.attribute_C_ or self.C), shuffle, grid
        )
        if not count:
            return []
        intercept, coef = penalised_logistic(X, y, penalty)
        p = expit(intercept + X @ coef)
        return [
            pair_feature(attributes[i], attributes[j]) for i, j in rank_pairs(widths, codes, y - p, p * (1 - p), count)
        ]

    def _learn_bands(
        self, dataset: Dataset, train: pd.DataFrame, y: np.ndarray, loss_rules: list[Disqualifier], shuffle: bool
    ) -> None:
        """The features, with numbers in as many quantile bands as cross-validation supports
        (``bands="cv"``: each count of ``BAND_GRID`` at its best attribute strength; a finer count
        only when it beats the coarser by more than one standard error of the fold-wise difference),
        and the attribute strength (the one-standard-error rule again, within the chosen count)."""
        counts = BAND_GRID if self.bands == "cv" else (int(self.bands),)
        fixed_C = None if self.attribute_C == "cv" else float(self.attribute_C)
        grid = C_GRID if fixed_C is None else (fixed_C,)
        candidates: list[tuple[int, list[Feature], dict[str, str], np.ndarray | None]] = []
        seen: list[list[str]] = []
        for count in counts:
            self.features_, self.skipped_ = learn_features(
                self.icp, dataset, train, self.attributes, self.min_count, self.max_levels, loss_rules, count
            )
            levels = [level for f in self.features_ for level in f.levels]
            if levels in seen:  # no number is cut at its quantiles: a finer count changes nothing
                continue
            seen.append(levels)
            if len(counts) == 1 and fixed_C is not None:
                self.attribute_C_, self.bands_ = fixed_C, count
                return
            loss = cross_validated_losses(self._sparse_design(train), y, self._flags(), self.C, grid, shuffle=shuffle)
            candidates.append((count, self.features_, self.skipped_, loss))
        if any(loss is None for *_, loss in candidates):  # too few deals for folds: the coarsest, C as set
            self.bands_, self.features_, self.skipped_, _ = candidates[0]
            self.attribute_C_ = self.C
            self.band_loss_[self.bands_] = float("nan")
            return
        losses = [loss for *_, loss in candidates if loss is not None]
        self.band_loss_.update({c[0]: float(loss.sum(axis=1).min()) for c, loss in zip(candidates, losses)})
        chosen, C = choose_size_and_C(losses)
        self.bands_, self.features_, self.skipped_, _ = candidates[chosen]
        self.attribute_C_ = grid[C]

    def _flags(self) -> np.ndarray:
        """Per design column: True for the rule flags penalised with ``C`` (criteria, loss
        disqualifiers); interaction segments are penalised like the attribute levels."""
        return np.concatenate(
            [
                np.full(1 if f.is_flag else len(f.levels), f.kind in ("criterion", "disqualifier"))
                for f in self.features_
            ]
            or [np.zeros(0, dtype=bool)]
        ).astype(bool)

    def fit(self, dataset: Dataset) -> ScoreCard:
        """Fit on the dataset's discovery-period new-business deals; check on its holdout deals."""
        from threadpoolctl import threadpool_limits  # installed with scikit-learn

        with threadpool_limits(limits=1, user_api="blas"):  # small matrices: threads only contend
            return self._fit(dataset)

    def _fit(self, dataset: Dataset) -> ScoreCard:
        train = new_business(dataset.deals_in("discovery"))
        dated = "decided_at" in train.columns and pd.to_datetime(train["decided_at"]).nunique() > 1
        if dated:  # cross-validation folds are blocks of time, like the holdout
            train = train.iloc[np.argsort(pd.to_datetime(train["decided_at"]).to_numpy(), kind="stable")]
        if train["won"].nunique() < 2:
            counts = train["won"].value_counts()
            raise NotEnoughDataError(
                f"scoring needs both won and lost deals in the discovery period; it has "
                f"{int(counts.get(1, 0)):,} won and {int(counts.get(0, 0)):,} lost"
            )
        self.outcomes_ = [disqualifier_outcome(r) for r in self.icp.disqualifiers]
        loss_rules = [r for r, o in zip(self.icp.disqualifiers, self.outcomes_) if o == "win"]
        self.dropped_criteria_: dict[str, str] = {}
        self.train_deals_ = len(train)
        y = train["won"].to_numpy(int)
        self.segments_ = []
        self.pair_loss_ = {}
        self.band_loss_: dict[int, float] = {}
        self._learn_bands(dataset, train, y, loss_rules, shuffle=not dated)
        if self.pairs:  # attributes that act together, as many as cross-validation says predict better
            self.features_ += self._learn_pairs(train, y, shuffle=not dated)
        if self.segments:  # conjunctions where the points still miss, on the discovery deals
            X = self._sparse_design(train)
            intercept, coef = penalised_logistic(X, y, self._penalty())
            usable = [f.name for f in self.features_ if not f.is_flag and f.kind != "pair"]
            self.segments_ = learn_segments(train, y, expit(intercept + X @ coef), usable, self.segments)
            self.features_ += [Feature(rule.id, "segment", ["no", "yes"], rule=rule) for rule in self.segments_]
        while True:
            intercept, coef = penalised_logistic(self._sparse_design(train), y, self._penalty())
            widths = [1 if f.is_flag else len(f.levels) for f in self.features_]
            for f, part in zip(self.features_, np.split(coef, np.cumsum(widths)[:-1])):
                f.coef = np.r_[0.0, part] if f.is_flag else part
            wrong = [
                f
                for f in self.features_
                if (f.kind == "criterion" and f.learned("coef")[1] < 0)
                or (f.kind == "disqualifier" and f.learned("coef")[1] > 0)
            ]
            if not wrong:
                break
            worst = max(wrong, key=lambda f: abs(f.learned("coef")[1]))  # one at a time: the others may change sign
            self.dropped_criteria_[worst.name] = (
                f"meeting it went with {'lower' if worst.kind == 'criterion' else 'higher'} win odds in the "
                f"discovery deals once the other features are accounted for (coefficient {worst.learned('coef')[1]:+.2f}); "
                f"it gives no points" + ("" if worst.kind == "criterion" else ", and still puts the account in tier D")
            )
            self.features_.remove(worst)
        self.intercept_ = intercept
        scale = POINTS_TO_DOUBLE / math.log(2)
        base = self.intercept_
        cache: dict = {}
        won = train["won"].to_numpy(float)
        for f in self.features_:
            codes = f.codes(train, cache)
            f.deals = np.bincount(codes, minlength=len(f.levels))
            f.win_rate = np.bincount(codes, weights=won, minlength=len(f.levels)) / np.maximum(f.deals, 1)
            coef = f.learned("coef")
            mean = 0.0 if f.is_flag else float(coef[codes].mean())
            base += mean
            f.points = points = scale * (coef - mean)
            f.reasons = np.array(
                [
                    f"{f.describe(i)}: {p:+.0f}" if abs(p) >= MIN_REASON_POINTS and f.kind != "disqualifier" else ""
                    for i, p in enumerate(points)
                ],
                dtype=object,
            )
        self.base_log_odds_ = base
        self.value_ = AccountValue(self.margin).fit(self.icp, dataset, train)
        self.disqualifier_effects_ = self._effects()
        accounts = self._arrays(dataset.accounts)
        self.tier_basis_ = self.icp.tiers.basis
        if self.tier_basis_ == "expected_value" and not self.value_.available:
            self.tier_basis_ = "fit_score"
            self.value_.notes_.append(
                "Tiers are cut on the fit score: the expected value they were set to use is not available."
            )
        self.tier_cuts_, self.tier_notes_ = learn_cuts(self._basis(accounts)[~accounts["forced"]], self.icp.tiers)
        self._evaluate(new_business(dataset.deals_in("holdout"), dataset.deals))
        return self

    def _effects(self) -> list[dict[str, Any]]:
        """What every disqualifier does to an account, with its reason text for the score rows."""
        effects = []
        for rule, effect in zip(self.icp.disqualifiers, self.value_.effects_):
            effect = dict(effect)
            flag = next((f for f in self.features_ if f.kind == "disqualifier" and f.name == rule.id), None)
            if effect["outcome"] == "win":
                effect["points"] = float(flag.learned("points")[1]) if flag is not None else 0.0
                effect["does"] = (
                    f"lowers P(win) ({effect['points']:+.0f} points, win odds x"
                    f"{2 ** (effect['points'] / POINTS_TO_DOUBLE):.2f}) and puts the account in tier D"
                    if flag is not None
                    else "puts the account in tier D (no points: see dropped)"
                )
                words = f"{effect['points']:+.0f}" if flag is not None else "tier D"
            else:
                words = effect["what"] or "not measured"
            effect["reason"] = f"{disqualifier_reason(rule)}: {words}"
            effects.append(effect)
        return effects


# -- workspace entry points ---------------------------------------------------------------------
def fit_scorecard(
    ws: Workspace,
    icp: ICP | None = None,
    as_of: object = None,
    dataset: Dataset | None = None,
    attributes: list[str] | None = None,
) -> ScoreCard:
    """A scorecard for ``icp`` (default: strategy/icp.yaml) fitted on the workspace's deals.
    ``attributes``: what the leakage guard left of ``dataset``'s attributes
    (``non_leaking_attributes(ws, dataset)``), when the caller has it already; by default the guard
    runs here."""
    from bullseye.core.dataset import build_dataset
    from bullseye.discover.leakage import non_leaking_attributes

    icp = icp if icp is not None else load_icp(ws.root)
    data = dataset if dataset is not None else build_dataset(ws, as_of=as_of)
    usable = list(attributes) if attributes is not None else non_leaking_attributes(ws, data)
    return ScoreCard(icp, attributes=usable).fit(data)  # no points on leaks


def score_one(card: ScoreCard, record: dict[str, Any]) -> dict[str, Any]:
    """Score one company given as a dict of attributes: the same result as its row in a table."""
    frame = pd.DataFrame({k: pd.Series([v], dtype=object) for k, v in record.items()})
    row = card.score(frame).iloc[0].to_dict()
    return {k: (v.item() if isinstance(v, np.generic) else v) for k, v in row.items()}
