"""The metrics of each funnel stage: conversion, CAC, LTV, LTV:CAC and payback, with intervals.

As of a date D, over the **window** of the 12 calendar months ending with D's month:

* **Conversion** (accounts as of D): account -> opportunity (any deal created by D) -> won (among
  accounts with a closed opportunity) -> retained (among customers who started at least 12 months
  before D: still a customer 12 months after the first start). Wilson intervals.
* **CAC** = spend in the window / new customers in the window (first subscription start, else
  first won deal, inside the window). The spend is known exactly; the customer count is treated as
  a Poisson count, so the interval is the exact (gamma) interval on the count.
  *By channel*: a spend channel is matched to the accounts' ``source`` (case and spacing ignored),
  through the ``spend_channels`` setting where the spend table and the CRM name them differently.
  *By segment*: the spend table's own column of that name when it has one; else the window's spend
  is allocated to segments in proportion to the opportunities each one received.
* **LTV** = gross margin x mean ACV of the window's won deals x the expected discounted lifetime
  of the shifted-beta-geometric model (:func:`bullseye.scoring.value.fit_lifetime`,
  :func:`bullseye.stats.lifetime.ltv`), with its bootstrap interval.
* **LTV:CAC** and **payback months** (CAC / (gross margin x ACV / 12)), with intervals from the
  lifetime bootstrap and draws of the customer count's gamma distribution.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from scipy import stats

from bullseye.errors import InvalidInputError
from bullseye.outcomes.per_account import (
    account_attributes,
    account_outcomes,
    deals_as_of,
    resolve_as_of,
)
from bullseye.results import Result
from bullseye.stats.intervals import wilson_interval

if TYPE_CHECKING:
    from bullseye.workspace import Workspace

__all__ = ["MISSING", "RETENTION_DAYS", "WINDOW_MONTHS", "FunnelMetrics", "funnel_metrics", "poisson_interval"]

#: The window CAC and LTV are measured over, in calendar months ending with the as-of month.
WINDOW_MONTHS = 12
#: "Retained": still a customer this many days after the first start.
RETENTION_DAYS = 365
#: The group of accounts whose attribute is empty.
MISSING = "(missing)"
_DRAWS = 2000


def poisson_interval(k: Any, confidence: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Exact (Garwood) interval for the mean of a Poisson count ``k``: gamma quantiles."""
    k = np.asarray(k, dtype=float)
    a = (1 - confidence) / 2
    low = np.where(k > 0, stats.gamma.ppf(a, np.maximum(k, 1e-12)), 0.0)
    return low, stats.gamma.ppf(1 - a, k + 1)


def _estimate(value: float, low: float, high: float) -> dict[str, float | None]:
    return {
        k: (float(v) if v is not None and math.isfinite(v) else None)
        for k, v in (("value", value), ("low", low), ("high", high))
    }


@dataclass
class FunnelMetrics(Result):
    """Conversion per stage, CAC per channel and segment, LTV, LTV:CAC and payback (see module)."""

    as_of: dt.date
    window_start: dt.date
    by: str | None
    stages: list[dict[str, Any]]
    cac: dict[str, Any]
    cac_by_channel: list[dict[str, Any]]
    cac_by_segment: list[dict[str, Any]]
    ltv: dict[str, Any]
    ltv_to_cac: dict[str, Any]
    payback_months: dict[str, Any]
    gross_margin: float
    assumptions: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    currency: str = "USD"

    def to_dict(self) -> dict[str, Any]:
        return {
            "as_of": self.as_of.isoformat(),
            "window_start": self.window_start.isoformat(),
            "by": self.by,
            "currency": self.currency,
            "gross_margin": self.gross_margin,
            "stages": self.stages,
            "cac": self.cac,
            "cac_by_channel": self.cac_by_channel,
            "cac_by_segment": self.cac_by_segment,
            "ltv": self.ltv,
            "ltv_to_cac": self.ltv_to_cac,
            "payback_months": self.payback_months,
            "assumptions": list(self.assumptions),
            "missing": list(self.missing),
        }


def _rate(stage: str, k: int, n: int, of: str) -> dict[str, Any]:
    low, high = wilson_interval(k, n)
    return {
        "stage": stage,
        "count": int(k),
        "of": of,
        "base": int(n),
        **{
            f"rate_{key}" if key != "value" else "rate": v
            for key, v in _estimate(k / n if n else math.nan, float(low), float(high)).items()
        },
    }


def _cac_row(name: str, spend: float, customers: int) -> dict[str, Any]:
    low, high = poisson_interval(customers)
    with np.errstate(divide="ignore"):
        value = spend / customers if customers else math.nan
        bounds = (spend / float(high), spend / float(low) if low > 0 else math.nan)
    return {
        "name": name,
        "spend": float(spend) if math.isfinite(spend) else None,
        "customers": int(customers),
        **{f"cac_{key}" if key != "value" else "cac": v for key, v in _estimate(value, *bounds).items()},
    }


def _key(value: Any) -> str:
    return " ".join(str(value).split()).casefold()


def _segment(values: pd.Series) -> pd.Series:
    text = values.map(lambda v: ", ".join(map(str, v)) if isinstance(v, (list, tuple, np.ndarray)) else v)
    return text.where(text.notna() & (text.astype(str).str.strip() != ""), MISSING).astype(str)


def _groups(ws: Workspace, day: dt.date, by: str, column: str) -> tuple[pd.DataFrame, list[str]]:
    """(account_id, group): the same groups (bands, list items, ``(missing)``) as the outcome summary,
    and the order of ordinal groups (bands; empty otherwise)."""
    from bullseye.outcomes.summary import _grouped

    table = account_outcomes(ws, day)
    grouped, order = _grouped(table.select("account_id", column), by, column)
    return grouped.select("account_id", "group").to_pandas(), list(order or [])


def funnel_metrics(
    ws: Workspace, as_of: object = None, by: str | None = None, gross_margin: float | None = None, random_state: int = 0
) -> FunnelMetrics:
    """The funnel metrics as of ``as_of``; CAC also per value of account attribute ``by``.

    Example::

        metrics = funnel_metrics(ws, by="industry")
        metrics.to_dict()["cac"]["cac"]
    """
    from bullseye.core.units import retention_frame
    from bullseye.outcomes.per_account import months_before
    from bullseye.scoring.value import fit_lifetime
    from bullseye.stats.lifetime import ltv as lifetime_value

    day = resolve_as_of(ws, as_of)
    margin = ws.settings.gross_margin if gross_margin is None else gross_margin
    if not 0 < margin <= 1:
        raise InvalidInputError(f"gross margin {margin} is not a fraction in (0, 1]; write 0.75 for 75%")
    attributes = account_attributes(ws)
    if by is not None and by not in attributes:
        raise InvalidInputError(
            f"unknown account attribute '{by}'; the account attributes are: {', '.join(attributes) or '(none)'}"
        )
    start = months_before(day.replace(day=1), WINDOW_MONTHS - 1)
    has = {name: ws.has_table(name) for name in ("deals", "subscriptions", "spend")}
    missing = [name for name, present in has.items() if not present]
    window = f"the {WINDOW_MONTHS} calendar months from {start.isoformat()} to that date"
    assumptions = [f"Measured as of {day.isoformat()}; CAC and LTV over {window}."]

    accounts = account_outcomes(ws, day).to_pandas()
    if "created_at" in attributes:
        created = pd.to_datetime(accounts[attributes["created_at"]], errors="coerce")
        accounts = accounts[created.isna() | (created <= pd.Timestamp(day))]
    # -- conversion ---------------------------------------------------------------------------
    stages = [
        {
            "stage": "accounts",
            "count": len(accounts),
            "of": None,
            "base": None,
            "rate": None,
            "rate_low": None,
            "rate_high": None,
        }
    ]
    won_dates = pd.Series(dtype="datetime64[ns]")
    amounts = np.array([])
    if has["deals"]:
        won, lost, open_ = (accounts[c].fillna(0) for c in ("deals_won", "deals_lost", "deals_open"))
        opportunity = (won + lost + open_) > 0
        closed = (won + lost) > 0
        stages.append(_rate("opportunity", int(opportunity.sum()), len(accounts), "accounts"))
        stages.append(_rate("won", int((won > 0).sum()), int(closed.sum()), "accounts with a closed opportunity"))
        deals = deals_as_of(ws, day).to_pandas()
        deals = deals[deals["stage"] == "won"]
        deals["closed_at"] = pd.to_datetime(deals["closed_at"])
        won_dates = deals.groupby("account_id")["closed_at"].min()
        in_window = deals["closed_at"] >= pd.Timestamp(start)
        amounts = deals.loc[in_window, "amount"].to_numpy(float)
        assumptions.append(
            "Won: accounts with a won deal among the accounts with a won or lost deal; accounts "
            "whose deals are all still open are left out."
        )
    if has["subscriptions"]:
        first = pd.to_datetime(accounts["first_start"])
        eligible = first <= pd.Timestamp(day) - pd.Timedelta(days=RETENTION_DAYS)
        kept = eligible & ~(
            accounts["churned"].astype("boolean").fillna(False).astype(bool)
            & (accounts["tenure_days"] < RETENTION_DAYS)
        )
        stages.append(_rate("retained", int(kept.sum()), int(eligible.sum()), "customers who started 12+ months ago"))
        assumptions.append(
            f"Retained: still a customer {RETENTION_DAYS} days after the first subscription start, "
            "among the customers who started at least that long before the as-of date."
        )
    # -- new customers in the window ------------------------------------------------------------
    first_won = accounts["account_id"].map(won_dates)
    became = pd.to_datetime(accounts["first_start"]).fillna(first_won) if has["subscriptions"] else first_won
    new = accounts[(became >= pd.Timestamp(start)) & (became <= pd.Timestamp(day))]
    if not len(amounts) and has["subscriptions"]:
        amounts = new["current_arr"].to_numpy(float)
    acv = float(np.nanmean(amounts)) if len(amounts) and np.isfinite(amounts).any() else math.nan
    # -- CAC ------------------------------------------------------------------------------------
    cac: dict[str, Any] = _cac_row("all spend", math.nan, len(new))
    by_channel: list[dict[str, Any]] = []
    by_segment: list[dict[str, Any]] = []
    spend_total = math.nan
    if has["spend"]:
        spend = ws.table("spend").to_pandas()
        spend["month"] = pd.to_datetime(spend["month"], errors="coerce")
        spend = spend[(spend["month"] >= pd.Timestamp(start)) & (spend["month"] <= pd.Timestamp(day))]
        spend_total = float(spend["amount"].sum())
        cac = _cac_row("all spend", spend_total, len(new))
        assumptions.append(
            "CAC interval: the spend is taken as exact and the number of new customers as a Poisson "
            "count (exact gamma interval on the count)."
        )
        sources = new[attributes["source"]].map(_key).value_counts() if "source" in attributes else pd.Series(dtype=int)
        paid_for = {_key(channel): _key(source) for channel, source in ws.settings.spend_channels.items()}
        for channel, amount in spend.groupby("channel")["amount"].sum().sort_values(ascending=False).items():
            source = paid_for.get(_key(channel), _key(channel))
            by_channel.append(_cac_row(str(channel), float(amount), int(sources.get(source, 0))))
        assumptions.append(
            "CAC by channel: a spend channel's customers are the new customers whose account source "
            "has the same name, or the source `spend_channels` in bullseye.yaml pairs it with; a channel "
            "no source answers to has no customers attributed (no CAC)."
        )
        if by is not None:
            groups, order = _groups(ws, day, by, attributes[by])
            rank = {name: i for i, name in enumerate(order)}
            segments = groups[groups["account_id"].isin(new["account_id"])]["group"].value_counts()
            if by in spend.columns:
                shares = spend.assign(_s=_segment(spend[by])).groupby("_s")["amount"].sum()
                assumptions.append(f"CAC by {by}: from the spend table's own '{by}' column.")
            else:
                opened = pd.DataFrame({"account_id": []})
                if has["deals"]:
                    opened = deals_as_of(ws, day).to_pandas()
                    opened = opened[pd.to_datetime(opened["created_at"]) >= pd.Timestamp(start)]
                counts = opened[["account_id"]].merge(groups, on="account_id")["group"].value_counts()
                shares = spend_total * counts / counts.sum() if counts.sum() else counts.astype(float)
                assumptions.append(
                    f"CAC by {by}: the spend table has no '{by}' column, so the window's spend is "
                    f"allocated to each {by} in proportion to the opportunities it received then."
                )
            for name in sorted(
                set(shares.index) | set(segments.index),
                key=lambda s: (s == MISSING, rank.get(s, 0), -segments.get(s, 0), str(s)),
            ):
                by_segment.append(_cac_row(str(name), float(shares.get(name, 0.0)), int(segments.get(name, 0))))
    # -- LTV, LTV:CAC, payback ------------------------------------------------------------------
    nan3 = _estimate(math.nan, math.nan, math.nan)
    ltv_out, ratio, payback = dict(nan3), dict(nan3), dict(nan3)
    model = None
    if has["subscriptions"]:
        model = fit_lifetime(retention_frame(accounts, day), random_state=random_state)
    if model is not None and math.isfinite(acv):
        value = lifetime_value(margin, amounts, model, random_state)
        ltv_out = value.to_dict()
        assumptions.append(
            f"LTV: {margin:.0%} gross margin x mean ACV of the window's won deals ({acv:,.0f}) x the "
            "expected lifetime of a shifted-beta-geometric model of renewals, discounted at 10% a "
            "year; interval from its bootstrap."
        )
        if math.isfinite(spend_total) and len(new):
            rng = np.random.default_rng(random_state)
            customers = rng.gamma(len(new), size=_DRAWS)  # the customer count's uncertainty
            cac_draws = spend_total / customers
            lives = model.expected_lifetime_samples()
            ltv_draws = margin * acv * rng.choice(lives, _DRAWS) if len(lives) else np.full(_DRAWS, value.value)
            ratio = _estimate(value.value / cac["cac"], *np.percentile(ltv_draws / cac_draws, [2.5, 97.5]))
            monthly = margin * acv / 12
            payback = _estimate(cac["cac"] / monthly, *np.percentile(cac_draws / monthly, [2.5, 97.5]))
            assumptions.append(
                f"Payback: CAC / monthly gross margin contribution ({margin:.0%} x ACV / 12); "
                "intervals from draws of the customer count and of the lifetime bootstrap."
            )
    assumptions.append(f"Gross margin {margin:.0%}: the workspace setting `gross_margin` (default 75%).")
    if missing:
        assumptions.append(f"Not loaded: {', '.join(missing)}; the metrics that need them are left out.")
    return FunnelMetrics(
        as_of=day,
        window_start=start,
        by=by,
        stages=stages,
        cac=cac,
        cac_by_channel=by_channel,
        cac_by_segment=by_segment,
        ltv=ltv_out,
        ltv_to_cac=ratio,
        payback_months=payback,
        gross_margin=margin,
        assumptions=assumptions,
        missing=missing,
        currency=ws.settings.currency,
    )
