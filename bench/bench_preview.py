"""CPU seconds of ``ws.preview()`` and ``ws.publish()`` on a demo workspace, and what they report.

Builds the demo (``--accounts``, ``--seed``) once into ``--keep DIR`` (reused after), copies it,
then in one process: publishes the planted ICP as version 1, previews a changed draft twice and
publishes it as version 2, and scores every account under it; last, a new process previews version
1's content against version 2 (the first preview of a process: nothing fitted yet). Prints the CPU seconds of each step;
with ``--dump FILE`` writes what they reported (the previews' and publishes' JSON, the stored
artefacts, the scores) so that two builds of the code can be compared with ``--compare A B``.

    python bench/bench_preview.py --accounts 3000 --seed 5 --keep /tmp/demo3000 --dump after.pkl
    python bench/bench_preview.py --compare before.pkl after.pkl
"""

from __future__ import annotations

import argparse
import json
import math
import pickle
import shutil
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any


def build(root: Path, n_accounts: int, seed: int) -> None:
    from bullseye.demo.company import generate_company
    from bullseye.workspace import Workspace

    ws = Workspace.init(root, name="Preview bench", exist_ok=True)
    generate_company(ws.data_dir, n_accounts=n_accounts, seed=seed)
    ws.load([ws.data_dir / f"{name}.csv" for name in ("accounts", "deals", "subscriptions")])
    ws.close()
    (root / ".built").touch()


def draft(root: Path, extra: bool) -> None:
    import yaml

    from bullseye.demo.strategy import PLANTED_ICP

    icp = yaml.safe_load(PLANTED_ICP)
    icp["owner"], icp["review_date"] = "Marina (PMM)", (date.today() + timedelta(days=60)).isoformat()
    if extra:  # version 2 adds a criterion, so accounts move tier
        icp["criteria"].append(
            {
                "id": "marketplace",
                "name": "Marketplaces",
                "assumption": True,
                "conditions": [{"attribute": "industry", "op": "==", "value": "Marketplace"}],
            }
        )
    (root / "strategy" / "icp.yaml").write_text(yaml.safe_dump(icp, sort_keys=False), encoding="utf-8")


def run(root: Path, quick: bool = False) -> tuple[dict[str, float], dict[str, Any]]:
    import scipy.stats  # noqa: F401 - imports are paid once per process; keep them out of the figures

    from bullseye.workspace import Workspace

    ws = Workspace(root)
    seconds: dict[str, float] = {}
    out: dict[str, Any] = {}

    def timed(name: str, call):
        start = time.process_time()
        value = call()
        seconds[name] = time.process_time() - start
        print(f"  {name:<28} {seconds[name]:7.2f} s CPU", flush=True)
        return value

    draft(root, extra=False)
    out["publish v1"] = timed("publish v1 (no version)", lambda: ws.publish("first", force="bench")).to_json()
    draft(root, extra=True)
    out["preview"] = timed("preview v2 (first)", ws.preview).to_json()
    if quick:
        return seconds, out
    out["preview again"] = timed("preview v2 (again)", ws.preview).to_json()
    out["publish v2"] = timed("publish v2 after preview", lambda: ws.publish("second", force="bench")).to_json()
    history = root / "strategy" / "history"
    out["artefacts"] = {
        str(p.relative_to(history)): p.read_text(encoding="utf-8")
        for p in sorted(history.rglob("*.json"))
        if p.name in {"scorecard.json", "backtest.json"}
    }
    out["scores"] = timed("score", lambda: ws.score(top=0)).frame
    draft(root, extra=False)  # v1's content again: a preview against v2 in a process that has fitted nothing
    seconds["preview (new process)"] = _fresh_preview(root)
    print(f"  {'preview v1 vs v2 (new process)':<28} {seconds['preview (new process)']:7.2f} s CPU", flush=True)
    return seconds, out


def _fresh_preview(root: Path) -> float:
    """CPU seconds of one preview in a new process (its imports not counted; numba compiling is)."""
    import subprocess

    code = (
        "import sys, time, scipy.stats, sklearn.metrics\n"
        "from bullseye.workspace import Workspace\n"
        "import bullseye.scoring.scorecard, bullseye.scoring.backtest, bullseye.governance.lifecycle\n"
        "ws = Workspace(sys.argv[1]); start = time.process_time(); ws.preview()\n"
        "print(time.process_time() - start)\n"
    )
    done = subprocess.run([sys.executable, "-c", code, str(root)], capture_output=True, text=True, check=True)
    return float(done.stdout.strip().splitlines()[-1])


def _close(a: Any, b: Any, path: str, problems: list[str]) -> None:
    if isinstance(a, dict) and isinstance(b, dict):
        for k in sorted(set(a) | set(b), key=str):
            if k in ("published_at", "at", "generation", "created", "created_at"):
                continue
            if k not in a or k not in b:
                problems.append(f"{path}.{k}: only in {'second' if k in b else 'first'}")
                continue
            _close(a[k], b[k], f"{path}.{k}", problems)
    elif isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            problems.append(f"{path}: {len(a)} vs {len(b)} items")
        for i, (x, y) in enumerate(zip(a, b)):
            _close(x, y, f"{path}[{i}]", problems)
    elif isinstance(a, float) and isinstance(b, float):
        if not (a == b or math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)):
            problems.append(f"{path}: {a!r} vs {b!r}")
    elif a != b:
        problems.append(f"{path}: {a!r} vs {b!r}")


def compare(first: Path, second: Path) -> int:
    import pandas as pd

    a, b = (pickle.loads(p.read_bytes())[1] for p in (first, second))
    problems: list[str] = []
    for key in ("publish v1", "preview", "preview again", "publish v2"):
        if key not in a or key not in b:
            continue
        _close(json.loads(a[key]), json.loads(b[key]), key, problems)
    for name in sorted(set(a.get("artefacts", {})) & set(b.get("artefacts", {}))):
        _close(
            json.loads(a["artefacts"].get(name, "null")),
            json.loads(b["artefacts"].get(name, "null")),
            name,
            problems,
        )
    try:
        if "scores" in a and "scores" in b:
            pd.testing.assert_frame_equal(a["scores"], b["scores"], check_exact=False, rtol=1e-9)
    except AssertionError as exc:
        problems.append(f"scores: {exc}")
    print("\n".join(problems[:40]) or "identical (floats within 1e-9)")
    return 1 if problems else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--accounts", type=int, default=400)
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--keep", help="build the demo here once and reuse it")
    parser.add_argument("--dump", help="write the seconds and what was reported to this pickle")
    parser.add_argument("--quick", action="store_true", help="stop after the first preview")
    parser.add_argument("--compare", nargs=2, metavar=("A", "B"), help="compare two --dump files")
    args = parser.parse_args()
    if args.compare:
        return compare(Path(args.compare[0]), Path(args.compare[1]))
    pristine = Path(args.keep or tempfile.mkdtemp()) / f"demo-{args.accounts}-{args.seed}"
    if not (pristine / ".built").exists():
        shutil.rmtree(pristine, ignore_errors=True)
        build(pristine, args.accounts, args.seed)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "ws"
        shutil.copytree(pristine, root, symlinks=True)
        print(f"Preview and publish: {args.accounts:,} demo accounts, seed {args.seed}")
        seconds, out = run(root, args.quick)
    if args.dump:
        Path(args.dump).write_bytes(pickle.dumps((seconds, out)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
