"""The discovery protocol's tests, in one place: what "significant" means on the discovery part,
when a refinement earns its extra condition, how the holdout confirms, and the words for it.

The protocol (docs/discovery.md): the search, the pruning and every choice (which segments are
reported, in which order, what goes into the draft ICP) use the discovery part only. The holdout
is measured once, after the choices, to confirm: it decides the words ("strong", "did not hold
up") and can veto a disqualifier, never which segment is shown or in which order.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence

import numpy as np

from bullseye import stats
from bullseye.core.units import Units, is_binary
from bullseye.discover import permutation
from bullseye.discover.findings import Measure, metric
from bullseye.discover.measure import measure_values

__all__ = [
    "FamilyTest",
    "refinements_that_hold",
    "evidence_words",
    "confirm_on_holdout",
    "smallest_detectable_lift",
    "power_sentence",
    "ALPHA",
    "SUGGESTIVE_FACTOR",
    "REVERSED_P",
    "POWER_SHARE",
    "POWER_TARGET",
    "POWER_EXACT_UNITS",
    "LIFT_PRECISION",
    "MIN_EACH_CLASS",
    "MIN_CHURN_EVENTS",
    "refusal",
]

#: Family-wise level for "significant": on the discovery part, over every candidate evaluated.
ALPHA = 0.05
#: "suggestive" reaches down to this multiple of ALPHA on discovery when the holdout confirms.
SUGGESTIVE_FACTOR = 4
#: A holdout one-sided p-value above this means the holdout points the other way.
REVERSED_P = 0.5
#: The power sentence: a segment of this share of the units, detected with this probability.
POWER_SHARE = 0.2
POWER_TARGET = 0.8
#: Units up to which the detection power is summed exactly (its cost grows with their square;
#: power only grows with the units, so beyond this the lift quoted is an upper bound).
POWER_EXACT_UNITS = 2000
#: The detectable lift is found to this precision (bisection).
LIFT_PRECISION = 0.05
#: Win (and yes/no targets) needs at least this many of each class before the cut to search at all.
MIN_EACH_CLASS = 10
#: Retention needs at least this many churn events before the cut to search at all.
MIN_CHURN_EVENTS = 20


def refusal(outcome: str, found: Units, cutoff_text: str = "before the cut") -> str | None:
    """One line with the count when the discovery part cannot support a search on ``outcome``."""
    if is_binary(outcome):
        positives = int(np.sum(found.target))
        negatives = len(found) - positives
        if min(positives, negatives) < MIN_EACH_CLASS:
            which, count = ("won", positives) if positives <= negatives else ("lost", negatives)
            return (
                (
                    f"{count} {which} deal{'' if count == 1 else 's'} {cutoff_text}: win discovery needs both won and "
                    f"lost deals (at least {MIN_EACH_CLASS} of each), counted once per account: its new-business "
                    f"opportunity ({len(found):,} accounts; deals after an account's first win are not counted)"
                )
                if outcome == "win"
                else (
                    f"{count} {'with' if which == 'won' else 'without'} the target {cutoff_text}: the search needs "
                    f"at least {MIN_EACH_CLASS} of each"
                )
            )
    if outcome == "retention":
        events = int(np.sum(found.events)) if found.events is not None else 0
        if events < MIN_CHURN_EVENTS:
            return (
                f"{events} churn event{'' if events == 1 else 's'} {cutoff_text}: retention discovery needs "
                f"at least {MIN_CHURN_EVENTS}"
            )
    return None


class FamilyTest:
    """Family-wise p-values on the discovery part for any candidate of the search, over every
    candidate evaluated in both directions: Westfall-Young max-T by permuting the outcome where
    affordable (exact, aware that candidates overlap), else Holm over the analytic p-values."""

    def __init__(
        self,
        outcome: str,
        searched: Units,
        family: list[tuple[np.ndarray, int, np.ndarray]],
        selector_masks: np.ndarray | None,
        evaluated: int,
        rng: np.random.Generator,
    ):
        """``family``: (candidates, test direction, analytic one-sided p-values) per direction;
        ``searched``: the discovery units with the target as searched (log scale where used)."""
        self.outcome, self.searched, self.evaluated = outcome, searched, max(evaluated, 1)
        self.holm = [stats.holm(p, n_tests=self.evaluated) if len(p) else p for _, _, p in family]
        self.q = [stats.benjamini_hochberg(p, n_tests=self.evaluated) if len(p) else p for _, _, p in family]
        self.null = None
        candidates = [c for c, _, _ in family if len(c)]
        total = sum(len(c) for c in candidates)
        if selector_masks is not None and total and permutation.affordable(total, len(searched)):
            directions = np.concatenate([np.full(len(c), d) for c, d, _ in family if len(c)])
            self.null = permutation.max_statistic_null_chunked(
                outcome, np.vstack(candidates), selector_masks, searched, directions, rng
            )

    @property
    def method(self) -> str:
        return f"{len(self.null)} permutations of the outcome" if self.null is not None else "Holm"

    def p_value(self, part: int, index: int, mask: np.ndarray, test_direction: int) -> float:
        """The family-wise p-value of candidate ``index`` of family part ``part`` (rows ``mask``)."""
        if self.null is None:
            return float(self.holm[part][index])
        observed = permutation.candidate_statistics(
            self.outcome, mask[None, :], self.searched, np.array([test_direction])
        )[0, 0]
        return permutation.family_p_value(observed, self.null)


def refinements_that_hold(
    outcome: str,
    found: Units,
    refinements: Sequence[tuple[Hashable, int, list[np.ndarray]]],
    alpha: float = ALPHA,
    alternatives: int = 1,
) -> set:
    """The refinements whose every extra condition earns its place. For each refinement (``key``,
    finding direction, the row mask of each of its conditions) and each generalisation (one
    condition dropped), the refinement's rows are tested against the generalisation's other rows,
    one-sided in the finding's direction. The search tried every one of ``alternatives`` conditions
    (its selectors) on that generalisation and kept the best, so each such p-value is first
    multiplied by ``alternatives`` (Bonferroni over the conditions it could have added); then Holm
    over every test of every refinement considered. Returns the keys of the refinements whose
    every test is rejected at ``alpha``."""
    tests: list[tuple[object, float]] = []
    for key, direction, masks in refinements:
        cover = np.logical_and.reduce(masks)
        for dropped in range(len(masks)):
            parent = np.logical_and.reduce([m for i, m in enumerate(masks) if i != dropped])
            rest = parent & ~cover
            if not rest.any():
                p = 1.0  # the condition removes nothing: it cannot be an improvement
            else:
                within = measure_values(
                    outcome,
                    found.target[parent],
                    None if found.events is None else found.events[parent],
                    cover[parent],
                    direction,
                )
                p = 1.0 if within.p_value is None or not np.isfinite(within.p_value) else float(within.p_value)
            tests.append((key, min(1.0, p * max(alternatives, 1))))
    if not tests:
        return set()
    adjusted = stats.holm(np.array([p for _, p in tests]))
    failed = {key for (key, _), p in zip(tests, adjusted) if p > alpha}
    return {key for key, _ in tests} - failed


def evidence_words(
    outcome: str,
    found: Measure,
    held: Measure | None,
    p_value: float,
    alpha: float = ALPHA,
    held_p: float | None = None,
) -> str:
    """Plain words for how far to trust a finding (the definition in docs/discovery.md).

    ``p_value``: family-wise on the discovery part; ``held_p``: the one-sided holdout p-value,
    adjusted over the segments shown
    (default: ``held.p_value`` as it is). The words, in this order:

    - *not enough data: ...*: fewer than 10 of the rarer outcome (lost deals, churn events);
    - *did not hold up*: the holdout points the other way (its one-sided p-value > 0.5);
    - *strong*: p_value <= alpha on discovery, and the holdout confirms (held_p <= alpha);
    - *suggestive*: one of the two and the other close: significant on discovery with the holdout
      in the same direction (or no holdout), or p_value <= 4 alpha with the holdout confirming;
    - *weak*: anything else (the right direction on discovery, no more).
    """
    small = _too_small(outcome, found, held)
    if small:
        return small
    raw = held.p_value if held is not None and held.units > 0 else None  # None: no holdout to confirm on
    adjusted = (held_p if held_p is not None else raw) if raw is not None else None
    if raw is not None and raw > REVERSED_P:
        return "did not hold up"
    if p_value <= alpha:
        return "strong" if adjusted is not None and adjusted <= alpha else "suggestive"
    if p_value <= SUGGESTIVE_FACTOR * alpha and adjusted is not None and adjusted <= alpha:
        return "suggestive"
    return "weak"


def _too_small(outcome: str, found: Measure, held: Measure | None) -> str | None:
    units = found.units + (held.units if held else 0)
    if is_binary(outcome):
        wins = round((found.value or 0) * found.units) + (
            round((held.value or 0) * held.units) if held and held.units else 0
        )
        losses = units - wins
        if min(wins, losses) < MIN_EACH_CLASS:
            which, count = ("won", wins) if wins < losses else ("lost", losses)
            return f"not enough data: {count} {which} deal{'' if count == 1 else 's'}"
    elif outcome == "retention":
        events = (found.events or 0) + ((held.events or 0) if held else 0)
        if events < MIN_EACH_CLASS:
            return f"not enough data: {events} churned customers"
    elif units < MIN_EACH_CLASS:
        return f"not enough data: {units} {metric(outcome)[2]}"
    return None


def confirm_on_holdout(findings: list, alpha: float = ALPHA) -> None:
    """Holm-adjust the one-sided holdout p-values over the segments shown for one outcome (both
    directions), then put every finding's evidence in words. Nothing here changes which findings
    there are or their order."""
    held = [
        (f, f.holdout.p_value)
        for f in findings
        if f.holdout is not None and f.holdout.units and f.holdout.p_value is not None
    ]
    adjusted: np.ndarray | list[float] = stats.holm(np.array([p for _, p in held])) if held else []
    for (finding, _), p in zip(held, adjusted):
        finding.p_holdout = float(p)
    for finding in findings:
        finding.evidence = evidence_words(
            finding.outcome, finding.discovery, finding.holdout, finding.p_value, alpha, held_p=finding.p_holdout
        )


def smallest_detectable_lift(
    units: int, base: float, tests: int, alpha: float = ALPHA, share: float = POWER_SHARE, power: float = POWER_TARGET
) -> tuple[float | None, float]:
    """The smallest lift (segment rate over the base) that a segment holding ``share`` of ``units``
    is detected with probability ``power`` by the exact test at the Bonferroni level over ``tests``
    (:func:`bullseye.stats.detection_power`). Returns (lift or None when even the largest
    possible lift is missed, the power at the largest possible lift)."""
    highest = min(1.0 / base, 1.0 / share) * (1 - 1e-6)  # the segment's rate <= 1, the rest's >= 0

    def power_at(lift: float) -> float:
        return stats.detection_power(units, base, share=share, lift=lift, alpha=alpha, n_tests=max(tests, 1))

    best = power_at(highest)
    if best < power:
        return None, best
    low, high = 1.0, highest
    while high - low > LIFT_PRECISION:
        middle = (low + high) / 2
        low, high = (low, middle) if power_at(middle) >= power else (middle, high)
    return high, best


def power_sentence(units: int, base: float, tests: int, unit: str, alpha: float = ALPHA) -> str:
    """What the data can see, in the units searched: the smallest lift found with 80% power in a
    segment of 20% of them, after correcting for every segment evaluated."""
    if not 0 < base < 1 or units < 10:
        return ""
    counted = min(units, POWER_EXACT_UNITS)  # power only grows with the units: beyond, a bound
    try:
        lift, best = smallest_detectable_lift(counted, base, tests, alpha)
    except ValueError:
        return ""
    share = f"{100 * POWER_SHARE:.0f}%"
    head = f"with {units:,} {unit} before the cut (base win rate {100 * base:.0f}%) and {tests:,} segments evaluated, "
    if lift is None:
        return head + (
            f"even a segment of {share} of them winning at the highest possible rate would be detected "
            f"with probability {best:.0%}"
        )
    bound = " (or less)" if counted < units else ""
    return head + (
        f"a segment of {share} of them is detected with {POWER_TARGET:.0%} power when it wins at "
        f"{lift:.2g}x the base{bound} ({100 * min(lift * base, 1):.0f}% vs {100 * base:.0f}%)"
    )
