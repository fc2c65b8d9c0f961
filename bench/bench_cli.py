"""How long the command line takes to show its help and an early error, beside a bare interpreter.

Each case is a fresh process (`python -m bullseye.cli ...`, which is what the `bullseye` script runs),
run several times: the wall-clock median is what a user waits on this machine as loaded as it is now,
and the CPU time (user + system of the child) is what the code costs whatever else runs. Target: every
case under 0.5 s. The second baseline is the floor of any Typer command line with Rich help.

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
        ("bullseye  load (error: not a workspace)", [*cli, "load"], 1),
    ]
    print(
        f"CLI start-up: {runs} runs each, fresh processes; load average {os.getloadavg()[0]:.1f} "
        f"on {os.cpu_count()} cores"
    )
    with tempfile.TemporaryDirectory() as outside:  # no bullseye.yaml here or above
        for label, args, expected in cases:
            wall, cpu, code = _time(args, Path(outside), runs)
            verdict = ""
            if not label.startswith("baseline"):
                said = {name: "ok" if took < TARGET else "MISSED" for name, took in (("wall", wall), ("cpu", cpu))}
                verdict = f"  [target < {TARGET} s: wall {said['wall']}, cpu {said['cpu']}]"
            status = "" if code == expected else f"  (exit {code}, expected {expected})"
            print(f"  {label:<40} wall {wall:5.2f} s  cpu {cpu:5.2f} s{verdict}{status}")


if __name__ == "__main__":
    main()
