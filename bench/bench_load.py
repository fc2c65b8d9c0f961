"""Load and outcomes on a large CRM: 1,000,000 accounts and 3,000,000 deals from CSV.

Targets on a 2-core machine: load <= 60 s, outcomes <= 10 s, peak memory <= 2 GB.
Baseline in the same run: DuckDB's own read_csv of the same files into untyped tables (no
typing, no quarantine, no line numbers): the floor any loader on this engine could reach.

    python bench/bench_load.py [--accounts 1000000] [--deals 3000000] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from phases import bench_root, phase_parser, run_phase  # noqa: E402


def _phase(name: str, root: Path, args: argparse.Namespace) -> dict:
    return run_phase(__file__, name, root, ["--accounts", str(args.accounts), "--deals", str(args.deals)])


def _run_phase(args: argparse.Namespace) -> None:
    root = Path(args.root)
    result: dict = {}
    if args.phase == "generate":
        sys.path.insert(0, str(HERE))
        from synthetic import write_crm

        from bullseye.workspace import Workspace

        Workspace.init(root / "ws", exist_ok=True)
        start = time.perf_counter()
        paths = write_crm(root / "ws" / "data", args.accounts, args.deals)
        result = {"seconds": time.perf_counter() - start, "bytes": sum(p.stat().st_size for p in paths.values())}
    elif args.phase == "baseline":
        import duckdb

        con = duckdb.connect(str(root / "baseline.duckdb"))
        start = time.perf_counter()
        for name in ("accounts", "deals"):
            con.execute(f"CREATE OR REPLACE TABLE {name} AS SELECT * FROM read_csv(?)", [str(root / "ws" / "data" / f"{name}.csv")])
        con.close()
        result = {"seconds": time.perf_counter() - start}
    elif args.phase == "load":
        from bullseye.workspace import Workspace

        ws = Workspace(root / "ws")
        start = time.perf_counter()
        report = ws.load()
        result = {"seconds": time.perf_counter() - start, "rows": report.table_rows, "reconciles": report.reconciles,
                  "issues": report.issues}
    elif args.phase == "outcomes":
        from bullseye.outcomes import account_outcomes
        from bullseye.outcomes_summary import outcome_summary
        from bullseye.workspace import Workspace

        ws = Workspace(root / "ws")
        start = time.perf_counter()
        per_account = account_outcomes(ws).to_pyarrow()
        middle = time.perf_counter()
        summary = outcome_summary(ws, by="industry")
        result = {"seconds": time.perf_counter() - start, "account_rows": per_account.num_rows,
                  "per_account_seconds": middle - start, "summary_groups": len(summary.rows)}
    Path(args.out).write_text(json.dumps(result))


def main() -> None:
    parser = phase_parser(__doc__)
    parser.add_argument("--accounts", type=int, default=1_000_000)
    parser.add_argument("--deals", type=int, default=3_000_000)
    args = parser.parse_args()
    if args.phase:
        _run_phase(args)
        return
    with bench_root(args.keep, "bullseye-bench-") as root:
        generated = _phase("generate", root, args)
        baseline = _phase("baseline", root, args)
        loaded = _phase("load", root, args)
        outcomes = _phase("outcomes", root, args)
    rows = args.accounts + args.deals
    print(f"Load benchmark: {args.accounts:,} accounts + {args.deals:,} deals ({generated['bytes'] / 1e6:,.0f} MB of CSV)")
    print(f"  baseline  duckdb read_csv, untyped  {baseline['seconds']:7.1f} s  {rows / baseline['seconds']:>12,.0f} rows/s  peak {baseline['peak_mb']:,.0f} MB")
    print(f"  bullseye  load (typed, quarantine)  {loaded['seconds']:7.1f} s  {rows / loaded['seconds']:>12,.0f} rows/s  peak {loaded['peak_mb']:,.0f} MB"
          f"  [target <= 60 s, <= 2,048 MB]  {loaded['seconds'] / baseline['seconds']:.1f}x baseline")
    print(f"  bullseye  outcomes                  {outcomes['seconds']:7.1f} s  ({outcomes['per_account_seconds']:.1f} s per-account table, "
          f"then summary by industry)  peak {outcomes['peak_mb']:,.0f} MB  [target <= 10 s]")
    print(f"  reconciles: {loaded['reconciles']}, rows: {loaded['rows']}, issues: {loaded['issues']}")


if __name__ == "__main__":
    main()
