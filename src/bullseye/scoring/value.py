"""The value side of an account score: expected lifetime value, and what a disqualifier does to it.

Expected value = P(win) x LTV, with LTV = margin x mean ACV of the discovery-period won
new-business deals x the expected (discounted) lifetime from a shifted-beta-geometric model fitted
on the customers who started before the cut, followed up to it (see :mod:`bullseye.stats.lifetime`).

A disqualifier rests on one outcome, and acts through it:

* **loses more** (``win``): a flag in the win model, so it lowers P(win); the account is tier D;
* **churns more** (``retention``): the account's lifetime is the lifetime measured on the
  customers meeting the rule, so it lowers the expected value, not the odds of buying;
* **costs more** (``value``): the account's ACV is the mean ACV of the won deals meeting the rule.

The rule's outcome is its ``outcome`` field when the ICP carries one, else the outcome of its
first evidence, else ``win``. See docs/scoring.md.
"""

from __future__ import annotations

import hashlib
import math
import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from bullseye.artefact import register
from bullseye.core.units import ENTRY, EVENT, TENURE
from bullseye.scoring.features import rule_mask
from bullseye.stats.lifetime import Estimate, ShiftedBetaGeometric, ltv
from bullseye.strategy.icp import ICP, Disqualifier

if TYPE_CHECKING:
    from bullseye.core.dataset import Dataset

__all__ = [
    "AccountValue",
    "disqualifier_outcome",
    "fit_lifetime",
    "discovery_customers",
    "OUTCOME_WORDS",
    "MIN_GROUP",
    "MONTH_DAYS",
]

MONTH_DAYS = 365.25 / 12
#: How each disqualifier outcome reads.
OUTCOME_WORDS = {"win": "loses more", "retention": "churns more", "value": "costs more"}
#: Customers (lifetime) or won deals (ACV) a disqualifier's group needs for its own estimate.
MIN_GROUP = 20
#: Lifetime fits kept (see :func:`fit_lifetime`): a preview makes about a dozen.
_FITTED_KEEP = 32
_FITTED: OrderedDict[str, ShiftedBetaGeometric] = OrderedDict()
_FITTED_LOCK = threading.Lock()
_ALIASES = {
    "win": "win",
    "loss": "win",
    "loses more": "win",
    "lose": "win",
    "retention": "retention",
    "churn": "retention",
    "churns more": "retention",
    "value": "value",
    "cost": "value",
    "costs more": "value",
    "velocity": "value",
}


def disqualifier_outcome(rule: Disqualifier) -> str:
    """'win', 'retention' or 'value': the outcome the rule rests on (its ``outcome`` field if the
    ICP has one, else its first evidence's outcome, else 'win')."""
    for name in ("outcome", "rests_on"):
        value = getattr(rule, name, None)
        if isinstance(value, str) and value.strip().casefold() in _ALIASES:
            return _ALIASES[value.strip().casefold()]
    for evidence in rule.evidence:
        if evidence.outcome in _ALIASES:
            return _ALIASES[evidence.outcome]
    return "win"


def fit_lifetime(window: pd.DataFrame, random_state: int = 0) -> ShiftedBetaGeometric | None:
    """sBG by months of tenure (TENURE, EVENT), left-truncated at ENTRY (days already survived when
    first observed); the columns of :func:`bullseye.core.units.retention_frame`.

    The fit (with its 200-replicate bootstrap) is a pure function of the customers' periods and
    the seed, and the same customers are fitted again and again (a preview's draft and version in
    use share their disqualified and their value groups; a publish repeats the preview): the last
    few fits are kept, keyed by a digest of their inputs. Fitted models are not changed after."""
    if window.empty:
        return None
    event = window[EVENT].to_numpy(bool)
    tenure, entry = window[TENURE].to_numpy(float) / MONTH_DAYS, window[ENTRY].to_numpy(float) / MONTH_DAYS
    periods = np.where(event, np.maximum(np.ceil(tenure), 1), np.floor(tenure))
    entry = np.minimum(np.floor(entry), np.where(event, periods - 1, periods))
    digest = hashlib.blake2b(digest_size=16)
    for part in (periods, event, entry, np.array([random_state])):
        digest.update(np.ascontiguousarray(part).tobytes())
    key = digest.hexdigest()
    with _FITTED_LOCK:
        if key in _FITTED:
            _FITTED.move_to_end(key)
            return _FITTED[key]
    model = ShiftedBetaGeometric(periods_per_year=12, random_state=random_state).fit(periods, event, entry)
    with _FITTED_LOCK:
        _FITTED[key] = model
        while len(_FITTED) > _FITTED_KEEP:
            _FITTED.popitem(last=False)
    return model


def discovery_customers(dataset: Dataset) -> pd.DataFrame:
    """The customers of the discovery accounts, each followed from its start (the same account
    split as every other outcome)."""
    from bullseye.core.dataset import PERIOD
    from bullseye.core.units import retention_frame

    accounts = dataset.accounts
    return retention_frame(accounts[accounts[PERIOD] == "discovery"], dataset.as_of)


@register
@dataclass
class _Group:
    """The lifetime or ACV of the accounts meeting one disqualifier (or of the rest)."""

    rule: str | None
    outcome: str
    lifetime: Estimate | None = None
    capped: bool = False
    model: ShiftedBetaGeometric | None = None
    amounts: np.ndarray | None = None
    units: int = 0
    measured: bool = True


@register
class AccountValue:
    """Expected lifetime value per account, following scikit-learn conventions.

    Settings: ``margin`` (gross margin; 1.0 gives LTV in revenue), ``random_state``.
    Learned: ``lifetimes_`` and ``acvs_`` (one group per churn / cost disqualifier, then the rest),
    ``effects_`` (what every disqualifier does, in numbers and words), ``notes_``.
    """

    def __init__(self, margin: float = 1.0, random_state: int = 0) -> None:
        self.margin, self.random_state = margin, random_state

    def fit(self, icp: ICP, dataset: Dataset, train: pd.DataFrame) -> AccountValue:
        self.rules_ = list(icp.disqualifiers)
        self.outcomes_ = [disqualifier_outcome(r) for r in self.rules_]
        self.notes_: list[str] = []
        customers = (
            discovery_customers(dataset)
            if {"first_start", "churned", "churn_date"} <= set(dataset.accounts.columns)
            else pd.DataFrame()
        )
        won = train[train["won"] == 1]
        amounts = (
            pd.to_numeric(won["amount"], errors="coerce").to_numpy(float) if "amount" in won.columns else np.zeros(0)
        )
        self.lifetimes_ = self._groups("retention", customers, lambda g: self._lifetime(g))
        self.acvs_ = self._groups("value", won.assign(_amount=amounts), lambda g: g["_amount"].to_numpy(float))
        if self.lifetimes_[-1].model is None:
            self.notes_.append(
                "No customer lifetimes before the cut (the subscriptions table gives them): "
                "expected value is not available."
            )
        elif self.lifetimes_[-1].capped and (capped := self.lifetimes_[-1].lifetime) is not None:
            self.notes_.append(
                f"The expected lifetime is at the model's cap (>= {capped.value:.1f} "
                "years: too little churn to measure it); expected values are lower bounds."
            )
        self._ltv_cache: dict[tuple[int, int], Estimate] = {}
        self.effects_ = [self._effect(i) for i in range(len(self.rules_))]
        return self

    @property
    def available(self) -> bool:
        rest, amounts = self.lifetimes_[-1], self.acvs_[-1].amounts
        return rest.model is not None and amounts is not None and len(amounts[np.isfinite(amounts)]) > 0

    def _lifetime(self, group: pd.DataFrame) -> tuple[ShiftedBetaGeometric | None, int]:
        return fit_lifetime(group, self.random_state), len(group)

    def _groups(self, outcome: str, rows: pd.DataFrame, measure) -> list[_Group]:
        """One group per disqualifier resting on ``outcome`` (the rows meeting it) and the rest."""
        cache: dict = {}
        groups: list[_Group] = []
        covered = np.zeros(len(rows), dtype=bool)
        for rule, rule_outcome in zip(self.rules_, self.outcomes_):
            if rule_outcome != outcome:
                continue
            hit = rule_mask(rule, rows, cache) if len(rows) else np.zeros(0, dtype=bool)
            covered |= hit
            groups.append(self._group(rule.id, outcome, rows[hit], measure))
        groups.append(self._group(None, outcome, rows[~covered], measure))
        return groups

    def _group(self, rule: str | None, outcome: str, rows: pd.DataFrame, measure) -> _Group:
        group = _Group(rule, outcome, units=len(rows))
        if outcome == "retention":
            if rule is not None and (len(rows) < MIN_GROUP or not rows[EVENT].any()):
                group.measured = False
                return group
            group.model, _ = measure(rows)
            if group.model is not None:
                group.lifetime = group.model.lifetime_estimate()
                group.capped = group.model.at_cap(group.lifetime.value)
        else:
            group.amounts = measure(rows) if len(rows) else np.zeros(0)
            if rule is not None and np.isfinite(group.amounts).sum() < MIN_GROUP:
                group.measured = False
        return group

    def _effect(self, i: int) -> dict[str, Any]:
        rule, outcome = self.rules_[i], self.outcomes_[i]
        effect: dict[str, Any] = {
            "id": rule.id,
            "outcome": outcome,
            "reads": OUTCOME_WORDS[outcome],
            "forces_tier_d": outcome == "win",
        }
        if outcome == "win":
            effect["does"] = "lowers P(win) (a flag in the win model) and puts the account in tier D"
            return effect
        groups = self.lifetimes_ if outcome == "retention" else self.acvs_
        group, rest = next(g for g in groups if g.rule == rule.id), groups[-1]
        if outcome == "retention":
            mine, base = (g.lifetime.value if g.lifetime else math.nan for g in (group, rest))
            effect.update(lifetime_years=mine, rest_lifetime_years=base, customers=group.units)
            what = f"expected lifetime {mine:.1f} vs {base:.1f} years" if group.measured and math.isfinite(mine) else ""
        else:
            mine, base = (
                float(np.nanmean(g.amounts)) if g.amounts is not None and np.isfinite(g.amounts).any() else math.nan
                for g in (group, rest)
            )
            effect.update(acv=mine, rest_acv=base, won_deals=group.units)
            what = f"ACV {mine:,.0f} vs {base:,.0f}" if group.measured and math.isfinite(mine) else ""
        effect["measured"], effect["what"] = bool(what), what
        effect["does"] = (
            f"lowers expected value ({what}); not forced to tier D"
            if what
            else f"not measured (only {group.units} {'customers' if outcome == 'retention' else 'won deals'} "
            f"meet it, {MIN_GROUP} needed): no effect on the score"
        )
        return effect

    # -- per account --------------------------------------------------------------------------
    def group_index(self, frame: pd.DataFrame, cache: dict) -> tuple[np.ndarray, np.ndarray]:
        """(lifetime group, ACV group) of every row: the first churn / cost disqualifier it meets
        whose group was measured, else the rest (the last group)."""
        out = []
        for groups in (self.lifetimes_, self.acvs_):
            index = np.full(len(frame), len(groups) - 1, dtype=np.int32)
            rules = {r.id: r for r in self.rules_}
            for j in reversed(range(len(groups) - 1)):
                rule = groups[j].rule  # every group but the last (the rest) has one
                if groups[j].measured and rule is not None:
                    index[rule_mask(rules[rule], frame, cache)] = j
            out.append(index)
        return out[0], out[1]

    def ltv(self, life: int, acv: int) -> Estimate:
        """LTV of a (lifetime group, ACV group) pair, with its bootstrap interval."""
        key = (int(life), int(acv))
        if key not in self._ltv_cache:
            model, amounts = self.lifetimes_[key[0]].model, self.acvs_[key[1]].amounts
            self._ltv_cache[key] = (
                ltv(self.margin, amounts, model, self.random_state)
                if model is not None and amounts is not None and np.isfinite(amounts).any()
                else Estimate(math.nan, math.nan, math.nan)
            )
        return self._ltv_cache[key]

    def ltv_arrays(self, frame: pd.DataFrame, cache: dict) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """LTV (value, low, high) of every row."""
        life, acv = self.group_index(frame, cache)
        width = len(self.acvs_)
        table = np.array(
            [
                [e.value, e.low, e.high]
                for e in (self.ltv(i // width, i % width) for i in range(len(self.lifetimes_) * width))
            ]
        )
        rows = table[life.astype(np.int64) * width + acv]  # a handful of groups: look every row up
        return rows[:, 0], rows[:, 1], rows[:, 2]
