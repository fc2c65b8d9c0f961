"""The market through the Workspace facade: size and signals read the ICP in use (the published
version), results hold numbers, render for the terminal at 80 columns, HTML and strict JSON, and
the CLI commands are glue over them. Includes the first-hour trap: an exploratory discover must
not collapse the market numbers."""

from __future__ import annotations

import dataclasses
import json
import re
from datetime import date, timedelta

import pytest
import yaml
from typer.testing import CliRunner

from bullseye.cli import app
from bullseye.demo import generate_company
from bullseye.demo.strategy import PLANTED_ICP, write_demo_strategy
from bullseye.render import as_html, as_json, as_text
from bullseye.strategy.icp import ICP, save_icp
from bullseye.strategy.in_use import DRAFT_NOTE
from bullseye.workspace import Workspace

runner = CliRunner()


def invoke(*args):
    return runner.invoke(app, [str(a) for a in args], env={"COLUMNS": "80"})


def _refuse(constant: str):
    raise ValueError(f"not strict JSON: {constant}")


def strict_json(text: str):
    return json.loads(text, parse_constant=_refuse)


def _planted_icp() -> ICP:
    data = yaml.safe_load(PLANTED_ICP) | {
        "owner": "Marina (PMM)",
        "review_date": (date.today() + timedelta(days=60)).isoformat(),
        "signals": [
            {
                "id": "funding",
                "name": "Funding round",
                "event_type": "funding",
                "lookback_days": 180,
                "assumption": True,
            }
        ],
    }
    return ICP.model_validate(data)


@pytest.fixture(scope="module")
def market_ws(tmp_path_factory):
    """A demo company with every table, its audience and segments, and the planted ICP written the
    way `bullseye demo` writes its draft (so a later discover may replace it)."""
    ws = Workspace.init(tmp_path_factory.mktemp("market") / "ws", name="Market <b>[red]demo[/red]</b>")
    generate_company(ws.data_dir, n_accounts=2000, seed=1)
    ws.load()
    truth = json.loads((ws.data_dir / "truth.json").read_text(encoding="utf-8"))
    write_demo_strategy(ws.root, truth)
    save_icp(ws.root, _planted_icp(), force=True)
    yield ws
    ws.close()


@pytest.fixture(scope="module")
def draft_sized(market_ws):
    """The market sized before anything is published (module tests share it: sizing takes seconds)."""
    return market_ws.size()


def _sam(sized: dict) -> dict:
    return next(row for row in sized["sizing"] if row["name"] == "SAM")


def _words_whole(text: str, words: set[str]) -> None:
    """Every word given appears whole in ``text`` (a word split across lines would not)."""
    found = set(re.findall(r"[\w'%-]+", text))
    assert words <= found, sorted(words - found)


def _fits(text: str, width: int = 80) -> None:
    assert max(len(line) for line in text.splitlines()) <= width


def test_size_before_publishing_uses_the_draft_and_says_so(market_ws, draft_sized):
    sized = draft_sized
    assert sized.definitions == "draft"
    assert DRAFT_NOTE in sized.notes
    data = strict_json(as_json(sized))
    assert data["definitions"] == "draft" and data["notes"][0] == DRAFT_NOTE
    assert data["files"] == {}  # nothing written unless asked
    assert not (market_ws.reports_dir / "market-funnel.png").exists()


def test_size_to_dict_carries_numbers_not_display_strings(draft_sized):
    data = strict_json(draft_sized.to_json())
    sam = _sam(data)
    assert isinstance(sam["companies"], int) and isinstance(sam["value"], float) and sam["value"] > 0
    rate = next(a for a in data["assumptions"] if a["name"] == "ICP win rate")
    assert 0 <= rate["low"] <= rate["value"] <= rate["high"] <= 1
    acv = next(a for a in data["assumptions"] if a["name"] == "ICP ACV")
    assert isinstance(acv["value"], float) and acv["value"] > 0
    assert abs(sam["value"] - sam["companies"] * acv["value"]) <= 1e-6 * sam["value"]
    for record in data["assumptions"]:
        assert not isinstance(record["value"], str), record  # "17.1k", "44% (37%-51%)" are the renderer's job
    steps = {row["step"]: row["companies"] for row in data["waterfall"]}
    assert steps["ICP fit (no disqualifier)"] == sam["companies"]


def test_the_first_hour_trap_an_exploratory_discover_leaves_the_market_numbers_alone(market_ws):
    ws = market_ws
    published = invoke(
        "publish", "-m", "the planted ICP", "--force", "a test publishes without a gate", "--workspace", ws.root
    )
    assert published.exit_code == 0, published.output
    before = strict_json(invoke("size", "--json", "--workspace", ws.root).stdout)
    assert before["definitions"].startswith("v1") and before["notes"] == []
    assert _sam(before)["companies"] > 0
    draft_before = (ws.strategy_dir / "icp.yaml").read_text(encoding="utf-8")
    explored = invoke("discover", "--outcome", "win", "--max-depth", "2", "--force", "--workspace", ws.root)
    assert explored.exit_code == 0, explored.output
    assert (ws.strategy_dir / "icp.yaml").read_text(encoding="utf-8") != draft_before  # the draft was replaced
    after = strict_json(invoke("size", "--json", "--workspace", ws.root).stdout)
    assert after["definitions"] == before["definitions"]
    assert after["sizing"] == before["sizing"] and after["waterfall"] == before["waterfall"]
    shown = invoke("size", "--workspace", ws.root)
    assert shown.exit_code == 0, shown.output
    assert "v1" in shown.output and "nothing is published" not in shown.output


def test_signals_rank_with_the_icp_in_use(market_ws):
    ws = market_ws
    ranking = ws.signals(days=3650, limit=5)
    current = ranking.definitions
    assert current.startswith("v1")  # published by the first-hour test; the draft has other signals now
    assert [s.id for s in ranking.signals] == ["funding"] and ranking.companies > 0
    data = strict_json(ranking.to_json())
    assert data["definitions"] == current and len(data["rows"]) <= 5
    assert all(isinstance(row["priority"], float) for row in data["rows"])
    shown = invoke("signals", "--days", "3650", "--limit", "5", "--workspace", ws.root)
    assert shown.exit_code == 0, shown.output
    _fits(shown.output)
    for header in ("Company and why now", "Tier", "Fit", "Signal", "Priority"):
        assert header in shown.output


def test_size_renders_at_80_columns_with_every_header_and_whole_words(draft_sized):
    sized = draft_sized
    text = as_text(sized, width=80, details=True)
    _fits(text)
    for header in ("Companies", "Value", "How", "Step", "Removed", "Figure", "TAM", "SAM", "SOM"):
        assert header in text, header
    words = {w for row in sized.waterfall.itertuples() for w in re.findall(r"[\w'%-]+", row.step)}
    words |= {w for record in sized.assumptions for w in re.findall(r"[\w'%-]+", record["source"])}
    _words_whole(text, words)
    assert "44%" not in repr(sized.to_dict()["assumptions"])  # numbers stay numbers in the data


def test_size_cli_writes_only_where_asked_and_the_chart_is_an_image(market_ws, tmp_path):
    out, chart = tmp_path / "prospects.csv", tmp_path / "funnel.svg"
    result = invoke("size", "--json", "--whitespace", out, "--chart", chart, "--workspace", market_ws.root)
    assert result.exit_code == 0, result.output
    data = strict_json(result.stdout)
    assert data["files"] == {"whitespace": str(out), "chart": str(chart)}
    assert chart.read_text(encoding="utf-8").lstrip().startswith(("<?xml", "<svg"))
    assert len(out.read_text(encoding="utf-8").splitlines()) == data["whitespace"]["companies"] + 1


def test_no_library_code_switches_the_matplotlib_backend():
    from pathlib import Path

    import bullseye

    source = Path(bullseye.__file__).parent
    for area in ("market", "people", "render"):
        for path in (source / area).rglob("*.py"):
            text = path.read_text(encoding="utf-8")
            assert not re.search(r"matplotlib\.use\(|import matplotlib\.pyplot|from matplotlib import pyplot", text), (
                path
            )


def test_funnel_chart_is_bytes_and_leaves_pyplot_alone(draft_sized):
    import matplotlib

    from bullseye.render.charts import funnel_chart

    backend = matplotlib.get_backend()
    png = funnel_chart(draft_sized)
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 10_000
    assert matplotlib.get_backend() == backend


def test_market_results_repr_html_and_json(market_ws, draft_sized):
    for result in (market_ws.industries(), market_ws.match(), draft_sized):
        text = repr(result)
        assert text and max(len(line) for line in text.splitlines()) <= 80
        html = result._repr_html_()
        assert "<script" not in html
        strict_json(as_json(result))
    match = market_ws.match()
    assert sum(match.to_dict()["summary"]["matched_by_method"].values()) == match.summary["matched"]
    industries = market_ws.industries().to_dict()
    assert industries["tables"]["accounts"]["rows"] > 0


def test_hostile_values_are_escaped_in_html_and_inert_in_the_terminal(draft_sized):
    sized = dataclasses.replace(draft_sized, notes=["<script>alert(1)</script> [red]x[/red]"])
    html = as_html(sized)
    assert "<script>alert" not in html and "&lt;script&gt;" in html
    assert "[red]x[/red]" in repr(sized)


def test_industries_and_match_cli_print_strict_json_at_80_columns(market_ws, tmp_path):
    for command in (("industries",), ("match", "--out", tmp_path / "m.csv")):
        shown = invoke(*command, "--workspace", market_ws.root)
        assert shown.exit_code == 0, shown.output
        _fits(shown.output)
        strict_json(invoke(*command, "--json", "--workspace", market_ws.root).stdout)


def test_snapshot_events_compare_two_files_and_write_only_when_asked(tmp_path):
    old, new = tmp_path / "old.csv", tmp_path / "new.csv"
    old.write_text("Company ID,Team Size,Status\n1,10,Active\n2,40,Active\n3,5,Active\n", encoding="utf-8")
    new.write_text("Company ID,Team Size,Status\n1,20,Active\n2,41,Active\n3,5,Inactive\n", encoding="utf-8")
    from bullseye.market.snapshots import snapshot_events

    result = snapshot_events(
        old, new, key="Company ID", old_date="2024-01-01", new_date="2024-07-01", size="Team Size", status="Status"
    )
    data = strict_json(result.to_json())
    assert data["events_by_type"] == {"headcount_change": 1, "status_change": 1} and data["files"] == {}
    assert set(tmp_path.iterdir()) == {old, new}  # nothing written unless asked
    out = tmp_path / "events.csv"
    shown = invoke(
        "snapshot-events",
        old,
        new,
        "--key",
        "Company ID",
        "--old-date",
        "2024-01-01",
        "--new-date",
        "2024-07-01",
        "--size",
        "Team Size",
        "--status",
        "Status",
        "--out",
        out,
    )
    assert shown.exit_code == 0, shown.output
    _fits(shown.output)
    assert len(out.read_text(encoding="utf-8").splitlines()) == 3 and "bullseye load" in shown.output
