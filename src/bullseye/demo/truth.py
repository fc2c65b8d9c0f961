"""The truth the demo company plants, as ``truth.json`` reports it: the segment, the disqualifier, the
"why now", the committee, the generating model and what the draws realised."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from bullseye.demo.market import HOL_TITLES, INDUSTRY_SPECS, LARGE_METROS
from bullseye.demo.model import ADDONS, AS_OF, DAY, HISTORY_START, MODEL, NOISE_ATTRIBUTES, PLANS, REPS
from bullseye.demo.people import committee_truth

__all__ = ["company_truth"]


def company_truth(seed, n, acc, accounts_csv, new, cust, contacts, rows, matches, uni_true, events) -> dict:
    observed = (
        (accounts_csv["Industry"] == "E-commerce")
        & (accounts_csv["own_fleet"] == "yes")
        & (pd.to_numeric(accounts_csv["deliveries_per_day"], errors="coerce").astype(float) >= 200)
    ).to_numpy()
    model = json.loads(json.dumps(MODEL))
    win = new[new["stage"] != "open"]
    hol = events[(events["event_type"] == "exec_hire") & events["title"].isin(HOL_TITLES)]
    return {
        "generator": "bullseye.demo",
        "seed": seed,
        "n_accounts": n,
        "as_of": str(AS_OF),
        "history_start": str(HISTORY_START),
        "currency": "USD",
        "company": {
            "name": "Rotavia",
            "sells": "route-optimisation SaaS",
            "products": [p for p, _ in PLANS],
            "add_ons": [p for p, _ in ADDONS],
            "sales_reps": list(REPS),
        },
        "rows": rows,
        "segment": {
            "name": "E-commerce with own fleet and 200+ deliveries a day",
            "rule": [
                {"attribute": "industry", "op": "==", "value": "E-commerce"},
                {"attribute": "own_fleet", "op": "==", "value": "yes"},
                {"attribute": "deliveries_per_day", "op": ">=", "value": 200},
            ],
            "size_true": int(acc["icp"].sum()),
            "share_true": round(float(acc["icp"].mean()), 4),
            "size_observed": int(observed.sum()),
            "account_ids": acc.loc[acc["icp"], "account_id"].tolist(),
            "effects": {
                "win_odds_ratio": MODEL["win"]["odds_ratios"]["icp_segment"],
                "win_prob_inside": round(float(win["p_win"][win["icp"]].mean()), 4),
                "win_prob_outside": round(float(win["p_win"][~win["icp"]].mean()), 4),
                "days_to_close_factor": MODEL["days_to_close"]["icp_segment_factor"],
                "discount_mean_inside": MODEL["discount"]["mean_inside"],
                "discount_mean_outside": MODEL["discount"]["mean_outside"],
                "churn_hazard_ratio": MODEL["churn"]["hazard_ratios"]["icp_segment"],
                "usage_adoption_inside": MODEL["usage"]["adoption_mean_inside"],
                "usage_adoption_outside": MODEL["usage"]["adoption_mean_outside"],
                "nps_shift": MODEL["nps"]["icp_segment_shift"],
                "expansion_win_odds_ratio": MODEL["expansion_win"]["odds_ratios"]["icp_segment"],
            },
        },
        "other_effects": [
            {
                "name": "large_metro",
                "attribute": "city",
                "op": "in",
                "value": list(LARGE_METROS),
                "win_odds_ratio": MODEL["win"]["odds_ratios"]["large_metro"],
                "note": "about 6% of cities are written without accents (Sao Paulo, Goiania)",
            },
            {
                "name": "tried_competitor",
                "attribute": "tried_competitor",
                "op": "==",
                "value": "yes",
                "win_odds_ratio": MODEL["win"]["odds_ratios"]["tried_competitor"],
                "churn_hazard_ratio": MODEL["churn"]["hazard_ratios"]["tried_competitor"],
            },
        ],
        "disqualifiers": [
            {
                "attribute": "employees",
                "op": "<",
                "value": 50,
                "churn_hazard_ratio": MODEL["churn"]["hazard_ratios"]["employees_lt_50"],
                "nps_shift": MODEL["nps"]["employees_lt_50_shift"],
                "size_true": int(acc["small"].sum()),
                "share_true": round(float(acc["small"].mean()), 4),
            }
        ],
        "why_now": {
            "event_type": "exec_hire",
            "title_variants": list(HOL_TITLES),
            "title_keyword": "head of logistics",
            "window_days": MODEL["why_now"]["window_days"],
            "window": "event date from 90 days before the deal's creation up to its creation day",
            "applies_to": "new business deals (deal_type New Business)",
            "win_odds_ratio": MODEL["win"]["odds_ratios"]["why_now_head_of_logistics"],
            "deals_with_signal": int(new["why_now"].sum()),
            "head_of_logistics_hires": int(len(hol)),
            "mild_signals": [
                {
                    "event_type": "funding",
                    "window_days": MODEL["why_now"]["funding_window_days"],
                    "win_odds_ratio": MODEL["win"]["odds_ratios"]["funding_180d"],
                }
            ],
            "noise_event_types": ["headcount_change", "layoff", "tech_adopted", "exec_hire (other titles)"],
        },
        "committee": committee_truth(),
        "noise_attributes": list(NOISE_ATTRIBUTES),
        "no_effect_attributes": ["founded_year", "tech_stack", "erp", "owner", "source"],
        "model": model,
        "realised": _realised(new, cust, acc),
        "universe": {
            "n_companies": int(len(uni_true)),
            "n_crm_matches": len(matches),
            "icp_true_count": int(uni_true["icp"].sum()),
            "industry_map": {label: spec[0] for spec in INDUSTRY_SPECS for label in spec[1]},
            "matches": matches,
        },
        "contacts": {
            "n": int(len(contacts)),
            "by_role": {
                str(k): int(v) for k, v in contacts["role"].replace("", "none").value_counts().sort_index().items()
            },
        },
    }


def _exposure_hr(cust: pd.DataFrame, group: np.ndarray) -> float | None:
    """Churn events per customer-year inside ``group`` divided by the same rate outside it."""
    years = (
        (cust["end"].fillna(AS_OF).to_numpy(dtype="datetime64[D]") - cust["start"].to_numpy(dtype="datetime64[D]"))
        / DAY
        / 365.25
    )
    churned = cust["end"].notna().to_numpy()
    rate = [churned[m].sum() / years[m].sum() if years[m].sum() > 0 else np.nan for m in (group, ~group)]
    return None if not np.isfinite(rate[0] / rate[1]) else round(float(rate[0] / rate[1]), 3)


def _rate(won: np.ndarray, mask: np.ndarray) -> dict:
    return {"n": int(mask.sum()), "win_rate": round(float(won[mask].mean()), 4) if mask.any() else None}


def _realised(new: pd.DataFrame, cust: pd.DataFrame, acc: pd.DataFrame) -> dict:
    closed = new[new["stage"] != "open"]
    won, icp = (closed["stage"] == "won").to_numpy(), closed["icp"].to_numpy()
    w = closed[won]
    c = acc.iloc[cust["acc_idx"].to_numpy()]
    return {
        "new_business_closed": {
            "inside": _rate(won, icp),
            "outside": _rate(won, ~icp),
            "why_now": _rate(won, closed["why_now"].to_numpy()),
            "no_why_now": _rate(won, ~closed["why_now"].to_numpy()),
        },
        "median_days_to_win": {
            "inside": float(np.median(w["days"][w["icp"]])),
            "outside": float(np.median(w["days"][~w["icp"]])),
        },
        "mean_discount_won": {
            "inside": round(float(w["discount"][w["icp"]].mean()), 4),
            "outside": round(float(w["discount"][~w["icp"]].mean()), 4),
        },
        "churn_hazard_ratio_exposure": {
            "icp_segment": _exposure_hr(cust, c["icp"].to_numpy()),
            "employees_lt_50": _exposure_hr(cust, c["small"].to_numpy()),
        },
        "customers": int(len(cust)),
        "churned": int(cust["end"].notna().sum()),
    }
