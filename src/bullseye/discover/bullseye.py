"""The bullseye: where fast, cheap wins overlap with sticky, long-lived customers.

Segments found on any outcome are measured on every outcome over all the data and ranked by
expected value per opportunity: win rate x ACV x expected lifetime, less the cost of an
opportunity when spend is loaded. Beside it, the alignment exercise (the fastest closes with the
least discount vs the heaviest users, and the traits both lists share) and the cohorts (power
users, emerging promoters, churners) with what is over-represented in each.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from scipy import stats as sps

from bullseye.discover.dataset import Dataset
from bullseye.discover.encode import encode

__all__ = ["bullseye_segments", "alignment", "cohorts", "MAX_LIFETIME_YEARS"]

MAX_LIFETIME_YEARS = 10.0
DAYS_PER_YEAR = 365.25


def _profile(data: Dataset, deal_mask: np.ndarray, customer_mask: np.ndarray) -> dict[str, float | None]:
    deals, customers = data.opportunities, data.accounts[data.accounts["churned"].notna()]
    won = deals[deal_mask & (deals["won"] == 1).to_numpy()]
    chosen = customers[customer_mask]
    exposure = pd.to_numeric(chosen["tenure_days"], errors="coerce").sum() / DAYS_PER_YEAR
    churns = chosen["churned"].astype(bool).sum()
    annual_churn = churns / exposure if exposure > 0 else None
    lifetime = min(1 / annual_churn, MAX_LIFETIME_YEARS) if annual_churn else (MAX_LIFETIME_YEARS if exposure > 0 else None)
    return {
        "deals": int(deal_mask.sum()),
        "win_rate": float(deals.loc[deal_mask, "won"].mean()) if deal_mask.any() else None,
        "days_to_close": _median(won["days_to_close"]),
        "discount": _median(won["discount"]),
        "acv": _median(won["amount"]),
        "customers": int(len(chosen)),
        "annual_churn": float(annual_churn) if annual_churn is not None else None,
        "lifetime_years": float(lifetime) if lifetime is not None else None,
        "usage": _median(chosen["avg_active_users"]),
    }


def _median(values: pd.Series) -> float | None:
    numbers = pd.to_numeric(values, errors="coerce").dropna()
    return float(numbers.median()) if len(numbers) else None


def _cost_per_opportunity(ws, data: Dataset) -> float | None:
    if not ws.has_table("spend"):
        return None
    spend = float(ws.table("spend")["amount"].sum().execute() or 0)
    return spend / len(data.opportunities) if len(data.opportunities) else None


def _value(profile: dict, cost: float | None) -> float | None:
    parts = [profile["win_rate"], profile["acv"], profile["lifetime_years"]]
    if any(p is None for p in parts):
        return None
    return parts[0] * parts[1] * parts[2] - (cost or 0.0)


_ALL_OUTCOMES = ("win", "days_to_close", "discount", "acv", "retention", "usage", "nps")


def _all_units(data: Dataset) -> dict[str, Any]:
    """Each outcome's units over the whole period (both parts), built once."""
    from bullseye.discover.units import units_for

    units = {}
    for outcome in _ALL_OUTCOMES:
        found, confirm = units_for(data, outcome)
        whole = found.concat(confirm)
        if len(whole) >= 30:
            units[outcome] = whole
    return units


def _good_on(units: dict[str, Any], conditions) -> list[str]:
    """The outcomes on which a segment is significantly better than the rest, over all the data."""
    from bullseye.discover.findings import metric
    from bullseye.discover.measure import measure

    good = []
    for outcome, whole in units.items():
        mask = np.ones(len(whole), dtype=bool)
        for condition in conditions:
            mask &= condition.mask(whole.rows)
        if mask.sum() < 10 or mask.all():
            continue
        result = measure(outcome, whole, mask, +1)
        if result.p_value is not None and result.p_value <= 0.05:
            good.append(metric(outcome)[0])
    return good


def bullseye_segments(ws, result, top: int = 10) -> list[dict[str, Any]]:
    """The segments that hold up, measured on every outcome; the ones good on most outcomes first,
    then by expected value per opportunity. The first row is the baseline (all accounts)."""
    data = result.data
    cost = _cost_per_opportunity(ws, data)
    customers = data.accounts[data.accounts["churned"].notna()]
    base = _profile(data, np.ones(len(data.opportunities), bool), np.ones(len(customers), bool))
    base_value = _value(base, cost)
    conditions: dict[str, list] = {}
    for finding in result.findings(positive=True):
        if finding.holds_up and not finding.outcome.startswith("target:"):  # targets are studies, not value
            conditions.setdefault(finding.label, finding.conditions)
    rows = []
    units = _all_units(data)
    for label, rule in conditions.items():
        deal_mask = np.ones(len(data.opportunities), bool)
        customer_mask = np.ones(len(customers), bool)
        for condition in rule:
            deal_mask &= condition.mask(data.opportunities)
            customer_mask &= condition.mask(customers)
        profile = _profile(data, deal_mask, customer_mask)
        value = _value(profile, cost)
        rows.append({
            "segment": label, "good_on": _good_on(units, rule), **profile,
            "value_per_opportunity": value,
            "value_lift": value / base_value if value is not None and base_value else None,
        })
    rows.sort(key=lambda r: (len(r["good_on"]), r["value_per_opportunity"] or -np.inf), reverse=True)
    return [{"segment": "all accounts", "good_on": [], **base, "value_per_opportunity": base_value, "value_lift": 1.0,
             "cost_per_opportunity": cost}] + rows[:top]


def _over_represented(frame: pd.DataFrame, members: np.ndarray, attributes: list[str], top: int = 5,
                      min_count: int = 10) -> list[dict[str, Any]]:
    """Single conditions whose share among ``members`` most exceeds their share among all rows."""
    if members.sum() < min_count or members.all():
        return []
    encoded = encode(frame, attributes)
    out = []
    total, chosen = len(frame), int(members.sum())
    for i, selector in enumerate(encoded.selectors):
        covered = encoded.mask(i)
        inside = int((covered & members).sum())
        if inside < min_count:
            continue
        share_members, share_all = inside / chosen, covered.sum() / total
        p = float(sps.hypergeom(total, int(covered.sum()), chosen).sf(inside - 1))
        out.append({"trait": selector.label, "share": share_members, "share_all": float(share_all),
                    "lift": share_members / share_all, "members": inside, "p_value": p})
    out = [o for o in out if o["lift"] >= 1.2 and o["p_value"] < 0.05]
    return sorted(out, key=lambda o: (o["p_value"], -o["lift"]))[:top]


def alignment(data: Dataset, attributes: list[str], share: float = 0.2) -> dict[str, Any]:
    """The fastest closes with the least discount vs the heaviest users: who is on both lists."""
    won = data.opportunities[(data.opportunities["won"] == 1) & data.opportunities["days_to_close"].notna()]
    customers = data.accounts[data.accounts["avg_active_users"].notna()]
    if len(won) < 20 or len(customers) < 20:
        return {"note": "not enough won deals or usage data for the alignment exercise"}
    speed = won["days_to_close"].rank(pct=True) + won["discount"].fillna(won["discount"].median()).rank(pct=True)
    efficient = set(won.loc[speed <= speed.quantile(share), "account_id"])
    heavy = set(customers.loc[customers["avg_active_users"] >= customers["avg_active_users"].quantile(1 - share), "account_id"])
    accounts = data.accounts[data.accounts["account_id"].isin(set(won["account_id"]) | set(customers["account_id"]))]
    ids = accounts["account_id"]
    traits_efficient = {t["trait"]: t for t in _over_represented(accounts, ids.isin(efficient).to_numpy(), attributes, top=50)}
    traits_heavy = {t["trait"]: t for t in _over_represented(accounts, ids.isin(heavy).to_numpy(), attributes, top=50)}
    shared = [{"trait": name, "lift_efficient": traits_efficient[name]["lift"], "lift_heavy": traits_heavy[name]["lift"]}
              for name in traits_efficient if name in traits_heavy]
    shared.sort(key=lambda t: min(t["lift_efficient"], t["lift_heavy"]), reverse=True)
    return {"efficient_accounts": len(efficient), "heavy_users": len(heavy), "on_both": len(efficient & heavy),
            "shared_traits": shared[:10]}


def cohorts(data: Dataset, attributes: list[str]) -> dict[str, Any]:
    customers = data.accounts[data.accounts["is_customer"].eq(True)].reset_index(drop=True)
    if len(customers) < 30:
        return {"note": f"not enough customers for cohorts ({len(customers)})"}
    usage = pd.to_numeric(customers["avg_active_users"], errors="coerce")
    nps = pd.to_numeric(customers["nps"], errors="coerce")
    groups = {
        "power users": (usage >= usage.quantile(0.9)).to_numpy() if usage.notna().any() else None,
        "emerging promoters": (nps >= 9).to_numpy() if nps.notna().any() else None,
        "churners": customers["churned"].eq(True).to_numpy(),
    }
    out = {}
    for name, members in groups.items():
        if members is None or members.sum() < 10:
            out[name] = {"members": int(members.sum()) if members is not None else 0, "traits": [],
                         "note": "too few members to say what they share"}
            continue
        distinguishing = {}
        for column in ("tenure_days", "current_arr", "avg_active_users", "nps", "acv"):
            values = pd.to_numeric(customers[column], errors="coerce")
            if values.notna().sum() >= 10:
                distinguishing[column] = {"members": _median(values[members]), "others": _median(values[~members])}
        out[name] = {"members": int(members.sum()), "share": float(members.mean()),
                     "traits": _over_represented(customers, members, attributes), "medians": distinguishing}
    return out
