"""Generated leads and customers with planted leaks of every kind and planted honest fields that
look a little like leaks. Used by test_leakage.py and test_screening.py.

Leaks (must be flagged): ``signed_by`` (filled after the sale), ``deal_stage`` (near-deterministic),
``tags`` (a rep's tag: 96% won among a minority), ``field_7`` (the same tag under a name that hints
nothing), ``pipeline_step`` (values seen only on closed deals), for retention ``months_on_book``
(the survival time) and ``cancel_reason`` (filled when a customer churns).
Honest (must not be flagged): ``industry`` (a real driver: 70% won in a fifth of the leads),
``partner`` (a sparse optional field, a little more often filled on won deals), ``status`` (a
hinting name with nothing behind it), ``employees``, ``source``, for retention ``plan`` (twice the churn).
"""

from __future__ import annotations

import datetime as dt
import hashlib

import numpy as np
import pandas as pd

__all__ = ["LEAKS", "HONEST", "RETENTION_LEAKS", "RETENTION_HONEST", "leads", "customers", "write_workspace_files"]

LEAKS = {"signed_by", "deal_stage", "tags", "field_7", "pipeline_step"}
HONEST = {"industry", "partner", "status", "employees", "source"}
RETENTION_LEAKS = {"months_on_book", "cancel_reason"}
RETENTION_HONEST = {"plan", "employees"}


def leads(seed: int, n: int = 3000, n_open: int = 400) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(closed leads with a ``won`` column, open leads): attributes known before the sale plus leaks."""
    rng = np.random.default_rng(seed)
    total = n + n_open
    industry = np.where(rng.random(total) < 0.2, "A", rng.choice(["B", "C", "D"], total))
    # A rep's tag: 'will sign' on 8% of leads, 96% of them won; the other tags are noise.
    tagged = rng.random(total) < 0.08
    won = np.where(tagged, rng.random(total) < 0.96, rng.random(total) < np.where(industry == "A", 0.70, 0.22))
    is_open = np.arange(total) >= n
    frame = pd.DataFrame(
        {
            "account_id": [f"L{seed}-{i:05d}" for i in range(total)],
            "industry": industry,
            "employees": np.round(np.exp(rng.normal(4, 1.2, total))).astype(int) + 1,
            "source": rng.choice(["web", "event", "referral", "outbound"], total),
            "status": rng.choice(["new", "working", "nurture"], total),
            "partner": np.where(
                rng.random(total) < np.where(won, 0.12, 0.09), rng.choice(["P1", "P2", "P3"], total), None
            ),
            "tags": np.where(tagged, "will sign", rng.choice(["call back", "sent brochure", "left voicemail"], total)),
        }
    )
    frame["field_7"] = frame["tags"]
    # Filled in by sales once the deal is won (the signatory), rarely on a lost one.
    signed = np.where(won, rng.random(total) < 0.92, rng.random(total) < 0.04) & ~is_open
    frame["signed_by"] = np.where(signed, rng.choice(["CFO", "CEO", "COO", "Head of Ops"], total), None)
    # A stage that all but decides the outcome, set as the deal progresses.
    frame["deal_stage"] = np.where(
        is_open,
        rng.choice(["proposal", "discovery"], total),
        np.where(
            won,
            np.where(rng.random(total) < 0.6, "contract sent", "proposal"),
            np.where(rng.random(total) < 0.5, "no response", "proposal"),
        ),
    )
    # Closed deals end in 'signed' or 'rejected'; open ones are in 'demo' or 'proposal'.
    frame["pipeline_step"] = np.where(
        is_open,
        rng.choice(["demo", "proposal"], total),
        np.where(won, "signed", np.where(rng.random(total) < 0.5, "rejected", "proposal")),
    )
    frame["won"] = won.astype(int)
    return frame[~is_open].reset_index(drop=True), frame[is_open].drop(columns="won").reset_index(drop=True)


def customers(seed: int, n: int = 2000) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """(customers, days observed, churned): ``plan`` doubles the churn hazard; the leaks give it away."""
    rng = np.random.default_rng(seed)
    plan = rng.choice(["basic", "pro"], n, p=[0.4, 0.6])
    hazard = np.where(plan == "basic", 2.0, 1.0) / 1500
    churn_day = rng.exponential(1 / hazard)
    follow = rng.uniform(30, 1500, n)
    churned = churn_day < follow
    days = np.minimum(churn_day, follow)
    frame = pd.DataFrame(
        {
            "plan": plan,
            "employees": np.round(np.exp(rng.normal(4, 1.2, n))).astype(int) + 1,
            "months_on_book": np.floor(days / 30.4).astype(int),
            "cancel_reason": np.where(
                churned & (rng.random(n) < 0.85), rng.choice(["price", "moved to competitor", "closed down"], n), None
            ),
        }
    )
    return frame, days, churned


def write_workspace_files(folder, seed: int, n: int = 2500, n_open: int = 300) -> dict[str, pd.DataFrame]:
    """accounts.csv and deals.csv of generated leads (one deal per account, over two years), with a
    hash-like landing page code (an identifier) besides the planted leaks."""
    closed, opened = leads(seed, n, n_open)
    rng = np.random.default_rng(seed + 1000)
    accounts = pd.concat([closed.drop(columns="won"), opened], ignore_index=True)
    accounts["landing_page"] = [hashlib.md5(str(k).encode()).hexdigest() for k in rng.integers(0, 400, len(accounts))]
    start = dt.date(2023, 1, 1)
    created = [start + dt.timedelta(days=int(d)) for d in rng.integers(0, 700, len(accounts))]
    cycle = rng.integers(10, 90, len(accounts))
    stage = np.concatenate([np.where(closed["won"] == 1, "won", "lost"), np.full(len(opened), "open")])
    deals = pd.DataFrame(
        {
            "deal_id": [f"D-{a}" for a in accounts["account_id"]],
            "account_id": accounts["account_id"],
            "stage": stage,
            "created_at": created,
            "closed_at": [
                c + dt.timedelta(days=int(k)) if s != "open" else None for c, k, s in zip(created, cycle, stage)
            ],
            "amount": np.round(rng.lognormal(9, 0.5, len(accounts))),
        }
    )
    folder.mkdir(parents=True, exist_ok=True)
    accounts.to_csv(folder / "accounts.csv", index=False)
    deals.to_csv(folder / "deals.csv", index=False)
    return {"accounts": accounts, "deals": deals}
