"""The backtest of the ICP as written: does it pick better customers on data it was not found on?

The ICP in ``strategy/icp.yaml`` (hand edits included) is measured on the **holdout** period, the
newest part of the data (see :mod:`bullseye.core.dataset`):

* an account is **in the ICP** when it meets at least one criterion and no disqualifier;
* pipeline: new-business deals closed in the holdout: win rate (Wilson interval), days to close
  and ACV (medians, order-statistic intervals), discount (mean, t interval);
* retention: customers active at the cut or won after it, followed from then on (the same window
  discovery uses): Kaplan-Meier curves, a log-rank test, and churn events in the window; the
  expected lifetime and LTV come from a shifted-beta-geometric model fitted on the same customers
  by months of tenure (left-truncated at the cut);
* coverage: the share of the best customers (top decile by realised revenue) in tiers A and B;
* the cost of selling outside the ICP: the share of holdout deals outside it and how they went.

Example::

    result = ws.backtest()            # the draft ICP; writes nothing
    result.groups["ICP"]["win_rate"]  # Estimate(value, low, high)
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from scipy import stats

from bullseye.core.units import DURATION, EVENT, holdout_retention
from bullseye.results import Result
from bullseye.scoring.scorecard import ScoreCard, new_business, rule_mask
from bullseye.scoring.value import MONTH_DAYS, fit_lifetime
from bullseye.stats import kaplan_meier, logrank_test, wilson_interval
from bullseye.stats.lifetime import Estimate, ShiftedBetaGeometric, ltv
from bullseye.strategy.icp import ICP, load_icp

if TYPE_CHECKING:
    from bullseye.core.dataset import Dataset
    from bullseye.workspace import Workspace

__all__ = [
    "Backtest",
    "backtest",
    "icp_membership",
    "median_interval",
    "holdout_retention",
    "IN_ICP",
    "NOT_ICP",
    "DISQUALIFIED",
    "KM_CHART",
    "RETENTION_AT_DAYS",
]

IN_ICP, NOT_ICP, DISQUALIFIED = "ICP", "Not ICP", "Disqualified"
KM_CHART = "icp-churn-km.png"
#: Retention is reported as the share still a customer this many days into the holdout window.
RETENTION_AT_DAYS = 180


def icp_membership(icp: ICP, frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """(in the ICP, disqualified) for every row: in the ICP = meets at least one criterion and no
    disqualifier."""
    cache: dict = {}
    meets = np.zeros(len(frame), dtype=bool)
    for criterion in icp.criteria:
        meets |= rule_mask(criterion, frame, cache)
    disqualified = np.zeros(len(frame), dtype=bool)
    for rule in icp.disqualifiers:
        disqualified |= rule_mask(rule, frame, cache)
    return meets & ~disqualified, disqualified


def median_interval(values: Any, confidence: float = 0.95) -> Estimate:
    """The median with its distribution-free (order-statistic, binomial) interval."""
    x = np.sort(np.asarray(values, dtype=float)[np.isfinite(np.asarray(values, dtype=float))])
    n = len(x)
    if n == 0:
        return Estimate(math.nan, math.nan, math.nan)
    k = max(int(stats.binom.ppf((1 - confidence) / 2, n, 0.5)) - 1, 0)
    return Estimate(float(np.median(x)), float(x[k]), float(x[n - 1 - k]))


def _mean_interval(values: Any, confidence: float = 0.95) -> Estimate:
    x = np.asarray(values, dtype=float)
    x = x[np.isfinite(x)]
    if len(x) == 0:
        return Estimate(math.nan, math.nan, math.nan)
    if len(x) == 1:
        return Estimate(float(x[0]), math.nan, math.nan)
    half = stats.t.isf((1 - confidence) / 2, len(x) - 1) * x.std(ddof=1) / math.sqrt(len(x))
    return Estimate(float(x.mean()), float(x.mean() - half), float(x.mean() + half))


def _survival_at(curve: dict[str, np.ndarray], day: float) -> float | None:
    if len(curve["time"]) == 0 or curve["time"].max() < day:
        return None
    before = curve["time"] <= day
    return float(curve["survival"][before][-1]) if before.any() else 1.0


@dataclass(repr=False)
class Backtest(Result):
    """The result of :func:`backtest`; ``groups`` holds one dict of measures per group."""

    icp_version: str
    as_of: dt.date
    cutoff: dt.date | None  # None for a random split
    groups: dict[str, dict[str, Any]]
    logrank: dict[str, float | None]
    km: dict[str, dict[str, list[float]]]
    coverage: dict[str, Any]
    outside: dict[str, Any]
    tiers: pd.DataFrame
    calibration: dict[str, Any]
    margin: float
    currency: str = "USD"
    chart: Path | None = None
    notes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        def clean(value: Any) -> Any:
            if isinstance(value, Estimate):
                return value.to_dict()
            if isinstance(value, dict):
                return {k: clean(v) for k, v in value.items()}
            if isinstance(value, (list, tuple)):
                return [clean(v) for v in value]
            if isinstance(value, np.generic):
                value = value.item()
            if isinstance(value, float) and not math.isfinite(value):
                return None
            return value

        return clean(
            {
                "icp_version": self.icp_version,
                "as_of": self.as_of.isoformat(),
                "holdout_from": self.cutoff.isoformat() if self.cutoff else None,
                "currency": self.currency,
                "margin": self.margin,
                "groups": self.groups,
                "logrank": self.logrank,
                "coverage": self.coverage,
                "outside_icp": self.outside,
                "calibration": self.calibration,
                "tiers": self.tiers.to_dict(orient="records"),
                "km": self.km,
                "chart": str(self.chart) if self.chart else None,
                "notes": self.notes,
                "warnings": self.warnings,
            }
        )

    def chart_png(self) -> bytes | None:
        """The churn curves, ICP vs not, as PNG bytes (None without churn in the window)."""
        return _km_png(self) if any(g["churned"] for g in self.groups.values()) else None


def _group_row(
    name: str, deals: pd.DataFrame, window: pd.DataFrame, margin: float, random_state: int
) -> tuple[dict[str, Any], dict[str, np.ndarray], ShiftedBetaGeometric | None]:
    won = deals[deals["won"] == 1]
    low, high = wilson_interval(len(won), len(deals))
    curve = (
        kaplan_meier(window[DURATION], window[EVENT]) if len(window) else {"time": np.zeros(0), "survival": np.zeros(0)}
    )
    model = fit_lifetime(window, random_state)
    life = model.lifetime_estimate() if model is not None else Estimate(math.nan, math.nan, math.nan)
    value = ltv(margin, won["amount"], model, random_state) if model is not None else life
    capped = model is not None and model.at_cap(life.value)
    row = {
        "group": name,
        "deals": len(deals),
        "won": len(won),
        "win_rate": Estimate(len(won) / len(deals) if len(deals) else math.nan, float(low), float(high)),
        "days_to_close": median_interval(won["days_to_close"]),
        "discount": _mean_interval(won["discount"]),
        "acv": median_interval(won["amount"]),
        "customers": len(window),
        "churned": int(window[EVENT].sum()),
        "retention": _survival_at(curve, RETENTION_AT_DAYS),
        "lifetime_years": life,
        "ltv": value,
        # at the cap the data show too little churn to measure the lifetime: a lower bound, not a value
        "lifetime_capped": capped,
        "lifetime_cap_years": model.lifetime_cap() if model is not None else None,
        "lifetime_high_capped": model is not None and model.at_cap(life.high),
    }
    return row, curve, model


def backtest(
    ws: Workspace,
    icp: ICP | None = None,
    as_of: object = None,
    holdout_share: float = 0.3,
    margin: float = 1.0,
    chart: Path | str | bool | None = None,
    random_state: int = 0,
    dataset: Dataset | None = None,
    card: ScoreCard | None = None,
) -> Backtest:
    """Measure the ICP as written on the holdout period (see the module docstring). ``chart``: a
    path to write the churn curves to as PNG (True: ``reports/icp-churn-km.png``); nothing is
    written without it (``Backtest.chart_png()`` gives the bytes). ``dataset`` (built with
    ``as_of`` and ``holdout_share``) and ``card`` (``icp``'s scorecard fitted on it, as
    :func:`bullseye.scoring.scorecard.fit_scorecard` fits it) are reused when a caller has them."""
    from bullseye.core.dataset import build_dataset
    from bullseye.discover.leakage import non_leaking_attributes
    from bullseye.strategy.icp_warnings import icp_warnings

    icp = icp if icp is not None else load_icp(ws.root)
    data = dataset if dataset is not None else build_dataset(ws, as_of=as_of, holdout_share=holdout_share)
    deals = new_business(data.deals_in("holdout"), data.deals)
    window = holdout_retention(data.accounts, data.cutoff, data.as_of)
    deal_in, deal_dq = icp_membership(icp, deals)
    win_in, win_dq = icp_membership(icp, window)
    groups, curves, models = {}, {}, {}
    for name, deal_mask, window_mask in (
        (IN_ICP, deal_in, win_in),
        (NOT_ICP, ~deal_in, ~win_in),
        (DISQUALIFIED, deal_dq, win_dq),
    ):
        groups[name], curves[name], models[name] = _group_row(
            name, deals[deal_mask], window[window_mask], margin, random_state
        )
    statistic, p = (
        logrank_test(window[DURATION], window[EVENT], win_in)
        if win_in.any() and (~win_in).any() and window[EVENT].any()
        else (math.nan, math.nan)
    )
    opportunities = data.opportunities_in("discovery")
    has_wins = len(opportunities) > 0 and opportunities["won"].nunique() == 2
    # retention-only data (a churn snapshot) has no win model: the backtest measures churn alone
    if not has_wins:
        card = None
    elif card is None:
        card = ScoreCard(icp, attributes=non_leaking_attributes(ws, data)).fit(data)
    notes = [data.split_line] + (
        [f"'{k}' gives no points in the fit score: {v}" for k, v in card.dropped_criteria_.items()]
        if card is not None
        else [
            "No won and lost deals: the fit score, its tiers and calibration need them; this "
            "backtest measures churn, lifetime and LTV only."
        ]
    )
    if window.empty:
        notes.append(
            "No customers in the holdout window: churn, lifetime and LTV need the subscriptions table"
            + ("" if ws.has_table("subscriptions") else " (not loaded)")
            + "."
        )
    result = Backtest(
        icp_version=icp.content_hash(),
        as_of=data.as_of,
        cutoff=data.cutoff,
        groups=groups,
        logrank={"statistic": statistic, "p_value": p},
        km={
            k: {"days": c["time"].tolist(), "survival": c["survival"].tolist()}
            for k, c in curves.items()
            if k != DISQUALIFIED
        },
        coverage=_coverage(card, data.accounts) if card is not None else {"best_customers": 0},
        outside=_outside(groups, deals, deal_in),
        tiers=card.tier_table_ if card is not None else pd.DataFrame(),
        margin=margin,
        currency=ws.settings.currency,
        notes=notes,
        warnings=icp_warnings(icp, data.accounts),
        calibration={
            "ece": card.ece_,
            "monotone": card.monotone_,
            "order": card.order_,
            "tier_cuts": card.tier_cuts_,
            "tier_basis": card.tier_basis_,
            "reliability": card.calibration_.to_dict(orient="records"),
        }
        if card is not None
        else {},
    )
    if chart and window[EVENT].any():
        path = ws.reports_dir / KM_CHART if chart is True else Path(chart)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(_km_png(result))
        result.chart = path
    return result


def _coverage(card: ScoreCard, accounts: pd.DataFrame) -> dict[str, Any]:
    """Share of the best customers (top decile by realised revenue) that the tiers put in A or B."""
    tiers = card.score(accounts)["tier"].to_numpy()
    top_ab = np.isin(tiers, ["A", "B"])
    customers = accounts["first_start"].notna().to_numpy() & (accounts["realised_revenue"].fillna(0) > 0).to_numpy()
    revenue = accounts["realised_revenue"].to_numpy(float)
    if customers.sum() == 0:
        return {"best_customers": 0}
    threshold = np.quantile(revenue[customers], 0.9)
    best = customers & (revenue >= threshold)
    k, n = int((best & top_ab).sum()), int(best.sum())
    low, high = wilson_interval(k, n)
    return {
        "best_customers": n,
        "revenue_threshold": float(threshold),
        "in_tiers_ab": k,
        "share": Estimate(k / n, float(low), float(high)),
        "share_of_all_accounts": float(top_ab.mean()),
    }


def _outside(groups: dict[str, dict], deals: pd.DataFrame, deal_in: np.ndarray) -> dict[str, Any]:
    """The cost of selling outside the ICP: value per deal worked = win rate x LTV."""
    inside, outside = groups[IN_ICP], groups[NOT_ICP]
    n = len(deals)
    k = int((~deal_in).sum())
    low, high = wilson_interval(k, n)
    value = {name: g["win_rate"].value * g["ltv"].value for name, g in ((IN_ICP, inside), (NOT_ICP, outside))}
    cost = k * (value[IN_ICP] - value[NOT_ICP]) if all(map(math.isfinite, value.values())) else math.nan
    return {
        "deals": k,
        "share": Estimate(k / n if n else math.nan, float(low), float(high)),
        "won": outside["won"],
        "value_per_deal_icp": value[IN_ICP],
        "value_per_deal_outside": value[NOT_ICP],
        "cost": cost,
    }


def _km_png(result: Backtest) -> bytes:
    """Kaplan-Meier curves, ICP vs not, drawn on a Figure object: no pyplot, no backend switch."""
    from bullseye.render.charts import figure, png

    fig = figure(7, 4.2, dpi=120)
    ax = fig.add_subplot()
    for name, colour in ((IN_ICP, "#c0392b"), (NOT_ICP, "#7f8c8d")):
        curve = result.km[name]
        if not curve["days"]:
            continue
        months = np.concatenate([[0.0], np.asarray(curve["days"]) / MONTH_DAYS])
        survival = np.concatenate([[1.0], curve["survival"]])
        ax.step(
            months, survival, where="post", color=colour, label=f"{name} ({result.groups[name]['customers']} customers)"
        )
    p = result.logrank["p_value"]
    ax.set(
        xlabel="Months into the holdout window",
        ylabel="Still a customer",
        ylim=(0, 1.02),
        title="Churn in the holdout: ICP vs not" + (f" (log-rank p = {p:.2g})" if p == p else ""),
    )
    ax.grid(alpha=0.3)
    ax.legend(loc="lower left")
    fig.tight_layout()
    return png(fig)
