"""Load and outcomes on a large CRM: 1,000,000 accounts and 3,000,000 deals from CSV.

Targets on a 2-core machine: load <= 60 s, outcomes <= 10 s, peak memory <= 2 GB.
Baseline in the same run: DuckDB's own read_csv of the same files into untyped tables (no
typing, no quarantine, no line numbers): the floor any loader on this engine could reach.

    python bench/bench_load.py [--accounts 1000000] [--deals 3000000] [--keep DIR]

Wide exports (a CRM's "all properties"): ``--wide 1000x100000`` generates an accounts file of
1,000 columns and 100,000 rows and times reading and staging it (the parse, the line ledger and the
cleaning), then the whole load when ``--wide-load`` is given. Several shapes can be given at once;
``--wide default`` runs the issue's shapes: 1,000 x 100,000 and 5,000 x 100 (loaded or refused).

    python bench/bench_load.py --wide 1000x100000[,5000x100] [--wide-load]
    python bench/bench_load.py --wide default --wide-load

Small loads (the fixed cost of a load): ``--small 600,2000`` loads a demo company of each size with
every table, each three times in a fresh process, and prints the median CPU seconds of the load
(``ws.load`` alone) and of the whole process (imports included).

    python bench/bench_load.py --small 600,2000 [--seed 0]

Public market loads (the typing of their free-text columns): ``--market layoffs,yc`` loads each
example's files from the public datasets (``$BULLSEYE_DATASETS`` or ``../shared/datasets``) with its
``examples/<name>/mapping.yaml`` through the CLI, each three times in a fresh process, and prints
the median CPU seconds of the load and of the whole process.

    python bench/bench_load.py --market layoffs,yc [--repeats 3]
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

#: The shapes of the issue: a 1,000-column export of 100,000 rows, and 5,000 columns.
WIDE_SHAPES = "1000x100000,5000x100"


def _phase(name: str, root: Path, args: argparse.Namespace) -> dict:
    return run_phase(
        __file__,
        name,
        root,
        ["--accounts", str(args.accounts), "--deals", str(args.deals), *(["--wide", args.wide] if args.wide else [])],
    )


def _write_wide(path: Path, columns: int, rows: int) -> None:
    """Properties of every common kind: text, numbers, dates, yes/no and mostly empty ones."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.csv as pacsv

    rng = np.random.default_rng(0)
    data = {
        "account_id": pa.array([f"A{i}" for i in range(rows)]),
        "name": pa.array([f"Company {i}" for i in range(rows)]),
    }
    for j in range(columns - 2):
        kind = j % 5
        if kind == 0:
            values = rng.integers(0, 10_000, rows).astype(str)
        elif kind == 1:
            values = np.char.add("value ", rng.integers(0, 50, rows).astype(str))
        elif kind == 2:
            values = (np.datetime64("2023-01-01") + rng.integers(0, 900, rows).astype("timedelta64[D]")).astype(str)
        elif kind == 3:
            values = np.where(rng.random(rows) < 0.5, "Yes", "No")
        else:
            values = np.where(rng.random(rows) < 0.9, "", "rare note, with a comma")
        data[f"property_{j}"] = pa.array(values)
    pacsv.write_csv(pa.table(data), path)


def _wide_phase(args: argparse.Namespace, root: Path) -> dict:
    import time

    columns, rows = (int(n) for n in args.wide.split("x"))
    path = root / "ws" / "data" / "accounts.csv"
    if args.phase == "wide-generate":
        from bullseye.workspace import Workspace

        Workspace.init(root / "ws", exist_ok=True)
        start = time.perf_counter()
        _write_wide(path, columns, rows)
        return {"seconds": time.perf_counter() - start, "bytes": path.stat().st_size}
    import ibis

    from bullseye.ingest.readers import open_reader
    from bullseye.ingest.scratch import released
    from bullseye.ingest.stage import stage_file
    from bullseye.workspace import Workspace

    start = time.perf_counter()  # after the imports: a refusal is timed from the call
    try:
        if args.phase == "wide-stage":
            con = ibis.duckdb.connect()
            con.raw_sql("SET memory_limit = '1.5GB'")  # the warehouse's default
            con.raw_sql(f"SET temp_directory = '{root / 'tmp'}'")  # as a load's: the scratch goes there
            reader = open_reader(path)
            with released(con.con):
                count, rejects = stage_file(con, reader, "_stage_0")
            return {
                "seconds": time.perf_counter() - start,
                "records": count,
                "rejects": len(rejects),
                "lines_reconcile": reader.ledger.lines == reader.ledger.accounted,
            }
        ws = Workspace(root / "ws")
        report = ws.load([path])
        kinds = ws.table("accounts").schema()
        ws.close()
        typed: dict[str, int] = {}
        for dtype in kinds.values():
            typed[str(dtype)] = typed.get(str(dtype), 0) + 1
        return {
            "seconds": time.perf_counter() - start,
            "rows": report.table_rows,
            "reconciles": report.reconciles,
            "issues": report.issues,
            "column_types": typed,
        }
    except Exception as exc:  # noqa: BLE001 - the benchmark reports a refusal as a figure
        return {"seconds": time.perf_counter() - start, "refused": str(exc)}


#: Fresh-process loads per size; the median is reported.
SMALL_REPEATS = 3


def _small_phase(args: argparse.Namespace, root: Path) -> dict:
    if args.phase == "small-generate":
        from bullseye.demo import generate_company
        from bullseye.workspace import Workspace

        ws = Workspace.init(root / "ws", exist_ok=True)
        generate_company(ws.data_dir, n_accounts=args.size, seed=args.seed)
        return {}
    from bullseye.workspace import Workspace

    ws = Workspace(root / "ws")
    start = time.process_time()
    report = ws.load()  # every table: the demo's files match load.files
    cpu = time.process_time() - start
    ws.close()
    return {"load_cpu_s": cpu, "rows": report.table_rows, "reconciles": report.reconciles, "issues": report.issues}


def _small_main(args: argparse.Namespace) -> None:
    import statistics

    print(f"Small loads: demo companies with every table (seed {args.seed}), median of {SMALL_REPEATS} fresh processes")
    for size in (int(n) for n in args.small.split(",")):
        with bench_root(args.keep and str(Path(args.keep) / f"small-{size}"), "bullseye-bench-small-") as root:
            extra = ["--size", str(size), "--seed", str(args.seed)]
            run_phase(__file__, "small-generate", root, extra)
            runs = [run_phase(__file__, "small-load", root, extra) for _ in range(SMALL_REPEATS)]
        load = statistics.median(r["load_cpu_s"] for r in runs)
        process = statistics.median(r["cpu_s"] for r in runs)
        rows = sum(runs[0]["rows"].values())
        print(
            f"  {size:>6,} accounts  load {load:5.1f} s CPU  process {process:5.1f} s CPU  "
            f"({rows:,} rows in {len(runs[0]['rows'])} tables, reconciles: {runs[0]['reconciles']})",
            flush=True,
        )


#: Each example's dataset folder and files (every CSV in it when not listed).
MARKET = {
    "layoffs": ("layoffs_fyi", ()),
    "yc": ("yc_companies", ()),
    "crunchbase": ("crunchbase_2013", ()),
    "inc5000": ("inc5000", ("inc5000.csv",)),
    "fortune1000": ("fortune1000_2021", ("Fortune_1000.csv",)),
    "olist": ("olist_marketing_funnel", ()),
    "maven": ("maven_crm_sales_opportunities", ()),
    "bank_marketing": ("bank_marketing_uci", ("bank.csv",)),
}


def _market_phase(args: argparse.Namespace, root: Path) -> dict:
    import os

    from typer.testing import CliRunner

    from bullseye.cli import app

    datasets = Path(os.environ.get("BULLSEYE_DATASETS") or HERE.parents[1] / "shared" / "datasets")
    folder, names = MARKET[args.market]
    files = [datasets / folder / n for n in names] or sorted((datasets / folder).glob("*.csv"))
    runner = CliRunner()
    workspace = root / f"ws-{time.monotonic_ns()}"
    assert runner.invoke(app, ["init", str(workspace)]).exit_code == 0
    mapping = HERE.parent / "examples" / args.market / "mapping.yaml"
    start = time.process_time()
    result = runner.invoke(app, ["load", "--workspace", str(workspace), "--mapping", str(mapping), *map(str, files)])
    cpu = time.process_time() - start
    if result.exit_code != 0:
        raise SystemExit(result.output)
    return {"load_cpu_s": cpu}


def _market_main(args: argparse.Namespace) -> None:
    import statistics

    print(f"Public market loads through the CLI, median of {args.repeats} fresh processes")
    for name in args.market.split(","):
        with bench_root(args.keep and str(Path(args.keep) / f"market-{name}"), "bullseye-bench-market-") as root:
            runs = [run_phase(__file__, "market-load", root, ["--market", name]) for _ in range(args.repeats)]
        load = statistics.median(r["load_cpu_s"] for r in runs)
        process = statistics.median(r["cpu_s"] for r in runs)
        print(f"  {name:14}  load {load:5.1f} s CPU  process {process:5.1f} s CPU", flush=True)


def _wide_main(args: argparse.Namespace) -> None:
    shapes = (WIDE_SHAPES if args.wide == "default" else args.wide).split(",")
    for shape in shapes:
        args.wide = shape
        with bench_root(args.keep and str(Path(args.keep) / shape), "bullseye-bench-wide-") as root:
            generated = _phase("wide-generate", root, args)
            print(f"Wide export: {shape} columns x rows ({generated['bytes'] / 1e6:,.0f} MB of CSV)")
            for name in ("wide-stage", "wide-load") if args.wide_load else ("wide-stage",):
                result = _phase(name, root, args)
                outcome = (
                    f"refused: {result['refused']}"
                    if "refused" in result
                    else {k: v for k, v in result.items() if k not in ("seconds", "peak_mb", "cpu_s")}
                )
                print(
                    f"  {name:10}  {result['seconds']:7.1f} s  (CPU {result['cpu_s']:.1f} s)  "
                    f"peak {result['peak_mb']:,.0f} MB  {outcome}",
                    flush=True,
                )


def _run_phase(args: argparse.Namespace) -> None:
    root = Path(args.root)
    result: dict = {}
    if args.phase.startswith("wide-"):
        result = _wide_phase(args, root)
    elif args.phase.startswith("small-"):
        result = _small_phase(args, root)
    elif args.phase == "market-load":
        result = _market_phase(args, root)
    elif args.phase == "generate":
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
            con.execute(
                f"CREATE OR REPLACE TABLE {name} AS SELECT * FROM read_csv(?)",
                [str(root / "ws" / "data" / f"{name}.csv")],
            )
        con.close()
        result = {"seconds": time.perf_counter() - start}
    elif args.phase == "load":
        from bullseye.workspace import Workspace

        ws = Workspace(root / "ws")
        start = time.perf_counter()
        report = ws.load()
        result = {
            "seconds": time.perf_counter() - start,
            "rows": report.table_rows,
            "reconciles": report.reconciles,
            "issues": report.issues,
        }
    elif args.phase == "outcomes":
        from bullseye.outcomes.per_account import account_outcomes
        from bullseye.outcomes.summary import outcome_summary
        from bullseye.workspace import Workspace

        ws = Workspace(root / "ws")
        start = time.perf_counter()
        per_account = account_outcomes(ws).to_pyarrow()
        middle = time.perf_counter()
        summary = outcome_summary(ws, by="industry")
        result = {
            "seconds": time.perf_counter() - start,
            "account_rows": per_account.num_rows,
            "per_account_seconds": middle - start,
            "summary_groups": len(summary.rows),
        }
    Path(args.out).write_text(json.dumps(result))


def main() -> None:
    parser = phase_parser(__doc__)
    parser.add_argument("--accounts", type=int, default=1_000_000)
    parser.add_argument("--deals", type=int, default=3_000_000)
    parser.add_argument("--wide", help="COLUMNSxROWS[,...] or 'default': benchmark wide accounts exports instead")
    parser.add_argument("--wide-load", action="store_true", help="with --wide: also time the whole load")
    parser.add_argument("--small", help="SIZE[,...]: time small demo loads (every table) instead")
    parser.add_argument("--seed", type=int, default=0, help="with --small: the demo's seed")
    parser.add_argument("--market", help=f"NAME[,...] of {', '.join(MARKET)}: time public market loads instead")
    parser.add_argument("--repeats", type=int, default=SMALL_REPEATS, help="with --market: fresh processes per load")
    parser.add_argument("--size", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        _run_phase(args)
        return
    if args.market:
        _market_main(args)
        return
    if args.small:
        _small_main(args)
        return
    if args.wide:
        _wide_main(args)
        return
    with bench_root(args.keep, "bullseye-bench-") as root:
        generated = _phase("generate", root, args)
        baseline = _phase("baseline", root, args)
        loaded = _phase("load", root, args)
        outcomes = _phase("outcomes", root, args)
    rows = args.accounts + args.deals
    print(
        f"Load benchmark: {args.accounts:,} accounts + {args.deals:,} deals ({generated['bytes'] / 1e6:,.0f} MB of CSV)"
    )
    print(
        f"  baseline  duckdb read_csv, untyped  {baseline['seconds']:7.1f} s  "
        f"{rows / baseline['seconds']:>12,.0f} rows/s  peak {baseline['peak_mb']:,.0f} MB"
    )
    print(
        f"  bullseye  load (typed, quarantine)  {loaded['seconds']:7.1f} s  "
        f"{rows / loaded['seconds']:>12,.0f} rows/s  peak {loaded['peak_mb']:,.0f} MB"
        f"  [target <= 60 s, <= 2,048 MB]  {loaded['seconds'] / baseline['seconds']:.1f}x baseline"
    )
    print(
        f"  bullseye  outcomes                  {outcomes['seconds']:7.1f} s  "
        f"({outcomes['per_account_seconds']:.1f} s per-account table, "
        f"then summary by industry)  peak {outcomes['peak_mb']:,.0f} MB  [target <= 10 s]"
    )
    print(f"  reconciles: {loaded['reconciles']}, rows: {loaded['rows']}, issues: {loaded['issues']}")


if __name__ == "__main__":
    main()
