"""Drift: has what happened since a version was published moved away from what it promised?

Each check compares the months since publication with the year before it, on what a changed
market would move first:

* **mix** of incoming new-business opportunities over the ICP's attributes (chi-square test of
  homogeneity, with the population stability index as the size of the change) and the ICP's
  **share** of them (two-proportion test);
* **win**: the ICP's odds ratio of winning against the rest (Woolf z-test on the log odds ratios);
* **calibration** of the stored scorecard's P(win) on the opportunities decided since (observed
  against expected wins);
* **churn**: the ICP's churn rate ratio against the rest (Poisson rate ratios, z-test on logs).

Checking every week must not cry wolf, so the false-alarm rate is spent, not multiplied: the
check of calendar month *k* after publication may use ``alpha / 2**k`` (so all checks of a version
together never exceed ``alpha``), split across that month's tests by Holm's step-down. A month's
check always looks at the data up to the end of that month, so running it hourly changes nothing.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from scipy import stats

if TYPE_CHECKING:
    from bullseye.strategy.icp import ICP
    from bullseye.workspace import Workspace

__all__ = [
    "DriftTest",
    "DriftReport",
    "drift_check",
    "drift_triggers",
    "look_alpha",
    "psi",
    "ALPHA",
    "BASELINE_DAYS",
    "MONTH_DAYS",
]

ALPHA = 0.05
BASELINE_DAYS = 365
MONTH_DAYS = 30
MIN_ROWS = 20


def look_alpha(look: int, alpha: float = ALPHA) -> float:
    """The false-alarm rate month ``look`` (1, 2, ...) may spend; the sum over all months is below ``alpha``."""
    return alpha / 2 ** max(look, 1)


def psi(expected: np.ndarray, actual: np.ndarray) -> float:
    """Population stability index of two count vectors over the same bins (0.1: a moderate shift,
    0.25: a large one, by the usual rule of thumb). Empty bins get half a count."""
    e = (np.asarray(expected, float) + 0.5) / (np.sum(expected) + 0.5 * len(expected))
    a = (np.asarray(actual, float) + 0.5) / (np.sum(actual) + 0.5 * len(actual))
    return float(np.sum((a - e) * np.log(a / e)))


@dataclass
class DriftTest:
    name: str  # e.g. "mix: industry", "icp share", "win: ICP odds ratio"
    before: float | None
    after: float | None
    low: float | None  # 95% interval of `after` (or of the change, see `measure`)
    high: float | None
    p_value: float | None
    effect: float | None = None  # PSI for mix tests
    n_before: int = 0
    n_after: int = 0
    alarm: bool = False
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {k: (None if isinstance(v, float) and not math.isfinite(v) else v) for k, v in self.__dict__.items()}


@dataclass
class DriftReport:
    published: date
    look: int  # whole months since publication
    through: date  # the data looked at ends here
    alpha: float
    tests: list[DriftTest] = field(default_factory=list)

    @property
    def alarms(self) -> list[DriftTest]:
        return [t for t in self.tests if t.alarm]

    def to_dict(self) -> dict[str, Any]:
        return {
            "published": self.published.isoformat(),
            "look": self.look,
            "through": self.through.isoformat(),
            "alpha": self.alpha,
            "tests": [t.to_dict() for t in self.tests],
            "alarms": [t.name for t in self.alarms],
        }


def _opportunities(ws: Workspace, accounts: pd.DataFrame, through: date) -> pd.DataFrame:
    """New-business opportunities (created before the account's first win), with account attributes."""
    deals = ws.table("deals")
    frame = deals.select("deal_id", "account_id", "stage", "created_at", "closed_at").to_pandas()
    frame = frame[frame["account_id"].notna() & frame["created_at"].notna()]
    frame["created_at"] = pd.to_datetime(frame["created_at"])
    frame["closed_at"] = pd.to_datetime(frame["closed_at"])
    frame = frame[frame["created_at"] <= pd.Timestamp(through)]
    decided = (
        frame["stage"].isin(["won", "lost"])
        & frame["closed_at"].notna()
        & (frame["closed_at"] <= pd.Timestamp(through))
    )
    frame["decided"] = decided.to_numpy()
    frame["won"] = ((frame["stage"] == "won") & decided).astype(int)
    first_win = frame[frame["won"] == 1].groupby("account_id")["closed_at"].min()
    before_win = frame["account_id"].map(first_win)
    frame = frame[before_win.isna() | (frame["created_at"] < before_win)]
    return frame.merge(accounts, on="account_id", how="inner", suffixes=("", "_account"))


def _bins(before: pd.Series, after: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Counts of both samples over bins learned from ``before``: deciles for numbers, the ten most
    common values (plus other and missing) for anything else."""
    numeric = pd.api.types.is_numeric_dtype(before) and not pd.api.types.is_bool_dtype(before)
    if numeric:
        edges: Any = (
            np.unique(np.nanpercentile(before.dropna(), np.linspace(0, 100, 11))) if before.notna().any() else []
        )

        def code(s: pd.Series) -> np.ndarray:
            values = s.to_numpy(float)
            out = np.searchsorted(edges[1:-1], values, side="right") if len(edges) > 2 else np.zeros(len(values), int)
            return np.where(np.isnan(values), -1, out)
    else:
        top = before.astype("string").value_counts().index[:10].tolist()

        def code(s: pd.Series) -> np.ndarray:
            text = s.astype("string")
            out = np.array([top.index(v) if v in top else len(top) for v in text.fillna("\x00")])
            return np.where(text.isna().to_numpy(), -1, out)

    a, b = code(before), code(after)
    levels = np.union1d(np.unique(a), np.unique(b))
    return (np.array([(a == v).sum() for v in levels]), np.array([(b == v).sum() for v in levels]))


def _mix_test(name: str, before: pd.Series, after: pd.Series) -> DriftTest:
    counts_before, counts_after = _bins(before, after)
    keep = (counts_before + counts_after) > 0
    table = np.vstack([counts_before[keep], counts_after[keep]])
    p = float(stats.chi2_contingency(table)[1]) if table.shape[1] > 1 else 1.0
    return DriftTest(
        f"mix: {name}",
        None,
        None,
        None,
        None,
        p,
        psi(counts_before, counts_after),
        int(counts_before.sum()),
        int(counts_after.sum()),
    )


def _share_test(name: str, before: np.ndarray, after: np.ndarray) -> DriftTest:
    from statsmodels.stats.proportion import proportion_confint

    k1, n1, k2, n2 = int(before.sum()), len(before), int(after.sum()), len(after)
    pooled = (k1 + k2) / (n1 + n2)
    se = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2)) if 0 < pooled < 1 else 0.0
    z = (k2 / n2 - k1 / n1) / se if se else 0.0
    low, high = proportion_confint(k2, n2, alpha=0.05, method="wilson")
    return DriftTest(name, k1 / n1, k2 / n2, float(low), float(high), float(2 * stats.norm.sf(abs(z))), None, n1, n2)


def _log_ratio_difference(
    name: str, first: tuple[float, float, float, float], second: tuple[float, float, float, float], kind: str
) -> DriftTest:
    """Woolf (odds ratios: a, b, c, d counts) or Poisson (rate ratios: events, exposure, events,
    exposure): the change of the log ratio from ``first`` to ``second``."""

    def log_ratio(x):
        a, b, c, d = (v + 0.5 for v in x) if kind == "odds" else x
        if kind == "odds":
            return math.log(a * d / (b * c)), 1 / a + 1 / b + 1 / c + 1 / d
        e1, t1, e2, t2 = x
        if min(e1, e2) == 0 or min(t1, t2) <= 0:
            return math.nan, math.nan
        return math.log((e1 / t1) / (e2 / t2)), 1 / e1 + 1 / e2

    (l1, v1), (l2, v2) = log_ratio(first), log_ratio(second)
    if not (math.isfinite(l1) and math.isfinite(l2)):
        return DriftTest(name, None, None, None, None, None, note="too few events to compare")
    z = (l2 - l1) / math.sqrt(v1 + v2)
    half = 1.96 * math.sqrt(v2)
    return DriftTest(
        name, math.exp(l1), math.exp(l2), math.exp(l2 - half), math.exp(l2 + half), float(2 * stats.norm.sf(abs(z)))
    )


def _churn_counts(
    accounts: pd.DataFrame, inside: np.ndarray, start: date, end: date
) -> tuple[float, float, float, float]:
    """Churn events and years at risk inside and outside the ICP between ``start`` and ``end``."""
    first = pd.to_datetime(accounts["first_start"])
    churn = pd.to_datetime(accounts["churn_date"]).where(accounts["churned"].astype("boolean").fillna(False))
    s, e = pd.Timestamp(start), pd.Timestamp(end)
    entry = first.where(first > s, s)
    leave = churn.where(churn.notna() & (churn < e), e)
    years = ((leave - entry).dt.days.clip(lower=0) / 365.25).fillna(0).to_numpy()
    event = (churn.notna() & (churn >= s) & (churn < e)).to_numpy()
    customer = first.notna().to_numpy() & (years > 0)
    return (
        float((event & inside & customer).sum()),
        float(years[inside & customer].sum()),
        float((event & ~inside & customer).sum()),
        float(years[~inside & customer].sum()),
    )


def drift_check(ws: Workspace, icp: ICP, published: date, today: date, card=None) -> DriftReport:
    """The drift check of the whole months since ``published`` up to ``today`` (see the module docstring)."""
    from bullseye.core.dataset import build_dataset
    from bullseye.scoring.backtest import icp_membership

    look = (today - published).days // MONTH_DAYS
    through = published + timedelta(days=look * MONTH_DAYS)
    report = DriftReport(published, look, through, look_alpha(look))
    if look < 1:
        return report
    data = build_dataset(ws, as_of=through)
    opportunities = _opportunities(ws, data.accounts, through)
    created = opportunities["created_at"]
    baseline = opportunities[
        (created <= pd.Timestamp(published)) & (created > pd.Timestamp(published - timedelta(days=BASELINE_DAYS)))
    ]
    recent = opportunities[created > pd.Timestamp(published)]
    tests: list[DriftTest] = []
    if len(baseline) >= MIN_ROWS and len(recent) >= MIN_ROWS:
        attributes = dict.fromkeys(c.attribute for rule in [*icp.criteria, *icp.disqualifiers] for c in rule.conditions)
        for attribute in attributes:
            if attribute in opportunities.columns:
                tests.append(_mix_test(attribute, baseline[attribute], recent[attribute]))
        tests.append(
            _share_test(
                "icp share of new opportunities", icp_membership(icp, baseline)[0], icp_membership(icp, recent)[0]
            )
        )
    decided_before = baseline[baseline["decided"]]
    decided_after = recent[recent["decided"]]
    if len(decided_before) >= MIN_ROWS and len(decided_after) >= MIN_ROWS and icp.criteria:

        def counts(frame):
            inside = icp_membership(icp, frame)[0]
            won = frame["won"].to_numpy() == 1
            return (
                float((inside & won).sum()),
                float((inside & ~won).sum()),
                float((~inside & won).sum()),
                float((~inside & ~won).sum()),
            )

        tests.append(
            _log_ratio_difference("win: ICP odds ratio", counts(decided_before), counts(decided_after), "odds")
        )
        if card is not None:
            p = card.score(decided_after)["win_probability"].to_numpy(float)
            observed, expected = float(decided_after["won"].sum()), float(p.sum())
            se = math.sqrt(float(np.sum(p * (1 - p)))) or 1.0
            tests.append(
                DriftTest(
                    "calibration: observed / expected wins",
                    1.0,
                    observed / expected if expected else None,
                    None,
                    None,
                    float(2 * stats.norm.sf(abs((observed - expected) / se))),
                    None,
                    0,
                    len(decided_after),
                )
            )
    if "first_start" in data.accounts.columns and data.accounts["first_start"].notna().any() and icp.criteria:
        inside = icp_membership(icp, data.accounts)[0]
        before = _churn_counts(data.accounts, inside, published - timedelta(days=BASELINE_DAYS), published)
        after = _churn_counts(data.accounts, inside, published, through)
        tests.append(_log_ratio_difference("churn: ICP rate ratio", before, after, "rate"))
    _holm(tests, report.alpha)
    report.tests = tests
    return report


def _holm(tests: list[DriftTest], alpha: float) -> None:
    """Holm's step-down over the tests with a p-value; a mix test also needs a PSI of at least 0.1."""
    with_p = [(t.p_value, t) for t in tests if t.p_value is not None and math.isfinite(t.p_value)]
    ranked = sorted(with_p, key=lambda pair: pair[0])
    m = len(ranked)
    for i, (p_value, test) in enumerate(ranked):
        if p_value > alpha / (m - i):
            break
        test.alarm = test.effect is None or test.effect >= 0.1


def drift_triggers(report: DriftReport) -> pd.DataFrame:
    """One trigger per alarm, dated at the end of the month checked (so re-checking adds nothing)."""
    rows = []
    for test in report.alarms:
        change = (
            f"{test.before:.3g} -> {test.after:.3g}"
            if test.before is not None and test.after is not None
            else f"PSI {test.effect:.2f}"
            if test.effect is not None
            else "changed"
        )
        rows.append(
            {
                "kind": "drift",
                "raised_at": report.through,
                "subject": test.name,
                "detail": f"{change} since {report.published.isoformat()} (p = {test.p_value:.2g}, month "
                f"{report.look}, false-alarm rate {report.alpha:.3g})",
                "evidence": [],
            }
        )
    return pd.DataFrame(rows, columns=["kind", "raised_at", "subject", "detail", "evidence"])
