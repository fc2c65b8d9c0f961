"""Market sizing: the waterfall from the universe to the customers, TAM/SAM/SOM, and the whitespace.

* The waterfall applies the target audience's criteria one by one (how many companies each one
  removes), then the ICP (meets a criterion), its disqualifiers, and finally how much of the ICP
  market is already in the CRM and already a customer (saturation).
* TAM is the audience valued at the median first-year value (ACV) of won new-business deals of
  its segment; SAM is the ICP-fit part of it valued at the ICP's ACV; SOM is what the sales team
  can win in a year: reps x closed deals per rep x the ICP win rate (all measured on the last
  twelve months of the CRM), capped by the SAM. Every figure says where it comes from.
* Whitespace: ICP-fit companies of the universe not yet in the CRM, scored and tiered by the same
  scorecard as accounts, ready to export as a prospect list.

Universe industries are read through the workspace's segments (``strategy/industries.yaml``) so
the ICP's conditions ("industry = E-commerce") apply to a provider's labels ("Internet Retail").
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from bullseye.discover.dataset import build_dataset
from bullseye.discover.stats import wilson_interval
from bullseye.errors import BullseyeError
from bullseye.market.industries import load_segments, with_segments
from bullseye.market.matching import match_companies
from bullseye.score import new_business, rule_mask
from bullseye.strategy.audience import Audience
from bullseye.strategy.icp import ICP

if TYPE_CHECKING:
    from bullseye.workspace import Workspace

__all__ = ["MarketSize", "size_market", "universe_frame", "funnel_chart", "MIN_WON_FOR_SEGMENT_ACV"]

#: A segment's own ACV is used from this many won deals on; below it the overall median stands in.
MIN_WON_FOR_SEGMENT_ACV = 5
FUNNEL_CHART = "market-funnel.png"


def universe_frame(ws: Workspace) -> pd.DataFrame:
    """The universe with its industries mapped onto the workspace's segments (raw label kept)."""
    universe = ws.table("universe", needed_for="market sizing").to_pandas()
    universe = universe[[c for c in universe.columns if not c.startswith("_")]]
    return with_segments(universe, load_segments(ws.root))


@dataclass
class MarketSize:
    as_of: dt.date
    currency: str
    waterfall: pd.DataFrame  # step, companies, removed, note
    sizing: pd.DataFrame  # name, companies, value, how
    assumptions: pd.DataFrame  # name, value, source
    whitespace: pd.DataFrame
    match_summary: dict[str, Any] = field(default_factory=dict)
    acv_by_segment: pd.DataFrame = field(default_factory=pd.DataFrame)

    def to_dict(self) -> dict[str, Any]:
        def records(frame: pd.DataFrame) -> list[dict]:
            return frame.replace({np.nan: None}).to_dict(orient="records")

        return {"as_of": self.as_of.isoformat(), "currency": self.currency, "waterfall": records(self.waterfall),
                "sizing": records(self.sizing), "assumptions": records(self.assumptions),
                "acv_by_segment": records(self.acv_by_segment), "matching": self.match_summary,
                "whitespace": {"companies": len(self.whitespace),
                               "by_tier": self.whitespace["tier"].value_counts().sort_index().to_dict()
                               if len(self.whitespace) else {}}}

    def to_rich(self):
        from rich import box
        from rich.console import Group
        from rich.table import Table

        waterfall = Table(title=f"From the universe to the customers (as of {self.as_of})", title_justify="left",
                          box=box.SIMPLE_HEAVY)
        for name, justify in (("Step", "left"), ("Companies", "right"), ("Removed", "right"), ("", "left")):
            waterfall.add_column(name, justify=justify)
        for row in self.waterfall.itertuples():
            removed = "" if pd.isna(row.removed) else f"-{int(row.removed):,}"
            waterfall.add_row(row.step, f"{int(row.companies):,}", removed, row.note)
        sizing = Table(title=f"Market size per year ({self.currency})", title_justify="left", box=box.SIMPLE_HEAVY)
        for name, justify in (("", "left"), ("Companies", "right"), ("Value", "right"), ("How", "left")):
            sizing.add_column(name, justify=justify)
        for row in self.sizing.itertuples():
            sizing.add_row(row.name, f"{int(row.companies):,}", _money(row.value), row.how)
        assumptions = Table(title="Assumptions", title_justify="left", box=box.SIMPLE_HEAVY)
        for name in ("Figure", "Value", "Source"):
            assumptions.add_column(name)
        for row in self.assumptions.itertuples():
            assumptions.add_row(row.name, row.value, row.source)
        return Group(waterfall, sizing, assumptions)


def _money(value: float) -> str:
    if value is None or not math.isfinite(value):
        return "–"
    for scale, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= scale:
            return f"{value / scale:,.1f}{suffix}"
    return f"{value:,.0f}"


def _acv_by_segment(won: pd.DataFrame) -> tuple[pd.DataFrame, float]:
    amounts = pd.to_numeric(won["amount"], errors="coerce")
    overall = float(amounts.median()) if amounts.notna().any() else float("nan")
    table = (won.assign(amount=amounts).dropna(subset=["amount"]).groupby("industry")["amount"]
             .agg(["median", "size"]).rename(columns={"median": "acv", "size": "won_deals"}).reset_index())
    table["measured"] = table["won_deals"] >= MIN_WON_FOR_SEGMENT_ACV
    return table, overall


def _value(companies: pd.DataFrame, acv: pd.DataFrame, fallback: float) -> float:
    measured = acv[acv["measured"]].set_index("industry")["acv"]
    per = companies["industry"].map(measured).astype(float).fillna(fallback)
    return float(per.sum())


def _could_fit(icp: ICP, rows: pd.DataFrame, meets: np.ndarray) -> tuple[np.ndarray, list[str]]:
    """Companies not known to meet an ICP criterion but that would if their missing fields allowed:
    every condition is met or has no value. Returns them and the attributes to enrich."""
    could = np.zeros(len(rows), dtype=bool)
    lacking: set[str] = set()
    for criterion in icp.criteria:
        possible = np.ones(len(rows), dtype=bool)
        unknown = np.zeros(len(rows), dtype=bool)
        for condition in criterion.conditions:
            empty = rows[condition.attribute].isna().to_numpy()
            possible &= condition.mask(rows) | empty
            unknown |= empty
        hit = possible & unknown & ~meets
        if hit.any():
            lacking |= {c.attribute for c in criterion.conditions if rows.loc[hit, c.attribute].isna().any()}
        could |= hit
    return could, sorted(lacking)


def _capacity(ws: Workspace, deals: pd.DataFrame, as_of: dt.date) -> tuple[int, float, int]:
    """Reps (deal owners) with a closed new-business deal in the last twelve months, closed deals
    per rep, and those deals."""
    start = pd.Timestamp(as_of) - pd.DateOffset(years=1)
    recent = deals[pd.to_datetime(deals["decided_at"]) >= start]
    raw = ws.table("deals")
    if "owner" not in raw.columns:
        return 0, float("nan"), len(recent)
    owners = raw.select("deal_id", "owner").to_pandas().drop_duplicates("deal_id").set_index("deal_id")["owner"]
    recent_owners = recent["deal_id"].map(owners).dropna()
    reps = int(recent_owners.nunique())
    return reps, (len(recent_owners) / reps if reps else float("nan")), len(recent_owners)


def size_market(ws: Workspace, audience: Audience, icp: ICP, scorecard=None) -> MarketSize:
    """The waterfall, TAM/SAM/SOM and whitespace of ``audience`` and ``icp`` over the universe."""
    from bullseye.outcomes import resolve_as_of
    from bullseye.validate import icp_membership

    universe = universe_frame(ws)
    if universe.empty:
        raise BullseyeError("the universe table is empty: load a list of companies into it (see docs/market.md)")
    missing = sorted(a for a in audience.attributes() | {c.attribute for r in [*icp.criteria, *icp.disqualifiers]
                                                         for c in r.conditions} if a not in universe.columns)
    # A condition on a field the market list does not have is unknown for every company, not false:
    # such companies land in "could fit" with the field named for enrichment.
    universe = universe.assign(**{name: np.nan for name in missing})
    rows = [("Universe", len(universe), np.nan, "companies in the universe table")]
    keep = np.ones(len(universe), dtype=bool)
    for criterion in audience.criteria:
        after = keep & criterion.mask(universe)
        rows.append((criterion.name, int(after.sum()), int(keep.sum() - after.sum()), criterion.label))
        keep = after
    audience_rows = universe[keep]
    rows.append(("Target audience", len(audience_rows), np.nan, f"{len(audience_rows) / len(universe):.0%} of the universe"))
    cache: dict = {}
    meets = np.zeros(len(audience_rows), dtype=bool)
    for criterion in icp.criteria:
        meets |= rule_mask(criterion, audience_rows, cache)
    rows.append(("Meets an ICP criterion", int(meets.sum()), int(len(audience_rows) - meets.sum()),
                 " or ".join(c.label for c in icp.criteria) or "the ICP has no criteria"))
    fit, _ = icp_membership(icp, audience_rows)
    rows.append(("ICP fit (no disqualifier)", int(fit.sum()), int(meets.sum() - fit.sum()),
                 "; ".join(d.label for d in icp.disqualifiers) or "no disqualifiers"))
    could, lacking = _could_fit(icp, audience_rows, meets)
    icp_rows = audience_rows[fit]

    accounts = ws.table("accounts").to_pandas()
    matched = match_companies(universe, accounts)
    account_of = matched.matches.set_index("company_id")["account_id"]
    in_crm = icp_rows["company_id"].isin(account_of.index).to_numpy()
    data = build_dataset(ws)
    customers = set(data.accounts.loc[data.accounts["is_customer"].eq(True), "account_id"])
    is_customer = icp_rows["company_id"].map(account_of).isin(customers).to_numpy() & in_crm
    rows.append(("ICP fit, already in the CRM", int(in_crm.sum()), int(fit.sum() - in_crm.sum()),
                 f"matched by domain or name ({matched.summary.get('ambiguous', 0):,} ambiguous matches not counted)"))
    rows.append(("ICP fit, already customers", int(is_customer.sum()), int(in_crm.sum() - is_customer.sum()),
                 f"saturation: {is_customer.sum() / max(fit.sum(), 1):.1%} of the ICP market is won"))
    waterfall = pd.DataFrame(rows, columns=["step", "companies", "removed", "note"])
    if could.any():
        waterfall.loc[len(waterfall)] = ("Could fit, data missing", int(could.sum()), np.nan,
                                         f"meet every ICP condition that is known; enrich {', '.join(lacking)}")

    as_of = resolve_as_of(ws)
    deals = new_business(data.deals)
    won = deals[deals["won"] == 1]
    acv, overall = _acv_by_segment(won)
    in_icp, _ = icp_membership(icp, deals)
    icp_won = deals[in_icp & (deals["won"] == 1)]
    icp_acv = float(pd.to_numeric(icp_won["amount"], errors="coerce").median()) if len(icp_won) else overall
    k, n = int(deals.loc[in_icp, "won"].sum()), int(in_icp.sum())
    win_rate = k / n if n else float("nan")
    low, high = wilson_interval(k, n) if n else (np.nan, np.nan)
    reps, per_rep, recent = _capacity(ws, deals, as_of)
    winnable = reps * per_rep * win_rate if reps else float("nan")
    open_icp = int(fit.sum() - is_customer.sum())
    som_companies = int(min(open_icp, winnable)) if math.isfinite(winnable) else 0
    sizing = pd.DataFrame([
        ("TAM", len(audience_rows), _value(audience_rows, acv, overall),
         "the target audience x the median ACV of won deals in its segment"),
        ("SAM", int(fit.sum()), float(fit.sum() * icp_acv), "the ICP-fit part of the audience x the ICP's median ACV"),
        ("SOM (a year)", som_companies, float(som_companies * icp_acv),
         "reps x closed deals per rep a year x the ICP win rate, capped by the ICP companies not yet customers"),
    ], columns=["name", "companies", "value", "how"])
    fallback_note = (f"{int((~acv['measured']).sum())} segments with fewer than {MIN_WON_FOR_SEGMENT_ACV} won deals "
                     f"use the overall median") if len(acv) else "no won deals: no ACV"
    assumptions = pd.DataFrame([
        ("ACV per segment", f"median {_money(overall)} over all", f"{len(won):,} won new-business deals; {fallback_note}"),
        ("ICP ACV", _money(icp_acv), f"median of {len(icp_won):,} won deals with ICP accounts"),
        ("ICP win rate", f"{win_rate:.0%} ({float(low):.0%}-{float(high):.0%})" if n else "–",
         f"{n:,} closed new-business deals with ICP accounts"),
        ("Sales reps", f"{reps}", "deal owners with a closed deal in the last 12 months"),
        ("Closed deals per rep a year", f"{per_rep:.0f}" if reps else "–", f"{recent:,} deals closed in the last 12 months"),
        ("Fields the universe lacks", ", ".join(missing) or "none",
         "conditions on them are unknown for every company (not counted as met)"),
        ("Companies that could fit", f"{int(could.sum()):,}",
         f"not counted in the SAM: their {', '.join(lacking)} is missing" if could.any() else "none: the data is complete"),
        ("Universe industries", f"{int(universe['industry'].notna().sum()):,} labelled",
         "mapped onto the workspace's segments (strategy/industries.yaml) and the taxonomy"),
    ], columns=["name", "value", "source"])
    whitespace = icp_rows[~in_crm].copy()
    if scorecard is not None and len(whitespace):
        scores = scorecard.score(whitespace)
        whitespace = pd.concat([whitespace.reset_index(drop=True),
                                scores.drop(columns=[c for c in scores.columns if c in whitespace.columns])
                                .reset_index(drop=True)], axis=1)
        whitespace = whitespace.sort_values("fit_score", ascending=False, kind="stable").reset_index(drop=True)
    elif len(whitespace):
        whitespace = whitespace.assign(fit_score=np.nan, tier="")
    return MarketSize(as_of, ws.settings.currency, waterfall, sizing, assumptions, whitespace,
                      dict(matched.summary), acv)


def funnel_chart(result: MarketSize, path: Path) -> Path:
    """The waterfall drawn as a funnel: one centred bar per step, widths in proportion."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    steps = result.waterfall[result.waterfall["step"] != "Could fit, data missing"]
    fig, ax = plt.subplots(figsize=(8, 0.5 * len(steps) + 1.2))
    # Square-root widths: the last steps are a small fraction of the universe and would vanish.
    widest = math.sqrt(max(float(steps["companies"].max()), 1.0))
    colours = plt.cm.Greens(np.linspace(0.35, 0.9, len(steps)))
    for i, row in enumerate(steps.itertuples()):
        width = max(math.sqrt(row.companies) / widest, 0.01)
        ax.barh(i, width, left=(1 - width) / 2, color=colours[i], height=0.8)
        ax.text(0.5, i, f"{row.step}: {int(row.companies):,}", ha="center", va="center", fontsize=9,
                bbox={"facecolor": "white", "alpha": 0.85, "edgecolor": "none", "pad": 1.5})
    ax.set_ylim(len(steps) - 0.5, -0.5)
    ax.set_xlim(0, 1)
    ax.axis("off")
    ax.set_title(f"The market, from the universe to the customers (as of {result.as_of})", fontsize=11, loc="left")
    ax.text(0, -0.02, "Bar widths: square root of the number of companies.", transform=ax.transAxes, fontsize=7,
            color="grey", va="top")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path
