"""The ICP as a living definition, end to end through the CLI: publish behind the gate, score with
no refit, a scripted second quarter raising drift and triggers, version 2 pushed to a real local
webhook and SMTP server, diff, and rollback restoring version 1's scores exactly."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pandas as pd
import pytest
import yaml
from test_notify import Inbox, Receiver, smtp  # noqa: F401 - the SMTP fixture
from typer.testing import CliRunner

from bullseye.cli import app
from bullseye.demo.periods import generate_period
from bullseye.demo.strategy import PLANTED_ICP
from bullseye.governance.lifecycle import published_card
from bullseye.strategy.versions import VersionStore
from bullseye.workspace import Workspace

runner = CliRunner()


def cli(*args) -> object:
    result = runner.invoke(app, [str(a) for a in args])
    return result


def cli_json(*args) -> dict:
    result = cli(*args, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def write_draft(ws: Workspace, owner: str | None = "Marina (PMM)", extra_criterion: bool = False) -> None:
    icp = yaml.safe_load(PLANTED_ICP)
    if owner:
        icp["owner"] = owner
        icp["review_date"] = (date.today() + timedelta(days=60)).isoformat()
    icp["triggers"] = {"watch_terms": ["marketplaces"]}
    if extra_criterion:
        icp["criteria"].append(
            {
                "id": "marketplace",
                "name": "Marketplaces",
                "assumption": True,
                "conditions": [{"attribute": "industry", "op": "==", "value": "Marketplace"}],
            }
        )
    (ws.strategy_dir / "icp.yaml").write_text(yaml.safe_dump(icp, sort_keys=False), encoding="utf-8")


@pytest.fixture
def company(tmp_path_factory, tmp_path):
    from conftest import demo_copy

    return demo_copy(tmp_path_factory, 3000, 5, tmp_path / "ws", full=True)  # built once, copied per test


def test_publish_is_refused_without_an_owner_and_review_date(company):
    write_draft(company, owner=None)
    result = cli("publish", "-w", company.root, "-m", "first")
    assert result.exit_code == 5 and "Traceback" not in result.output
    assert "no owner" in result.output and "no review date" in result.output
    assert VersionStore(company.root).versions() == []
    forced = cli_json("publish", "-w", company.root, "-m", "first", "--force", "owner named next week")
    assert forced["version"]["forced"] == "owner named next week"


@pytest.mark.slow
def test_the_icp_lives_through_a_market_shift(company, smtp, monkeypatch):  # noqa: F811 - the fixture
    inbox, port = smtp
    ws = company
    write_draft(ws)
    first = cli_json("publish", "-w", ws.root, "-m", "First ICP")
    assert first["version"]["number"] == 1 and first["preview"]["current"] is None
    folder = ws.root / "strategy" / "history" / "v0001"
    assert {"icp.yaml", "scorecard.json", "backtest.json", "version.yaml"} <= {p.name for p in folder.iterdir()}

    # Scoring under a published version never refits, and gives the same output twice.
    from bullseye.scoring.scorecard import ScoreCard

    def no_fit(*args, **kwargs):
        raise AssertionError("scoring under a published version must not fit")

    monkeypatch.setattr(ScoreCard, "fit", no_fit)
    once, twice = cli_json("score", "-w", ws.root, "--top", "0"), cli_json("score", "-w", ws.root, "--top", "0")
    assert once["scores"] == twice["scores"] and once["scores"][0]["version"].startswith("v1-")
    monkeypatch.undo()

    # A second quarter in which the market shifts, loaded by the cron-friendly check.
    generate_period(ws.data_dir, months=3, seed=5, shift=True)
    checked = cli_json("check", "-w", ws.root)
    assert checked["loaded"] and checked["scored"] > 0
    kinds = {t["kind"] for t in checked["new_triggers"]}
    assert {"drift", "watched_term", "new_objection"} <= kinds, checked["new_triggers"]
    objections = [t["subject"] for t in checked["new_triggers"] if t["kind"] == "new_objection"]
    assert all("marketplaces" in subject for subject in objections)  # the planted one, not older ones
    again = cli_json("check", "-w", ws.root)
    assert not again["loaded"] and again["new_triggers"] == []  # safe to run every hour
    status = cli_json("status", "-w", ws.root)
    assert any(item["what"] == "triggers" and item["level"] != "ok" for item in status["items"])
    assert {t["kind"] for t in status["open_triggers"]} >= {"drift", "watched_term"}

    # Version 2, announced on a real local webhook and SMTP server.
    with Receiver() as receiver:
        monkeypatch.setenv("TEAM_WEBHOOK", receiver.url)
        settings = yaml.safe_load((ws.root / "bullseye.yaml").read_text())
        settings["notify"] = {
            "webhooks": [{"name": "gtm", "url_env": "TEAM_WEBHOOK"}],
            "email": {"host": "127.0.0.1", "port": port, "to": ["sales@example.com"]},
            "backoff_seconds": 0,
        }
        (ws.root / "bullseye.yaml").write_text(yaml.safe_dump(settings), encoding="utf-8")
        write_draft(ws, extra_criterion=True)
        second = cli_json("publish", "-w", ws.root, "-m", "Marketplaces now win", "--force", "a test of the flow")
    assert second["version"]["number"] == 2
    assert [d["status"] for d in second["deliveries"]] == ["sent", "sent"]
    assert "Marketplaces" in receiver.bodies[0]["text"] and "added criterion" in receiver.bodies[0]["text"]
    assert inbox.messages[0]["Subject"].startswith("ICP v2")
    assert "TEAM_WEBHOOK" not in json.dumps(second) and receiver.url not in json.dumps(second)
    status = cli_json("status", "-w", ws.root)
    assert status["open_triggers"] == []  # answered by version 2

    changed = cli_json("diff", "-w", ws.root, "1", "2")
    assert [(r["change"], r["id"]) for r in changed["rules"]] == [("added", "marketplace")]
    assert changed["tier_moves"]

    # Rollback: version 3 holds version 1's content and scores exactly as version 1 did.
    back = cli_json("rollback", "-w", ws.root, "1", "-m", "v2 was premature")
    assert back["version"]["number"] == 3 and back["version"]["rollback_of"] == 1
    store = VersionStore(ws.root)
    v1, v3 = store.get(1), store.get(3)
    assert v3.hash == v1.hash and store.draft_hash() == v1.hash
    after = pd.DataFrame(cli_json("score", "-w", ws.root, "--top", "0")["scores"]).set_index("account_id")
    from bullseye.core.dataset import build_dataset

    accounts = build_dataset(ws).accounts
    under_v1 = published_card(v1).score(accounts).set_index("account_id")
    columns = ["fit_score", "tier", "win_probability"]
    pd.testing.assert_frame_equal(after.loc[under_v1.index, columns], under_v1[columns], check_dtype=False)
    history = cli_json("history", "-w", ws.root)
    assert [v["number"] for v in history["versions"]] == [3, 2, 1]


def test_a_version_edited_after_publication_is_caught(company):
    write_draft(company)
    cli_json("publish", "-w", company.root, "-m", "First ICP")
    published = company.root / "strategy" / "history" / "v0001" / "icp.yaml"
    published.write_text(published.read_text().replace("E-commerce", "Retail"), encoding="utf-8")
    result = cli("history", "-w", company.root)
    assert result.exit_code == 4 and "changed after publication" in result.output
    same = cli("publish", "-w", company.root, "-m", "again")
    assert same.exit_code == 4
