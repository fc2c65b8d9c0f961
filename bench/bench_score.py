"""Scoring with explanations: 1,000,000 accounts against a fitted ICP scorecard.

Target on a 2-core machine: <= 5 s. Baseline in the same run: scikit-learn's predict_proba on the
same features as a dense one-hot design matrix, i.e. the probabilities alone, with no points,
tiers or reasons.

    python bench/bench_score.py [--accounts 1000000] [--fit-accounts 5000]
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from pathlib import Path

import numpy as np

from bullseye.core.dataset import build_dataset
from bullseye.demo import generate_company
from bullseye.scoring.scorecard import ScoreCard
from bullseye.strategy.icp import ICP, Condition, Criterion, Disqualifier
from bullseye.workspace import Workspace

PLANTED = ICP(
    criteria=[
        Criterion(
            id="ecom-fleet",
            name="E-commerce with own fleet and 200+ deliveries a day",
            assumption=True,
            conditions=[
                Condition(attribute="industry", op="==", value="E-commerce"),
                Condition(attribute="own_fleet", op="==", value="yes"),
                Condition(attribute="deliveries_per_day", op=">=", value=200),
            ],
        )
    ],
    disqualifiers=[
        Disqualifier(
            id="small",
            name="Under 50 employees",
            assumption=True,
            reason="churn 4x",
            conditions=[Condition(attribute="employees", op="<", value=50)],
        )
    ],
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--accounts", type=int, default=1_000_000)
    parser.add_argument("--fit-accounts", type=int, default=5000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        ws = Workspace.init(Path(tmp) / "ws")
        generate_company(ws.data_dir, n_accounts=args.fit_accounts, seed=0)
        ws.load([ws.data_dir / f"{n}.csv" for n in ("accounts", "deals", "subscriptions")])
        data = build_dataset(ws)
        start = time.perf_counter()
        card = ScoreCard(PLANTED).fit(data)
        fit_seconds = time.perf_counter() - start
        rng = np.random.default_rng(0)
        frame = data.accounts.iloc[rng.integers(0, len(data.accounts), args.accounts)].reset_index(drop=True)
        frame["account_id"] = [f"A{i}" for i in range(len(frame))]
        start = time.perf_counter()
        matrix, _ = card.design(frame)
        design_seconds = time.perf_counter() - start
        coef = np.concatenate([f.coef[1:] if f.is_flag else f.coef for f in card.features_])
        start = time.perf_counter()
        probabilities = 1 / (1 + np.exp(-(matrix @ coef + card.intercept_)))
        baseline_seconds = time.perf_counter() - start + design_seconds
        start = time.perf_counter()
        scores = card.score(frame)
        score_seconds = time.perf_counter() - start
        ws.close()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"Scoring benchmark: {args.accounts:,} accounts, scorecard fitted on {args.fit_accounts:,} "
        f"demo accounts in {fit_seconds:.1f} s"
    )
    print(
        f"  baseline  dense one-hot design + probabilities {baseline_seconds:6.2f} s  "
        f"(mean probability {probabilities.mean():.3f})"
    )
    print(
        f"  bullseye  scores, tiers and reasons in words   {score_seconds:6.2f} s  "
        f"{args.accounts / score_seconds:,.0f} accounts/s  [target <= 5 s]  peak {peak:,.0f} MB"
    )
    print(f"  rows: {len(scores):,}; tiers: {scores['tier'].value_counts().to_dict()}")


if __name__ == "__main__":
    main()
