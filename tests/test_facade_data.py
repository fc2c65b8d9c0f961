"""The Workspace facade, data half: load, quarantine, outcomes, discover/propose/save_draft, the ICP,
backtest, scorecard and score on a real demo workspace; their numbers, strict JSON, repr and HTML
(hostile values escaped), and the CLI commands over them at 80 columns."""

from __future__ import annotations

import json
import re

import pytest
import yaml
from conftest import TRUTH_ICP, demo_workspace, write
from typer.testing import CliRunner

from bullseye.cli import app
from bullseye.discover.result import DiscoveryResult
from bullseye.errors import ConflictError, InvalidInputError, NotFoundError
from bullseye.render import as_html, as_json, as_text
from bullseye.render.discovery import segment_lines
from bullseye.scoring.inputs import read_companies
from bullseye.strategy.icp import ICP
from bullseye.workspace import Workspace

runner = CliRunner()
HOSTILE = "[/b]<script>alert(1)</script>"


def strict(text: str):
    """JSON that a strict parser accepts: NaN or Infinity raise."""

    def refuse(name):
        raise ValueError(f"not JSON: {name}")

    return json.loads(text, parse_constant=refuse)


def invoke(*args):
    return runner.invoke(app, [str(a) for a in args], env={"COLUMNS": "80"})


def assert_fits_80(text: str, words: list[str]) -> None:
    """No line wider than 80 columns, and every word shown whole (never split across lines)."""
    assert max(len(line) for line in text.splitlines()) <= 80
    tokens = set(re.findall(r"[^\s]+", text))
    for word in words:
        for part in word.split():
            assert any(part in token for token in tokens), part


@pytest.fixture(scope="module")
def ws(tmp_path_factory):
    """The loaded 1,000-account demo workspace other modules share, with the planted ICP as the draft."""
    ws = demo_workspace(tmp_path_factory, 1_000, 1)
    (ws.strategy_dir / "icp.yaml").write_text(TRUTH_ICP, encoding="utf-8")
    yield ws
    ws.close()


# -- outcomes -------------------------------------------------------------------------------------
def test_outcomes_holds_numbers_that_add_up(ws):
    summary = ws.outcomes(by="industry")
    data = strict(as_json(summary))
    assert data["overall"]["accounts"] == 1000 == sum(row["accounts"] for row in data["rows"])
    assert data["overall"]["deals_won"] == sum(row["deals_won"] for row in data["rows"])
    overall = summary.overall
    assert overall["win_rate"] == pytest.approx(overall["deals_won"] / (overall["deals_won"] + overall["deals_lost"]))
    assert summary.to_frame().shape[0] == len(summary.rows)
    with pytest.raises(InvalidInputError, match="as_of"):
        ws.outcomes(as_of="30/06/2026")


def test_outcomes_repr_and_html_escape_a_hostile_group(ws):
    summary = ws.outcomes(by="industry")
    summary.rows[0]["group"] = HOSTILE
    text, html = repr(summary), summary._repr_html_()
    assert "[/b]<script>" in text and "Won deals" in text
    assert "<script>alert" not in html and "&lt;script&gt;" in html


def test_outcomes_at_80_columns_keeps_every_column(ws):
    result = invoke("outcomes", "--by", "industry", "-w", ws.root)
    assert result.exit_code == 0, result.output
    groups = [row["group"] for row in ws.outcomes(by="industry").rows]
    assert_fits_80(
        result.output,
        [
            "Accounts",
            "Win rate (95% CI)",
            "Days to close",
            "Discount",
            "ACV (USD), median",
            "Customers",
            "ARR (USD)",
            "Kept 12m",
            "NRR",
            *groups,
        ],
    )  # no usage, notes here
    assert strict(invoke("outcomes", "--by", "industry", "-w", ws.root, "--json").stdout)["by"] == "industry"


# -- discovery ------------------------------------------------------------------------------------
def test_discover_and_propose_write_nothing(ws):
    before = (ws.strategy_dir / "icp.yaml").read_text(encoding="utf-8")
    found = ws.discover("win", max_depth=1, top=2)
    assert isinstance(found, DiscoveryResult) and list(found.reports) == ["win"]
    data = strict(as_json(found))
    assert data["outcomes"]["win"]["evaluated"] > 0
    draft = ws.propose(found)
    assert isinstance(draft, ICP)
    assert (ws.strategy_dir / "icp.yaml").read_text(encoding="utf-8") == before
    assert not (ws.reports_dir / "discovery.html").exists()
    text = repr(found)
    assert max(len(line) for line in text.splitlines()) <= 80 and "win rate" in text
    report = found.reports["win"]
    shown = {f.label for f in report.findings[:2] + report.negative[:2]}
    hidden = {f.label for f in report.findings[2:] + report.negative[2:]} - shown
    tables = text.split("The bullseye")[0]
    assert all(segment_lines(label).splitlines()[0] in tables for label in shown)
    assert not any(f"  {segment_lines(label).splitlines()[0]} " in tables for label in hidden)  # top 2, no more
    assert "<h1>Who should buy" in found._repr_html_()


def test_save_draft_refuses_a_hand_edited_draft(tmp_path):
    ws = Workspace.init(tmp_path / "ws")
    with pytest.raises(NotFoundError, match="bullseye discover"):
        ws.icp  # noqa: B018 - the property reads the file
    assert ws.strategy_in_use() is None  # neither a version nor a draft
    icp = ICP.model_validate(yaml.safe_load(TRUTH_ICP))
    path = ws.save_draft(icp)
    assert ws.icp == icp and ws.icp_in_use is None
    in_use = ws.strategy_in_use()  # what scores, sizing and the web use: the draft, saying so
    assert in_use is not None and (in_use.icp, in_use.version, in_use.label) == (icp, None, "draft")
    assert in_use.note and "publish" in in_use.note
    path.write_text(path.read_text(encoding="utf-8").replace("E-commerce", "Marketplace"), encoding="utf-8")
    with pytest.raises(ConflictError, match="edited by hand"):
        ws.save_draft(icp)
    assert ws.save_draft(icp, force=True) == path and ws.icp == icp


# -- backtest, scorecard, scores ------------------------------------------------------------------
def test_backtest_numbers_match_an_independent_count_and_write_no_file(ws):
    from statsmodels.stats.proportion import proportion_confint

    result = ws.backtest()
    icp = result.groups["ICP"]
    assert icp["win_rate"].value == pytest.approx(icp["won"] / icp["deals"])
    low, high = proportion_confint(icp["won"], icp["deals"], method="wilson")
    assert (icp["win_rate"].low, icp["win_rate"].high) == pytest.approx((low, high))
    assert result.chart is None and not list(ws.reports_dir.glob("*.png"))
    if any(g["churned"] for g in result.groups.values()):
        assert result.chart_png()[:8] == b"\x89PNG\r\n\x1a\n"
    data = strict(as_json(result))
    assert data["groups"]["ICP"]["deals"] == icp["deals"]
    assert_fits_80(as_text(result), ["New-business deals", "ICP", "Not ICP", "Disqualified", "Tiers on the holdout"])


def test_scores_hold_the_frame_the_version_and_the_tiers(ws):
    scores = ws.score(top=5)
    frame = scores.frame
    assert len(frame) == 1000 and frame["version"].eq("draft").all() and scores.version_label == "draft"
    assert sum(scores.tier_counts().values()) == 1000
    data = strict(as_json(scores))
    assert data["scored"] == 1000 and len(data["scores"]) == 5
    assert [row["fit_score"] for row in data["scores"]] == sorted(frame["fit_score"], reverse=True)[:5]
    assert data["tiering"]["basis"] == scores.card.tier_basis_
    card = ws.scorecard()
    assert card.version_label == "draft" and card.to_dict()["points"]
    # a frame of companies scores like the same accounts among all
    from bullseye.core.dataset import build_dataset

    some = build_dataset(ws).accounts.sample(20, random_state=0)
    again = ws.score(companies=some)
    by_id = frame.set_index("account_id")["fit_score"]
    assert again.frame["fit_score"].tolist() == by_id.loc[some["account_id"]].tolist()


def test_score_reads_a_file_of_companies_and_escapes_their_names(ws, tmp_path):
    companies = write(
        tmp_path / "new.csv",
        "Company Name,Sector,Headcount,Deliveries per day,Own Fleet\n"
        f'"{HOSTILE}",E-commerce,320,450,Yes\nFrete Sul,Regional carrier,800,90,no\n',
    )
    scores = ws.score(companies)
    assert scores.frame["name"].tolist() == [HOSTILE, "Frete Sul"]
    read = read_companies(companies, ws)
    assert read["employees"].tolist() == [320, 800] and read["own_fleet"].tolist() == [True, False]
    assert "[/b]<script>" in repr(scores)
    html = as_html(scores)
    assert "<script>alert" not in html and "&lt;script&gt;" in html


def test_score_and_validate_at_80_columns_fold_the_details(ws):
    result = invoke("score", "-w", ws.root, "--top", "3")
    assert result.exit_code == 0, result.output
    headers = [
        "Account, and why",
        "Tier",
        "Score",
        "P(win)",
        "Exp. value",
        "Accounts",
        "Deals",
        "Win rate",
        "(95% CI)",
        "Pred.",
        "median",
        "per deal",
    ]
    assert_fits_80(result.output, headers)
    assert "Calibration on the holdout" not in result.output and "--details" in result.output
    detailed = invoke("score", "-w", ws.root, "--top", "3", "--details")
    assert "Calibration on the holdout" in detailed.output
    assert_fits_80(detailed.output, ["Decile", "Observed (95% CI)"])
    validate = invoke("validate", "-w", ws.root, "--no-chart")
    assert validate.exit_code == 0, validate.output
    assert_fits_80(validate.output, ["New-business deals", "Win rate (95% CI)", "Not ICP", "Tiers on the holdout"])
    assert "Calibration on the holdout" not in validate.output
    assert "Calibration on the holdout" in invoke("validate", "-w", ws.root, "--no-chart", "--details").output


# -- load and quarantine --------------------------------------------------------------------------
def test_load_and_quarantine_on_a_fresh_workspace(tmp_path):
    ws = Workspace.init(tmp_path / "ws")
    write(ws.data_dir / "accounts.csv", f'account_id,name,employees\nA1,x,10\nA1,y,11\nA2,"{HOSTILE}",lots\n')
    report = ws.load()
    data = strict(as_json(report))
    assert data["files"][0]["read"] == 3 and data["files"][0]["loaded"] == 2 and data["reconciles"]
    assert data["table_rows"] == {"accounts": 2}
    assert "Loaded" in repr(report) and "Set aside" in repr(report)
    everything = ws.quarantine()
    assert everything.total == 2 and len(everything.frame) == 2
    assert ws.quarantine(reason="DUPLICATE").total == 1 and ws.quarantine(table="deals").total == 0
    assert len(ws.quarantine(limit=1).frame) == 1 and ws.quarantine(limit=1).total == 2
    shown = as_text(ws.quarantine(reason="number"))
    assert "lots" in shown and "Set aside: 1 of 1" in shown
    html = as_html(ws.quarantine())
    assert "<script>" not in html
    result = invoke("quarantine", "-w", ws.root, "--reason", "duplicate")
    assert result.exit_code == 0 and "duplicate" in result.output and "lots" not in result.output
    assert_fits_80(invoke("load", "-w", ws.root, "--details").output, ["File", "Read", "Set aside", "lines ="])
