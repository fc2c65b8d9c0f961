"""Outcomes summarised overall and per value of one account attribute, with uncertainty.

The grouping and the aggregation run in the warehouse (Ibis); only the per-group counts come
back, and the Wilson interval and the Kaplan-Meier estimate are computed on those in numpy.
Definitions: ``docs/outcomes.md``.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import ibis
import ibis.expr.types as ir
import numpy as np

from bullseye.errors import InvalidInputError
from bullseye.outcomes.per_account import (
    account_attributes,
    account_outcomes,
    deals_as_of,
    resolve_as_of,
)
from bullseye.results import Result
from bullseye.stats import wilson_interval  # also imported from here (tests, __all__)

if TYPE_CHECKING:
    import pandas as pd

    from bullseye.workspace import Workspace

__all__ = [
    "OutcomeSummary",
    "outcome_summary",
    "wilson_interval",
    "km_survival_at",
    "EMPLOYEE_BANDS",
    "REVENUE_BANDS",
    "MISSING",
    "RETENTION_DAYS",
]

#: The group of accounts whose attribute is empty.
MISSING = "(missing)"
#: "12 months" for retention, in days of tenure.
RETENTION_DAYS = 365
#: (inclusive upper bound, label); the last band has no upper bound.
EMPLOYEE_BANDS = (
    (10, "1-10"),
    (50, "11-50"),
    (200, "51-200"),
    (1000, "201-1000"),
    (5000, "1001-5000"),
    (None, "5001+"),
)
#: (exclusive upper bound, label).
REVENUE_BANDS = ((1e6, "<1M"), (1e7, "1-10M"), (5e7, "10-50M"), (1e8, "50-100M"), (1e9, "100M-1B"), (None, "1B+"))

_COUNTS = {
    "accounts": None,
    "customers": None,
    "deals_won": "deals",
    "deals_lost": "deals",
    "deals_open": "deals",
    "current_arr": "subscriptions",
    "subscribers": "subscriptions",
    "churned": "subscriptions",
    "nps_responses": "notes",
}


# -- statistics ---------------------------------------------------------------------------------
def km_survival_at(
    group: Any, time: Any, at_risk_rows: Any, events: Any, n_groups: int, at: float = RETENTION_DAYS
) -> np.ndarray:
    """Kaplan-Meier survival S(at) per group, vectorised over groups.

    Rows are (group code, time, subjects with that time, events among them), as aggregated by the
    warehouse. Returns NaN for a group without subjects, or when nobody in it was followed up to
    ``at`` and the curve has not reached 0 (the estimate would be an extrapolation).
    """
    g = np.asarray(group, dtype=np.int64)
    t = np.asarray(time, dtype=float)
    n = np.asarray(at_risk_rows, dtype=float)
    d = np.asarray(events, dtype=float)
    order = np.lexsort((t, g))
    g, t, n, d = g[order], t[order], n[order], d[order]
    total = np.bincount(g, weights=n, minlength=n_groups)
    before = np.cumsum(n) - n  # subjects in earlier rows (all groups)
    first_row = np.full(n_groups, 0, dtype=np.int64)
    if len(g):
        starts = np.flatnonzero(np.r_[True, g[1:] != g[:-1]])
        first_row[g[starts]] = starts
    at_risk = total[g] - (before - before[first_row[g]] if len(g) else before)
    with np.errstate(divide="ignore", invalid="ignore"):
        factor = 1 - d / at_risk
    use = (t <= at) & (d > 0)
    zero = np.bincount(g[use & (factor <= 0)], minlength=n_groups)
    positive = use & (factor > 0)
    log_s = np.bincount(g[positive], weights=np.log(factor[positive]), minlength=n_groups)
    survival = np.where(zero > 0, 0.0, np.exp(log_s))
    longest = np.full(n_groups, -np.inf)
    np.maximum.at(longest, g, t)
    survival[(longest < at) & (survival > 0)] = np.nan
    survival[total <= 0] = np.nan
    return survival


# -- the result ---------------------------------------------------------------------------------
@dataclass(repr=False)
class OutcomeSummary(Result):
    """Outcomes overall and per group. ``rows`` holds one dict per group (ordered: bands in
    order, categories by number of accounts, ``(missing)`` last); without ``by`` it holds the
    overall row only. ``missing_tables`` lists the optional tables that were not loaded."""

    as_of: dt.date
    by: str | None
    rows: list[dict[str, Any]]
    overall: dict[str, Any]
    missing_tables: list[str] = field(default_factory=list)
    currency: str = "USD"

    def to_frame(self) -> pd.DataFrame:
        import pandas as pd

        return pd.DataFrame(self.rows)

    def to_dict(self) -> dict[str, Any]:
        return {
            "as_of": self.as_of.isoformat(),
            "by": self.by,
            "currency": self.currency,
            "missing_tables": list(self.missing_tables),
            "overall": _jsonable(self.overall),
            "rows": [_jsonable(row) for row in self.rows],
        }


def _jsonable(row: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for key, value in row.items():
        if isinstance(value, np.generic):
            value = value.item()
        if isinstance(value, float) and not math.isfinite(value):
            value = None
        elif isinstance(value, dt.date):
            value = value.isoformat()
        out[key] = value
    return out


# -- grouping -----------------------------------------------------------------------------------
def _round_sig(x: float, sig: int) -> float:
    return float(f"{x:.{sig}g}")


def _short(x: float) -> str:
    for scale, suffix in ((1e9, "B"), (1e6, "M"), (1e4, "k")):
        if abs(x) >= scale:
            return f"{x / scale:g}{suffix}"
    return f"{x:g}"


def _quartile_bands(column: ir.Column, table: ir.Table) -> list[tuple[float | None, str]]:
    row = table.aggregate(**{f"q{i}": column.quantile(i / 4) for i in (1, 2, 3)}).to_pyarrow().to_pylist()[0]
    raw = sorted({float(v) for v in row.values() if v is not None and math.isfinite(v)})
    cuts = raw
    for sig in range(2, 8):  # 2 significant figures, more only if that would merge cut points
        rounded = sorted({_round_sig(v, sig) for v in raw})
        if len(rounded) == len(raw):
            cuts = rounded
            break
    if column.type().is_integer():
        cuts = sorted({float(math.ceil(c)) for c in cuts})
    if not cuts:
        return []
    sep = " to " if cuts[0] < 0 else "-"
    bands: list[tuple[float | None, str]] = [(cuts[0], f"<{_short(cuts[0])}")]
    for low, high in zip(cuts, cuts[1:]):
        if column.type().is_integer():
            label = _short(low) if high - 1 == low else f"{_short(low)}{sep}{_short(high - 1)}"
        else:
            label = f"{_short(low)}{sep}{_short(high)}"
        bands.append((high, label))
    bands.append((None, f"{_short(cuts[-1])}+"))
    return bands


def _grouped(table: ir.Table, name: str, column: str) -> tuple[ir.Table, list[str] | None]:
    """``table`` with a string ``group`` column for attribute ``name`` (stored in ``column``), and
    the label order for ordinal attributes (None: order by size)."""
    col = table[column]
    dtype = col.type()
    missing = ibis.literal(MISSING)
    if dtype.is_array():
        keys = table.select("account_id", group=col.unnest().cast("string"))
        keys = keys.mutate(group=ibis.ifelse(keys.group.isnull() | (keys.group.strip() == ""), missing, keys.group))
        empty = table.filter(col.isnull() | (col.length() == 0)).select("account_id", group=missing)
        keys = keys.union(empty, distinct=True)
        return table.join(keys, "account_id"), None
    if dtype.is_numeric() and not dtype.is_boolean():
        bands: list[tuple[float | None, str]]
        if name == "employees":
            bands = [(None if up is None else up + 1, label) for up, label in EMPLOYEE_BANDS]
        elif name == "revenue":
            bands = list(REVENUE_BANDS)
        else:
            bands = _quartile_bands(col, table)
        cases = [(col < upper, label) for upper, label in bands if upper is not None]
        last = bands[-1][1] if bands else MISSING
        group = (
            ibis.cases((col.isnull(), missing), *cases, else_=last)
            if cases
            else ibis.ifelse(col.isnull(), missing, ibis.literal(last))
        )
        return table.mutate(group=group), [label for _, label in bands]
    if dtype.is_boolean():
        return table.mutate(group=col.cases((True, "true"), (False, "false"), else_=missing)), ["true", "false"]
    if dtype.is_temporal():
        return table.mutate(group=ibis.ifelse(col.isnull(), missing, col.year().cast("string"))), []
    text = col.cast("string")
    return table.mutate(group=ibis.ifelse(text.isnull() | (text.strip() == ""), missing, text)), None


# -- the summary --------------------------------------------------------------------------------
def outcome_summary(ws: Workspace, by: str | None = None, as_of: object = None) -> OutcomeSummary:
    """Outcomes overall and, with ``by``, per value (or band) of one account attribute.

    Example::

        summary = outcome_summary(ws, by="industry")   # or ws.outcomes(by="industry")
        summary.to_frame()
    """
    day = resolve_as_of(ws, as_of)
    attributes = account_attributes(ws)
    if by is not None and by not in attributes:
        raise InvalidInputError(
            f"unknown account attribute '{by}'; the account attributes are: {', '.join(attributes) or '(none)'}"
        )
    missing_tables = [name for name in ("deals", "subscriptions", "usage", "notes") if not ws.has_table(name)]
    keep = [
        "account_id",
        "is_customer",
        "deals_won",
        "deals_lost",
        "deals_open",
        "current_arr",
        "first_start",
        "tenure_days",
        "churned",
        "arr_12m_ago",
        "avg_active_users",
        "nps",
    ]
    outcomes = account_outcomes(ws, day)
    outcomes = outcomes.select(*keep, *([attributes[by]] if by else []))
    with outcomes.cache() as cached:
        parts = [cached.mutate(group=ibis.literal(""), _all=True)]
        order: list[str] | None = None
        if by is not None:
            grouped, order = _grouped(cached, by, attributes[by])
            parts.append(grouped.mutate(_all=False))
        tagged = parts[0].select("account_id", "group", "_all", *keep[1:])
        for part in parts[1:]:
            tagged = tagged.union(part.select("account_id", "group", "_all", *keep[1:]))
        stats = _account_stats(tagged)
        if not any(row["_all"] for row in stats):  # no accounts at all
            stats.append(dict.fromkeys(stats[0] if stats else _STAT_KEYS, None) | {"_all": True, "group": ""})
        deal_stats = _deal_stats(ws, day, tagged) if "deals" not in missing_tables else []
        km_rows = _km_rows(tagged) if "subscriptions" not in missing_tables else []
        if order == [] and by is not None:  # dates: years in order
            order = sorted({row["group"] for row in stats if not row["_all"] and row["group"] != MISSING})
    rows = _combine(stats, deal_stats, km_rows, missing_tables)
    overall = next(row for row in rows if row["_all"])
    overall["group"] = "(all)"
    groups = [row for row in rows if not row["_all"]]
    for row in rows:
        del row["_all"]
    groups.sort(key=_sort_key(order))
    return OutcomeSummary(
        as_of=day,
        by=by,
        rows=groups if by else [overall],
        overall=overall,
        missing_tables=missing_tables,
        currency=ws.settings.currency,
    )


def _sort_key(order: list[str] | None):
    rank = {label: i for i, label in enumerate(order or [])}

    def key(row: dict[str, Any]) -> tuple:
        if row["group"] == MISSING:
            return (2, 0, "")
        if order is not None:
            return (0, rank.get(row["group"], len(rank)), row["group"])
        return (1, -row["accounts"], row["group"])

    return key


_STAT_KEYS = (
    "_all",
    "group",
    "accounts",
    "customers",
    "deals_won",
    "deals_lost",
    "deals_open",
    "current_arr",
    "subscribers",
    "churned",
    "_arr_now",
    "_arr_then",
    "active_users_mean",
    "nps_responses",
    "_promoters",
    "_detractors",
)


def _account_stats(t: ir.Table) -> list[dict[str, Any]]:
    with_then = t.arr_12m_ago > 0
    scored = t.nps.between(0, 10)
    agg = t.group_by("_all", "group").aggregate(
        accounts=t.count(),
        customers=t.is_customer.sum(),
        deals_won=t.deals_won.sum(),
        deals_lost=t.deals_lost.sum(),
        deals_open=t.deals_open.sum(),
        current_arr=t.current_arr.sum(),
        subscribers=t.first_start.count(),
        churned=t.churned.sum(),
        _arr_now=t.current_arr.sum(where=with_then),
        _arr_then=t.arr_12m_ago.sum(where=with_then),
        active_users_mean=t.avg_active_users.mean(),
        nps_responses=t.nps.count(where=scored),
        _promoters=t.nps.count(where=scored & (t.nps >= 9)),
        _detractors=t.nps.count(where=scored & (t.nps < 7)),
    )
    return agg.to_pyarrow().to_pylist()


def _deal_stats(ws: Workspace, day: dt.date, tagged: ir.Table) -> list[dict[str, Any]]:
    deals = deals_as_of(ws, day)
    won = deals.filter(deals.stage == "won", deals.account_id.notnull()).select(
        "account_id", "days_to_close", "discount", "amount"
    )
    joined = won.join(tagged.select("account_id", "group", "_all"), "account_id")
    agg = joined.group_by("_all", "group").aggregate(
        days_to_close_median=joined.days_to_close.median(),
        discount_mean=joined.discount.mean(),
        acv_median=joined.amount.median(),
    )
    return agg.to_pyarrow().to_pylist()


def _km_rows(tagged: ir.Table) -> list[dict[str, Any]]:
    subs = tagged.filter(tagged.first_start.notnull())
    agg = subs.group_by("_all", "group", "tenure_days").aggregate(n=subs.count(), d=subs.churned.sum())
    return agg.to_pyarrow().to_pylist()


def _combine(
    stats: list[dict], deal_stats: list[dict], km_rows: list[dict], missing_tables: list[str]
) -> list[dict[str, Any]]:
    index = {(row["_all"], row["group"]): i for i, row in enumerate(stats)}
    won = np.array([row["deals_won"] or 0 for row in stats], dtype=float)
    lost = np.array([row["deals_lost"] or 0 for row in stats], dtype=float)
    low, high = wilson_interval(won, won + lost)
    km = [r for r in km_rows if (r["_all"], r["group"]) in index]
    retention = km_survival_at(
        [index[(r["_all"], r["group"])] for r in km],
        [r["tenure_days"] for r in km],
        [r["n"] for r in km],
        [r["d"] or 0 for r in km],
        len(stats),
    )
    by_key = {(r["_all"], r["group"]): r for r in deal_stats}
    rows = []
    for i, row in enumerate(stats):
        out: dict[str, Any] = {"group": row["group"], "_all": row["_all"]}
        for key, table in _COUNTS.items():
            out[key] = None if table in missing_tables else (row[key] or 0)
        closed = won[i] + lost[i]
        has_deals = "deals" not in missing_tables
        deal = by_key.get((row["_all"], row["group"]), {})
        out.update(
            win_rate=won[i] / closed if has_deals and closed else None,
            win_rate_low=float(low[i]) if has_deals and closed else None,
            win_rate_high=float(high[i]) if has_deals and closed else None,
            days_to_close_median=deal.get("days_to_close_median"),
            discount_mean=deal.get("discount_mean"),
            acv_median=deal.get("acv_median"),
            retention_12m=None if np.isnan(retention[i]) else float(retention[i]),
            nrr=row["_arr_now"] / row["_arr_then"] if row["_arr_then"] else None,
            active_users_mean=row["active_users_mean"],
            nps=(
                100.0 * (row["_promoters"] - row["_detractors"]) / row["nps_responses"]
                if row["nps_responses"]
                else None
            ),
        )
        rows.append(out)
    return rows
