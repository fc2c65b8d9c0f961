"""`bullseye explain` through the real CLI on the 600-account full demo with the planted ICP: the
points printed add up from the average account's 50 to the score `bullseye score` wrote for the
account, the disqualifier that caught an account is printed with its evidence, `--json` is strict
JSON of the same result, and an unknown account is one line and the not-found exit code."""

from __future__ import annotations

import json

import pandas as pd
import pytest
import yaml
from conftest import TRUTH_ICP, demo_copy
from typer.testing import CliRunner, Result

from bullseye.cli import app
from bullseye.errors import EXIT_CODES, NotFoundError

runner = CliRunner()
#: Measured evidence on the planted disqualifier ("small"), so there is evidence to print.
EVIDENCE = {
    "outcome": "retention",
    "metric": "churn rate",
    "segment": 0.41,
    "base": 0.1,
    "lift": 4.1,
    "deals": 312,
    "strength": "strong",
    "measured_on": "all",
}


def invoke(*args) -> Result:
    return runner.invoke(app, [str(a) for a in args], env={"COLUMNS": "80"})


def strict_json(text: str) -> dict:
    """The output as a strict JSON client reads it: no NaN or Infinity."""
    return json.loads(text, parse_constant=lambda constant: pytest.fail(f"not strict JSON: {constant}"))


@pytest.fixture(scope="module")
def scored(tmp_path_factory):
    """The workspace and every account's score as `bullseye score --out` wrote it."""
    ws = demo_copy(tmp_path_factory, 600, 3, tmp_path_factory.mktemp("explain") / "ws", full=True)
    icp = yaml.safe_load(TRUTH_ICP)
    next(rule for rule in icp["disqualifiers"] if rule["id"] == "small")["evidence"] = [EVIDENCE]
    (ws.strategy_dir / "icp.yaml").write_text(yaml.safe_dump(icp, sort_keys=False), encoding="utf-8")
    out = ws.root / "scores.csv"
    result = invoke("score", "--out", out, "--json", "--workspace", ws.root)
    assert result.exit_code == 0, result.output
    return ws, pd.read_csv(out, dtype={"account_id": str})


def test_the_points_add_up_from_50_to_the_score(scored):
    ws, scores = scored
    best = scores[~scores["disqualified"]].iloc[0]
    result = invoke("explain", best["account_id"], "--json", "--workspace", ws.root)
    assert result.exit_code == 0, result.output
    data = strict_json(result.stdout)
    points = [c["points"] for c in data["contributions"]]
    assert data["account_id"] == best["account_id"] and data["base"] == 50 and len(points) > 1
    assert data["raw_score"] == pytest.approx(50 + sum(points))
    assert data["fit_score"] == pytest.approx(best["fit_score"], abs=0.05)
    assert data["disqualifier"] is None
    assert [abs(p) for p in points] == sorted((abs(p) for p in points), reverse=True)

    shown = invoke("explain", best["account_id"], "--workspace", ws.root)
    assert shown.exit_code == 0, shown.output
    text = shown.stdout
    assert data["name"] and data["version"]  # the demo's accounts have names; 'draft' or 'vN (hash)'
    heading = f"{data['name']} ({best['account_id']}): fit score {data['fit_score']:.1f} of 100 (ICP {data['version']})"
    assert heading in " ".join(text.split())  # a long heading wraps
    assert "Average account" in text and "Disqualified" not in text
    lines = text.splitlines()
    total = next(line for line in lines if line.strip().startswith("Fit score"))
    assert total.split()[-1] == f"{data['raw_score']:.1f}"
    for c in data["contributions"]:
        if abs(c["points"]) >= 0.05 or c["kind"] == "criterion":
            printed = f"{c['points']:+.1f}" if abs(c["points"]) >= 0.05 else "0.0"
            # the level's first words, on the row's first line (a long level wraps)
            assert any(c["level"][:18] in line and line.rstrip().endswith(printed) for line in lines), c
    assert max(map(len, lines)) <= 80


def test_a_disqualified_account_shows_the_rule_and_its_evidence(scored):
    ws, scores = scored
    caught = scores[scores["disqualified"]].iloc[0]
    data = strict_json(invoke("explain", caught["account_id"], "--json", "--workspace", ws.root).stdout)
    rule = data["disqualifier"]
    assert rule["id"] == caught["disqualified_by"] == "small"
    assert rule["evidence"][0]["lift"] == 4.1 and rule["evidence"][0]["deals"] == 312

    text = invoke("explain", caught["account_id"], "--workspace", ws.root).stdout
    assert f"Disqualified: {rule['label']}" in text and rule["reason"] in text
    evidence = next(line for line in text.splitlines() if "churn rate" in line)
    assert evidence.split()[-5:] == ["0.41", "0.1", "4.1", "312", "strong"]


def test_an_unknown_account_is_one_line_and_not_found(scored):
    ws, _ = scored
    result = invoke("explain", "no-such-account", "--workspace", ws.root)
    assert result.exit_code == EXIT_CODES[NotFoundError]
    assert result.stderr.strip() == "Error: no account with id 'no-such-account'"
