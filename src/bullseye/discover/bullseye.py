"""The bullseye: where fast, cheap wins overlap with sticky, long-lived customers.

Segments found on any outcome are measured on every outcome over the discovery part and ranked by
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

from bullseye.core.dataset import Dataset
from bullseye.discover.encode import encode

__all__ = ["bullseye_segments", "alignment", "cohorts", "efficiency_rank", "MAX_LIFETIME_YEARS"]

MAX_LIFETIME_YEARS = 10.0
DAYS_PER_YEAR = 365.25


def _profile(units: dict[str, Any], masks: dict[str, np.ndarray]) -> dict[str, float | None]:
    """One segment (``masks``: its rows in each outcome's discovery units) on every outcome."""

    def median(outcome: str) -> float | None:
        if outcome not in units or not masks[outcome].any():
            return None
        return float(np.median(units[outcome].target[masks[outcome]]))

    win = units.get("win")
    chosen = masks.get("win") if win is not None else None
    exposure = churns = 0.0
    customers = 0
    if "retention" in units:
        keep = masks["retention"]
        exposure = float(units["retention"].target[keep].sum()) / DAYS_PER_YEAR
        churns = float(units["retention"].churned()[keep].sum())
        customers = int(keep.sum())
    annual_churn = churns / exposure if exposure > 0 else None
    lifetime = (
        min(1 / annual_churn, MAX_LIFETIME_YEARS) if annual_churn else (MAX_LIFETIME_YEARS if exposure > 0 else None)
    )
    return {
        "deals": int(chosen.sum()) if chosen is not None else 0,
        "win_rate": (
            float(win.target[chosen].mean()) if win is not None and chosen is not None and chosen.any() else None
        ),
        "days_to_close": median("days_to_close"),
        "discount": median("discount"),
        "acv": median("acv"),
        "customers": customers,
        "annual_churn": float(annual_churn) if annual_churn is not None else None,
        "lifetime_years": float(lifetime) if lifetime is not None else None,
        "lifetime_capped": bool(lifetime is not None and lifetime >= MAX_LIFETIME_YEARS),
        "usage": median("usage"),
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


def _discovery_units(data: Dataset) -> dict[str, Any]:
    """Each outcome's units on the discovery part, built once: the bullseye ranks segments, so
    it sees no holdout (docs/discovery.md, the protocol)."""
    from bullseye.core.units import units_for

    units = {}
    for outcome in _ALL_OUTCOMES:
        found, _ = units_for(data, outcome)
        if len(found) >= 30:
            units[outcome] = found
    return units


def _masks(units: dict[str, Any], conditions) -> dict[str, np.ndarray]:
    out = {}
    for outcome, found in units.items():
        mask = np.ones(len(found), dtype=bool)
        for condition in conditions:
            mask &= condition.mask(found.rows)
        out[outcome] = mask
    return out


def _good_on(units: dict[str, Any], masks: dict[str, np.ndarray]) -> list[str]:
    """The outcomes on which a segment is significantly better than the rest (discovery part)."""
    from bullseye.discover.findings import metric
    from bullseye.discover.measure import measure

    good = []
    for outcome, found in units.items():
        mask = masks[outcome]
        if mask.sum() < 10 or mask.all():
            continue
        result = measure(outcome, found, mask, +1)
        if result.p_value is not None and result.p_value <= 0.05:
            good.append(metric(outcome)[0])
    return good


def bullseye_segments(ws, result, top: int = 10) -> list[dict[str, Any]]:
    """The segments significant on the discovery part, measured on every outcome there; the ones
    good on most outcomes first, then by expected value per opportunity. The first row is the
    baseline (every unit of the discovery part)."""
    data = result.data
    cost = _cost_per_opportunity(ws, data)
    units = _discovery_units(data)
    base = _profile(units, {o: np.ones(len(u), dtype=bool) for o, u in units.items()})
    base_value = _value(base, cost)
    conditions: dict[str, list] = {}
    for finding in result.findings(positive=True):
        if finding.significant_on_discovery and not finding.outcome.startswith("target:"):  # targets are studies
            conditions.setdefault(finding.label, finding.conditions)
    rows: list[dict[str, Any]] = []
    for label, rule in conditions.items():
        masks = _masks(units, rule)
        profile = _profile(units, masks)
        value = _value(profile, cost)
        rows.append(
            {
                "segment": label,
                "good_on": _good_on(units, masks),
                **profile,
                "value_per_opportunity": value,
                "value_lift": value / base_value if value is not None and base_value else None,
            }
        )
    rows.sort(key=lambda r: (len(r["good_on"]), r["value_per_opportunity"] or -np.inf), reverse=True)
    return [
        {
            "segment": "all accounts (discovery part)",
            "good_on": [],
            **base,
            "value_per_opportunity": base_value,
            "value_lift": 1.0,
            "cost_per_opportunity": cost,
        }
    ] + rows[:top]


def _over_represented(
    frame: pd.DataFrame, members: np.ndarray, attributes: list[str], top: int = 5, min_count: int = 10
) -> list[dict[str, Any]]:
    """Single conditions whose share among ``members`` most exceeds their share among all rows."""
    if members.sum() < min_count or members.all():
        return []
    encoded = encode(frame, attributes)
    total, chosen = len(frame), int(members.sum())
    kept: list[tuple[str, int, Any]] = []  # (label, members inside, rows covered)
    for i, selector in enumerate(encoded.selectors):
        covered = encoded.mask(i)
        inside = int((covered & members).sum())
        if inside >= min_count:
            kept.append((selector.label, inside, covered.sum()))
    # One vectorised call: a frozen distribution per condition cost ~6 ms each, the same values.
    inside_all = np.array([k[1] for k in kept], dtype=np.int64)
    covered_all = np.array([k[2] for k in kept], dtype=np.int64)
    p_values = sps.hypergeom.sf(inside_all - 1, total, covered_all, chosen) if kept else []
    out = []
    for (label, inside, covered_n), p in zip(kept, p_values, strict=True):
        share_members, share_all = inside / chosen, covered_n / total
        out.append(
            {
                "trait": label,
                "share": share_members,
                "share_all": float(share_all),
                "lift": share_members / share_all,
                "members": inside,
                "p_value": float(p),
            }
        )
    out = [o for o in out if o["lift"] >= 1.2 and o["p_value"] < 0.05]
    return sorted(out, key=lambda o: (o["p_value"], -o["lift"]))[:top]


def efficiency_rank(won: pd.DataFrame) -> pd.Series:
    """Lower is better: a won deal's rank by days to close plus its rank by discount (the workshop's list A)."""
    return won["days_to_close"].rank(pct=True) + won["discount"].fillna(won["discount"].median()).rank(pct=True)


def alignment(data: Dataset, attributes: list[str], share: float = 0.2) -> dict[str, Any]:
    """The fastest closes with the least discount vs the heaviest users: who is on both lists."""
    won = data.opportunities[(data.opportunities["won"] == 1) & data.opportunities["days_to_close"].notna()]
    customers = data.accounts[data.accounts["avg_active_users"].notna()]
    if len(won) < 20 or len(customers) < 20:
        return {"note": "not enough won deals or usage data for the alignment exercise"}
    speed = efficiency_rank(won)
    efficient = set(won.loc[speed <= speed.quantile(share), "account_id"])
    heavy = set(
        customers.loc[customers["avg_active_users"] >= customers["avg_active_users"].quantile(1 - share), "account_id"]
    )
    accounts = data.accounts[data.accounts["account_id"].isin(set(won["account_id"]) | set(customers["account_id"]))]
    ids = accounts["account_id"]
    traits_efficient = {
        t["trait"]: t for t in _over_represented(accounts, ids.isin(efficient).to_numpy(), attributes, top=50)
    }
    traits_heavy = {t["trait"]: t for t in _over_represented(accounts, ids.isin(heavy).to_numpy(), attributes, top=50)}
    shared = [
        {"trait": name, "lift_efficient": traits_efficient[name]["lift"], "lift_heavy": traits_heavy[name]["lift"]}
        for name in traits_efficient
        if name in traits_heavy
    ]
    shared.sort(key=lambda t: min(t["lift_efficient"], t["lift_heavy"]), reverse=True)
    return {
        "efficient_accounts": len(efficient),
        "heavy_users": len(heavy),
        "on_both": len(efficient & heavy),
        "shared_traits": shared[:10],
    }


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
            out[name] = {
                "members": int(members.sum()) if members is not None else 0,
                "traits": [],
                "note": "too few members to say what they share",
            }
            continue
        distinguishing = {}
        for column in ("tenure_days", "current_arr", "avg_active_users", "nps", "acv"):
            values = pd.to_numeric(customers[column], errors="coerce")
            if values.notna().sum() >= 10:
                distinguishing[column] = {"members": _median(values[members]), "others": _median(values[~members])}
        out[name] = {
            "members": int(members.sum()),
            "share": float(members.mean()),
            "traits": _over_represented(customers, members, attributes),
            "medians": distinguishing,
        }
    return out
