"""The lifecycle on the Workspace facade: every method returns a result holding numbers, strict
JSON, a repr and HTML that show hostile values literally, and the CLI commands as glue over it."""

from __future__ import annotations

import io
import json
import shutil
from datetime import date, timedelta

import numpy as np
import pytest
import yaml
from conftest import demo_workspace
from rich.console import Console
from typer.testing import CliRunner

from bullseye.cli import app
from bullseye.demo.strategy import PLANTED_ICP
from bullseye.errors import ConflictError, InvalidInputError, NotFoundError
from bullseye.render import to_terminal
from bullseye.workspace import Workspace

HOSTILE = "<script>alert(1)</script> [bold]x[/bold] & \x1b[31m"
runner = CliRunner()


def strict(text: str):
    return json.loads(text, parse_constant=lambda name: pytest.fail(f"{name} in JSON"))


def cli(*args, **env):
    return runner.invoke(app, [str(a) for a in args], env={"COLUMNS": "80", **env})


def draft(ws: Workspace, extra_criterion: bool = False, owner: str | None = "Marina (PMM)") -> None:
    icp = yaml.safe_load(PLANTED_ICP)
    icp["owner"] = owner
    icp["review_date"] = (date.today() + timedelta(days=60)).isoformat()
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


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    """A copy of the session's demo workspace with version 1 published and a changed draft."""
    source = demo_workspace(tmp_path_factory, 3000, 0)
    source.close()
    root = tmp_path_factory.mktemp("lifecycle") / "ws"
    shutil.copytree(source.root, root)
    ws = Workspace(root)
    draft(ws)
    first = ws.publish("First ICP", expected_hash=ws.draft_hash())
    draft(ws, extra_criterion=True)
    yield ws, first, {}
    ws.close()


def check_renderings(result, *words: str) -> str:
    """Strict JSON, a repr at 80 columns holding ``words`` whole, and escaped HTML."""
    strict(result.to_json())
    text = repr(result)
    assert all(len(line) <= 80 for line in text.splitlines()), text
    for word in words:
        assert word in text, (word, text)
    html = result._repr_html_()
    assert "<script>" not in html
    return text


def test_the_first_publish_has_nothing_to_compare_with(published):
    _, first, _ = published
    data = first.to_dict()
    assert data["version"]["number"] == 1 and data["preview"]["current"] is None
    assert data["preview"]["accounts_moving"] == 0 and data["preview"]["refusals"] == []
    assert data["preview"]["data"]["rows"]["accounts"] == 3000
    check_renderings(first, "Published v1", "first version")


def test_preview_counts_the_accounts_that_move_and_writes_nothing(published):
    ws, _, seen = published
    before = sorted(p.name for p in (ws.root / "strategy" / "history").iterdir())
    result = seen["preview"] = ws.preview()
    data = result.to_dict()
    assert sorted(p.name for p in (ws.root / "strategy" / "history").iterdir()) == before
    comparison = data["comparison"]
    assert 0.5 < comparison["first"] < 1 and 0.5 < comparison["second"] < 1
    assert comparison["low"] <= comparison["difference"] <= comparison["high"]
    assert np.isclose(comparison["difference"], comparison["second"] - comparison["first"])
    moves = result.tier_moves.to_numpy()
    assert moves.sum() == 3000  # every account is in one tier before and one after
    assert data["accounts_moving"] == moves.sum() - np.trace(moves) > 0
    assert data["draft_hash"] == ws.draft_hash() and data["refusals"] == []
    assert set(data["comparison"]["backtest"]) >= {"ICP: win rate", "Not ICP: win rate"}
    text = check_renderings(result, "Holdout ROC AUC", "from \\ to", "disqualified", "accounts change tier")
    assert "Draft" not in text  # the backtest table is folded
    assert "In use" in repr_details(result)
    assert ws.preview() is result  # nothing changed: the preview is not computed twice


def repr_details(result) -> str:
    console = Console(width=80, record=True, file=io.StringIO())
    console.print(to_terminal(result, details=True))
    return console.export_text()


def test_an_edit_while_the_preview_runs_is_not_published(published, monkeypatch):
    ws, _, seen = published
    from bullseye.governance import lifecycle

    def preview_while_someone_saves(*args, **kwargs):
        # the preview of this very draft (computed in the test above), and meanwhile another editor saves
        draft(ws, extra_criterion=True, owner="Another editor")
        return seen["preview"]

    monkeypatch.setattr(lifecycle, "preview", preview_while_someone_saves)
    with pytest.raises(ConflictError, match="changed since it was read"):
        ws.publish("Marketplaces now win", expected_hash=seen["preview"].draft_hash)
    assert [v.number for v in ws.history().versions] == [1]
    draft(ws, extra_criterion=True)  # back to the draft previewed


def test_publish_history_diff_rollback_and_restore(published):
    ws, _, seen = published
    with pytest.raises(ConflictError, match="changed since it was read"):
        ws.publish("stale", force="test", expected_hash="000000000000")
    second = ws.publish("Marketplaces now win", force="a test of the flow")
    assert second.version.number == 2 and second.preview.refusals == []
    assert second.preview is seen["preview"]  # the same draft and data as previewed: nothing refitted
    assert second.to_dict()["version"]["forced"] is None  # the gate did not object, so nothing was overruled
    with pytest.raises(ConflictError, match="nothing to publish"):
        ws.publish("again")

    history = ws.history()
    assert [v["number"] for v in history.to_dict()["versions"]] == [2, 1]
    assert history.to_dict()["draft_hash"] == second.version.hash
    check_renderings(history, "Version", "Published", "By", "Why", "Marketplaces now win")

    changed = ws.diff()
    data = changed.to_dict()
    assert (data["before"]["number"], data["after"]["number"]) == (1, 2)
    assert [(r["change"], r["id"]) for r in data["rules"]] == [("added", "marketplace")]
    moves = changed.tier_moves.to_numpy()
    assert moves.sum() == 3000 and data["accounts_moving"] == moves.sum() - np.trace(moves)
    assert all(isinstance(n, int) for row in data["tier_moves"].values() for n in row.values())
    check_renderings(changed, "Rules", "marketplace", "Change", "Before", "After")
    assert ws.diff(1, 2).to_dict()["rules"] == data["rules"]
    with pytest.raises(NotFoundError, match="no published version '9'"):
        ws.diff(9)
    with pytest.raises(NotFoundError, match="first version"):
        ws.diff(b=1)

    back = ws.rollback(1, "v2 was premature")
    assert back.version.number == 3 and back.version.rollback_of == 1
    assert back.version.hash == ws.history().versions[-1].hash == ws.draft_hash()
    check_renderings(back, "Published v3", "content of v1")

    draft(ws, extra_criterion=True, owner="Someone else")
    seen = ws.draft_hash()
    with pytest.raises(ConflictError):
        ws.restore_draft(expected_hash="000000000000")
    restored = ws.restore_draft(expected_hash=seen)
    assert restored.to_dict()["version"]["number"] == 3 and restored.draft_hash == back.version.hash
    check_renderings(restored, "now say what v3")


def test_events_triggers_and_status_hold_numbers_and_hostile_text_stays_text(published):
    ws, _, _ = published
    added = ws.add_event(HOSTILE, on=date(2026, 7, 1), kind="pricing", note=HOSTILE, by="tester")
    assert added.to_dict()["added"] and added.to_dict()["triggers_new"] == 1
    assert added.to_dict()["event"]["date"] == "2026-07-01"
    assert not ws.add_event(HOSTILE, on=date(2026, 7, 1), kind="pricing").added  # recorded once
    with pytest.raises(InvalidInputError, match="unknown event kind 'price'"):
        ws.add_event("x", kind="price")
    events = ws.events()
    assert [e["name"] for e in events.to_dict()["events"]] == [HOSTILE]
    text = check_renderings(events, "2026-07-01", "pricing")
    assert "[bold]x[/bold]" in text and "\x1b" not in text

    listed = ws.triggers()
    data = listed.to_dict()
    assert data["counts"]["open"] == len(data["triggers"]) >= 1
    trigger = next(t for t in data["triggers"] if t["kind"] == "market_event")
    assert trigger["raised_at"] == "2026-07-01"
    assert "[bold]x[/bold]" in check_renderings(listed, "market_event")
    closed = ws.triggers(close=[trigger["trigger_id"]])
    assert trigger["trigger_id"] not in {t["trigger_id"] for t in closed.to_dict()["triggers"]}
    everything = ws.triggers(everything=True).to_dict()
    assert everything["counts"]["closed"] >= 1
    with pytest.raises(NotFoundError):
        ws.triggers(acknowledge=["TRG-nothing"])

    status = ws.status(today=date.today())
    data = status.to_dict()
    assert data["version"]["number"] == 3 and data["today"] == date.today().isoformat()
    assert {i["level"] for i in data["items"]} <= {"ok", "due", "overdue"}
    check_renderings(status, "In use: v3", "review")


def test_the_cli_commands_are_glue_over_the_facade(published):
    ws, _, _ = published
    history = cli("history", "-w", ws.root, "--json")
    assert history.exit_code == 0, history.output
    assert [v["number"] for v in strict(history.stdout)["versions"]][:3] == [3, 2, 1]
    table = cli("history", "-w", ws.root)
    assert table.exit_code == 0 and all(h in table.stdout for h in ("Version", "Published", "By", "Why"))
    assert all(len(line) <= 80 for line in table.stdout.splitlines())
    diff = cli("diff", "-w", ws.root, "1", "2", "--details")
    assert diff.exit_code == 0 and "Points that changed" in diff.stdout
    assert strict(cli("diff", "-w", ws.root, "1", "2", "--json").stdout)["rules"][0]["id"] == "marketplace"
    assert strict(cli("triggers", "-w", ws.root, "--all", "--json").stdout)["everything"] is True
    assert strict(cli("event", "list", "-w", ws.root, "--json").stdout)["events"][0]["kind"] == "pricing"
    assert strict(cli("status", "-w", ws.root, "--json").stdout)["version"]["number"] == 3
    bad = cli("event", "add", "launch", "--kind", "price", "-w", ws.root)
    assert bad.exit_code == 4 and "unknown event kind 'price'" in bad.output and "Traceback" not in bad.output
    stale = cli("publish", "-w", ws.root, "-m", "x", "--expect", "000000000000")
    assert stale.exit_code == 5 and "changed since it was read" in stale.output
    missing = cli("rollback", "9", "-w", ws.root)
    assert missing.exit_code == 3 and "no published version '9'" in missing.output
