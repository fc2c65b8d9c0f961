"""Drift: the statistics pinned against statsmodels, the false-alarm budget, and planted shifts."""

from __future__ import annotations

import math
import shutil
from datetime import timedelta
from pathlib import Path

import numpy as np
import pytest
import yaml
from statsmodels.stats.contingency_tables import Table2x2
from statsmodels.stats.multitest import multipletests

from bullseye.demo import generate_company
from bullseye.demo.company import AS_OF
from bullseye.demo.periods import generate_period
from bullseye.demo.strategy import PLANTED_ICP
from bullseye.governance.drift import (
    MONTH_DAYS,
    DriftTest,
    _holm,
    _log_ratio_difference,
    drift_check,
    drift_triggers,
    look_alpha,
    psi,
)
from bullseye.strategy.icp import ICP
from bullseye.workspace import Workspace


def test_the_false_alarm_budget_of_all_monthly_checks_stays_below_alpha():
    assert sum(look_alpha(k) for k in range(1, 200)) <= 0.05
    assert look_alpha(1) == 0.025 and look_alpha(2) == 0.0125


def test_psi_matches_its_definition_and_is_zero_for_the_same_mix():
    expected, actual = np.array([50, 30, 20]), np.array([20, 30, 50])
    e = (expected + 0.5) / (expected.sum() + 1.5)
    a = (actual + 0.5) / (actual.sum() + 1.5)
    assert psi(expected, actual) == pytest.approx(float(np.sum((a - e) * np.log(a / e))))
    assert psi(expected, expected * 3) == pytest.approx(0.0, abs=1e-3)


def test_the_odds_ratio_change_is_woolfs_test_as_statsmodels_computes_it():
    first, second = (40.0, 60.0, 100.0, 400.0), (30.0, 90.0, 120.0, 380.0)
    result = _log_ratio_difference("win", first, second, "odds")
    t1 = Table2x2(np.array(first).reshape(2, 2) + 0.5)
    t2 = Table2x2(np.array(second).reshape(2, 2) + 0.5)
    z = (t2.log_oddsratio - t1.log_oddsratio) / math.sqrt(t1.log_oddsratio_se**2 + t2.log_oddsratio_se**2)
    from scipy import stats

    assert result.before == pytest.approx(t1.oddsratio) and result.after == pytest.approx(t2.oddsratio)
    assert result.p_value == pytest.approx(2 * stats.norm.sf(abs(z)))


def test_holm_flags_what_statsmodels_rejects():
    p = [0.001, 0.004, 0.02, 0.03, 0.5]
    tests = [DriftTest(f"t{i}", None, None, None, None, v) for i, v in enumerate(p)]
    _holm(tests, 0.025)
    assert [t.alarm for t in tests] == list(multipletests(p, alpha=0.025, method="holm")[0])


def _company(factory, seed: int, n: int = 3000) -> Path:
    """The demo company's files before any later quarter: a stable and a shifted quarter of one seed
    start from the same company, generated once."""
    data = factory.mktemp(f"company-{seed}-{n}")
    generate_company(data, n_accounts=n, seed=seed)
    return data


def _quarter(factory, seed: int, shift: bool, n: int = 3000, company: Path | None = None):
    root = factory.mktemp(f"drift-{seed}-{shift}")
    ws = Workspace.init(root / "ws")
    shutil.copytree(company or _company(factory, seed, n), ws.data_dir, dirs_exist_ok=True)
    period = generate_period(ws.data_dir, months=3, seed=seed, shift=shift)
    ws.load([ws.data_dir / f"{t}.csv" for t in ("accounts", "deals", "subscriptions")])
    return ws, period


def _alarms(ws) -> list[list[str]]:
    icp = ICP.model_validate(yaml.safe_load(PLANTED_ICP))
    published = AS_OF.astype(object)
    return [
        [t.name for t in drift_check(ws, icp, published, published + timedelta(days=MONTH_DAYS * k + 1)).alarms]
        for k in (1, 2)
    ]


def test_a_later_quarter_keeps_every_earlier_row_and_adds_the_planted_objection(tmp_path):
    data = tmp_path / "data"
    generate_company(data, n_accounts=1000, seed=3)
    before = {name: (data / name).read_text(encoding="utf-8").splitlines() for name in ("deals.csv", "notes.csv")}
    period = generate_period(data, months=3, seed=3, shift=True)
    for name, lines in before.items():
        after = (data / name).read_text(encoding="utf-8").splitlines()
        assert after[: len(lines)] == lines  # nothing rewritten
    notes = (data / "notes.csv").read_text(encoding="utf-8")
    assert period["objection_notes"] >= 3 and notes.count("integra") >= period["objection_notes"]
    assert period["new_opportunities"] > 0 and period["shift"]


@pytest.mark.slow
def test_stable_quarters_stay_quiet_and_a_market_shift_is_flagged_within_two_months(tmp_path_factory):
    companies = {seed: _company(tmp_path_factory, seed) for seed in range(11, 15)}
    stable = [_alarms(_quarter(tmp_path_factory, s, shift=False, company=c)[0]) for s, c in companies.items()]
    shifted = [_alarms(_quarter(tmp_path_factory, s, shift=True, company=c)[0]) for s, c in companies.items()]
    assert sum(not any(looks) for looks in stable) >= 3, stable
    assert sum(any(looks) for looks in shifted) >= 3, shifted
    assert any("mix: industry" in names for looks in shifted for names in looks)


def test_alarms_become_triggers_dated_by_the_month_checked(tmp_path_factory):
    ws, _ = _quarter(tmp_path_factory, 21, shift=True, n=2000)
    icp = ICP.model_validate(yaml.safe_load(PLANTED_ICP))
    published = AS_OF.astype(object)
    report = drift_check(ws, icp, published, published + timedelta(days=MONTH_DAYS + 5))
    again = drift_check(ws, icp, published, published + timedelta(days=MONTH_DAYS + 20))
    assert report.look == again.look == 1 and report.through == again.through
    triggers = drift_triggers(report)
    assert len(triggers) == len(report.alarms) and set(triggers["raised_at"]) <= {report.through}
    assert [t.to_dict() for t in report.tests] == [t.to_dict() for t in again.tests]  # hourly checks agree
