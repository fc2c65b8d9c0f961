"""Shared fixtures: real workspaces with a real DuckDB warehouse in a temporary directory."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from bullseye.demo import generate_company
from bullseye.demo.strategy import PLANTED_ICP
from bullseye.people.cards import HEADLESS_CHROMIUM_ARGS
from bullseye.workspace import Workspace

try:  # the lock that lets xdist workers share a built demo workspace (POSIX)
    import fcntl
except ImportError:  # pragma: no cover - Windows: each worker may build its own
    fcntl = None


#: The longest test files (multi-seed demo sweeps, the kills of a load), started first: on two
#: xdist workers each file runs whole on one, so a long file that started last would run alone.
#: Before them go the seeds of the discovery sweeps (tests/discovery_runs.py), each a unit of its own.
RUN_FIRST = (
    "test_discover.py",
    "test_significance.py",
    "test_score.py",
    "test_outputs_inert.py",
    "test_warehouse.py",
    "test_market_signals_real.py",
    "test_first_hour.py",
    "test_examples_market.py",
    "test_main_job.py",
    "test_wide_typing.py",
    "test_propose.py",
    "test_signals.py",
    "test_lifecycle.py",
    "test_web_warmup.py",
    "test_facade_data.py",
    "test_loader.py",
    "test_drift.py",
    "test_web.py",
    "test_values_properties.py",
    "test_facade_market.py",
    "test_web_path_browser.py",
)


#: In a test's parameter id, the mark of a unit of work of its own (a sweep's seed): xdist may run it on
#: any worker, while every other test runs with the rest of its file.
SEED_UNIT = "sweep-seed-"


def seed_units(seeds) -> list:
    """``seeds`` as parameters that xdist spreads over the workers, one unit each (see ``SEED_UNIT``)."""
    return [pytest.param(seed, id=f"{SEED_UNIT}{seed}") for seed in seeds]


def _own_unit(nodeid: str) -> bool:
    return f"[{SEED_UNIT}" in nodeid


@pytest.hookimpl(optionalhook=True, tryfirst=True)
def pytest_xdist_make_scheduler(config, log):
    """--dist loadfile, except that a sweep's seeds are units of their own (xdist's loadgroup cannot
    do this under pytest 9, whose node ids it can no longer rename)."""
    if config.getvalue("dist") != "loadfile":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class FilesAndSeeds(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return nodeid if _own_unit(nodeid) else nodeid.split("::", 1)[0]

    return FilesAndSeeds(config, log)


def pytest_collection_modifyitems(items) -> None:
    order = {name: rank for rank, name in enumerate(RUN_FIRST)}
    # the sweeps' seeds first, then the longest files; stable: the rest keep their order
    items.sort(key=lambda item: (not _own_unit(item.nodeid), order.get(item.path.name, len(order))))


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


def one_deal_per_account(root: Path, accounts, won, rng) -> Workspace:
    """A loaded workspace with ``accounts`` (a frame with ``account_id``) and one closed deal each,
    won where ``won`` is true, created on a day of two years drawn from ``rng`` and closed 30 days
    later: the shape the scorecard tests plant their truths in."""
    import numpy as np
    import pandas as pd

    n = len(accounts)
    created = pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 700, n), unit="D")
    ws = Workspace.init(root)
    accounts.to_csv(ws.data_dir / "accounts.csv", index=False)
    pd.DataFrame(
        {
            "deal_id": [f"d{i}" for i in range(n)],
            "account_id": accounts["account_id"].to_numpy(),
            "created_at": created.date,
            "closed_at": (created + pd.Timedelta(days=30)).date,
            "stage": np.where(won, "closed_won", "closed_lost"),
            "amount": 1000,
        }
    ).to_csv(ws.data_dir / "deals.csv", index=False)
    ws.load([ws.data_dir / "accounts.csv", ws.data_dir / "deals.csv"])
    return ws


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


def _shared_dir(factory) -> Path | None:
    """A folder of this test run that every xdist worker shares (a worker's base temp is a
    ``popen-gwN`` folder inside the run's); None without xdist or without a file lock."""
    if os.environ.get("PYTEST_XDIST_WORKER") and fcntl is not None:
        return factory.getbasetemp().parent
    return None


def _pristine(factory, name: str, build) -> Path:
    """The folder of a demo workspace that ``build(root)`` makes once per test run.

    Under xdist the first worker to ask builds it in the run's shared folder while the others wait
    on a lock; tests work on copies (tests write drafts and settings into a workspace, so workers
    never share a folder, only the cost of building it)."""
    shared = _shared_dir(factory)
    pristine = (factory.getbasetemp() if shared is None else shared / "demo-cache") / f"pristine-{name}"
    pristine.parent.mkdir(exist_ok=True)
    with open(pristine.parent / f"{name}.lock", "a") as lock:
        if shared is not None:
            fcntl.flock(lock, fcntl.LOCK_EX)
        if not (pristine / ".loaded").exists():
            shutil.rmtree(pristine, ignore_errors=True)
            build(pristine)
            (pristine / ".loaded").touch()
    return pristine


def _copy(pristine: Path, root: Path) -> Workspace:
    """A workspace of its own at ``root``: the warehouse link is relative, so a copy is complete."""
    shutil.rmtree(root, ignore_errors=True)  # a copy cut short
    shutil.copytree(pristine, root, symlinks=True)
    return Workspace(root)


def built_once(factory, name: str, build, root: Path) -> Workspace:
    """A copy at ``root`` of the workspace ``build(folder)`` makes and returns, built once per test run
    for every worker and file (see ``_pristine``): for a workspace several files build the same way."""
    return _copy(_pristine(factory, name, lambda folder: build(folder).close()), root)


def _demo(n_accounts: int, seed: int, full: bool):
    """The name of a demo workspace and the function that builds it: every table loaded when
    ``full``, otherwise accounts, deals and subscriptions."""
    name = f"demo-{'full-' if full else ''}{n_accounts}-{seed}"

    def build(root: Path) -> None:
        ws = Workspace.init(root, name=name, exist_ok=True)
        generate_company(ws.data_dir, n_accounts=n_accounts, seed=seed)
        ws.load(None if full else [ws.data_dir / f"{t}.csv" for t in ("accounts", "deals", "subscriptions")])
        ws.close()

    return name, build


def _session_demo(factory, n_accounts: int, seed: int, full: bool) -> Workspace:
    """This session's copy of a demo workspace, shared by the modules that ask for it."""
    name, build = _demo(n_accounts, seed, full)
    root = factory.getbasetemp() / name
    return Workspace(root) if (root / ".loaded").exists() else _copy(_pristine(factory, name, build), root)


def demo_workspace(factory, n_accounts: int, seed: int) -> Workspace:
    """A loaded demo workspace (accounts, deals, subscriptions), built once per test run."""
    return _session_demo(factory, n_accounts, seed, full=False)


def full_demo_workspace(factory, n_accounts: int, seed: int) -> Workspace:
    """A demo workspace with every table loaded (people, notes, events, universe), built once per run."""
    return _session_demo(factory, n_accounts, seed, full=True)


def demo_copy(factory, n_accounts: int, seed: int, root: Path, full: bool = False) -> Workspace:
    """A fresh copy at ``root`` of a demo workspace (see ``demo_workspace``, ``full_demo_workspace``)
    for a test that changes it or must not see what other modules wrote; built once per run."""
    name, build = _demo(n_accounts, seed, full)
    return _copy(_pristine(factory, name, build), root)


# -- the browser tests' Chromium ---------------------------------------------------------------
#: Launch arguments for Chromium in containers and CI (shared with docs/make_web_images.py).
CHROMIUM_ARGS = list(HEADLESS_CHROMIUM_ARGS)


def chromium_or_skip() -> str:
    """The Chromium to drive; skips without one on a developer machine, fails in CI."""
    from bullseye.people.cards import find_chromium

    found = find_chromium() or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)
    if found is None:
        message = "Chromium is not installed (apt-get install -y chromium, or `make install-dev`)"
        if os.environ.get("CI"):
            pytest.fail(f"{message}; browser tests must not skip in CI")
        pytest.skip(message)
    return found


@pytest.fixture(scope="module")
def browser():
    chromium = chromium_or_skip()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        yield launched
        launched.close()
