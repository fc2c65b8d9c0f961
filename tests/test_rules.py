"""Trigger rules on planted data: a segment's churn leaving the interval it was published with."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace

import numpy as np
import pandas as pd

from bullseye.governance.rules import _churn_shifts
from bullseye.strategy.icp import ICP


def _accounts(hazard_inside: float, hazard_outside: float, n: int = 4000, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    inside = rng.random(n) < 0.3
    start = pd.Timestamp("2025-01-01") + pd.to_timedelta(rng.integers(0, 180, n), unit="D")
    years = rng.exponential(1 / np.where(inside, hazard_inside, hazard_outside))
    churn = start + pd.to_timedelta((years * 365.25).astype(int), unit="D")
    churned = churn < pd.Timestamp("2026-12-31")
    return pd.DataFrame(
        {
            "account_id": [f"A{i}" for i in range(n)],
            "industry": np.where(inside, "E-commerce", "Retail"),
            "first_start": start,
            "churned": churned,
            "churn_date": churn.where(churned),
        }
    )


ICP_WITH_CHURN_EVIDENCE = ICP.model_validate(
    {
        "criteria": [
            {
                "id": "ecom",
                "name": "E-commerce",
                "conditions": [{"attribute": "industry", "op": "==", "value": "E-commerce"}],
                "evidence": [
                    {"outcome": "retention", "metric": "churn hazard ratio", "segment": 0.45, "interval": [0.35, 0.6]}
                ],
            }
        ]
    }
)


def test_a_segment_that_churns_like_everyone_else_since_publication_raises_a_trigger():
    data = SimpleNamespace(accounts=_accounts(0.3, 0.3))
    (row,) = _churn_shifts(data, ICP_WITH_CHURN_EVIDENCE, date(2026, 1, 1), date(2026, 12, 31))
    assert row["kind"] == "segment_shift" and row["subject"] == "ecom (churn)" and "rose above" in row["detail"]


def test_a_segment_that_keeps_its_published_advantage_raises_nothing():
    data = SimpleNamespace(accounts=_accounts(0.15, 0.33))
    assert _churn_shifts(data, ICP_WITH_CHURN_EVIDENCE, date(2026, 1, 1), date(2026, 12, 31)) == []
