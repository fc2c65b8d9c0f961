"""The main job as users meet it: `bullseye demo` through the CLI runner, a notebook-style script that
uses only ``from bullseye import Workspace``, the README's Python example and every docstring example."""

from __future__ import annotations

import doctest
import importlib
import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bullseye.cli import app
from bullseye.render.encoder import to_json

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "src" / "bullseye"
#: Large enough for discovery to draft an ICP on this seed (at 1,000 nothing is significant), so
#: the notebook's main job runs every step; the CLI run is small and stops after discovery.
ACCOUNTS, SEED = 2_000, 0
SMALL = 300


def test_bullseye_demo_through_the_cli_runner(tmp_path):
    """As a new user runs it: a company this small has too little evidence for an ICP, and the demo
    says so instead of writing an empty one; the steps before it print and the exports stay."""
    root = tmp_path / "demo-workspace"
    result = CliRunner().invoke(app, ["demo", str(root), "--accounts", str(SMALL)], env={"COLUMNS": "80"})
    assert result.exit_code == 0, result.output
    for title in ("Load", "Outcomes", "Discovery: who should buy"):
        assert title in result.output, title
    assert "No draft ICP written" in result.output and not (root / "strategy" / "icp.yaml").exists()
    assert (root / "reports" / "discovery.html").is_file() and (root / "data" / "truth.json").is_file()
    assert max(len(line) for line in result.output.splitlines()) <= 80
    again = CliRunner().invoke(app, ["demo", str(tmp_path), "--accounts", str(SMALL)])
    assert again.exit_code == 5 and "not a demo workspace" in again.output  # a real folder is refused


NOTEBOOK = """
from bullseye import Workspace

ws = Workspace(PATH)
seen = []
job = ws.run_all(lambda step, result: seen.append((step, result is not None)))
job
"""


@pytest.fixture(scope="module")
def notebook(tmp_path_factory):
    """The demo company's exports (setup), then a notebook-style script that only imports Workspace."""
    from bullseye.demo import generate_company
    from bullseye.demo.strategy import write_demo_strategy
    from bullseye.workspace import Workspace

    where = tmp_path_factory.mktemp("main-job")
    ws = Workspace.init(where / "demo-workspace", name="RotaCerta (demo)")
    write_demo_strategy(ws.root, generate_company(ws.data_dir, n_accounts=ACCOUNTS, seed=SEED))
    ws.close()
    namespace: dict = {"PATH": str(ws.root)}
    exec(compile(NOTEBOOK, "notebook", "exec"), namespace)
    return where, namespace


def test_a_notebook_runs_the_main_job_with_only_the_workspace(notebook):
    where, namespace = notebook
    job, seen, ws = namespace["job"], namespace["seen"], namespace["ws"]
    steps = [name for name, _, _ in job.steps()]
    assert steps == [
        "load",
        "outcomes",
        "discovery",
        "icp",
        "backtest",
        "scores",
        "committee",
        "themes",
        "personas",
        "market",
        "why_now",
    ]
    assert [s for s, done in seen if done] == steps and [s for s, done in seen if not done] == steps
    assert job.load.reconciles and job.scores.frame["fit_score"].between(0, 100).all()
    assert (
        sum(job.scores.tier_counts().values()) == ACCOUNTS and sum(g["deals"] for g in job.backtest.groups.values()) > 0
    )  # the holdout was measured
    assert ws.icp == job.icp and ws.icp_in_use is None  # a draft, not published
    assert job.market.to_dict()["sizing"] and len(job.personas) >= 3
    assert not list((where / "demo-workspace" / "reports").glob("*.png"))  # reports only when asked
    data = json.loads(to_json(job), parse_constant=lambda name: pytest.fail(f"not JSON: {name}"))
    assert data["steps"] == steps and data["scores"]["scored"] == ACCOUNTS
    text = repr(job)
    assert "Scored accounts" in text and "Why now" in text
    assert "<h2>MainJob</h2>" in job._repr_html_()


def test_the_readme_python_example_runs_against_a_demo_workspace(notebook, monkeypatch, capsys):
    where, _ = notebook
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", readme, flags=re.S)
    assert blocks, "the README has a Python example"
    monkeypatch.chdir(where)  # the example opens "demo-workspace"
    for block in blocks:
        exec(compile(block, "README.md", "exec"), {})
    printed = capsys.readouterr().out
    assert "Best" in printed and "Estimate(" in printed and "draft" in printed


def _modules_with_examples() -> list[str]:
    names = []
    for path in sorted(SOURCE.rglob("*.py")):
        if ">>>" in path.read_text(encoding="utf-8"):
            parts = path.relative_to(SOURCE.parent).with_suffix("").parts
            names.append(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return names


@pytest.mark.parametrize("module", _modules_with_examples())
def test_docstring_examples_run(module):
    tested = doctest.testmod(
        importlib.import_module(module), optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
    )
    assert tested.attempted > 0 and tested.failed == 0, module
