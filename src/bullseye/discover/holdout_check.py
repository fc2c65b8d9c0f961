"""The holdout's word on the disqualifiers chosen on discovery: confirmed, contradicted, or too
little data to say (docs/discovery.md, "The draft ICP").

The candidates are fixed on the discovery part before the holdout is read, so they are the
family the holdout confirms: Holm over the candidates alone, not over every segment a report
shows (most of which no decision rests on), tested in the order chosen on discovery (a fixed
sequence: each at the full level until the first that is not confirmed). Churn is confirmed on the follow-up the holdout
customers actually have (the exact conditional test on person-time of
:func:`bullseye.discover.measure.measure`); with a time split they are the newest customers and
may hold a handful of churn events. A non-confirmation only contradicts discovery when the
holdout could have confirmed: when its test had at least ``POWER_TARGET`` power at the smallest
effect the discovery part supports (the end of its 95% interval nearest to no effect). Otherwise
the holdout is silent, and the rule stays in the draft flagged as not confirmed, with the count.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats

from bullseye.core.units import Units, is_binary
from bullseye.discover.measure import measure
from bullseye.discover.significance import ALPHA, POWER_TARGET, REVERSED_P

__all__ = ["Verdict", "check_disqualifiers", "holdout_power", "CONFIRMED", "CONTRADICTED", "SILENT"]

CONFIRMED, CONTRADICTED, SILENT = "confirmed", "contradicted", "too little data"


@dataclass
class Verdict:
    """The holdout's word on one disqualifier: ``status`` (CONFIRMED, CONTRADICTED or SILENT), its
    one-sided p-value adjusted over the candidates (fixed sequence), the power its test had at the smallest
    effect discovery supports, the count that limits it (churn events, or the rarer outcome of the
    segment's holdout accounts) and one sentence for the user."""

    status: str
    p_adjusted: float | None
    power: float | None
    count: int
    sentence: str


def holdout_power(outcome: str, held: Units, mask: np.ndarray, effect: float, level: float) -> tuple[float, int]:
    """Power of the holdout's one-sided "worse" test for the rows ``mask`` at ``effect`` (a churn
    hazard ratio above 1, or for a rate the segment's rate over the base, below 1), at ``level``.
    Returns (power, the count that limits it).

    Churn: conditional on the holdout's D churn events, the events inside are Binomial(D, s) with
    s the segment's share of the person-time under no difference, and Binomial(D, HR s / (HR s +
    1 - s)) at hazard ratio HR. A rate: the segment's n accounts win Binomial(n, base) under no
    difference and Binomial(n, effect x base) at the effect (the base held at the holdout's)."""
    mask = np.asarray(mask, dtype=bool)
    if outcome == "retention":
        total = int(held.churned().sum())
        exposure = float(held.target.sum())
        if total == 0 or exposure == 0 or not mask.any():
            return 0.0, total
        share = float(held.target[mask].sum()) / exposure
        if not 0 < share < 1:
            return 0.0, total
        k = np.arange(total + 1)
        critical = k[stats.binom.sf(k - 1, total, share) <= level]
        if not len(critical):
            return 0.0, total
        alternative = effect * share / (effect * share + 1 - share)
        return float(stats.binom.sf(critical[0] - 1, total, alternative)), total
    n = int(mask.sum())
    if n == 0 or not len(held):
        return 0.0, 0
    base = float(held.target.mean())
    inside = held.target[mask]
    count = int(min(inside.sum(), n - inside.sum()))
    k = np.arange(n + 1)
    critical = k[stats.binom.cdf(k, n, base) <= level]
    if not len(critical) or not 0 < base < 1:
        return 0.0, count
    return float(stats.binom.cdf(critical[-1], n, min(max(effect * base, 0.0), 1.0))), count


def _smallest_effect(finding) -> float | None:
    """The effect nearest to none that the discovery part's 95% interval allows."""
    found = finding.discovery
    if finding.outcome == "retention":
        return found.low
    if found.high is None or not found.base:
        return None
    return found.high / found.base


def check_disqualifiers(findings: list, held: dict[str, Units], alpha: float = ALPHA) -> list[Verdict]:
    """The holdout's verdict on each candidate disqualifier (negative findings chosen on discovery),
    in the order chosen. ``held``: the holdout units of each outcome the candidates rest on.

    The holdout confirms what was chosen: each candidate after the first was chosen because it is
    still worse among the accounts the earlier ones leave, so that is what it is tested on there."""
    tested: list[tuple[Units | None, np.ndarray | None]] = []
    raw: list[float | None] = []
    for i, finding in enumerate(findings):
        units = held.get(finding.outcome)
        if units is None or not len(units):
            tested.append((None, None))
            raw.append(None)
            continue
        earlier = np.zeros(len(units), dtype=bool)
        for other in findings[:i]:
            earlier |= _cover(units, other.conditions)
        rest = units.take(~earlier)
        mask = _cover(rest, finding.conditions)
        tested.append((rest, mask))
        p = measure(finding.outcome, rest, mask, -1).p_value if mask.any() else None
        raw.append(None if p is None or not np.isfinite(p) else float(p))
    # Fixed sequence: in the order chosen on discovery, each at the full level, until the first
    # that is not confirmed (family-wise at ``alpha`` over the candidates, as the order is fixed
    # before the holdout is read). The p-value reported is the sequence's adjusted one.
    adjusted: list[float | None] = []
    running = 0.0
    for p in raw:
        running = max(running, 1.0 if p is None else p)
        adjusted.append(None if p is None else running)
    level = alpha
    verdicts = []
    for finding, (rest_units, rest_mask), p, p_adj in zip(findings, tested, raw, adjusted):
        effect = _smallest_effect(finding)
        power, count = (
            holdout_power(finding.outcome, rest_units, rest_mask, effect, level)
            if rest_units is not None and rest_mask is not None and effect is not None
            else (0.0, 0)
        )
        what = (
            "churn events"
            if finding.outcome == "retention"
            else ("won or lost accounts (the rarer) in the segment" if is_binary(finding.outcome) else "accounts")
        )
        size = (
            f"hazard ratio of {effect:.2g}"
            if finding.outcome == "retention"
            else f"rate of {effect:.2g}x the base"
            if effect is not None
            else "effect"
        )
        if p is not None and p > REVERSED_P:
            verdicts.append(
                Verdict(
                    CONTRADICTED,
                    p_adj,
                    power,
                    count,
                    f"vetoed by the holdout: it points the other way (one-sided p = {p:.2f})",
                )
            )
        elif p_adj is not None and p_adj <= alpha:
            verdicts.append(
                Verdict(
                    CONFIRMED,
                    p_adj,
                    power,
                    count,
                    f"confirmed on the holdout (p = {p_adj:.2g}, in sequence over the "
                    f"{len(findings)} disqualifier{'s' if len(findings) != 1 else ''} proposed)",
                )
            )
        elif p is not None and p <= alpha:
            verdicts.append(
                Verdict(
                    SILENT,
                    p_adj,
                    power,
                    count,
                    f"not confirmed: its holdout p = {p:.2g}, but the sequence stopped at an earlier "
                    f"disqualifier; kept on the discovery evidence (family-wise p = "
                    f"{finding.p_value:.2g}): check it before relying on it",
                )
            )
        elif power >= POWER_TARGET:
            verdicts.append(
                Verdict(
                    CONTRADICTED,
                    p_adj,
                    power,
                    count,
                    f"vetoed by the holdout: not confirmed (p = {p_adj:.2g}) although its test had "
                    f"{power:.0%} power at a {size}, the smallest discovery supports",
                )
            )
        else:
            verdicts.append(
                Verdict(
                    SILENT,
                    p_adj,
                    power,
                    count,
                    f"not confirmed: too few {what} on the holdout ({count}; its test had "
                    f"{power:.0%} power at a {size}, the smallest discovery supports); kept on the "
                    f"discovery evidence (family-wise p = {finding.p_value:.2g}): check it before "
                    f"relying on it",
                )
            )
    return verdicts


def _cover(units: Units, conditions) -> np.ndarray:
    mask = np.ones(len(units), dtype=bool)
    for condition in conditions:
        mask &= condition.mask(units.rows)
    return mask
