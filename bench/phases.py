"""Run one benchmark phase in a child process, so that its peak memory is its own."""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

__all__ = ["run_phase", "phase_parser", "bench_root"]


def phase_parser(
    description: str, keep: str = "Keep the generated files in this directory."
) -> argparse.ArgumentParser:
    """A benchmark's argument parser with ``--keep`` and the hidden arguments of a phase."""
    parser = argparse.ArgumentParser(description=description, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--keep", help=keep)
    for hidden in ("--phase", "--root", "--out"):
        parser.add_argument(hidden, help=argparse.SUPPRESS)
    return parser


@contextmanager
def bench_root(keep: str | None, prefix: str) -> Iterator[Path]:
    """The directory of the generated files: ``keep``, else a temporary one removed afterwards."""
    root = Path(keep) if keep else Path(tempfile.mkdtemp(prefix=prefix))
    root.mkdir(parents=True, exist_ok=True)
    try:
        yield root
    finally:
        if not keep:
            shutil.rmtree(root, ignore_errors=True)


def run_phase(script: str, name: str, root: Path, arguments: list[str]) -> dict:
    """Run ``script --phase NAME --root ROOT --out FILE ARGUMENTS``; return the JSON it wrote,
    with the child's peak resident memory added as ``peak_mb`` and its CPU seconds as ``cpu_s``."""
    out = root / f"{name}.json"
    command = [
        sys.executable,
        str(Path(script).resolve()),
        "--phase",
        name,
        "--root",
        str(root),
        "--out",
        str(out),
        *arguments,
    ]
    process = subprocess.Popen(command)
    _, status, usage = os.wait4(process.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"phase {name} failed")
    result = json.loads(out.read_text())
    result["peak_mb"] = usage.ru_maxrss / 1024
    result["cpu_s"] = usage.ru_utime + usage.ru_stime  # on a busy machine, steadier than wall time
    return result
