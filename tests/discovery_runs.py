"""Discovery runs on demo companies, computed once per test run and read by every xdist worker.

A multi-seed sweep spends its time building demos and searching them, one seed at a time. Here each
seed's run is its own unit of work: a test parametrized over the seeds (``sweep_seeds``) makes every
seed an xdist unit of its own, so the seeds of a sweep run on all workers at once, and the run is
kept as the JSON a kept discovery run is (``bullseye.discover.stored``, the file the Discovery page
reads after a restart) in the test run's shared folder. A test that needs all the seeds reads each
back through ``load_run`` on its worker's copy of the demo, which rebuilds the data the run saw and
refuses a file that no longer matches them; a seed not computed yet is computed by whoever asks
first, the others wait on its lock."""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path

from conftest import _pristine, demo_workspace, full_demo_workspace, seed_units

from bullseye.discover.engine import DiscoverySettings, discover
from bullseye.discover.result import DiscoveryResult
from bullseye.discover.stored import load_run, run_file, save_run

__all__ = ["Sweep", "SweepRun", "sweep_seeds"]


@dataclass(frozen=True)
class SweepRun:
    seed: int
    truth: dict
    result: DiscoveryResult


@dataclass(frozen=True)
class Sweep:
    """Discovery with ``outcomes`` on the demo of ``accounts`` accounts (every table when ``full``)
    for each of ``seeds``."""

    accounts: int
    full: bool
    outcomes: tuple[str, ...]
    seeds: tuple[int, ...] = tuple(range(10))

    @property
    def name(self) -> str:
        return f"discovery-{'full-' if self.full else ''}{self.accounts}-{'-'.join(self.outcomes)}"

    def settings(self) -> DiscoverySettings:
        return DiscoverySettings(outcomes=self.outcomes, max_depth=3, top=10)

    def run(self, factory, seed: int) -> SweepRun:
        """The run on ``seed``: computed here when no worker has yet, else read back from its JSON."""
        key = (self, seed)
        if key not in _READ:
            kept = _pristine(factory, f"{self.name}-{seed}", lambda folder: self._compute(factory, seed, folder))
            _READ[key] = self._computed.pop(seed, None) or self._read(factory, seed, kept)
        return _READ[key]

    def runs(self, factory) -> list[SweepRun]:
        """Every seed's run; this worker then lets go of them (the caller holds them while it needs them)."""
        runs = [self.run(factory, seed) for seed in self.seeds]
        for seed in self.seeds:
            _READ.pop((self, seed), None)
        return runs

    # -- computing and reading back --------------------------------------------------------------
    @property
    def _computed(self) -> dict[int, SweepRun]:
        return _COMPUTED.setdefault(self, {})

    def _workspace(self, factory, seed: int):
        return (full_demo_workspace if self.full else demo_workspace)(factory, self.accounts, seed)

    def _compute(self, factory, seed: int, folder: Path) -> None:
        ws = self._workspace(factory, seed)
        try:
            result = discover(ws, self.settings())
            folder.mkdir(parents=True, exist_ok=True)
            shutil.copy(ws.data_dir / "truth.json", folder / "truth.json")
            shutil.move(save_run(ws, result, ws.warehouse.generation), folder / "run.json")
        finally:
            ws.close()
        self._computed[seed] = SweepRun(seed, _truth(folder), result)

    def _read(self, factory, seed: int, folder: Path) -> SweepRun:
        ws = self._workspace(factory, seed)
        kept = run_file(ws)
        kept.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(folder / "run.json", kept)
        try:
            loaded = load_run(ws)
        finally:
            kept.unlink()  # the worker's copy of the demo is shared by other files: leave no run in it
            ws.close()
        if loaded is None:
            raise AssertionError(f"the kept discovery run of seed {seed} no longer matches its demo ({folder})")
        return SweepRun(seed, _truth(folder), loaded[0])


def _truth(folder: Path) -> dict:
    return json.loads((folder / "truth.json").read_text())


_READ: dict[tuple[Sweep, int], SweepRun] = {}  # this worker's runs, each read once
_COMPUTED: dict[Sweep, dict[int, SweepRun]] = {}


def sweep_seeds(sweep: Sweep) -> list:
    """The seeds of ``sweep`` as parameters, each a unit of work of its own (conftest.py: seed_units)."""
    return seed_units(sweep.seeds)
