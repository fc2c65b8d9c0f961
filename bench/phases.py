"""Run one benchmark phase in a child process, so that its peak memory is its own."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

__all__ = ["run_phase"]


def run_phase(script: str, name: str, root: Path, arguments: list[str]) -> dict:
    """Run ``script --phase NAME --root ROOT --out FILE ARGUMENTS``; return the JSON it wrote,
    with the child's peak resident memory added as ``peak_mb``."""
    out = root / f"{name}.json"
    command = [sys.executable, str(Path(script).resolve()), "--phase", name, "--root", str(root),
               "--out", str(out), *arguments]
    process = subprocess.Popen(command)
    _, status, usage = os.wait4(process.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"phase {name} failed")
    result = json.loads(out.read_text())
    result["peak_mb"] = usage.ru_maxrss / 1024
    return result
