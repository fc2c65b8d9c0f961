"""The main job as users meet it: `bullseye demo` through the CLI runner, a notebook-style script that
uses only ``from bullseye import Workspace``, the README's Python example and every docstring example."""

from __future__ import annotations

import doctest
import importlib
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bullseye.cli import app
from bullseye.render.encoder import to_json

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "src" / "bullseye"
#: Small enough to keep the test quick, large enough for discovery to draft an ICP on this seed.
ACCOUNTS, SEED = 2_000, 0


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """`bullseye demo` run through the CLI runner at 80 columns, as a new user runs it."""
    where = tmp_path_factory.mktemp("main-job")
    result = CliRunner().invoke(app, ["demo", str(where / "demo-workspace"), "--accounts", str(ACCOUNTS),
                                      "--seed", str(SEED)], env={"COLUMNS": "80"})
    return where, result


def test_bullseye_demo_runs_the_main_job_through_the_cli(demo):
    where, result = demo
    assert result.exit_code == 0, result.output
    for title in ("Load", "Outcomes", "Discovery: who should buy", "The draft ICP", "Backtest of the draft ICP",
                  "Scored accounts", "The buying committee", "Personas drafted", "The market", "Publish version 1"):
        assert title in result.output, title
    root = where / "demo-workspace"
    for written in ("reports/discovery.html", "reports/scores.csv", "reports/whitespace.csv", "strategy/icp.yaml"):
        assert (root / written).is_file(), written
    assert list((root / "strategy" / "personas").glob("*.yaml"))


def test_a_notebook_runs_the_main_job_with_only_the_workspace(demo):
    where, _ = demo
    script = f'''
from bullseye import Workspace

ws = Workspace({str(where / "demo-workspace")!r})
seen = []
job = ws.run_all(lambda step, result: seen.append((step, result is not None)))
'''
    namespace: dict = {}
    exec(compile(script, "notebook", "exec"), namespace)
    job, seen = namespace["job"], namespace["seen"]
    steps = [name for name, _, _ in job.steps()]
    assert steps[:6] == ["load", "outcomes", "discovery", "icp", "backtest", "scores"]
    assert {"committee", "themes", "personas", "market"} <= set(steps)
    assert [s for s, done in seen if done] == steps and [s for s, done in seen if not done] == steps
    assert job.load.reconciles and job.scores.frame["fit_score"].between(0, 100).all()
    assert namespace["ws"].icp_in_use is not None  # the demo published version 1
    assert job.backtest.groups["ICP"]["deals"] > 0 and sum(job.scores.tier_counts().values()) == ACCOUNTS
    assert not (where / "demo-workspace" / "reports" / "icp-churn-km.png").exists()
    data = to_json(job)
    assert '"steps"' in data and "NaN" not in data
    text = repr(job)
    assert "Scored accounts" in text and max(len(line) for line in text.splitlines()) <= 80


def test_the_readme_python_example_runs_against_the_demo(demo, monkeypatch, capsys):
    where, _ = demo
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", readme, flags=re.S)
    assert blocks, "the README has a Python example"
    monkeypatch.chdir(where)  # the example opens "demo-workspace"
    for block in blocks:
        exec(compile(block, "README.md", "exec"), {})
    printed = capsys.readouterr().out
    assert "Best" in printed and "Estimate(" in printed


def _modules_with_examples() -> list[str]:
    names = []
    for path in sorted(SOURCE.rglob("*.py")):
        if ">>>" in path.read_text(encoding="utf-8"):
            parts = path.relative_to(SOURCE.parent).with_suffix("").parts
            names.append(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return names


@pytest.mark.parametrize("module", _modules_with_examples())
def test_docstring_examples_run(module):
    tested = doctest.testmod(importlib.import_module(module), optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert tested.attempted > 0 and tested.failed == 0, module
