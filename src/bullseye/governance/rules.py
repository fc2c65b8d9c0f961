"""The ICP's trigger rules, evaluated on the workspace's data (every load and ``bullseye check``).

Each rule returns trigger rows (kind, raised_at, subject, detail, evidence) for
:func:`bullseye.governance.triggers.record_triggers`, which stores each once: evaluating again raises nothing
new. What the published version promised is the yardstick: "new" means after its as-of date.
"""

from __future__ import annotations

import math
from datetime import date, timedelta
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from scipy import stats

from bullseye.strategy.icp import ICP

if TYPE_CHECKING:
    from bullseye.core.dataset import Dataset
    from bullseye.workspace import Workspace

__all__ = ["evaluate_rules", "TRIGGER_COLUMNS_OUT", "MIN_DEALS"]

TRIGGER_COLUMNS_OUT = ["kind", "raised_at", "subject", "detail", "evidence"]
#: A rule's new win rate is compared with its published interval only on at least this many opportunities.
MIN_DEALS = 20


def _frame(rows: list[dict]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=TRIGGER_COLUMNS_OUT)


def objection_rule(ws: Workspace, icp: ICP, since: date) -> pd.DataFrame:
    """A new objection heard ``objection_mentions`` times within ``objection_days``, raised after ``since``."""
    if not ws.has_table("notes"):
        return _frame([])
    from bullseye.people.themes import objection_triggers, workspace_themes

    report = workspace_themes(ws, min_count=icp.triggers.objection_mentions, kinds=("objection",))
    found = objection_triggers(
        report, window_days=icp.triggers.objection_days, min_count=icp.triggers.objection_mentions
    )
    return found[pd.to_datetime(found["raised_at"]) > pd.Timestamp(since)].reset_index(drop=True)


def _new_business_since(data: Dataset, since: date) -> pd.DataFrame:
    from bullseye.scoring.scorecard import new_business

    deals = new_business(data.deals, data.deals)
    return deals[pd.to_datetime(deals["decided_at"]) > pd.Timestamp(since)]


def large_loss_rule(data: Dataset, icp: ICP, since: date) -> pd.DataFrame:
    """A lost new-business deal inside the ICP, at least ``large_loss_amount`` (default: the 90th
    percentile of won deal amounts), decided after ``since``."""
    from bullseye.scoring.backtest import icp_membership

    deals = _new_business_since(data, since)
    if deals.empty or not icp.criteria:
        return _frame([])
    threshold = icp.triggers.large_loss_amount
    if threshold is None:
        won = pd.to_numeric(data.deals.loc[data.deals["won"] == 1, "amount"], errors="coerce").dropna()
        if won.empty:
            return _frame([])
        threshold = float(np.percentile(won, 90))
    inside, _ = icp_membership(icp, deals)
    amount = pd.to_numeric(deals["amount"], errors="coerce").to_numpy(float)
    lost = deals[inside & (deals["won"].to_numpy() == 0) & (np.nan_to_num(amount) >= threshold)]
    return _frame(
        [
            {
                "kind": "large_icp_loss",
                "raised_at": row.decided_at,
                "subject": f"deal {row.deal_id}",
                "detail": f"lost an ICP deal of {float(row.amount):,.0f} (threshold {threshold:,.0f}) at account "
                f"{row.account_id}",
                "evidence": [str(row.deal_id)],
            }
            for row in lost.itertuples()
        ]
    )


def _wilson(k: int, n: int) -> tuple[float, float]:
    from statsmodels.stats.proportion import proportion_confint

    low, high = proportion_confint(k, n, alpha=0.05, method="wilson")
    return float(low), float(high)


def segment_rule(data: Dataset, icp: ICP, since: date, today: date) -> pd.DataFrame:
    """An ICP criterion whose win rate since publication left the interval it was published with:
    the new rate's 95% interval does not overlap the published one."""
    from bullseye.scoring.scorecard import rule_mask

    if not icp.triggers.segment_outside_interval:
        return _frame([])
    deals = _new_business_since(data, since)
    rows = []
    for rule in icp.criteria:
        published = next((e.interval for e in rule.evidence if e.outcome == "win" and e.interval), None)
        if published is None or deals.empty:
            continue
        inside = deals[rule_mask(rule, deals)]
        n, k = len(inside), int(inside["won"].sum())
        if n < MIN_DEALS:
            continue
        low, high = _wilson(k, n)
        p_low, p_high = published
        if high < p_low or low > p_high:
            direction = "fell below" if high < p_low else "rose above"
            rows.append(
                {
                    "kind": "segment_shift",
                    "raised_at": today,
                    "subject": rule.id,
                    "detail": f"win rate of '{rule.label}' since {since.isoformat()} is {k / n:.0%} "
                    f"({low:.0%}-{high:.0%}, {n} opportunities): it {direction} the published "
                    f"{p_low:.0%}-{p_high:.0%}",
                    "evidence": inside["deal_id"].astype(str).tolist()[:200],
                }
            )
    rows += _churn_shifts(data, icp, since, today)
    return _frame(rows)


def _churn_shifts(data: Dataset, icp: ICP, since: date, today: date) -> list[dict]:
    """ICP criteria whose churn rate ratio (inside vs outside, churn events per customer-year since
    publication) has a 95% interval that does not overlap the hazard ratio they were published with."""
    from bullseye.governance.drift import _churn_counts
    from bullseye.scoring.scorecard import rule_mask

    accounts = data.accounts
    if "first_start" not in accounts.columns or not accounts["first_start"].notna().any():
        return []
    rows = []
    for rule in icp.criteria:
        published = next(
            (e.interval for e in rule.evidence if e.outcome == "retention" and e.interval and "ratio" in e.metric), None
        )
        if published is None:
            continue
        events_in, years_in, events_out, years_out = _churn_counts(accounts, rule_mask(rule, accounts), since, today)
        if min(events_in, events_out) < 5 or min(years_in, years_out) <= 0:
            continue
        ratio = (events_in / years_in) / (events_out / years_out)
        half = 1.96 * math.sqrt(1 / events_in + 1 / events_out)
        low, high = ratio * math.exp(-half), ratio * math.exp(half)
        p_low, p_high = published
        if high < p_low or low > p_high:
            direction = "fell below" if high < p_low else "rose above"
            rows.append(
                {
                    "kind": "segment_shift",
                    "raised_at": today,
                    "subject": f"{rule.id} (churn)",
                    "detail": f"churn rate ratio of '{rule.label}' since {since.isoformat()} is {ratio:.2f} "
                    f"({low:.2f}-{high:.2f}, {int(events_in + events_out)} churn events): it "
                    f"{direction} the published {p_low:.2f}-{p_high:.2f}",
                    "evidence": [],
                }
            )
    return rows


def icp_share_rule(data: Dataset, icp: ICP, since: date, today: date) -> pd.DataFrame:
    """The ICP's share of new opportunities fell more than ``icp_share_drop`` below its share in the
    same length of time before publication, and a two-proportion test says it is not chance (p < 0.01)."""
    from bullseye.scoring.backtest import icp_membership
    from bullseye.scoring.scorecard import new_business

    if not icp.criteria:
        return _frame([])
    deals = new_business(data.deals, data.deals)
    created = pd.to_datetime(deals["created_at"]).fillna(pd.to_datetime(deals["decided_at"]))
    span = max((pd.Timestamp(today) - pd.Timestamp(since)).days, 30)
    after = deals[(created > pd.Timestamp(since)).to_numpy()]
    before = deals[
        ((created <= pd.Timestamp(since)) & (created > pd.Timestamp(since) - timedelta(days=span))).to_numpy()
    ]
    if len(after) < MIN_DEALS or len(before) < MIN_DEALS:
        return _frame([])
    share_after, share_before = (icp_membership(icp, after)[0].mean(), icp_membership(icp, before)[0].mean())
    drop = share_before - share_after
    table = np.array(
        [
            [share_after * len(after), (1 - share_after) * len(after)],
            [share_before * len(before), (1 - share_before) * len(before)],
        ]
    ).round()
    p = stats.chi2_contingency(table)[1] if table.min() >= 0 and table.sum(axis=1).min() > 0 else math.nan
    if drop < icp.triggers.icp_share_drop or not p < 0.01:
        return _frame([])
    return _frame(
        [
            {
                "kind": "icp_share_drop",
                "raised_at": today,
                "subject": "ICP share of new opportunities",
                "detail": f"{share_after:.0%} of {len(after):,} new opportunities since {since.isoformat()} are in "
                f"the ICP, against {share_before:.0%} of {len(before):,} before (p = {p:.3g})",
                "evidence": [],
            }
        ]
    )


def watch_rule(ws: Workspace, icp: ICP, since: date) -> pd.DataFrame:
    """A note since ``since`` mentioning a watched competitor or theme: one trigger per term and day."""
    terms = [t for t in icp.triggers.watch_terms if t.strip()]
    if not terms or not ws.has_table("notes"):
        return _frame([])
    notes = ws.table("notes")
    frame = notes.filter(notes["created_at"] > since).select("note_id", "created_at", "body").to_pandas()
    rows = []
    for term in terms:
        hit = frame[frame["body"].fillna("").str.contains(term, case=False, regex=False)]
        for day, part in hit.groupby(pd.to_datetime(hit["created_at"]).dt.date):
            rows.append(
                {
                    "kind": "watched_term",
                    "raised_at": day,
                    "subject": term,
                    "detail": f"'{term}' mentioned in {len(part)} note(s)",
                    "evidence": part["note_id"].astype(str).tolist(),
                }
            )
    return _frame(rows)


def evaluate_rules(
    ws: Workspace, icp: ICP, since: date, data: Dataset | None = None, today: date | None = None
) -> pd.DataFrame:
    """Every trigger rule of ``icp`` over what happened after ``since`` (the published as-of date)."""
    from bullseye.core.dataset import build_dataset

    parts = [objection_rule(ws, icp, since), watch_rule(ws, icp, since)]
    if ws.has_table("deals"):
        data = data if data is not None else build_dataset(ws)
        today = today or data.as_of
        parts += [
            large_loss_rule(data, icp, since),
            segment_rule(data, icp, since, today),
            icp_share_rule(data, icp, since, today),
        ]
    found = [p for p in parts if not p.empty]
    return pd.concat(found, ignore_index=True) if found else _frame([])
