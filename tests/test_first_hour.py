"""A new user's first hour through the real CLI: strict JSON everywhere, remembered presets, no traps."""

from __future__ import annotations

import json
import re
from datetime import date, timedelta

import pytest
import yaml
from conftest import demo_copy
from typer.testing import CliRunner

from bullseye.cli import app
from bullseye.demo.strategy import PLANTED_ICP
from bullseye.workspace import Workspace

runner = CliRunner()


def invoke(*args):
    return runner.invoke(app, [str(a) for a in args])


def _refuse(constant: str):
    raise ValueError(f"not strict JSON: {constant}")


def strict_json(text: str):
    """Parse like a strict client does: NaN, Infinity and -Infinity are errors."""
    return json.loads(text, parse_constant=_refuse)


@pytest.fixture(scope="module")
def demo_ws(tmp_path_factory):
    ws = demo_copy(tmp_path_factory, 600, 3, tmp_path_factory.mktemp("first") / "ws", full=True)
    icp = yaml.safe_load(PLANTED_ICP) | {
        "owner": "Marina (PMM)",
        "review_date": (date.today() + timedelta(days=60)).isoformat(),
    }
    (ws.strategy_dir / "icp.yaml").write_text(yaml.safe_dump(icp, sort_keys=False), encoding="utf-8")
    return ws


# Every command with --json that runs on a loaded workspace with an ICP (signals needs signals in the ICP).
JSON_COMMANDS = [
    ("tables",),
    ("quarantine",),
    ("outcomes", "--by", "industry"),
    ("industries",),
    ("discover", "--outcome", "win", "--max-depth", "2"),
    ("validate",),
    ("score",),
    ("explain", "ACC-000001"),
    ("size",),
    ("committee",),
    ("themes",),
    ("status",),
    ("check",),
    ("history",),
    ("event", "list"),
    ("triggers",),
    ("publish", "-m", "first version"),
    ("personas", "suggest"),
]


def test_every_json_command_prints_strict_json(demo_ws):
    for command in JSON_COMMANDS:
        result = invoke(*command, "--json", "--workspace", demo_ws.root)
        assert result.exit_code == 0, (command, result.output)
        strict_json(result.stdout)


def test_the_encoder_turns_nan_infinity_dates_and_numpy_into_strict_json():
    import numpy as np
    import pandas as pd

    from bullseye.render.encoder import to_json

    data = {
        "nan": float("nan"),
        "inf": np.float64("inf"),
        "n": np.int64(3),
        "x": np.float32(0.5),
        "day": date(2026, 1, 2),
        "ts": pd.Timestamp("2026-01-02 03:04"),
        "nat": pd.NaT,
        "frame": pd.DataFrame({"a": [1.0, np.nan]}),
    }
    assert strict_json(to_json(data)) == {
        "nan": None,
        "inf": None,
        "n": 3,
        "x": 0.5,
        "day": "2026-01-02",
        "ts": "2026-01-02T03:04:00",
        "nat": None,
        "frame": [{"a": 1.0}, {"a": None}],
    }


def test_the_preset_and_mapping_of_a_load_are_remembered(tmp_path, monkeypatch):
    ws = Workspace.init(tmp_path / "ws")
    (ws.data_dir / "companies.csv").write_text(
        "Record ID,Company name,Number of Employees\n1,Acme,10\n2,Beta,20\n", encoding="utf-8"
    )
    plain = invoke("load", "--workspace", ws.root)
    assert plain.exit_code == 4  # the generic preset does not know HubSpot's "Record ID"
    first = invoke("load", "--preset", "hubspot", "--workspace", ws.root)
    assert first.exit_code == 0, first.output
    assert "load.preset: hubspot" in first.output and "bullseye.yaml" in first.output
    assert Workspace(ws.root).settings.load.preset == "hubspot"
    again = invoke("load", "--workspace", ws.root)
    assert again.exit_code == 0, again.output
    assert "Saved" not in again.output  # nothing new to remember
    assert strict_json(invoke("tables", "--json", "--workspace", ws.root).stdout) == {"accounts": 2}

    mapping = ws.root / "mapping.yaml"
    mapping.write_text(
        "files:\n  - match: companies.csv\n    table: accounts\n"
        "    columns: {account_id: Record ID, name: Company name}\n",
        encoding="utf-8",
    )
    monkeypatch.chdir(ws.root)
    mapped = invoke("load", "--mapping", "mapping.yaml")
    assert mapped.exit_code == 0, mapped.output
    assert Workspace(ws.root).settings.load.mapping == "mapping.yaml"
    assert invoke("load").exit_code == 0


def test_an_unknown_preset_is_refused_with_the_known_ones_before_anything_is_read(tmp_path):
    ws = Workspace.init(tmp_path / "ws")
    (ws.data_dir / "accounts.csv").write_text("account_id,name\nA1,Acme\n", encoding="utf-8")
    result = invoke("load", "--preset", "hubspt", "--workspace", ws.root)
    assert result.exit_code == 4
    assert "unknown preset 'hubspt'" in result.output
    assert "generic, hubspot, salesforce" in result.output
    assert Workspace(ws.root).loaded_tables() == []
    assert Workspace(ws.root).settings.load.preset == "generic"


def test_the_known_presets_are_the_loader_presets():
    from bullseye.config import PRESET_NAMES
    from bullseye.ingest.mapping import PRESETS

    assert PRESET_NAMES == tuple(PRESETS)


def _files(root):
    return sorted((p.relative_to(root).as_posix(), p.stat().st_mtime_ns) for p in root.rglob("*") if p.is_file())


def test_demo_refuses_a_real_workspace_before_writing_anything(tmp_path):
    ws = Workspace.init(tmp_path / "mine")
    (ws.data_dir / "accounts.csv").write_text("account_id,name\nA1,Acme\n", encoding="utf-8")
    before = _files(ws.root)
    result = invoke("demo", ws.root, "--accounts", 200)
    assert result.exit_code == 5
    assert "not a demo workspace" in result.output and "Traceback" not in result.output
    assert _files(ws.root) == before

    other = tmp_path / "project"
    other.mkdir()
    (other / "notes.txt").write_text("mine", encoding="utf-8")
    assert invoke("demo", other, "--accounts", 200).exit_code == 5
    assert sorted(p.name for p in other.iterdir()) == ["notes.txt"]


def test_demo_accepts_a_freshly_initialised_workspace(tmp_path):
    from bullseye.cli import demo as demo_module

    fresh = Workspace.init(tmp_path / "fresh").root
    demo_module._refuse_a_real_workspace(fresh)  # no error: nothing of the user's is there
    (fresh / "data" / "truth.json").write_text("{}", encoding="utf-8")
    (fresh / "data" / "accounts.csv").write_text("x\n", encoding="utf-8")
    demo_module._refuse_a_real_workspace(fresh)  # a demo workspace: rebuilt in place


def _table_rows(text: str) -> int:
    """Segment rows in discover's tables: a line with the segment, its accounts, the value found and
    its p-value (three decimals or '<0.001')."""
    return len(re.findall(r"^  \S.*?\s[\d,]+\s+\S+\s+(?:<0\.001|[01]\.\d{3})\s", text, flags=re.MULTILINE))


@pytest.mark.parametrize("top", [2, 7])
def test_discover_prints_top_rows_per_direction(demo_ws, top):
    args = ("discover", "--outcome", "win", "--max-depth", "1", "--top", top, "--workspace", demo_ws.root)
    found = strict_json(invoke(*args, "--json").stdout)["outcomes"]["win"]
    listed = len(found["findings"]) + len(found["negative"])
    assert len(found["findings"]) == top and len(found["negative"]) == top  # enough segments to show the cut
    shown = invoke(*args)
    assert shown.exit_code == 0, shown.output
    assert _table_rows(shown.stdout) == listed == 2 * top


@pytest.fixture(scope="module")
def unpublished_ws(tmp_path_factory):
    return demo_copy(tmp_path_factory, 600, 3, tmp_path_factory.mktemp("draft") / "ws", full=True)


def _write_icp(ws, criteria):
    icp = {"name": "Test ICP", "criteria": criteria, "disqualifiers": []}
    (ws.strategy_dir / "icp.yaml").write_text(yaml.safe_dump(icp, sort_keys=False), encoding="utf-8")


@pytest.mark.parametrize("command", ["validate", "score"])
def test_an_empty_icp_gives_a_warning(unpublished_ws, command):
    _write_icp(unpublished_ws, [])
    result = invoke(command, "--workspace", unpublished_ws.root)
    assert result.exit_code == 0, result.output
    assert "Warning: the ICP has no criteria" in result.output


@pytest.mark.parametrize("command", ["validate", "score"])
def test_a_criterion_matching_no_account_names_the_closest_values(unpublished_ws, command):
    _write_icp(
        unpublished_ws,
        [
            {
                "id": "ecom",
                "name": "Online shops",
                "assumption": True,
                "conditions": [{"attribute": "industry", "op": "==", "value": "Ecommerce"}],
            },
            {
                "id": "fleet",
                "name": "Own fleet",
                "assumption": True,
                "conditions": [{"attribute": "own_fleet", "op": "==", "value": "yes"}],
            },
        ],
    )
    result = invoke(command, "--workspace", unpublished_ws.root)
    assert result.exit_code == 0, result.output
    assert "industry == Ecommerce matches no account; did you mean 'E-commerce'?" in result.output
    assert result.output.count("Warning:") == 1  # the criterion that matches says nothing
    as_json = invoke(command, "--json", "--workspace", unpublished_ws.root)
    strict_json(as_json.stdout)  # the warning goes to stderr, the JSON stays clean


def test_exploratory_discover_leaves_the_version_in_use_and_says_how_to_publish_or_go_back(tmp_path_factory, tmp_path):
    from bullseye.cli.discover import _version_in_use_note
    from bullseye.strategy.versions import VersionStore

    ws = demo_copy(tmp_path_factory, 600, 3, tmp_path / "ws", full=True)
    assert _version_in_use_note(ws) == ""  # before any publish the draft is what is in use
    icp_file = ws.strategy_dir / "icp.yaml"
    icp = yaml.safe_load(PLANTED_ICP) | {
        "owner": "Marina (PMM)",
        "review_date": (date.today() + timedelta(days=60)).isoformat(),
    }
    icp_file.write_text(yaml.safe_dump(icp, sort_keys=False), encoding="utf-8")
    published = invoke("publish", "-m", "v1", "--workspace", ws.root)
    assert published.exit_code == 0, published.output
    store = VersionStore(ws.root)
    in_use = store.current()

    explored = invoke("discover", "--outcome", "win", "--max-depth", "2", "--force", "--workspace", ws.root)
    assert explored.exit_code == 0, explored.output
    assert store.current().hash == in_use.hash and len(store.versions()) == 1
    # What discover appends to "Draft ICP written to ..." once a version is published.
    note = _version_in_use_note(ws)
    assert f"The version in use is unchanged ({in_use.label}" in note
    assert 'bullseye publish -m "..."' in note and "bullseye restore-draft" in note

    icp_file.write_text(yaml.safe_dump(icp | {"name": "An exploratory draft"}, sort_keys=False), encoding="utf-8")
    restored = invoke("restore-draft", "--workspace", ws.root)
    assert restored.exit_code == 0, restored.output
    assert icp_file.read_text(encoding="utf-8") == in_use.texts()["icp.yaml"]
    assert len(store.versions()) == 1  # nothing was published


def test_restore_draft_before_any_publish_is_a_clear_error(tmp_path):
    ws = Workspace.init(tmp_path / "ws")
    result = invoke("restore-draft", "--workspace", ws.root)
    assert result.exit_code == 3 and "no version has been published yet" in result.output
