"""The people layer through the Workspace facade: committee, themes, personas and cards return
results holding numbers, render at 80 columns, as escaped HTML and strict JSON, write nothing
unless asked, and the CLI commands are glue over them."""

from __future__ import annotations

import dataclasses
import json

import pytest
from conftest import TRUTH_ICP, full_demo_workspace, write
from typer.testing import CliRunner

from bullseye.cli import app
from bullseye.errors import InvalidInputError
from bullseye.render import as_html, as_json, as_text
from bullseye.strategy.icp import ICP_FILE

runner = CliRunner()


def _refuse(constant: str):
    raise ValueError(f"not strict JSON: {constant}")


def strict_json(text: str):
    return json.loads(text, parse_constant=_refuse)


def _fits(text: str, width: int = 80) -> None:
    assert max(len(line) for line in text.splitlines()) <= width, text


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    ws = full_demo_workspace(tmp_path_factory, 5000, 0)  # shared with test_committee, test_personas
    write(ws.root / ICP_FILE, TRUTH_ICP)
    yield ws
    ws.close()


@pytest.fixture(scope="module")
def committee(demo):
    return demo.committee()


def test_committee_holds_numbers_and_renders_at_80_columns(committee):
    data = strict_json(as_json(committee))
    assert data["deals"] >= data["won"] > 0
    for row in data["presence"]:
        assert 0 <= row["won_share"] <= 1 and 0 <= row["lost_share"] <= 1
    assert sum(data["role_sources"].values()) > 0
    text = as_text(committee)
    _fits(text)
    for header in ("Role", "Won", "Lost", "Most common function", "Seniority", "Evidence", "Strength"):
        assert header in text
    for row in committee.presence.itertuples():  # every role shown whole
        assert row.role in text


def test_committee_escapes_hostile_values(committee):
    hostile = dataclasses.replace(committee, scope="<script>alert(1)</script> [red]x[/red]")
    assert "<script>alert" not in hostile._repr_html_() and "&lt;script&gt;" in as_html(hostile)
    assert "[red]x[/red]" in repr(hostile)


def test_themes_by_group_and_strict_json(demo):
    report = demo.themes(by="role")
    data = strict_json(report.to_json())
    assert data["themes"] and all(isinstance(t["count"], int) and t["count"] >= 3 for t in data["themes"])
    text = repr(report)
    _fits(text)
    assert "role: champion" in text
    plain = repr(demo.themes(kinds=("objection",)))
    _fits(plain)
    assert "Theme, who says it, a quote" in plain and "heard from" in plain
    with pytest.raises(InvalidInputError, match="not 'industry'"):
        demo.themes(by="industry")


def test_personas_are_drafted_without_writing_and_saved_on_request(demo, tmp_path):
    folder = demo.strategy_dir / "personas"
    before = sorted(p.name for p in folder.glob("*.yaml")) if folder.exists() else []
    drafts = demo.personas()
    assert sorted(p.name for p in folder.glob("*.yaml")) == before if folder.exists() else not folder.exists()
    data = strict_json(drafts.to_json())
    ids = [p["id"] for p in data["personas"]]
    assert "champion" in ids and ids[-1] == "anti-persona" and data["written"] == []
    saved = demo.save_personas(drafts, force=True)
    assert {w["path"] for w in saved.to_dict()["written"]} == {f"strategy/personas/{i}.yaml" for i in ids}
    _fits(repr(saved))
    cards = demo.cards(("md", "html"))
    assert cards.files == [] and not (tmp_path / "persona-cards.md").exists()
    assert "## Anti-persona" in cards.texts["md"] and cards.personas == len(ids) - 1
    written = demo.cards(("md",), out_dir=tmp_path)
    assert written.files == [tmp_path / "persona-cards.md"] and written.files[0].read_text(encoding="utf-8")
    with pytest.raises(InvalidInputError, match="PDF cards are printed from a file"):
        demo.cards(("pdf",))


def test_people_commands_print_strict_json_and_fit_80_columns(demo):
    for command in (("committee",), ("themes", "--kind", "objection"), ("themes", "--by", "function")):
        shown = runner.invoke(app, [*command, "--workspace", str(demo.root)], env={"COLUMNS": "80"})
        assert shown.exit_code == 0, shown.output
        _fits(shown.output)
        result = runner.invoke(app, [*command, "--json", "--workspace", str(demo.root)])
        assert result.exit_code == 0, result.output
        strict_json(result.stdout)
