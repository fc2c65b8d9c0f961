"""A new user's first hour through the real CLI: strict JSON everywhere, remembered presets, no traps."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
import yaml
from typer.testing import CliRunner

from bullseye.cli import app
from bullseye.demo import generate_company
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
    ws = Workspace.init(tmp_path_factory.mktemp("first") / "ws", name="Demo")
    generate_company(ws.data_dir, n_accounts=600, seed=3)
    ws.load()
    icp = yaml.safe_load(PLANTED_ICP) | {"owner": "Marina (PMM)",
                                         "review_date": (date.today() + timedelta(days=60)).isoformat()}
    (ws.strategy_dir / "icp.yaml").write_text(yaml.safe_dump(icp, sort_keys=False), encoding="utf-8")
    return ws


# Every command with --json that runs on a loaded workspace with an ICP (signals needs signals in the ICP).
JSON_COMMANDS = [
    ("tables",), ("quarantine",), ("outcomes", "--by", "industry"), ("industries",),
    ("discover", "--outcome", "win", "--max-depth", "2"), ("validate",), ("score",), ("size",),
    ("committee",), ("themes",), ("status",), ("check",), ("history",), ("event", "list"),
    ("triggers",), ("publish", "-m", "first version"), ("personas", "suggest"),
]


def test_every_json_command_prints_strict_json(demo_ws):
    for command in JSON_COMMANDS:
        result = invoke(*command, "--json", "--workspace", demo_ws.root)
        assert result.exit_code == 0, (command, result.output)
        strict_json(result.stdout)


def test_the_encoder_turns_nan_infinity_dates_and_numpy_into_strict_json():
    import numpy as np
    import pandas as pd

    from bullseye.json_output import to_json

    data = {"nan": float("nan"), "inf": np.float64("inf"), "n": np.int64(3), "x": np.float32(0.5),
            "day": date(2026, 1, 2), "ts": pd.Timestamp("2026-01-02 03:04"), "nat": pd.NaT,
            "frame": pd.DataFrame({"a": [1.0, np.nan]})}
    assert strict_json(to_json(data)) == {"nan": None, "inf": None, "n": 3, "x": 0.5, "day": "2026-01-02",
                                          "ts": "2026-01-02T03:04:00", "nat": None,
                                          "frame": [{"a": 1.0}, {"a": None}]}
