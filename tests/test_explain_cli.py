"""`bullseye explain` through the real CLI on the 600-account full demo with the planted ICP: the
points printed add up from the average account's 50 to the score `bullseye score` wrote for the
account, the disqualifier that caught an account is printed with its evidence, `--json` is strict
JSON of the same result, and an unknown account is one line and the not-found exit code. The tier
is the one `bullseye score` gives, with the cut that set it (quantile, capacity, below C's cut or a
"loses more" disqualifier), in the terminal, the JSON and the web's account page."""

from __future__ import annotations

import json

import pandas as pd
import pytest
import yaml
from conftest import TRUTH_ICP, demo_copy
from typer.testing import CliRunner, Result

from bullseye.cli import app
from bullseye.core.dataset import build_dataset
from bullseye.errors import EXIT_CODES, NotFoundError
from bullseye.render import as_text
from bullseye.render.explain import tier_sentence
from bullseye.scoring.explain import explain_account

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


def test_the_tier_is_the_one_bullseye_score_gives_with_the_cut_that_set_it(scored):
    ws, scores = scored
    result = ws.score(top=0)  # one fit serves every account below: the CLI refits a draft each call
    frame = result.frame.set_index("account_id")
    assert frame["tier"].to_dict() == scores.set_index("account_id")["tier"].to_dict()
    accounts = build_dataset(ws).accounts
    fit = scores[~scores["disqualified"]]
    picks = [fit[fit["tier"] == tier]["account_id"].iloc[0] for tier in "ABCD" if (fit["tier"] == tier).any()]
    assert len(picks) == 4  # the default shares leave no tier empty on 600 accounts
    for account in picks:
        explained = explain_account(result.card, accounts, account)
        cut = explained.tier_cut
        assert explained.tier == frame.at[account, "tier"]
        assert cut["basis"] == "fit_score" and cut["value"] == pytest.approx(explained.fit_score, abs=0.05)
        if explained.tier == "D":
            assert cut["by"] == "below" and cut["value"] < cut["cut"]
        else:
            assert cut["by"] == "quantile" and cut["value"] >= cut["cut"]
            assert cut["amount"] == {"A": 0.1, "B": 0.2, "C": 0.3}[explained.tier]
        text = " ".join(as_text(explained).split())
        assert f"Tier {explained.tier}: fit score {cut['value']:.1f} is " in text and f"{cut['cut']:.1f}," in text
    # a "loses more" disqualifier sets tier D whatever the score, and says so
    forced = frame[(frame["tier"] == "D") & frame["disqualified"] & (frame["fit_score"] >= result.card.tier_cuts_["C"])]
    for account in forced.index[:1]:
        explained = explain_account(result.card, accounts, account)
        assert explained.tier == "D" and explained.tier_cut["by"] == "disqualifier"
        assert explained.tier_cut["disqualifier"] == frame.at[account, "disqualified_by"]
        assert "loses more deals, so D whatever the score" in " ".join(as_text(explained).split())
    # the command prints the same tier and sentence
    data = strict_json(invoke("explain", picks[1], "--json", "--workspace", ws.root).stdout)
    assert (
        data["tier"] == "B"
        and data["tier_cut"] == explain_account(result.card, accounts, picks[1]).to_dict()["tier_cut"]
    )
    printed = " ".join(invoke("explain", picks[1], "--workspace", ws.root).stdout.split())
    assert tier_sentence(data) in printed


def test_a_capacity_cut_is_named_with_its_setting(tmp_path_factory):
    ws = demo_copy(tmp_path_factory, 600, 3, tmp_path_factory.mktemp("capacity") / "ws", full=True)
    icp = yaml.safe_load(TRUTH_ICP)
    icp["tiers"] = {"a_capacity": 25}
    (ws.strategy_dir / "icp.yaml").write_text(yaml.safe_dump(icp, sort_keys=False), encoding="utf-8")
    result = ws.score(top=0)
    top = result.frame[result.frame["tier"] == "A"]
    assert 25 <= len(top) <= 30  # ties at the cut all get A
    explained = explain_account(result.card, build_dataset(ws).accounts, top["account_id"].iloc[-1])
    assert explained.tier == "A" and explained.tier_cut["by"] == "capacity" and explained.tier_cut["amount"] == 25
    assert "the cut that fills the 25 accounts of `a_capacity`" in " ".join(as_text(explained).split())


def test_the_account_page_shows_the_same_tier_and_cut(scored):
    from fastapi.testclient import TestClient

    from bullseye.web import create_app

    ws, scores = scored
    account = scores[scores["tier"] == "B"]["account_id"].iloc[0]
    with TestClient(create_app(ws, require_login=False), base_url="http://127.0.0.1:8765") as client:
        explained = client.get(f"/accounts/{account}.json").json()["explanation"]
        html = " ".join(client.get(f"/accounts/{account}").text.split())
    assert explained == ws.explain(account).to_dict() and explained["tier"] == "B"
    assert tier_sentence(explained).startswith("Tier B: fit score ") and tier_sentence(explained) in html
