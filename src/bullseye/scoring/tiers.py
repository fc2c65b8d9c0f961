"""Tiers a rep can read: cuts from the accounts' own score distribution or from sales capacity,
and a plain check of whether the tiers fall in order on the holdout.

Fixed cuts (A from 80, B from 60...) leave tiers empty whenever the scores bunch up, so by
default the cuts are **quantiles** of the scores of the CRM accounts that are not disqualified:
the best ``shares[0]`` are A, the next ``shares[1]`` B, the next ``shares[2]`` C and the rest D.
``a_capacity`` / ``b_capacity`` (accounts sales can work) replace a share; a ``*_min_score``
the user sets replaces a share by a fixed cut, and an empty tier it causes is said plainly. The
cuts can be taken on the fit score or on the expected value (``basis``). See docs/scoring.md.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from bullseye.stats import wilson_interval
from bullseye.strategy.icp import Tiers

__all__ = [
    "TIERS",
    "DISQUALIFIED_GROUP",
    "ORDER_MEASURES",
    "learn_cuts",
    "cut_rule",
    "assign_tiers",
    "tier_table",
    "order_check",
    "order_sentence",
]

TIERS = ("A", "B", "C", "D")
#: The holdout row of the accounts a disqualifier forced to tier D.
DISQUALIFIED_GROUP = "D (disqualified)"
#: What must fall from A to the disqualified group: holdout win rate and value per deal worked.
ORDER_MEASURES = {"win_rate": "win rate", "value_per_deal": "value per deal worked"}


def cut_rule(settings: Tiers, tier: str) -> tuple[str, float]:
    """How the cut of tier A, B or C is set: ``("capacity", accounts)`` when the tier's capacity is
    given, else ``("fixed", score)`` for its ``*_min_score``, else ``("quantile", share)``."""
    capacity = {"A": settings.a_capacity, "B": settings.b_capacity, "C": None}[tier]
    fixed = {"A": settings.a_min_score, "B": settings.b_min_score, "C": settings.c_min_score}[tier]
    if capacity is not None:
        return "capacity", capacity
    if fixed is not None:
        return "fixed", fixed
    return "quantile", settings.shares[TIERS.index(tier)]


def learn_cuts(values: np.ndarray, settings: Tiers) -> tuple[dict[str, float], list[str]]:
    """Cuts (lowest value of tiers A, B and C) from ``values`` of the accounts that can be tiered,
    and notes on tiers the settings leave empty. Accounts tied at a cut all get the higher tier."""
    ranked = np.sort(values[np.isfinite(values)])[::-1]
    n = len(ranked)
    rules = {tier: cut_rule(settings, tier) for tier in TIERS[:3]}
    cuts: dict[str, float] = {}
    taken, previous = 0, math.inf
    for tier, (by, amount) in rules.items():
        if by == "fixed":
            cut = float(amount)
        else:
            count = int(amount) if by == "capacity" else int(round(amount * n))
            cut = math.inf if count <= 0 or n == 0 or taken >= n else float(ranked[min(taken + count, n) - 1])
        cut = min(cut, previous)
        cuts[tier] = previous = cut
        taken = int(np.sum(ranked >= cut)) if math.isfinite(cut) else taken
    counts = _counts(ranked, cuts)
    notes = [
        f"tier {tier} is empty on the {n:,} accounts tiered"
        + (
            f": the fixed cut {rules[tier][1]:g} (`{tier.lower()}_min_score`) is above every score"
            if tier in rules and rules[tier][0] == "fixed"
            else ""
        )
        for tier in TIERS
        if n and counts[tier] == 0
    ]
    return cuts, notes


def _counts(values: np.ndarray, cuts: dict[str, float]) -> dict[str, int]:
    tiers = assign_tiers(values, np.zeros(len(values), dtype=bool), cuts)
    return {t: int(np.sum(tiers == t)) for t in TIERS}


def assign_tiers(values: np.ndarray, forced_d: np.ndarray, cuts: dict[str, float]) -> np.ndarray:
    """The tier of every value; ``forced_d`` rows (loss disqualifiers) are D whatever their value."""
    with np.errstate(invalid="ignore"):
        tier = np.select([values >= cuts["A"], values >= cuts["B"], values >= cuts["C"]], ["A", "B", "C"], "D")
    return np.where(forced_d, "D", tier).astype(object)


def tier_table(group: np.ndarray, won: np.ndarray, amount: np.ndarray, predicted: np.ndarray) -> pd.DataFrame:
    """Holdout deals by group (A-D and the disqualified): win rate with its Wilson interval, the
    median ACV of the won deals, the value per deal worked (won amount / deals; empty without
    deal amounts) and the mean predicted P(win)."""
    rows = []
    priced = bool(np.isfinite(amount[won == 1]).any())  # no deal amounts at all: no value to compare
    for name in (*TIERS, DISQUALIFIED_GROUP):
        member = group == name
        hit = member & (won == 1)
        low, high = wilson_interval(hit.sum(), member.sum())
        acv = amount[hit & np.isfinite(amount)]
        rows.append(
            {
                "tier": name,
                "deals": int(member.sum()),
                "won": int(hit.sum()),
                "win_rate": hit.sum() / member.sum() if member.any() else math.nan,
                "win_rate_low": float(low),
                "win_rate_high": float(high),
                "acv_median": float(np.median(acv)) if len(acv) else math.nan,
                "value_per_deal": float(acv.sum() / member.sum())
                if member.any() and priced and (len(acv) or not hit.any())
                else math.nan,
                "predicted": float(predicted[member].mean()) if member.any() else math.nan,
            }
        )
    return pd.DataFrame(rows)


def order_check(table: pd.DataFrame) -> dict[str, Any]:
    """Do win rate and value per deal fall from A through D to the disqualified group, over the
    groups with holdout deals? ``breaks`` names every adjacent pair that does not fall (the lower
    group at least as good as the one above it) and whether their win-rate intervals overlap."""
    present = table[table["deals"] > 0].reset_index(drop=True)
    result: dict[str, Any] = {
        "groups": present["tier"].tolist(),
        "empty": [t for t in table["tier"] if t not in set(present["tier"])],
        "breaks": {},
    }
    for key in ORDER_MEASURES:
        values = present[key].to_numpy(float)
        keep = np.isfinite(values)
        rows = present[keep].reset_index(drop=True)
        if len(rows) < 2:
            result[key] = None
            result.setdefault("unchecked", {})[key] = (
                "no deal amounts"
                if len(present) >= 2 and key == "value_per_deal" and not keep.any()
                else "fewer than two tiers with holdout deals"
            )
            continue
        breaks = []
        for upper, lower in zip(rows.to_dict(orient="records"), rows.iloc[1:].to_dict(orient="records")):
            if lower[key] >= upper[key]:
                overlap = lower["win_rate_low"] <= upper["win_rate_high"] if key == "win_rate" else None
                breaks.append(
                    {
                        "upper": upper["tier"],
                        "lower": lower["tier"],
                        "upper_value": upper[key],
                        "lower_value": lower[key],
                        "within_noise": overlap,
                    }
                )
        result[key] = not breaks
        result["breaks"][key] = breaks
    return result


def order_sentence(check: dict[str, Any], key: str) -> str:
    """'Holdout win rate falls in order A > B > C > D > D (disqualified).' or what breaks it."""
    name = ORDER_MEASURES[key]
    if check.get(key) is None:
        why = check.get("unchecked", {}).get(key, "fewer than two tiers with holdout deals")
        return f"Holdout {name}: order not checked ({why})."
    groups = [g for g in check["groups"]]
    if check[key]:
        return f"Holdout {name} falls in order: {' > '.join(groups)}."
    fmt = "{:.0%}" if key == "win_rate" else "{:,.0f}"
    parts = [
        f"{b['lower']} ({fmt.format(b['lower_value'])}) is not below {b['upper']} ({fmt.format(b['upper_value'])})"
        + (", within noise" if b["within_noise"] else "")
        for b in check["breaks"][key]
    ]
    return f"Holdout {name} does NOT fall in order: " + "; ".join(parts) + "."
