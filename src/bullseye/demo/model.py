"""The demo company's constants and its generating model (what the exports are drawn from, and what
``truth.json`` reports back), and the record ids and day offsets every part of it writes."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "AS_OF",
    "HISTORY_START",
    "DAY",
    "REPS",
    "SOURCES",
    "PLANS",
    "ADDONS",
    "OPEN_STAGES",
    "NOISE_ATTRIBUTES",
    "MODEL",
    "as_days",
    "ids",
]

AS_OF = np.datetime64("2026-06-30")
HISTORY_START = np.datetime64("2023-07-01")
DAY = np.timedelta64(1, "D")
REPS = (
    "Ana Beatriz Rocha",
    "Bruno Tavares",
    "Camila Duarte",
    "Diego Monteiro",
    "Elisa Prado",
    "Felipe Arantes",
    "Gabriela Siqueira",
    "Henrique Paiva",
    "Isabela Campos",
    "Jorge Menezes",
    "Karina Lobo",
    "Leandro Fontes",
)
SOURCES = ("Website", "Inbound - Content", "Outbound - SDR", "Referral", "Event", "Partner", "LinkedIn")
PLANS = (("Rotavia Starter", 7_200.0), ("Rotavia Professional", 18_000.0), ("Rotavia Enterprise", 42_000.0))
ADDONS = (
    ("Rotavia Add-on: Real-time Tracking", 4_800.0),
    ("Rotavia Add-on: TMS Connector", 3_600.0),
    ("Rotavia Add-on: Extra Vehicles", 6_000.0),
)
OPEN_STAGES = ("Discovery", "Qualification", "Proposal", "Negotiation")
NOISE_ATTRIBUTES = ("crm_tier", "newsletter_opt_in", "office_type", "linkedin_followers")
#: The generating model. Odds ratios act on the log-odds of winning, hazard ratios on a Weibull hazard.
MODEL: dict[str, Any] = {
    "win": {
        "base_logit": -1.52,
        "account_sd": 0.3,
        "odds_ratios": {
            "icp_segment": 2.5,
            "large_metro": 1.3,
            "tried_competitor": 1.4,
            "why_now_head_of_logistics": 3.0,
            "funding_180d": 1.4,
        },
    },
    "expansion_win": {"base_logit": 0.3, "odds_ratios": {"icp_segment": 1.5}},
    "days_to_close": {
        "won_median": 70,
        "lost_median": 50,
        "expansion_median": 35,
        "sigma": 0.5,
        "icp_segment_factor": 0.6,
    },
    "discount": {"mean_inside": 0.08, "mean_outside": 0.18, "beta_a": 2.0},
    "churn": {
        "distribution": "weibull",
        "shape": 1.1,
        "baseline_annual_churn": 0.20,
        "account_sd": 0.2,
        "hazard_ratios": {"icp_segment": 0.4, "employees_lt_50": 4.0, "tried_competitor": 0.8},
    },
    "why_now": {"planted_share_of_new_deals": 0.12, "window_days": 90, "funding_window_days": 180},
    "usage": {"adoption_mean_inside": 0.8, "adoption_mean_outside": 0.55, "users_factor_inside": 1.3},
    "nps": {"base_mean": 7.0, "icp_segment_shift": 1.3, "employees_lt_50_shift": -1.5},
    "deals": {"p_new_business": 0.43, "p_retry_after_loss": 0.2, "expansions_per_customer": [0.5, 0.33, 0.17]},
}


def as_days(n: np.ndarray) -> np.ndarray:
    return np.asarray(n).astype(np.int64).astype("timedelta64[D]")


def ids(prefix: str, n: int, width: int = 7, start: int = 1) -> np.ndarray:
    """``n`` record ids from ``start`` on: ACC-000001, DEAL-0000001..."""
    return (prefix + pd.Series(np.arange(start, start + n)).astype(str).str.zfill(width)).to_numpy(dtype=object)
