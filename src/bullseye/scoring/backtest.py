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

    result = backtest(ws)
    rich.print(result.to_rich())
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
from bullseye.scoring.scorecard import ScoreCard, new_business, rule_mask
from bullseye.scoring.tiers import order_sentence
from bullseye.scoring.value import MONTH_DAYS, fit_lifetime
from bullseye.stats import kaplan_meier, logrank_test, wilson_interval
from bullseye.stats.lifetime import Estimate, ShiftedBetaGeometric, ltv
from bullseye.strategy.icp import ICP, load_icp

if TYPE_CHECKING:
    from bullseye.workspace import Workspace

__all__ = ["Backtest", "backtest", "icp_membership", "median_interval", "holdout_retention", "IN_ICP", "NOT_ICP",
           "DISQUALIFIED", "KM_CHART", "RETENTION_AT_DAYS"]

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


@dataclass
class Backtest:
    """The result of :func:`backtest`; ``groups`` holds one dict of measures per group."""

    icp_version: str
    as_of: dt.date
    cutoff: dt.date
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

        return clean({
            "icp_version": self.icp_version, "as_of": self.as_of.isoformat(), "holdout_from": self.cutoff.isoformat() if self.cutoff else None,
            "currency": self.currency, "margin": self.margin, "groups": self.groups, "logrank": self.logrank,
            "coverage": self.coverage, "outside_icp": self.outside, "calibration": self.calibration,
            "tiers": self.tiers.to_dict(orient="records"), "km": self.km,
            "chart": str(self.chart) if self.chart else None, "notes": self.notes,
            "warnings": self.warnings,
        })

    def to_rich(self):
        """Readable tables: ICP vs not on the holdout, the tiers, coverage and the cost of outside deals."""
        from rich import box
        from rich.console import Group
        from rich.table import Table
        from rich.text import Text

        def est(value: Estimate, fmt: str = "{:,.0f}") -> str:
            if not math.isfinite(value.value):
                return "–"
            if not math.isfinite(value.low):
                return fmt.format(value.value)
            return f"{fmt.format(value.value)} ({fmt.format(value.low)}-{fmt.format(value.high)})"

        def capped(group: dict, value: Estimate, fmt: str, suffix: str) -> str:
            """A lifetime (and the LTV built on it) at the model's cap is a lower bound: '≥ 10.5 (cap)'."""
            if group.get("lifetime_capped") and math.isfinite(value.value):
                return f"≥ {fmt.format(value.value)}{suffix}"
            return est(value, fmt)

        pct, money = "{:.0%}", "{:,.0f}"
        table = Table(title=f"The ICP on the holdout ({f'accounts first seen from {self.cutoff}' if self.cutoff else 'a random share of accounts'}, as of {self.as_of})",
                      title_justify="left", box=box.SIMPLE_HEAVY)
        table.add_column("", no_wrap=True)
        for name in self.groups:
            table.add_column(name, justify="right", overflow="fold")
        measures = (
            ("New-business deals", lambda g: f"{g['deals']:,}"),
            ("Win rate (95% CI)", lambda g: est(g["win_rate"], pct)),
            ("Days to close, median", lambda g: est(g["days_to_close"])),
            ("Discount, mean", lambda g: est(g["discount"], "{:.1%}")),
            (f"ACV, median ({self.currency})", lambda g: est(g["acv"], money)),
            ("Customers in the window", lambda g: f"{g['customers']:,}"),
            ("Churned in the window", lambda g: f"{g['churned']:,}"),
            (f"Kept {RETENTION_AT_DAYS} days (KM)", lambda g: "–" if g["retention"] is None else f"{g['retention']:.0%}"),
            ("Lifetime, years (sBG)", lambda g: capped(g, g["lifetime_years"], "{:.1f}", " (cap)")),
            (f"LTV ({self.currency}, " + (f"{self.margin:.0%} margin)" if self.margin != 1 else "revenue)"),
             lambda g: capped(g, g["ltv"], money, "")),
        )
        for label, fmt in measures:
            table.add_row(label, *(fmt(g) for g in self.groups.values()))
        p = self.logrank["p_value"]
        lines = [f"Churn, ICP vs not: log-rank p = {p:.2g}" if p is not None and p == p else
                 "Churn, ICP vs not: not tested (it needs customers in both groups and churn in the window)"]
        cov = self.coverage
        if cov.get("best_customers"):
            lines.append(f"Coverage: {est(cov['share'], pct)} of the {cov['best_customers']} best customers "
                         f"(top decile by realised revenue) are in tiers A/B, which hold "
                         f"{cov['share_of_all_accounts']:.0%} of all accounts.")
        out = self.outside
        share = out["share"]
        if out["deals"] or share.value == share.value:
            lines.append(f"Outside the ICP: {out['deals']:,} of the holdout deals ({share.value:.0%}; 95% CI "
                         f"{share.low:.0%}-{share.high:.0%}), {out['won']:,} of them won.")
        if out["cost"] == out["cost"]:
            lines.append(f"Value per deal worked (win rate x LTV): {out['value_per_deal_icp']:,.0f} {self.currency} "
                         f"in the ICP, {out['value_per_deal_outside']:,.0f} outside. Worth as much as ICP deals, the "
                         f"outside deals would have brought {out['cost']:,.0f} {self.currency} more.")
        if any(g.get("lifetime_capped") for g in self.groups.values()):
            lines.append("Lifetimes marked '≥' are at the model's cap (a customer who never churns, discounted): "
                         "too little churn to measure them, so they and their LTV are lower bounds.")
        extra = [Text(line) for line in lines + self.notes]
        if self.chart:
            extra.append(Text(f"Chart: {self.chart}"))
        if not self.calibration:  # no win model (retention-only data): no tiers to show
            return Group(table, *extra)
        tiers = Table(title="Tiers on the holdout", title_justify="left", box=box.SIMPLE_HEAVY)
        for column in ("Tier", "Deals", "Win rate (95% CI)", "Predicted", "ACV, median", "Value per deal"):
            tiers.add_column(column, justify="left" if column == "Tier" else "right")
        for row in self.tiers.to_dict(orient="records"):
            tiers.add_row(row["tier"], f"{row['deals']:,}", est(Estimate(row["win_rate"], row["win_rate_low"],
                                                                         row["win_rate_high"]), pct),
                          "–" if row["predicted"] != row["predicted"] else f"{row['predicted']:.0%}",
                          "–" if row["acv_median"] != row["acv_median"] else money.format(row["acv_median"]),
                          "–" if row["value_per_deal"] != row["value_per_deal"] else money.format(row["value_per_deal"]))
        order = self.calibration["order"]
        empty = [t for t in order["empty"]]
        tiers.caption = " ".join([order_sentence(order, "win_rate"), order_sentence(order, "value_per_deal")]
                                 + ([f"No holdout deals in {', '.join(empty)}."] if empty else [])
                                 + [f"Calibration error (ECE): {self.calibration['ece']:.3f}."])
        tiers.caption_justify = "left"
        return Group(table, *extra, tiers)


def _group_row(name: str, deals: pd.DataFrame, window: pd.DataFrame, margin: float,
               random_state: int) -> tuple[dict[str, Any], dict[str, np.ndarray], ShiftedBetaGeometric | None]:
    won = deals[deals["won"] == 1]
    low, high = wilson_interval(len(won), len(deals))
    curve = kaplan_meier(window[DURATION], window[EVENT]) if len(window) else \
        {"time": np.zeros(0), "survival": np.zeros(0)}
    model = fit_lifetime(window, random_state)
    life = model.lifetime_estimate() if model is not None else Estimate(math.nan, math.nan, math.nan)
    value = ltv(margin, won["amount"], model, random_state) if model is not None else life
    capped = model is not None and model.at_cap(life.value)
    row = {
        "group": name, "deals": len(deals), "won": len(won),
        "win_rate": Estimate(len(won) / len(deals) if len(deals) else math.nan, float(low), float(high)),
        "days_to_close": median_interval(won["days_to_close"]), "discount": _mean_interval(won["discount"]),
        "acv": median_interval(won["amount"]), "customers": len(window), "churned": int(window[EVENT].sum()),
        "retention": _survival_at(curve, RETENTION_AT_DAYS), "lifetime_years": life, "ltv": value,
        # at the cap the data show too little churn to measure the lifetime: a lower bound, not a value
        "lifetime_capped": capped, "lifetime_cap_years": model.lifetime_cap() if model is not None else None,
        "lifetime_high_capped": model is not None and model.at_cap(life.high),
    }
    return row, curve, model


def backtest(ws: Workspace, icp: ICP | None = None, as_of: object = None, holdout_share: float = 0.3,
             margin: float = 1.0, chart: bool = True, random_state: int = 0) -> Backtest:
    """Measure the ICP as written on the holdout period (see the module docstring)."""
    from bullseye.core.dataset import build_dataset
    from bullseye.discover.leakage import non_leaking_attributes
    from bullseye.strategy.icp_warnings import icp_warnings

    icp = icp if icp is not None else load_icp(ws.root)
    data = build_dataset(ws, as_of=as_of, holdout_share=holdout_share)
    deals = new_business(data.deals_in("holdout"), data.deals)
    window = holdout_retention(data.accounts, data.cutoff, data.as_of)
    deal_in, deal_dq = icp_membership(icp, deals)
    win_in, win_dq = icp_membership(icp, window)
    groups, curves, models = {}, {}, {}
    for name, deal_mask, window_mask in ((IN_ICP, deal_in, win_in), (NOT_ICP, ~deal_in, ~win_in),
                                         (DISQUALIFIED, deal_dq, win_dq)):
        groups[name], curves[name], models[name] = _group_row(name, deals[deal_mask], window[window_mask], margin,
                                                              random_state)
    statistic, p = logrank_test(window[DURATION], window[EVENT], win_in) \
        if win_in.any() and (~win_in).any() and window[EVENT].any() else (math.nan, math.nan)
    opportunities = data.opportunities_in("discovery")
    has_wins = len(opportunities) > 0 and opportunities["won"].nunique() == 2
    # retention-only data (a churn snapshot) has no win model: the backtest measures churn alone
    card = ScoreCard(icp, attributes=non_leaking_attributes(ws, data)).fit(data) if has_wins else None
    notes = [data.split_line] + ([f"'{k}' gives no points in the fit score: {v}" for k, v in card.dropped_criteria_.items()]
                                 if card is not None else
                                 ["No won and lost deals: the fit score, its tiers and calibration need them; this "
                                  "backtest measures churn, lifetime and LTV only."])
    if window.empty:
        notes.append("No customers in the holdout window: churn, lifetime and LTV need the subscriptions table"
                     + ("" if ws.has_table("subscriptions") else " (not loaded)") + ".")
    result = Backtest(
        icp_version=icp.content_hash(), as_of=data.as_of, cutoff=data.cutoff, groups=groups,
        logrank={"statistic": statistic, "p_value": p},
        km={k: {"days": c["time"].tolist(), "survival": c["survival"].tolist()} for k, c in curves.items()
            if k != DISQUALIFIED},
        coverage=_coverage(card, data.accounts) if card is not None else {"best_customers": 0},
        outside=_outside(groups, deals, deal_in),
        tiers=card.tier_table_ if card is not None else pd.DataFrame(), margin=margin, currency=ws.settings.currency,
        notes=notes, warnings=icp_warnings(icp, data.accounts),
        calibration={"ece": card.ece_, "monotone": card.monotone_, "order": card.order_, "tier_cuts": card.tier_cuts_,
                     "tier_basis": card.tier_basis_, "reliability": card.calibration_.to_dict(orient="records")}
        if card is not None else {},
    )
    if chart and window[EVENT].any():
        result.chart = _km_chart(result, ws.reports_dir / KM_CHART)
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
    return {"best_customers": n, "revenue_threshold": float(threshold), "in_tiers_ab": k,
            "share": Estimate(k / n, float(low), float(high)), "share_of_all_accounts": float(top_ab.mean())}


def _outside(groups: dict[str, dict], deals: pd.DataFrame, deal_in: np.ndarray) -> dict[str, Any]:
    """The cost of selling outside the ICP: value per deal worked = win rate x LTV."""
    inside, outside = groups[IN_ICP], groups[NOT_ICP]
    n = len(deals)
    k = int((~deal_in).sum())
    low, high = wilson_interval(k, n)
    value = {name: g["win_rate"].value * g["ltv"].value for name, g in ((IN_ICP, inside), (NOT_ICP, outside))}
    cost = k * (value[IN_ICP] - value[NOT_ICP]) if all(map(math.isfinite, value.values())) else math.nan
    return {"deals": k, "share": Estimate(k / n if n else math.nan, float(low), float(high)),
            "won": outside["won"], "value_per_deal_icp": value[IN_ICP], "value_per_deal_outside": value[NOT_ICP],
            "cost": cost}


def _km_chart(result: Backtest, path: Path) -> Path | None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4.2), dpi=120)
    for name, colour in ((IN_ICP, "#c0392b"), (NOT_ICP, "#7f8c8d")):
        curve = result.km[name]
        if not curve["days"]:
            continue
        months = np.concatenate([[0.0], np.asarray(curve["days"]) / MONTH_DAYS])
        survival = np.concatenate([[1.0], curve["survival"]])
        ax.step(months, survival, where="post", color=colour,
                label=f"{name} ({result.groups[name]['customers']} customers)")
    p = result.logrank["p_value"]
    ax.set(xlabel="Months into the holdout window", ylabel="Still a customer", ylim=(0, 1.02),
           title="Churn in the holdout: ICP vs not" + (f" (log-rank p = {p:.2g})" if p == p else ""))
    ax.grid(alpha=0.3)
    ax.legend(loc="lower left")
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path
