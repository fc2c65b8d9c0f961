"""How long the command line takes to show its help, an early error and a small command, beside a bare interpreter.

Each case is a fresh process (`python -m bullseye.cli ...`, which is what the `bullseye` script runs),
run several times: the wall-clock median is what a user waits on this machine as loaded as it is now,
and the CPU time (user + system of the child) is what the code costs whatever else runs. Target: every
help and early-error case under 0.5 s. The second baseline is the floor of any Typer command line with
Rich help. `tables` and `load FILE` run in a fresh workspace with a 200-row accounts export: what a
command that prints a small result costs beyond its work (the render layer, the libraries it imports).

    python bench/bench_cli.py [--runs 10]
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGET = 0.5


def _cpu() -> float:
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def _time(args: list[str], cwd: Path, runs: int) -> tuple[float, float, int]:
    """Median wall-clock and median CPU seconds of ``runs`` fresh processes, and the last exit code."""
    walls, cpus, code = [], [], 0
    for _ in range(runs):
        start, cpu = time.perf_counter(), _cpu()
        done = subprocess.run(args, cwd=cwd, capture_output=True, text=True)
        walls.append(time.perf_counter() - start)
        cpus.append(_cpu() - cpu)
        code = done.returncode
    return statistics.median(walls), statistics.median(cpus), code


def _small_workspace(root: Path, cli: list[str]) -> Path:
    """A fresh workspace with a 200-row accounts export in data/, loaded once (so `tables` lists it)."""
    subprocess.run([*cli, "init", str(root)], check=True, capture_output=True)
    rows = [f"a{i},Company {i},software,{i * 7},US" for i in range(1, 201)]
    (root / "data" / "accounts.csv").write_text("\n".join(["account_id,name,industry,employees,country", *rows]) + "\n")
    subprocess.run([*cli, "load", "data/accounts.csv"], cwd=root, check=True, capture_output=True)
    return root


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    runs = parser.parse_args().runs
    src = Path(__file__).resolve().parents[1] / "src"
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(src), os.environ.get("PYTHONPATH")]))
    cli = [sys.executable, "-m", "bullseye.cli"]
    cases = [
        ("baseline  python -c pass", [sys.executable, "-c", "pass"], 0),
        ("baseline  import typer.rich_utils", [sys.executable, "-c", "import typer.rich_utils"], 0),
        ("bullseye  --help", [*cli, "--help"], 0),
        ("bullseye  score --help", [*cli, "score", "--help"], 0),
        ("bullseye  load (error: not a workspace)", [*cli, "load"], 3),
        ("bullseye  load --help", [*cli, "load", "--help"], 0),
    ]
    in_workspace = [
        ("bullseye  tables (200 accounts loaded)", [*cli, "tables"], 0),
        ("bullseye  load FILE (200 accounts)", [*cli, "load", "data/accounts.csv"], 0),
    ]
    print(
        f"CLI start-up: {runs} runs each, fresh processes; load average {os.getloadavg()[0]:.1f} "
        f"on {os.cpu_count()} cores"
    )
    with tempfile.TemporaryDirectory() as outside:  # no bullseye.yaml here or above
        workspace = _small_workspace(Path(outside) / "ws", cli)
        for label, args, expected, cwd in [
            *((*case, Path(outside)) for case in cases),
            *((*case, workspace) for case in in_workspace),
        ]:
            wall, cpu, code = _time(args, cwd, runs)
            verdict = ""
            if not label.startswith("baseline") and cwd != workspace:  # the target is for help and errors
                said = {name: "ok" if took < TARGET else "MISSED" for name, took in (("wall", wall), ("cpu", cpu))}
                verdict = f"  [target < {TARGET} s: wall {said['wall']}, cpu {said['cpu']}]"
            status = "" if code == expected else f"  (exit {code}, expected {expected})"
            print(f"  {label:<40} wall {wall:5.2f} s  cpu {cpu:5.2f} s{verdict}{status}")


if __name__ == "__main__":
    main()
