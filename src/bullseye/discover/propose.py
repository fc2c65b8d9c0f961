"""Turn discovery findings into a draft ``strategy/icp.yaml`` the product marketer then edits."""

from __future__ import annotations

import datetime as dt
import re

import numpy as np

from bullseye.core.units import units_for
from bullseye.discover.engine import jaccard
from bullseye.discover.findings import Finding, metric
from bullseye.discover.holdout_check import CONFIRMED, SILENT, check_disqualifiers
from bullseye.discover.measure import measure
from bullseye.strategy.icp import (
    ICP,
    Criterion,
    CriterionKind,
    Disqualifier,
    Effect,
    Evidence,
    OutcomeKind,
    RestsOn,
    Strength,
)

__all__ = ["propose_icp", "empty_draft_reason", "rule_from_finding", "MAX_CRITERIA", "MAX_DISQUALIFIERS"]

MAX_CRITERIA = 5
MAX_DISQUALIFIERS = 5
REVIEW_AFTER_DAYS = 90
#: A rule joins the draft only if it still wins more (or churns less) among the accounts the rules
#: already chosen leave, at this one-sided level on the discovery data.
ADD_ALPHA = 0.01
#: What an ICP is for: who should buy and stay. Other outcomes add evidence, not membership.
PRIMARY_OUTCOMES = ("win", "retention")
_OUTCOME_OF: dict[str, OutcomeKind] = {
    "win": "win",
    "days_to_close": "velocity",
    "discount": "velocity",
    "acv": "value",
    "retention": "retention",
    "usage": "stickiness",
    "nps": "stickiness",
}
_TECH_WORDS = ("tech", "stack", "tms", "erp", "crm", "software", "tool", "platform")


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60] or "rule"


def _kind(finding: Finding, list_attributes: set[str]) -> CriterionKind:
    names = {c.attribute for c in finding.conditions}
    if names & list_attributes or any(w in n for n in names for w in _TECH_WORDS):
        return "technographic"
    if any(n in ("source", "lead_source", "origin") or "usage" in n for n in names):
        return "behavioural"
    return "firmographic"


def _round(value: float | None, digits: int = 4) -> float | None:
    """Numbers a person reads in YAML: 4 significant digits, not 0.08900000000000002."""
    return None if value is None else float(f"{value:.{digits}g}")


_STRENGTHS: dict[str, Strength] = {s: s for s in ("strong", "suggestive", "weak", "did not hold up")}


def _evidence(finding: Finding, date_range) -> Evidence:
    measure = finding.holdout if finding.holdout and finding.holdout.units else finding.discovery
    strength: Strength = _STRENGTHS.get(finding.evidence) or (
        "not enough data" if finding.evidence.startswith("not enough data") else "weak"
    )
    return Evidence(
        outcome=_OUTCOME_OF[finding.outcome],
        metric=metric(finding.outcome)[0],
        segment=_round(measure.value),
        base=_round(measure.base),
        lift=_round(measure.lift),
        interval=[round_low, round_high]
        if (round_low := _round(measure.low)) is not None and (round_high := _round(measure.high)) is not None
        else None,
        accounts=finding.accounts,
        deals=measure.units if finding.outcome != "retention" else None,
        p_value=_round(finding.p_value, 3),
        strength=strength,
        measured_on="holdout" if measure is finding.holdout else "discovery",
        date_range=list(date_range) if date_range else None,
        summary=finding.sentence(),
    )


def _cover(accounts, conditions) -> np.ndarray:
    mask = np.ones(len(accounts), dtype=bool)
    for condition in conditions:
        mask &= condition.mask(accounts)
    return mask


def _any(rows, rules) -> np.ndarray:
    """Rows that meet at least one of ``rules``."""
    hit = np.zeros(len(rows), dtype=bool)
    for rule in rules:
        hit |= _cover(rows, rule.conditions)
    return hit


def _disqualifier(finding: Finding, date_range) -> Disqualifier:
    """A disqualifier with what it rests on and what it does: a churn disqualifier lowers the
    expected value; it does not say the account will not buy."""
    measure_ = finding.holdout if finding.holdout and finding.holdout.units else finding.discovery
    if finding.outcome == "retention":
        reason = f"churn hazard {measure_.value:.1f}x the rest" if measure_.value else "churns more"
        rests_on: RestsOn = "churns more"
        effect: Effect = "lowers expected value"
    else:
        reason = f"win rate {100 * (measure_.value or 0):.0f}% vs {100 * (measure_.base or 0):.0f}% overall"
        rests_on, effect = "loses more", "lowers win probability"
    return Disqualifier(
        id=_slug(finding.label),
        name=finding.label,
        conditions=finding.conditions,
        reason=reason,
        rests_on=rests_on,
        effect=effect,
        evidence=[_evidence(finding, date_range)],
    )


def _list_attributes(data, attributes) -> set[str]:
    """The attributes whose cells are lists (a tech stack): their criteria are technographic."""
    return {
        a
        for a in attributes
        if data.accounts[a]
        .dropna()
        .map(lambda c: isinstance(c, (list, tuple)) or hasattr(c, "tolist") and not isinstance(c, str))
        .any()
    }


def propose_icp(result, name: str = "Ideal customer profile", ws=None) -> ICP:
    """The draft ICP, chosen on the discovery part alone (docs/discovery.md, the protocol).

    Criteria: the segments significant on discovery, best first (by the bullseye ranking, itself
    on discovery), each kept only if it still wins more or churns less among the discovery rows
    not yet in the ICP and not disqualified. Disqualifiers: the negative segments on win and
    retention significant on discovery, each kept only if it still does worse among the rows
    earlier ones leave; the holdout then only vetoes, never replaces
    (:func:`bullseye.discover.holdout_check.check_disqualifiers`): one it confirms is kept, one it
    contradicts (or fails to confirm although its test had the power to) is dropped and named in
    the description, and one it has too few events to judge is kept flagged ``assumption`` with the
    count in its ``note``. With ``ws`` (whose events table is loaded),
    the "why now" signals that hold up, measured with fit held constant by the draft's own tiers
    (:func:`bullseye.market.signal_evidence.propose_signals`)."""
    data = result.data
    list_attributes = _list_attributes(data, result.attributes)
    primary = {o: units_for(data, o)[0] for o in PRIMARY_OUTCOMES if o in result.reports}

    def adds(conditions, direction: int, excluded) -> bool:
        """Does the rule still do better (``direction`` +1) or worse (-1) on win or retention among
        the discovery rows that the rules already chosen leave?"""
        for outcome, units in primary.items():
            if not len(units):
                continue
            rest = units.take(~excluded(units.rows))
            m = measure(outcome, rest, _cover(rest.rows, conditions), direction)
            if m.p_value is not None and m.p_value <= ADD_ALPHA:
                return True
        return False

    chosen: list[tuple[Finding, Disqualifier]] = []
    seen: set[str] = set()
    negatives = sorted(
        (f for f in result.findings(positive=False) if f.significant_on_discovery and f.outcome in PRIMARY_OUTCOMES),
        key=lambda f: (f.p_value, f.q_value),
    )
    for finding in negatives:
        if finding.label in seen or len(chosen) >= MAX_DISQUALIFIERS:
            continue
        seen.add(finding.label)
        if not adds(finding.conditions, -1, lambda rows: _any(rows, [d for _, d in chosen])):
            continue  # explained by a disqualifier already chosen (e.g. revenue beside headcount)
        chosen.append((finding, _disqualifier(finding, data.date_range)))
    # The holdout's veto: it can remove a disqualifier, never choose one. It confirms the candidates
    # (Holm over them); a non-confirmation vetoes only when its test could have confirmed.
    candidates = [rule for _, rule in chosen]
    held = {o: units_for(data, o)[1] for o in {f.outcome for f, _ in chosen}}
    disqualifiers, vetoed = [], []
    for (_, rule), verdict in zip(chosen, check_disqualifiers([f for f, _ in chosen], held)):
        if verdict.status == CONFIRMED:
            disqualifiers.append(rule.model_copy(update={"note": verdict.sentence}))
        elif verdict.status == SILENT:
            disqualifiers.append(rule.model_copy(update={"note": verdict.sentence, "assumption": True}))
        else:
            vetoed.append(f"'{rule.label}' ({verdict.sentence})")

    by_label: dict[str, list[Finding]] = {}
    for finding in result.findings(positive=True):
        if finding.significant_on_discovery and finding.outcome in _OUTCOME_OF:  # a --target is for study
            by_label.setdefault(finding.label, []).append(finding)
    order = [row["segment"] for row in result.bullseye if row["segment"] in by_label]
    order += [label for label in by_label if label not in order]
    criteria: list[Criterion] = []
    covers: list[np.ndarray] = []
    for label in order:
        if len(criteria) >= MAX_CRITERIA:
            break
        findings = by_label[label]
        cover = _cover(data.accounts, findings[0].conditions)
        if any(jaccard(cover, other) >= 0.5 for other in covers):
            continue  # the same accounts as a criterion already chosen: one idea, one criterion
        # An account is in the ICP when it meets any criterion: each one must win more or churn
        # less among the accounts not yet in the ICP and not disqualified, or it only dilutes.
        # "Disqualified" means every disqualifier chosen on discovery, before the holdout's veto.
        if not adds(findings[0].conditions, +1, lambda rows: _any(rows, criteria) | _any(rows, candidates)):
            continue
        covers.append(cover)
        criteria.append(
            Criterion(
                id=_slug(label),
                name=label,
                kind=_kind(findings[0], list_attributes),
                conditions=findings[0].conditions,
                evidence=[_evidence(f, data.date_range) for f in findings],
            )
        )
    taken: set[str] = set()
    for named in [*criteria, *disqualifiers]:  # slugs of long labels can collide: keep ids unique
        base, number = named.id, 2
        while named.id in taken:
            named.id, number = f"{base}-{number}", number + 1
        taken.add(named.id)
    sources = [
        f"{count:,} {what}"
        for count, what in (
            (len(data.opportunities), "accounts with a closed new-business opportunity"),
            (int(data.accounts["is_customer"].eq(True).sum()), "customers"),
        )
        if count  # a churn snapshot has no opportunities, a lead list no customers: name what there is
    ]
    draft = ICP(
        name=name,
        description=(
            f"Drafted by `bullseye discover` from {' and '.join(sources) or 'no closed opportunity or customer'} "
            f"as of {data.as_of}. Segments were found and chosen on the discovery accounts; the holdout "
            f"accounts ({data.split_line}) only confirmed them (and vetoed disqualifiers they did not "
            f"confirm)." + (f" Disqualifiers vetoed by the holdout: {'; '.join(vetoed)}." if vetoed else "")
        ),
        criteria=criteria,
        disqualifiers=disqualifiers,
        review_date=dt.date.today() + dt.timedelta(days=REVIEW_AFTER_DAYS),
        data_range=list(data.date_range) if data.date_range else None,
        generated_by="bullseye discover",
    )
    if ws is None or not ws.has_table("events"):
        return draft
    from bullseye.errors import BullseyeError
    from bullseye.market.signal_evidence import propose_signals

    try:
        signals = propose_signals(ws, draft, dataset=data)
    except BullseyeError:  # too few events or deals to measure any signal: the draft has none
        return draft
    return ICP.model_validate({**draft.model_dump(), "signals": [s.model_dump() for s in signals]})


def empty_draft_reason(result) -> str:
    """Why discovery drafted no ICP, in one line: the outcomes it could not search (with the
    count) or that no segment was significant on the discovery part."""
    searched = [
        f"{metric(o)[0]}: no segment is significant on the discovery part ({r.evaluated:,} evaluated)"
        for o, r in result.reports.items()
        if o in ("win", "retention") and not (r.refused or not r.evaluated)
    ]
    refused = [f"{metric(o)[0]}: {r.note}" for o, r in result.reports.items() if r.refused or not r.evaluated]
    # What was searched and came back empty first: it is why there is no draft; refusals of the
    # outcomes the data cannot have (no subscriptions, no discounts) follow.
    why = "; ".join(searched + refused) or "no segment on win or retention is significant on the discovery part"
    return f"No draft ICP written (strategy/icp.yaml left as it is): {why}."


#: What a disqualifier found on an outcome other than win or retention rests on.
_COSTS = ("days_to_close", "discount", "acv", "usage", "nps")


def rule_from_finding(finding: Finding, result, as_disqualifier: bool) -> Criterion | Disqualifier:
    """One finding of ``result`` as the rule a person chose to add to the draft (no selection, no
    holdout veto: the person decides), with the evidence ``propose_icp`` would give it."""
    from bullseye.errors import InvalidInputError

    if finding.outcome not in _OUTCOME_OF:
        raise InvalidInputError(
            f"'{finding.label}' was found on {finding.outcome}, a target for study: not an ICP rule"
        )
    data = result.data
    if not as_disqualifier:
        return Criterion(
            id=_slug(finding.label),
            name=finding.label,
            kind=_kind(finding, _list_attributes(data, result.attributes)),
            conditions=finding.conditions,
            evidence=[_evidence(finding, data.date_range)],
        )
    if finding.outcome in PRIMARY_OUTCOMES:
        return _disqualifier(finding, data.date_range)
    return Disqualifier(
        id=_slug(finding.label),
        name=finding.label,
        conditions=finding.conditions,
        reason=finding.sentence(),
        rests_on="costs more" if finding.outcome in _COSTS else None,
        effect="lowers expected value",
        evidence=[_evidence(finding, data.date_range)],
    )
