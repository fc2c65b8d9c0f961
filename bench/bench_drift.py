"""Drift checks: false alarms in stable quarters and detection of a market shift, over seeds.

For each seed the demo company is generated (5,000 accounts), its planted ICP taken as the
published version at the demo's as-of date, and one more quarter written twice: as a stable
quarter and as a quarter where the market shifts (demo/periods.py SHIFT). The monthly drift checks
of months 1 and 2 then run on each. Prints the share of stable quarters without an alarm (target
>= 95%) and of shifted quarters flagged within the two checks (target >= 80%).

    python bench/bench_drift.py --seeds 20
"""

from __future__ import annotations

import shutil
import sys
import time
from datetime import timedelta
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
from phases import bench_root, phase_parser  # noqa: E402

from bullseye.demo import generate_company  # noqa: E402
from bullseye.demo.company import AS_OF  # noqa: E402
from bullseye.demo.periods import generate_period  # noqa: E402
from bullseye.demo.strategy import PLANTED_ICP  # noqa: E402
from bullseye.governance.drift import MONTH_DAYS, drift_check  # noqa: E402
from bullseye.strategy.icp import ICP  # noqa: E402
from bullseye.workspace import Workspace  # noqa: E402

TABLES = ("accounts", "deals", "subscriptions")


def quarter_alarms(root: Path, base: Path, seed: int, shift: bool, looks: int = 2) -> list[list[str]]:
    """The alarms of each monthly check of one generated quarter."""
    ws = Workspace.init(root, exist_ok=True)
    for name in (*(f"{t}.csv" for t in TABLES), "notes.csv", "truth.json"):
        shutil.copy(base / name, ws.data_dir / name)
    generate_period(ws.data_dir, months=3, seed=seed, shift=shift)
    ws.load([ws.data_dir / f"{t}.csv" for t in TABLES])
    icp = ICP.model_validate(yaml.safe_load(PLANTED_ICP))
    published = AS_OF.astype(object)
    out = [
        [t.name for t in drift_check(ws, icp, published, published + timedelta(days=MONTH_DAYS * k + 1)).alarms]
        for k in range(1, looks + 1)
    ]
    ws.close()
    return out


def main() -> None:
    parser = phase_parser(__doc__)
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--accounts", type=int, default=5000)
    args = parser.parse_args()
    stable_clean = shifted_found = 0
    started = time.perf_counter()
    with bench_root(args.keep, "bullseye-drift-") as root:
        for seed in range(args.seeds):
            base = root / f"base-{seed}"
            generate_company(base, n_accounts=args.accounts, seed=seed)
            stable = quarter_alarms(root / f"stable-{seed}", base, seed, shift=False)
            shifted = quarter_alarms(root / f"shift-{seed}", base, seed, shift=True)
            stable_clean += not any(stable)
            shifted_found += any(shifted)
            print(f"seed {seed:2d}: stable {stable}  shifted {shifted}", flush=True)
            shutil.rmtree(base, ignore_errors=True)
    n = args.seeds
    print(f"\nstable quarters without an alarm: {stable_clean}/{n} = {stable_clean / n:.0%} (target >= 95%)")
    print(
        f"shifted quarters flagged within two monthly checks: {shifted_found}/{n} = {shifted_found / n:.0%} "
        f"(target >= 80%)"
    )
    print(f"{time.perf_counter() - started:.0f} s for {n} seeds at {args.accounts:,} accounts")


if __name__ == "__main__":
    main()
