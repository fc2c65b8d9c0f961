"""The leakage guard: attributes filled in during or after the sale (or the churn) give the outcome
away, so they are kept out of the search and the draft ICP, each with the evidence.

It judges every outcome on the units that outcome is searched on (the discovery part only, so
the holdout stays untouched) by what the data show, never by a name alone:

- **fill gap**: filled for most won (churned) units but few lost (kept) ones, or for closed
  deals but not open ones: recorded when the outcome was known;
- **near-deterministic value**: one value (or band of a number) alone nearly decides a yes/no
  outcome (at least 90% one way and 20 times the odds of the rest), or explains most of the
  variation of a numeric outcome;
- **closed only**: values that a large share of closed deals carry and none of the open ones;
- **own clock**: a number that moves with the outcome's own time (days as a customer for
  retention, days to close for deals): tenure, age of the deal, call duration.

A name that reads like a sales-process or time field (status, stage, reason, tags, quality,
grade, last activity, disposition; tenure, days, duration) lowers the bar, as supporting
evidence only. ``attributes.use`` and ``attributes.exclude`` in ``bullseye.yaml`` overrule or
confirm each flag.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from bullseye.core.dataset import Dataset
from bullseye.core.screening import check_attribute_names
from bullseye.core.units import OUTCOME_GROUPS, TARGET_PREFIX, truthy, units_for
from bullseye.discover.findings import metric
from bullseye.errors import BullseyeError

__all__ = [
    "LeakageFlag",
    "leakage_guard",
    "non_leaking_attributes",
    "outcome_flags",
    "screen_binary",
    "screen_numeric",
    "leakage_flags",
    "name_hint",
]

#: Fill rates this far apart between the two outcomes (or closed and open): recorded with the outcome.
FILL_GAP, FILL_GAP_HINTED = 0.5, 0.3
#: Filled on under this share of one side and at least ONE_SIDED_RATIO times as often on the other.
ONE_SIDED_LOW, ONE_SIDED_RATIO, ONE_SIDED_MIN = 0.01, 10.0, 20
#: A value is near-deterministic when its rate is within DECISIVE_MARGIN of 0 or 1 and its odds are
#: DECISIVE_ODDS times those of the rest (or 1/that), over at least DECISIVE_SHARE of the units.
DECISIVE_MARGIN, DECISIVE_MARGIN_HINTED = 0.10, 0.20
DECISIVE_ODDS, DECISIVE_ODDS_HINTED = 20.0, 8.0
DECISIVE_SHARE, MIN_GROUP = 0.02, 20
#: Values absent from the open deals although expected there this many times each ...
CLOSED_ONLY_EXPECTED = 5.0
#: ... covering this share of the closed deals.
CLOSED_ONLY_SHARE, CLOSED_ONLY_SHARE_HINTED = 0.25, 0.10
#: |Spearman| of a number with the outcome's own time (retention, days to close).
CLOCK_RHO, CLOCK_RHO_HINTED = 0.8, 0.6
#: |Spearman| of a number, or the share of rank variation a category explains, for other numeric
#: outcomes: near identity only, since honest traits can track usage or value closely (on the demo,
#: deliveries per day has Spearman 0.90 with weekly active users).
EXPLAINS_RHO, EXPLAINS_RHO_HINTED = 0.97, 0.9
EXPLAINS_SHARE, EXPLAINS_SHARE_HINTED = 0.9, 0.7
#: Fewer units than this: the guard says nothing about an outcome (it is not searched either).
MIN_UNITS = 30
NUMBER_BINS = 10

#: Words of names that are often filled in by sales during or after the sale, and of time fields.
PROCESS_WORDS = {
    "status",
    "stage",
    "reason",
    "reasons",
    "tag",
    "tags",
    "quality",
    "grade",
    "disposition",
    "outcome",
    "result",
    "activity",
    "won",
    "lost",
    "closed",
    "churn",
    "churned",
    "cancel",
    "cancelled",
    "cancellation",
    "lifecycle",
}
TIME_WORDS = {
    "tenure",
    "days",
    "duration",
    "length",
    "months",
    "weeks",
    "years",
    "lifetime",
    "seconds",
    "minutes",
    "hours",
    "since",
    "elapsed",
    "age",
}
#: Outcomes the guard judges when discovery runs (all of them, whatever is searched: a field filled
#: after the sale must not reach the draft ICP through another outcome's segment).
GUARDED = OUTCOME_GROUPS["all"]
_CLOCK_OUTCOMES = {"retention", "days_to_close"}


@dataclass(frozen=True)
class LeakageFlag:
    """One attribute that gives one outcome away, with the evidence in words."""

    attribute: str
    outcome: str
    evidence: str  # "fill gap", "near-deterministic", "closed only", "own clock", "explains outcome"
    reason: str
    hinted: bool = False  # the name supported the evidence (a lower bar was used)


def name_hint(name: str) -> str | None:
    """'process' or 'time' when a name reads like a sales-process or a time field, else None."""
    words = {w.lower() for w in re.findall(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+", name)}
    if words & PROCESS_WORDS:
        return "process"
    if words & TIME_WORDS:
        return "time"
    return None


def _filled(column: pd.Series) -> np.ndarray:
    if _is_list(column):
        return column.map(lambda cell: isinstance(cell, (list, tuple, np.ndarray)) and len(cell) > 0).to_numpy(bool)
    return column.notna().to_numpy(bool)


def _is_list(column: pd.Series) -> bool:
    filled = column.dropna()
    return not filled.empty and isinstance(filled.iloc[0], (list, tuple, np.ndarray))


def _is_number(column: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column)


def _fmt(x: float) -> str:
    return f"{x:,.0f}" if abs(x) >= 100 or float(x).is_integer() else f"{x:.3g}"


@dataclass(frozen=True)
class _Groups:
    """Rows coded by value (or band of a number): ``codes`` index ``labels``, -1 for no value."""

    codes: np.ndarray
    labels: list[str]


def _groups(name: str, column: pd.Series) -> _Groups | None:
    """The value of each row, or for a number its band (deciles); None for lists."""
    if _is_list(column):
        return None
    if _is_number(column):
        values = column.to_numpy(float)
        present = ~np.isnan(values)
        distinct = np.unique(values[present])
        if len(distinct) <= NUMBER_BINS:
            codes = np.where(present, np.searchsorted(distinct, np.nan_to_num(values)), -1)
            return _Groups(codes, [f"{name} = {_fmt(v)}" for v in distinct])
        codes, edges = pd.qcut(values, NUMBER_BINS, labels=False, retbins=True, duplicates="drop")
        last = len(edges) - 2
        labels = [
            f"{name} <= {_fmt(edges[1])}"
            if k == 0
            else f"{name} > {_fmt(edges[k])}"
            if k == last
            else f"{_fmt(edges[k])} < {name} <= {_fmt(edges[k + 1])}"
            for k in range(last + 1)
        ]
        return _Groups(np.where(present, np.nan_to_num(codes, nan=-1), -1).astype(np.int64), labels)
    codes, uniques = pd.factorize(column)
    return _Groups(codes.astype(np.int64), [f"{name} = {v}" for v in uniques])


def _fill_gap(filled: np.ndarray, yes: np.ndarray, labels: tuple[str, str], unit: str, gap: float) -> str | None:
    f_yes, f_no = filled[yes].mean(), filled[~yes].mean()
    low, high = min(f_yes, f_no), max(f_yes, f_no)
    high_count = filled[yes].sum() if f_yes >= f_no else filled[~yes].sum()
    one_sided = low < ONE_SIDED_LOW and high >= ONE_SIDED_RATIO * max(low, 1e-9) and high_count >= ONE_SIDED_MIN
    if high - low >= gap or one_sided:
        return (
            f"filled for {100 * f_yes:.0f}% of {labels[0]} {unit} but {100 * f_no:.0f}% of {labels[1]} ones: "
            "recorded once the outcome was known"
        )
    return None


def _decisive(
    groups: _Groups, yes: np.ndarray, labels: tuple[str, str], unit: str, margin: float, odds: float
) -> str | None:
    valid = groups.codes >= 0
    if not valid.any():
        return None
    sizes = np.bincount(groups.codes[valid], minlength=len(groups.labels)).astype(float)
    hits = np.bincount(groups.codes[valid], weights=yes[valid].astype(float), minlength=len(groups.labels))
    total, positives = len(yes), float(yes.sum())
    rest_n, rest_k = total - sizes, positives - hits
    ratio = ((hits + 0.5) / (sizes - hits + 0.5)) / ((rest_k + 0.5) / (rest_n - rest_k + 0.5))
    rate = np.divide(hits, sizes, out=np.zeros_like(sizes), where=sizes > 0)
    decisive = (sizes >= max(MIN_GROUP, DECISIVE_SHARE * total)) & (
        ((rate >= 1 - margin) & (ratio >= odds)) | ((rate <= margin) & (ratio <= 1 / odds))
    )
    if not decisive.any():
        return None
    worst = int(np.argmax(np.where(decisive, np.abs(np.log(ratio)), -1.0)))
    rest = rest_k[worst] / rest_n[worst] if rest_n[worst] else float("nan")
    return (
        f"'{groups.labels[worst]}' alone nearly decides the outcome ({100 * rate[worst]:.1f}% {labels[0]} over "
        f"{int(sizes[worst]):,} {unit}, {100 * rest:.1f}% elsewhere): the outcome in disguise or a step of the sale"
    )


def _closed_only(column: pd.Series, open_column: pd.Series, unit: str, share: float) -> str | None:
    closed_groups, open_groups = column.dropna(), open_column.dropna()
    if _is_list(column) or _is_number(column) or closed_groups.empty or len(open_groups) < MIN_UNITS:
        return None
    closed_counts = closed_groups.astype(str).value_counts()
    open_values = set(open_groups.astype(str))
    expected = len(open_groups) * closed_counts / len(closed_groups)
    missing = closed_counts[(expected >= CLOSED_ONLY_EXPECTED) & ~closed_counts.index.isin(open_values)]
    covered = missing.sum() / len(column)
    if covered >= share:
        shown = ", ".join(f"'{v}'" for v in missing.index[:3]) + (", ..." if len(missing) > 3 else "")
        return (
            f"{shown} on {100 * covered:.0f}% of closed {unit} and never on the {len(open_groups):,} open ones "
            "that have a value: set at or after the close"
        )
    return None


def _spearman(x: np.ndarray, y: np.ndarray) -> float | None:
    keep = ~(np.isnan(x) | np.isnan(y))
    if keep.sum() < MIN_UNITS or len(np.unique(x[keep])) < 5 or len(np.unique(y[keep])) < 2:
        return None
    return float(pd.Series(x[keep]).rank().corr(pd.Series(y[keep]).rank()))


def _explained_share(groups: _Groups, y: np.ndarray) -> float | None:
    """Share of the variation of the ranks of ``y`` between groups (epsilon squared), groups of
    fewer than 10 rows pooled."""
    y = np.asarray(y, float)
    valid = (groups.codes >= 0) & ~np.isnan(y)
    if valid.sum() < MIN_UNITS:
        return None
    codes = groups.codes[valid]
    small = np.bincount(codes)[codes] < 10
    codes = np.where(small, codes.max() + 1, codes)
    codes = np.unique(codes, return_inverse=True)[1]
    k, n = codes.max() + 1, len(codes)
    if k < 2 or n <= k:
        return None
    ranks = pd.Series(y[valid]).rank().to_numpy()
    total = ((ranks - ranks.mean()) ** 2).sum()
    means = np.bincount(codes, weights=ranks) / np.bincount(codes)
    within = ((ranks - means[codes]) ** 2).sum()
    if total <= 0:
        return None
    return float(((total - within) - (k - 1) * within / (n - k)) / total)


HINT_NOTE = "; its name reads like a sales-process or time field, which lowered the bar"


def _binary_evidence(
    name: str,
    column: pd.Series,
    yes: np.ndarray,
    outcome: str,
    labels: tuple[str, str],
    unit: str,
    open_column: pd.Series | None,
    clock: np.ndarray | None,
    lowered: bool,
) -> tuple[str, str] | None:
    """(evidence, reason) of the first sign of leakage in one attribute, or None."""
    filled = _filled(column)
    gap = FILL_GAP_HINTED if lowered else FILL_GAP
    reason = _fill_gap(filled, yes, labels, unit, gap)
    if reason:
        return "fill gap", reason
    if open_column is not None:
        both = np.concatenate([filled, _filled(open_column)])
        reason = _fill_gap(both, np.arange(len(both)) < len(column), ("closed", "open"), unit, gap)
        if reason:
            return "fill gap", reason
        reason = _closed_only(column, open_column, unit, CLOSED_ONLY_SHARE_HINTED if lowered else CLOSED_ONLY_SHARE)
        if reason:
            return "closed only", reason
    groups = _groups(name, column)
    if groups is not None:
        reason = _decisive(
            groups,
            yes,
            labels,
            unit,
            DECISIVE_MARGIN_HINTED if lowered else DECISIVE_MARGIN,
            DECISIVE_ODDS_HINTED if lowered else DECISIVE_ODDS,
        )
        if reason:
            return "near-deterministic", reason
    if clock is not None and _is_number(column):
        rho = _spearman(column.to_numpy(float), np.asarray(clock, float))
        if rho is not None and abs(rho) >= (CLOCK_RHO_HINTED if lowered else CLOCK_RHO):
            days = "days as a customer" if outcome == "retention" else "days to close"
            return "own clock", (
                f"moves with the outcome's own time (Spearman {rho:+.2f} with {days}): "
                "tenure or a duration, known only as time passes"
            )
    return None


def screen_binary(
    rows: pd.DataFrame,
    attributes: list[str],
    yes: np.ndarray,
    outcome: str = "win",
    labels: tuple[str, str] = ("won", "lost"),
    unit: str = "deals",
    open_rows: pd.DataFrame | None = None,
    clock: np.ndarray | None = None,
) -> list[LeakageFlag]:
    """Flags for a yes/no outcome (won, churned, a target) on ``rows``. ``open_rows`` are records
    whose outcome is not known yet; ``clock`` the outcome's own time per row (days to close, days
    as a customer). A hinting name gets a second look at the lower bar."""
    yes = np.asarray(yes).astype(bool)
    if len(rows) < MIN_UNITS or yes.all() or not yes.any():
        return []
    rows = rows.reset_index(drop=True)
    if open_rows is not None and len(open_rows) < MIN_UNITS:
        open_rows = None
    flags = []
    for name in attributes:
        open_column = open_rows[name].reset_index(drop=True) if open_rows is not None and name in open_rows else None
        for lowered in (False, True) if name_hint(name) else (False,):
            found = _binary_evidence(name, rows[name], yes, outcome, labels, unit, open_column, clock, lowered)
            if found:
                flags.append(LeakageFlag(name, outcome, found[0], found[1] + (HINT_NOTE if lowered else ""), lowered))
                break
    return flags


def screen_numeric(rows: pd.DataFrame, attributes: list[str], target: np.ndarray, outcome: str) -> list[LeakageFlag]:
    """Flags for a numeric outcome (days to close, discount, ACV, usage, NPS): an attribute that
    explains most of it on its own is the outcome in disguise."""
    target = np.asarray(target, float)
    if len(rows) < MIN_UNITS or np.unique(target[~np.isnan(target)]).size < 2:
        return []
    rows = rows.reset_index(drop=True)
    what = metric(outcome)[0]
    clock = outcome in _CLOCK_OUTCOMES
    flags = []
    for name in attributes:
        column = rows[name]
        for lowered in (False, True) if name_hint(name) else (False,):
            if _is_number(column):
                rho = _spearman(column.to_numpy(float), target)
                bar = (
                    (CLOCK_RHO_HINTED if lowered else CLOCK_RHO)
                    if clock
                    else (EXPLAINS_RHO_HINTED if lowered else EXPLAINS_RHO)
                )
                found = (
                    None
                    if rho is None or abs(rho) < bar
                    else (
                        "own clock" if clock else "explains outcome",
                        f"moves with {what} itself (Spearman {rho:+.2f}): the outcome in disguise",
                    )
                )
            else:
                groups = _groups(name, column)
                share = None if groups is None else _explained_share(groups, target)
                found = (
                    None
                    if share is None or share < (EXPLAINS_SHARE_HINTED if lowered else EXPLAINS_SHARE)
                    else (
                        "explains outcome",
                        f"explains {100 * share:.0f}% of the variation of {what} on its own: the outcome in disguise",
                    )
                )
            if found:
                flags.append(LeakageFlag(name, outcome, found[0], found[1] + (HINT_NOTE if lowered else ""), lowered))
                break
    return flags


def _open_rows(data: Dataset) -> pd.DataFrame | None:
    """Accounts whose deals are all still open: records filled before any outcome was known."""
    accounts = data.accounts
    if not {"deals_open", "deals_won", "deals_lost"} <= set(accounts.columns):
        return None
    # Object columns (a snapshot without deals holds None) are read as numbers first: fillna on
    # object columns would downcast silently, which pandas is retiring.
    counts = accounts[["deals_open", "deals_won", "deals_lost"]].apply(pd.to_numeric, errors="coerce").fillna(0)
    return accounts[(counts["deals_open"] > 0) & (counts["deals_won"] + counts["deals_lost"] == 0)]


def outcome_flags(data: Dataset, outcome: str, attributes: list[str] | None = None) -> list[LeakageFlag]:
    """The guard's flags for one outcome, judged on its discovery units."""
    attributes = list(data.attributes if attributes is None else attributes)
    found, _ = units_for(data, outcome)
    rows = found.rows.reset_index(drop=True)
    attributes = [a for a in attributes if a in rows.columns]
    unit = metric(outcome)[2]
    if outcome.startswith(TARGET_PREFIX):
        label = outcome[len(TARGET_PREFIX) :]
        return screen_binary(rows, attributes, found.target, outcome, (f"{label}", f"not {label}"), unit)
    if outcome == "win":
        clock = (
            pd.to_numeric(rows["days_to_close"], errors="coerce").to_numpy(float) if "days_to_close" in rows else None
        )
        return screen_binary(rows, attributes, found.target, outcome, ("won", "lost"), unit, _open_rows(data), clock)
    if outcome == "retention":
        if found.events is None:
            return []
        return screen_binary(rows, attributes, found.events, outcome, ("churned", "kept"), unit, clock=found.target)
    return screen_numeric(rows, attributes, found.target, outcome)


def leakage_guard(ws, data: Dataset, outcome: str | None = None) -> dict[str, str]:
    """Attribute -> why it is kept out, for one outcome or (None) for every outcome discovery
    measures, with the overrules of ``attributes`` in ``bullseye.yaml`` applied: ``use`` lets a
    flagged attribute be searched, ``exclude`` keeps one out (confirming the guard, or not)."""
    settings = ws.settings.attributes
    check_attribute_names(settings, [*data.attributes, *data.skipped])
    by_attribute: dict[str, list[LeakageFlag]] = {}
    for name in [outcome] if outcome else GUARDED:
        try:
            flags = outcome_flags(data, name)
        except BullseyeError:
            continue  # an outcome the data cannot measure is not searched either; it says why there
        for flag in flags:
            by_attribute.setdefault(flag.attribute, []).append(flag)
    kept_out: dict[str, str] = {}
    for attribute, flags in by_attribute.items():
        first = flags[0]
        kept_out[attribute] = first.reason if outcome else f"{metric(first.outcome)[0]}: {first.reason}"
        if len(flags) > 1:
            kept_out[attribute] += f" (also for {', '.join(metric(f.outcome)[0] for f in flags[1:])})"
    for name in settings.use:
        kept_out.pop(name, None)
    for name in settings.exclude:
        if name in kept_out:
            kept_out[name] += " (confirmed in bullseye.yaml)"
        elif name in data.attributes:
            kept_out[name] = "kept out in bullseye.yaml (attributes.exclude)"
    return kept_out


def non_leaking_attributes(ws, data: Dataset) -> list[str]:
    """The dataset's usable attributes less those the guard (with bullseye.yaml's overrules) keeps
    out: what a scorecard may learn points on, the same attributes discovery searches."""
    leakage = leakage_guard(ws, data)
    return [a for a in data.attributes if a not in leakage]


def leakage_flags(deals: pd.DataFrame, attributes: list[str], target: str = "won") -> dict[str, str]:
    """Attribute -> why it looks like leakage, for a yes/no column ``target`` of ``deals``."""
    yes = deals[target].map(truthy).to_numpy(bool) if deals[target].dtype == object else deals[target].to_numpy() == 1
    return {f.attribute: f.reason for f in screen_binary(deals.reset_index(drop=True), attributes, yes)}
