"""Shared fixtures: real workspaces with a real DuckDB warehouse in a temporary directory."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bullseye.demo import generate_company
from bullseye.demo.strategy import PLANTED_ICP
from bullseye.workspace import Workspace


@pytest.fixture
def workspace(tmp_path: Path) -> Workspace:
    ws = Workspace.init(tmp_path / "ws")
    yield ws
    ws.close()


def write(path: Path, text: str, encoding: str = "utf-8", newline: str = "\n") -> Path:
    """Write ``text`` (written with \\n line ends) using the given encoding and line ends."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.replace("\n", newline).encode(encoding))
    return path


def datasets_dir() -> Path | None:
    """The public datasets: $BULLSEYE_DATASETS or ../shared/datasets next to the project."""
    configured = os.environ.get("BULLSEYE_DATASETS")
    candidates = [Path(configured)] if configured else []
    candidates.append(Path(__file__).resolve().parents[2] / "shared" / "datasets")
    return next((c for c in candidates if c.is_dir()), None)


@pytest.fixture
def datasets() -> Path:
    found = datasets_dir()
    if found is None:
        pytest.skip("public datasets not found: set BULLSEYE_DATASETS or place them in ../shared/datasets")
    return found


#: The demo company's planted truth as an ICP definition.
TRUTH_ICP = PLANTED_ICP


def demo_workspace(factory, n_accounts: int, seed: int) -> Workspace:
    """A loaded demo workspace (accounts, deals, subscriptions), built once per test session."""
    root = factory.getbasetemp() / f"demo-{n_accounts}-{seed}"
    if not (root / ".loaded").exists():
        ws = Workspace.init(root, exist_ok=True)
        generate_company(ws.data_dir, n_accounts=n_accounts, seed=seed)
        ws.load([ws.data_dir / f"{name}.csv" for name in ("accounts", "deals", "subscriptions")])
        ws.close()
        (root / ".loaded").touch()
    return Workspace(root)


def full_demo_workspace(factory, n_accounts: int, seed: int) -> Workspace:
    """A demo workspace with every table loaded (people, notes, events, universe), built once per session."""
    root = factory.getbasetemp() / f"demo-full-{n_accounts}-{seed}"
    if not (root / ".loaded").exists():
        ws = Workspace.init(root, exist_ok=True)
        generate_company(ws.data_dir, n_accounts=n_accounts, seed=seed)
        ws.load()
        ws.close()
        (root / ".loaded").touch()
    return Workspace(root)
