"""Discovery: find the segments where outcomes are better (the ICP) or worse (the negative ICP),
with honest statistics, and confirm each on data it was not found on.

For each outcome: encode the account attributes once, search conjunctions on the discovery
period, test every evaluated candidate and control false discoveries over all of them, keep only
refinements that beat their generalisations, then re-measure each survivor on the holdout period.
Small data is searched shallower, so the family of tests stays small enough to find something real.
"""

from __future__ import annotations

import dataclasses
import functools
from typing import Any

import numpy as np

from bullseye import stats
from bullseye.core.dataset import Dataset
from bullseye.core.units import (
    OUTCOME_GROUPS,
    TARGET_PREFIX,
    Units,
    is_binary,
    units_for,
)
from bullseye.discover import kernel, permutation
from bullseye.discover.encode import Selector, encode
from bullseye.discover.findings import Finding, OutcomeReport, metric
from bullseye.discover.leakage import leakage_guard
from bullseye.discover.measure import better_sign, measure
from bullseye.discover.result import DiscoveryResult, DiscoverySettings, dataset_for
from bullseye.discover.significance import (
    FamilyTest,
    confirm_on_holdout,
    evidence_words,
    power_sentence,
    refinements_that_hold,
    refusal,
)
from bullseye.errors import BullseyeError, InvalidInputError
from bullseye.strategy.icp import Condition, Operator

__all__ = [
    "DiscoverySettings",
    "DiscoveryResult",
    "discover",
    "search_units",
    "selector_conditions",
    "depth_for",
    "evidence_words",
    "jaccard",
    "DEPTH_CUTS",
    "MIN_UNITS",
]

#: Below this many units an outcome is not searched at all; the report says how many there are.
MIN_UNITS = 30
#: Two segments sharing this share of their rows (Jaccard) are one idea: only the better is kept.
MAX_OVERLAP = 0.5
#: A better and a worse segment that together cover (nearly) everything are one idea said twice.
COMPLEMENT_OVERLAP = 0.8
#: Candidates handed from the search to the redundancy filters: enough that variations of one
#: strong idea cannot crowd out a second, different one.
TOP_K = 1000
#: A "churns less" segment must be large enough to expect this many churn events at the base rate:
#: small segments with none would lead the list on luck.
MIN_EXPECTED_CHURNS = 10


#: Below this many units an outcome is not searched at all; the report says how many there are.
MIN_UNITS = 30
#: Two segments sharing this share of their rows (Jaccard) are one idea: only the better is kept.
MAX_OVERLAP = 0.5
#: A better and a worse segment that together cover (nearly) everything are one idea said twice.
COMPLEMENT_OVERLAP = 0.8
#: Candidates handed from the search to the redundancy filters: enough that variations of one
#: strong idea cannot crowd out a second, different one.
TOP_K = 1000
#: A churn segment must be large enough to expect this many churn events at the base rate: a
#: hazard from a handful of events says nothing, and small segments with none would lead the list.
MIN_EXPECTED_CHURNS = 10


#: Below this many units the search stops at one condition, below the second at two.
DEPTH_CUTS = (250, 800)


def depth_for(units: int, requested: int) -> int:
    """Search shallower on small data: each extra level multiplies the tests the data must survive."""
    for depth, cut in enumerate(DEPTH_CUTS, start=1):
        if units < cut:
            return min(requested, depth)
    return requested


def selector_conditions(selector: Selector) -> list[Condition]:
    """The ICP conditions a search selector stands for."""
    op, value, name = selector.op, selector.value, selector.attribute
    if op == "missing":
        return [Condition(attribute=name, op="is missing")]
    if op == "in":
        return [Condition(attribute=name, op="in", value=[_plain(v) for v in value])]
    if op == "range":
        low, high, closed = value
        if closed == "left":
            return [Condition(attribute=name, op="between", value=[_plain(low), _plain(high)])]
        return [
            Condition(attribute=name, op=">", value=_plain(low)),
            Condition(attribute=name, op="<=", value=_plain(high)),
        ]
    same = _SAME_OPERATOR.get(op)
    if same is None:
        raise InvalidInputError(f"a search selector on {name!r} has an unknown operator {op!r}")
    return [Condition(attribute=name, op=same, value=_plain(value))]


#: Selector operators that are ICP operators as they are.
_SAME_OPERATOR: dict[str, Operator] = {op: op for op in ("==", "contains", "<", "<=", ">", ">=")}


def _plain(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    return value


def _expand(outcomes: tuple[str, ...]) -> list[str]:
    expanded: list[str] = []
    for name in outcomes:
        if name.startswith(TARGET_PREFIX):
            expanded.append(name)
            continue
        if name not in OUTCOME_GROUPS:
            raise InvalidInputError(f"unknown outcome '{name}'; choose from: {', '.join(OUTCOME_GROUPS)}")
        expanded += [o for o in OUTCOME_GROUPS[name] if o not in expanded]
    return expanded


def discover(ws, settings: DiscoverySettings | None = None, progress=None) -> DiscoveryResult:
    settings = settings or DiscoverySettings()
    outcomes = _expand(settings.outcomes)
    targets = [o[len(TARGET_PREFIX) :] for o in outcomes if o.startswith(TARGET_PREFIX)]
    if len(targets) > 1:
        raise InvalidInputError("search one --target at a time")
    data = dataset_for(ws, settings)
    leakage = leakage_guard(ws, data)  # every outcome, with the overrules in bullseye.yaml
    attributes = [a for a in data.attributes if a not in leakage]
    reports = {}
    for outcome in outcomes:
        if progress:
            progress(outcome)
        if outcome.startswith(TARGET_PREFIX):
            # What gives a target away differs from what gives a win away: judge it on its own units.
            own = leakage_guard(ws, data, outcome)
            report = _discover_outcome(data, outcome, [a for a in data.attributes if a not in own], settings)
            report.leakage = own
        else:
            report = _discover_outcome(data, outcome, attributes, settings)
        reports[outcome] = report
    result = DiscoveryResult(data, settings, reports, leakage, attributes)
    from bullseye.discover.bullseye import alignment, bullseye_segments, cohorts

    result.bullseye = bullseye_segments(ws, result)
    result.alignment = alignment(data, attributes)
    result.cohorts = cohorts(data, attributes)
    return result


def _discover_outcome(data: Dataset, outcome: str, attributes: list[str], settings: DiscoverySettings) -> OutcomeReport:
    found, confirm = units_for(data, outcome)
    report = search_units(outcome, found, confirm, attributes, settings)
    if len(found) < MIN_UNITS:
        report.note += f" before {data.cutoff.isoformat()}" if data.cutoff else " in the discovery accounts"
    return report


def search_units(
    outcome: str, found: Units, confirm: Units, attributes: list[str], settings: DiscoverySettings
) -> OutcomeReport:
    """Search one outcome on ``found`` and confirm on ``confirm`` (both need an ``account_id`` column).

    The protocol: the search, the pruning, the choice of segments and their order use ``found``
    only; ``confirm`` is measured after every choice is made, for the words."""
    report = OutcomeReport(outcome, len(found), len(confirm), evaluated=0)
    unit = metric(outcome)[2]
    if len(found) < MIN_UNITS:
        report.note = f"not enough data: {len(found)} {unit} to search (need {MIN_UNITS})"
        return report
    refused = refusal(outcome, found)
    if refused:
        report.note, report.refused = refused, True
        return report
    depth = depth_for(len(found), settings.max_depth)
    if depth < settings.max_depth:
        report.note = (
            f"searched to depth {depth} (not {settings.max_depth}): {len(found):,} {unit} is too few for deeper rules"
        )
    encoded = encode(found.rows, attributes)
    directions = (+1, -1) if is_binary(outcome) or outcome == "retention" else (+1,)
    target = _target(outcome, found)
    searches = {}
    for direction in directions:
        goal = direction * better_sign(outcome)  # +1: look for higher values of the target
        min_support = settings.min_support or _default_support(outcome, found, direction)
        searches[direction] = kernel.search(
            encoded,
            _quality(outcome, direction, goal),
            target,
            max_depth=depth,
            min_support=min_support,
            top_k=max(TOP_K, 5 * settings.top),
        )
        report.evaluated += searches[direction].evaluated
    family_test = _family_test(outcome, searches, encoded, found, report.evaluated, settings)
    # Every candidate that could be reported (beats its generalisations on quality), with its
    # family-wise p-value on discovery; refinements must then earn each extra condition.
    selector_mask = functools.lru_cache(maxsize=None)(encoded.mask)
    pool: dict[int, list[tuple[int, list[Selector], np.ndarray, float]]] = {}
    refinements = []
    for part, (direction, search) in enumerate(searches.items()):
        pool[direction] = []
        for index in kernel.filter_redundant(search):
            if not search.quality[index] > 0:
                continue
            chosen = [i for i in search.candidates[index] if i >= 0]
            masks = [selector_mask(int(i)) for i in chosen]
            cover = np.logical_and.reduce(masks)
            p = family_test.p_value(part, index, cover, _test_direction(outcome, direction))
            pool[direction].append((index, [encoded.selectors[i] for i in chosen], cover, p))
            if len(chosen) > 1 and p <= settings.alpha:
                refinements.append(((direction, index), direction, masks))
    earned = refinements_that_hold(outcome, found, refinements, settings.alpha, alternatives=len(encoded.selectors))
    covers_by_direction: dict[int, list[np.ndarray]] = {}
    for part, (direction, search) in enumerate(searches.items()):
        findings: list[Finding] = []
        covers: list[np.ndarray] = []
        for index, selectors, cover, p in pool[direction]:
            if len(selectors) > 1 and (direction, index) not in earned:
                continue  # a condition that adds nothing significant to its generalisation (a noise rider)
            same = [i for i, other in enumerate(covers) if jaccard(cover, other) >= MAX_OVERLAP]
            finding = _confirm(
                outcome,
                direction,
                selectors,
                found,
                confirm,
                float(search.quality[index]),
                float(family_test.q[part][index]),
                float(family_test.holm[part][index]),
                p,
            )
            if same:
                # The same idea as a segment already listed. A sharper version of it (its conditions
                # and more, beating it within its own rows) takes its place; anything else is a repeat.
                first = same[0]
                if len(same) == 1 and set(map(str, findings[first].selectors)) < set(map(str, selectors)):
                    findings[first], covers[first] = finding, cover
                continue
            covers.append(cover)
            findings.append(finding)
            if len(findings) >= settings.top:
                break
        covers_by_direction[direction] = covers
        if direction > 0:
            report.findings = findings
        else:
            report.negative = findings
    if len(directions) == 2:
        _drop_complements(report, covers_by_direction[+1], covers_by_direction[-1])
        _rank_among_served(report, outcome, found, settings.alpha)
    confirm_on_holdout(report.findings + report.negative, settings.alpha)  # words only: nothing is chosen here
    if family_test.null is not None:
        report.note = (report.note + "; " if report.note else "") + (
            f"significance by {family_test.method} over the whole search"
        )
    if is_binary(outcome):
        report.base = float(found.target.mean())
    if outcome == "win":
        report.power = power_sentence(len(found), float(found.target.mean()), report.evaluated, unit, settings.alpha)
    return report


def _family_test(
    outcome: str, searches: dict, encoded, found: Units, evaluated: int, settings: DiscoverySettings
) -> FamilyTest:
    searched = Units(found.rows, _target(outcome, found) if outcome != "retention" else found.target, found.events)
    family = [
        (search.candidates, _test_direction(outcome, direction), _search_p_values(search))
        for direction, search in searches.items()
    ]
    total = sum(len(c) for c, _, _ in family)
    masks = None
    if total and permutation.affordable(total, len(found)):
        masks = np.vstack([s.mask(found.rows) for s in encoded.selectors])
    return FamilyTest(outcome, searched, family, masks, evaluated, np.random.default_rng(settings.seed))


def _drop_complements(report: OutcomeReport, positive: list[np.ndarray], negative: list[np.ndarray]) -> None:
    """A better segment that is just the rest of a worse one ("employees > 50" beside "employees <= 50")
    is one idea said twice: keep the smaller, sharper side of the pair and drop the other."""
    drop_positive, drop_negative = set(), set()
    for i, good in enumerate(positive):
        for j, bad in enumerate(negative):
            if jaccard(good, ~bad) >= COMPLEMENT_OVERLAP:
                (drop_positive.add(i) if good.sum() >= bad.sum() else drop_negative.add(j))
    report.findings = [f for i, f in enumerate(report.findings) if i not in drop_positive]
    report.negative = [f for j, f in enumerate(report.negative) if j not in drop_negative]


def _rank_among_served(report: OutcomeReport, outcome: str, found: Units, alpha: float) -> None:
    """Order the better segments by how much better they are among the accounts one would serve:
    those outside the strongest worse segment that holds up (the disqualifier to be). Otherwise a
    segment that merely avoids the disqualified accounts ("more than 200 employees" beside "50 or
    fewer churn 4x") outranks a real ICP effect. The ranking is all this changes, and it is made
    on the discovery part: the worse segment is the first one significant there."""
    worse = next((f for f in report.negative if f.p_value <= alpha), None)
    if worse is None or len(report.findings) < 2:
        return
    served = ~_rows_mask(worse.selectors, found.rows)
    rest = found.take(served)

    def conditional_p(finding) -> float:
        p = measure(outcome, rest, _rows_mask(finding.selectors, rest.rows), finding.direction).p_value
        return 1.0 if p is None or not np.isfinite(p) else float(p)

    order = sorted(range(len(report.findings)), key=lambda i: (conditional_p(report.findings[i]), i))
    report.findings = [report.findings[i] for i in order]
    report.note = (report.note + "; " if report.note else "") + (
        f"better segments ranked among the accounts outside '{worse.label}'"
    )


def _default_support(outcome: str, found: Units, direction: int = +1) -> int:
    """3% of the units and at least 10; for "churns less", enough customers to expect a few churn
    events at the base rate: a segment without churn is news only if it should have had some.
    "Churns more" needs no more than the 3%: to stand out, a small segment must hold many churn
    events, which is the evidence (the exact test and the family-wise control judge how many)."""
    support = max(10, int(0.03 * len(found)))
    if outcome == "retention" and direction > 0 and found.churned().mean() > 0:
        return max(support, int(np.ceil(MIN_EXPECTED_CHURNS / found.churned().mean())))
    return support


def jaccard(a: np.ndarray, b: np.ndarray) -> float:
    """Share of rows two masks have in common (intersection over union)."""
    union = np.count_nonzero(a | b)
    return np.count_nonzero(a & b) / union if union else 0.0


def _rows_mask(selectors: list[Selector], rows) -> np.ndarray:
    mask = np.ones(len(rows), dtype=bool)
    for selector in selectors:
        mask &= selector.mask(rows)
    return mask


def _confirm(
    outcome: str,
    direction: int,
    selectors: list[Selector],
    found: Units,
    confirm: Units,
    quality: float,
    q_value: float,
    p_family: float,
    p_value: float,
) -> Finding:
    in_found = _rows_mask(selectors, found.rows)
    found_measure = measure(outcome, found, in_found, direction)
    held = None
    accounts = set(found.rows.loc[in_found, "account_id"])
    if len(confirm):
        in_confirm = _rows_mask(selectors, confirm.rows)
        held = measure(outcome, confirm, in_confirm, direction)
        accounts |= set(confirm.rows.loc[in_confirm, "account_id"])
    shrunk = None
    if is_binary(outcome) and held is not None and held.units:
        if held.value is None or held.base is None:
            raise BullseyeError(f"the holdout measure of {outcome!r} has {held.units} units but no rate")
        k = round(held.value * held.units)
        estimate = stats.shrunken_rate(np.array([k]), np.array([held.units]), prior=(held.base, 20.0))
        low, mid, high = (float(np.asarray(v).ravel()[0]) for v in estimate)
        shrunk = (low, mid, high)
    return Finding(
        outcome=outcome,
        direction=direction,
        conditions=[c for s in selectors for c in selector_conditions(s)],
        discovery=found_measure,
        holdout=held,
        quality=quality,
        q_value=q_value,
        p_family=p_family,
        p_value=p_value,
        evidence="",
        shrunk=shrunk,
        accounts=len(accounts),
        names=[s.label for s in selectors],
        selectors=selectors,
    )


def _search_p_values(search) -> np.ndarray:
    """One-sided p-values of every evaluated candidate. A candidate whose quality is not positive
    points the other way (p >= 1/2), so it gets 1 without computing: conservative, and it halves
    the exact tail sums, the slowest part of a large search."""
    p = np.ones(len(search.n))
    pointing = np.flatnonzero(search.quality > 0)
    if len(pointing):
        subset = dataclasses.replace(
            search, n=search.n[pointing], stats={key: value[pointing] for key, value in search.stats.items()}
        )
        p[pointing] = search_p_values(subset)
    return p


def _test_direction(outcome: str, direction: int) -> int:
    """The one-sided direction on the searched target (+1: higher; for churn, +1: fewer churns)."""
    return direction if outcome == "retention" else direction * better_sign(outcome)


# -- the search, per kind of outcome ---------------------------------------------------------------
_LOG_OUTCOMES = {"acv", "days_to_close", "usage"}  # heavy-tailed: searched on a log scale


class ShrunkSurvivalQuality(kernel.SurvivalQuality):
    """The survival quality with the log hazard ratio shrunk towards 0 by its own uncertainty
    (empirical-Bayes partial pooling, prior variance ``prior_var``): a segment with a handful of
    churn events cannot outrank a large one on luck. Shrinking only lowers the quality, so the
    parent's optimistic estimate stays a valid bound."""

    prior_var: float = 0.25

    def log_hr(self, stats, totals):
        raw = super().log_hr(stats, totals)
        d = stats["events"]
        with np.errstate(divide="ignore", invalid="ignore"):
            variance = 1.0 / (d + 0.5) + 1.0 / (totals["events"] - d + 0.5)
        return raw * self.prior_var / (self.prior_var + variance)


def _quality(outcome: str, direction: int, goal: int):
    if is_binary(outcome):
        return kernel.BinaryQuality(a=0.5, direction=goal)
    if outcome == "retention":
        return ShrunkSurvivalQuality(a=0.5, direction=direction)  # +1: retains longer
    return kernel.NumericQuality(a=0.5, direction=goal)


def _target(outcome: str, units: Units):
    if outcome == "retention":
        return (units.target, units.events)
    if outcome in _LOG_OUTCOMES:
        return np.log1p(np.clip(units.target, 0, None))
    return units.target


def search_p_values(result: Any) -> np.ndarray:
    """One-sided p-values, in the search's direction, of every stored candidate of a
    ``kernel.SearchResult`` (binary: Fisher; numeric: Welch; survival: conditional rate test)."""
    s, t, qf = result.stats, result.totals, result.quality_function
    if "positives" in s:
        return stats.binary_p_values(s["positives"], result.n, int(t["positives"]), int(t["N"]), qf.direction)
    if "sum" in s:
        return stats.numeric_p_values(result.n, s["sum"], s["sumsq"], t["N"], t["sum"], t["sumsq"], qf.direction)
    return stats.rate_ratio_p_values(s["events"], s["exposure"], int(t["events"]), t["exposure"], qf.direction)
