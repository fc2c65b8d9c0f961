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

A universe has millions of companies (bench/bench_sizing.py: 5,000,000), so sizing reads only the
columns the conditions use, keeps text as categories and evaluates each condition once per
distinct value; it compares with the CRM only the companies that share a name or web domain key
with an account (the others cannot match), and reads whole rows only for the whitespace (see
:mod:`bullseye.market.universe_scan`). The figures are those of the plain definition: every
condition row by row, every company matched.
"""

from __future__ import annotations

import datetime as dt
import math
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import pyarrow as pa

from bullseye.core.dataset import build_dataset
from bullseye.errors import NotEnoughDataError
from bullseye.market.industries import load_segments, with_segments
from bullseye.market.universe_scan import MATCH_COLUMNS, fetch_rows, match_universe, read_universe, universe_rows
from bullseye.results import Result
from bullseye.scoring.features import condition_mask
from bullseye.scoring.scorecard import new_business, rule_mask
from bullseye.stats import wilson_interval
from bullseye.strategy.audience import Audience, AudienceCriterion
from bullseye.strategy.icp import ICP, Criterion, Disqualifier

if TYPE_CHECKING:
    from bullseye.workspace import Workspace

__all__ = ["MarketSize", "size_market", "universe_frame", "MIN_WON_FOR_SEGMENT_ACV", "FUNNEL_CHART", "RESTS_ON"]

#: A segment's own ACV is used from this many won deals on; below it the overall median stands in.
MIN_WON_FOR_SEGMENT_ACV = 5
FUNNEL_CHART = "market-funnel.png"
_NUMERIC_OPS = {">=", ">", "<", "<=", "between"}


def universe_frame(ws: Workspace) -> pd.DataFrame:
    """The universe with its industries mapped onto the workspace's segments (raw label kept)."""
    universe = ws.table("universe", needed_for="market sizing").to_pandas()
    universe = universe[[c for c in universe.columns if not c.startswith("_")]]
    return with_segments(universe, load_segments(ws.root))


#: The assumptions (records of ``MarketSize.assumptions``) each sizing figure rests on.
RESTS_ON = {
    "TAM": ("ACV per segment", "Universe industries labelled"),
    "SAM": ("ICP ACV", "Fields the universe lacks", "Companies that could fit"),
    "SOM (a year)": ("ICP win rate", "Sales reps", "Closed deals per rep a year", "ICP ACV"),
}


@dataclass(repr=False)
class MarketSize(Result):
    """The market from the universe down: the waterfall, TAM/SAM/SOM and the figures they rest on
    (all numbers; the render layer words them), and the whitespace (ICP-fit companies not in the CRM).

    ``assumptions``: one record per figure, ``{"name", "value", "low", "high", "unit", "source"}``;
    ``unit`` is ``money``, ``share``, ``count`` or ``fields`` (``value`` then lists field names).
    ``definitions``: the ICP version sized (``v1 (hash)`` or ``draft``); ``notes``: what the reader
    must know (e.g. that the draft stood in because nothing is published)."""

    as_of: dt.date
    currency: str
    waterfall: pd.DataFrame  # step, companies, removed, note
    sizing: pd.DataFrame  # name, companies, value, how
    assumptions: list[dict[str, Any]]
    whitespace: pd.DataFrame
    match_summary: dict[str, Any] = field(default_factory=dict)
    acv_by_segment: pd.DataFrame = field(default_factory=pd.DataFrame)
    definitions: str = "draft"
    notes: list[str] = field(default_factory=list)
    audience_file: bool = True  # False: no audience definition, the whole universe is the audience
    files: dict[str, Path] = field(default_factory=dict)  # what was written on request: whitespace, chart

    def assumption(self, name: str) -> dict[str, Any]:
        """The assumption record called ``name``."""
        for record in self.assumptions:
            if record["name"] == name:
                return record
        raise KeyError(name)

    @property
    def whitespace_tiers(self) -> dict[str, int]:
        if not len(self.whitespace) or "tier" not in self.whitespace.columns:
            return {}
        return {str(k): int(v) for k, v in self.whitespace["tier"].value_counts().sort_index().items()}

    def to_dict(self) -> dict[str, Any]:
        from bullseye.render.encoder import jsonable

        return jsonable(
            {
                "as_of": self.as_of,
                "currency": self.currency,
                "definitions": self.definitions,
                "notes": self.notes,
                "audience_defined": self.audience_file,
                "waterfall": self.waterfall,
                "sizing": self.sizing.assign(rests_on=[list(RESTS_ON.get(n, ())) for n in self.sizing["name"]]),
                "assumptions": self.assumptions,
                "acv_by_segment": self.acv_by_segment,
                "matching": self.match_summary,
                "whitespace": {"companies": len(self.whitespace), "by_tier": self.whitespace_tiers},
                "files": self.files,
            }
        )

    def write_whitespace(self, path: Path) -> Path:
        """Write the whitespace prospect list (CSV) to ``path``."""
        from bullseye.io import write_csv

        path.parent.mkdir(parents=True, exist_ok=True)
        write_csv(self.whitespace, path)
        self.files["whitespace"] = path
        return path

    def write_funnel_chart(self, path: Path) -> Path:
        """Write the funnel chart (PNG, or SVG for a ``.svg`` path) to ``path``."""
        path.parent.mkdir(parents=True, exist_ok=True)
        from bullseye.render.charts import funnel_chart

        path.write_bytes(funnel_chart(self, "svg" if path.suffix.lower() == ".svg" else "png"))
        self.files["chart"] = path
        return path


def _record(
    name: str, value: Any, unit: str, source: str, low: float | None = None, high: float | None = None
) -> dict[str, Any]:
    return {"name": name, "value": value, "low": low, "high": high, "unit": unit, "source": source}


def _acv_by_segment(won: pd.DataFrame) -> tuple[pd.DataFrame, float]:
    amounts = pd.to_numeric(won["amount"], errors="coerce")
    overall = float(amounts.median()) if amounts.notna().any() else float("nan")
    table = (
        won.assign(amount=amounts)
        .dropna(subset=["amount"])
        .groupby("industry")["amount"]
        .agg(["median", "size"])
        .rename(columns={"median": "acv", "size": "won_deals"})
        .reset_index()
    )
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
    cache: dict = {}
    for criterion in icp.criteria:
        possible = np.ones(len(rows), dtype=bool)
        unknown = np.zeros(len(rows), dtype=bool)
        for condition in criterion.conditions:
            empty = rows[condition.attribute].isna().to_numpy()
            possible &= condition_mask(condition, rows, cache) | empty
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


def size_market(ws: Workspace, audience: Audience, icp: ICP, scorecard=None, dataset=None) -> MarketSize:
    """The waterfall, TAM/SAM/SOM and whitespace of ``audience`` and ``icp`` over the universe.
    ``dataset``: the workspace's discovery dataset, when the caller has built it already."""
    with ThreadPoolExecutor(max_workers=2) as pool:
        return _size_market(ws, audience, icp, scorecard, pool, dataset)


def _size_market(
    ws: Workspace, audience: Audience, icp: ICP, scorecard, pool: ThreadPoolExecutor, dataset=None
) -> MarketSize:
    from bullseye.outcomes.per_account import resolve_as_of
    from bullseye.scoring.backtest import icp_membership

    table = ws.table("universe", needed_for="market sizing")
    rules: list[AudienceCriterion | Criterion | Disqualifier] = [*audience.criteria, *icp.criteria, *icp.disqualifiers]
    conditions = [c for rule in rules for c in rule.conditions]
    segments = load_segments(ws.root)
    universe = read_universe(
        table, {c.attribute for c in conditions}, {c.attribute for c in conditions if c.op in _NUMERIC_OPS}, segments
    )
    companies = universe.rows
    if companies == 0:
        raise NotEnoughDataError("the universe table is empty: load a list of companies into it (see docs/market.md)")
    columns = {c for c in table.columns if not c.startswith("_")}
    columns |= {"industry_raw"} if "industry" in columns else set()
    missing = sorted({c.attribute for c in conditions} - columns)
    # A condition on a field the market list does not have is unknown for every company, not false:
    # such companies land in "could fit" with the field named for enrichment.
    frame = universe.conditions.assign(**{name: np.nan for name in missing})
    rows = [("Universe", companies, np.nan, "companies in the universe table")]
    keep = np.ones(companies, dtype=bool)
    cache: dict = {}
    for criterion in audience.criteria:
        after = keep & criterion.mask(frame, cache)
        rows.append((criterion.name, int(after.sum()), int(keep.sum() - after.sum()), criterion.label))
        keep = after
    audience_rows = frame[keep]
    rows.append(
        ("Target audience", len(audience_rows), np.nan, f"{len(audience_rows) / companies:.0%} of the universe")
    )
    cache = {}
    meets = np.zeros(len(audience_rows), dtype=bool)
    for icp_criterion in icp.criteria:
        meets |= rule_mask(icp_criterion, audience_rows, cache)
    rows.append(
        (
            "Meets an ICP criterion",
            int(meets.sum()),
            int(len(audience_rows) - meets.sum()),
            " or ".join(c.label for c in icp.criteria) or "the ICP has no criteria",
        )
    )
    fit, _ = icp_membership(icp, audience_rows)
    rows.append(
        (
            "ICP fit (no disqualifier)",
            int(fit.sum()),
            int(meets.sum() - fit.sum()),
            "; ".join(d.label for d in icp.disqualifiers) or "no disqualifiers",
        )
    )
    could, lacking = _could_fit(icp, audience_rows, meets)
    labelled = int(frame["industry"].notna().sum()) if "industry" in frame.columns else 0
    fit_ids = pd.Series(universe.match["company_id"].take(pa.array(np.flatnonzero(keep)[fit])).to_numpy(), dtype=object)

    accounts = ws.table("accounts")
    accounts = accounts.select(*[c for c in ("account_id", *MATCH_COLUMNS[1:]) if c in accounts.columns]).to_pandas()
    schema, keys = table.schema(), universe.match
    matches, match_summary = match_universe(
        pool,
        keys["name"].combine_chunks() if "name" in schema else pa.nulls(companies, pa.string()),
        keys["domain"].combine_chunks() if "domain" in schema else None,
        lambda at: fetch_rows(
            table, keys["company_id"].take(pa.array(at)).to_numpy(), [c for c in MATCH_COLUMNS if c in schema]
        ),
        accounts,
    )
    account_of = matches.set_index("company_id")["account_id"]
    in_crm = fit_ids.isin(account_of.index).to_numpy()
    data = dataset if dataset is not None else build_dataset(ws)
    customers = set(data.accounts.loc[data.accounts["is_customer"].eq(True), "account_id"])
    is_customer = fit_ids.map(account_of).isin(customers).to_numpy() & in_crm
    rows.append(
        (
            "ICP fit, already in the CRM",
            int(in_crm.sum()),
            int(fit.sum() - in_crm.sum()),
            f"matched by domain or name ({match_summary.get('ambiguous', 0):,} ambiguous matches not counted)",
        )
    )
    rows.append(
        (
            "ICP fit, already customers",
            int(is_customer.sum()),
            int(in_crm.sum() - is_customer.sum()),
            f"saturation: {is_customer.sum() / max(fit.sum(), 1):.1%} of the ICP market is won",
        )
    )
    waterfall = pd.DataFrame(rows, columns=["step", "companies", "removed", "note"])
    if could.any():
        waterfall.loc[len(waterfall)] = (
            "Could fit, data missing",
            int(could.sum()),
            np.nan,
            f"meet every ICP condition that is known; enrich {', '.join(lacking)}",
        )

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
    sizing = pd.DataFrame(
        [
            (
                "TAM",
                len(audience_rows),
                _value(audience_rows, acv, overall),
                "the target audience x the median ACV of won deals in its segment",
            ),
            (
                "SAM",
                int(fit.sum()),
                float(fit.sum() * icp_acv),
                "the ICP-fit part of the audience x the ICP's median ACV",
            ),
            (
                "SOM (a year)",
                som_companies,
                float(som_companies * icp_acv),
                "reps x closed deals per rep a year x the ICP win rate, capped by the ICP companies not yet customers",
            ),
        ],
        columns=["name", "companies", "value", "how"],
    )
    fallback_note = (
        (
            f"{int((~acv['measured']).sum())} segments with fewer than {MIN_WON_FOR_SEGMENT_ACV} won deals "
            f"use the overall median"
        )
        if len(acv)
        else "no won deals: no ACV"
    )

    def finite(x):
        return float(x) if x is not None and math.isfinite(float(x)) else None

    assumptions = [
        _record(
            "ACV per segment",
            finite(overall),
            "money",
            f"median over all: {len(won):,} won new-business deals; {fallback_note}",
        ),
        _record("ICP ACV", finite(icp_acv), "money", f"median of {len(icp_won):,} won deals with ICP accounts"),
        _record(
            "ICP win rate",
            finite(win_rate),
            "share",
            f"{n:,} closed new-business deals with ICP accounts",
            finite(low),
            finite(high),
        ),
        _record("Sales reps", reps, "count", "deal owners with a closed deal in the last 12 months"),
        _record(
            "Closed deals per rep a year",
            finite(per_rep) if reps else None,
            "count",
            f"{recent:,} deals closed in the last 12 months",
        ),
        _record(
            "Fields the universe lacks",
            list(missing),
            "fields",
            "conditions on them are unknown for every company (not counted as met)",
        ),
        _record(
            "Companies that could fit",
            int(could.sum()),
            "count",
            f"not counted in the SAM: their {', '.join(lacking)} is missing"
            if could.any()
            else "none: the data is complete",
        ),
        _record(
            "Universe industries labelled",
            labelled,
            "count",
            "mapped onto the workspace's segments (strategy/industries.yaml) and the taxonomy",
        ),
    ]
    whitespace = universe_rows(table, fit_ids[~in_crm].to_numpy(), segments, missing, companies)
    if scorecard is not None and len(whitespace):
        scores = scorecard.score(whitespace)
        whitespace = pd.concat(
            [
                whitespace.reset_index(drop=True),
                scores.drop(columns=[c for c in scores.columns if c in whitespace.columns]).reset_index(drop=True),
            ],
            axis=1,
        )
        whitespace = whitespace.sort_values("fit_score", ascending=False, kind="stable").reset_index(drop=True)
    elif len(whitespace):
        whitespace = whitespace.assign(fit_score=np.nan, tier="")
    return MarketSize(as_of, ws.settings.currency, waterfall, sizing, assumptions, whitespace, match_summary, acv)
