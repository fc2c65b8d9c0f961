"""Which attributes discovery may search (core/screening.py): identifier-like attributes are
left out with the reason, traits that merely have many values stay in, and bullseye.yaml brings
an identifier back."""

from __future__ import annotations

import hashlib
import json
import uuid

import numpy as np
import pandas as pd
import pytest
import yaml
from planted_leaks import write_workspace_files
from typer.testing import CliRunner

from bullseye.cli import app
from bullseye.config import AttributeSettings
from bullseye.core.dataset import build_dataset
from bullseye.core.screening import (
    check_attribute_names,
    identifier_reason,
    usable_attributes,
)
from bullseye.errors import BullseyeError
from bullseye.workspace import Workspace

runner = CliRunner()
N = 2000


def _accounts(seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "account_id": [f"A{i}" for i in range(N)],
            "landing_page": [hashlib.md5(str(k).encode()).hexdigest() for k in rng.integers(0, 300, N)],
            "visitor": [str(uuid.UUID(int=int(k))) for k in rng.integers(0, 2**62, N)],
            "sf_id": [f"0015g0000{k:09d}AAB"[:15] + "QAA" for k in rng.integers(10**6, 10**8, N)],
            "lead_code": [f"LC-{k}" for k in rng.permutation(N * 3)[:N]],
            "row_number": rng.permutation(np.arange(1, N + 1)),
            "industry": rng.choice(["retail", "logistics", "health", "software"], N),
            "zip": [f"{k:05d}" for k in rng.integers(1000, 1200, N)],  # a code shared by many accounts: a trait
            "employees": np.round(np.exp(rng.normal(4, 1.5, N))).astype(int) + 1,
            "revenue": rng.lognormal(15, 1, N),
            "city": rng.choice([f"city {k}" for k in range(60)], N),
            "empty": [None] * N,
            "country": ["BR"] * N,
        }
    )


def test_identifier_like_attributes_are_recognised():
    accounts = _accounts()
    for name in ("landing_page", "visitor", "sf_id"):
        assert "values look generated" in identifier_reason(accounts[name]), name
    assert "(nearly one per account): an identifier or free text" in identifier_reason(accounts["lead_code"])
    assert identifier_reason(accounts["row_number"]) == (
        f"{N:,} distinct whole numbers packed from 1 to {N} over {N:,} accounts: a running number"
    )
    for name in ("industry", "zip", "employees", "revenue", "city"):
        assert identifier_reason(accounts[name]) is None, name
    # Few accounts: a count alone calls nothing an identifier.
    assert identifier_reason(pd.Series([f"C{i}" for i in range(20)])) is None


def test_usable_attributes_lists_every_reason_and_use_brings_one_back():
    accounts = _accounts()
    columns = [c for c in accounts.columns]
    usable, skipped = usable_attributes(accounts, columns)
    assert usable == ["industry", "zip", "employees", "revenue", "city"]
    assert skipped["account_id"] == "identity or bookkeeping, not a trait of the company"
    assert skipped["empty"] == "always empty" and skipped["country"] == "the same value everywhere"
    assert skipped["landing_page"].endswith("bring it back with `attributes: use: [landing_page]` in bullseye.yaml")
    usable, skipped = usable_attributes(accounts, columns, AttributeSettings(use=["landing_page", "empty"]))
    assert "landing_page" in usable and "landing_page" not in skipped
    assert skipped["empty"] == "always empty"  # nothing to search, whatever the setting


def test_settings_refuse_unknown_names_and_contradictions():
    with pytest.raises(BullseyeError, match=r"attributes.exclude names 'industy', .* did you mean 'industry'\?"):
        check_attribute_names(AttributeSettings(exclude=["industy"]), ["industry", "employees"])
    check_attribute_names(AttributeSettings(use=["industry"]), ["industry"])
    with pytest.raises(ValueError, match="attributes.use and attributes.exclude both name tags; choose one"):
        AttributeSettings(use=["tags"], exclude=["tags"])


def test_a_workspace_leaves_the_hash_out_until_bullseye_yaml_brings_it_back(tmp_path):
    root = tmp_path / "ws"
    assert runner.invoke(app, ["init", str(root)]).exit_code == 0
    write_workspace_files(root / "data", seed=3, n=400, n_open=40)
    assert runner.invoke(app, ["load", "--workspace", str(root)]).exit_code == 0
    ws = Workspace(root)
    data = build_dataset(ws)
    assert "landing_page" not in data.attributes
    assert data.skipped["landing_page"].startswith("values look generated (hashes or keys such as")
    ws.close()
    settings = yaml.safe_load((root / "bullseye.yaml").read_text())
    settings["attributes"] = {"use": ["landing_page"]}
    (root / "bullseye.yaml").write_text(yaml.safe_dump(settings))
    ws = Workspace(root)
    data = build_dataset(ws)
    assert "landing_page" in data.attributes and "landing_page" in data.deals.columns
    ws.close()
    # A contradiction in bullseye.yaml is one clear line.
    settings["attributes"] = {"use": ["landing_page"], "exclude": ["landing_page"]}
    (root / "bullseye.yaml").write_text(yaml.safe_dump(settings))
    result = runner.invoke(app, ["discover", "--workspace", str(root), "--json"])
    assert result.exit_code != 0 and "choose one" in result.output
    assert json.dumps(result.output).count("Traceback") == 0
