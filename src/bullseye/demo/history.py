"""The demo company's deal and subscription histories: new business with retries after a loss,
customers churning on a Weibull clock, expansions, subscriptions and weekly usage. Every draw comes
from the generator passed in, in a fixed order, so a seed gives the same history."""

from __future__ import annotations

import numpy as np
import pandas as pd

from bullseye.demo.market import HOL_TITLES, fmt_date, pick
from bullseye.demo.model import ADDONS, AS_OF, DAY, HISTORY_START, MODEL, PLANS, as_days, ids

__all__ = ["deal_history", "subscriptions_csv", "usage_csv"]


def deal_history(
    rng: np.random.Generator, acc: pd.DataFrame, events: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """New business and expansion deals of the accounts ``acc`` and their customers: returns the
    new-business deals, the customers (start, end: NaT while active), all deals with their ids, and
    ``events`` with the planted Head of Logistics hires added."""
    n = len(acc)
    # New business: a first attempt, and a retry some time after a loss.
    spec = MODEL["deals"]
    acc_created = acc["created"].to_numpy(dtype="datetime64[D]")
    c1 = np.where(
        acc_created < HISTORY_START,  # older accounts come back at any time in the window
        HISTORY_START + as_days(rng.random(n) * ((AS_OF - HISTORY_START) / DAY)),
        acc_created + as_days(np.round(rng.exponential(60, n))),
    )
    idx = np.flatnonzero((rng.random(n) < spec["p_new_business"]) & (c1 <= AS_OF - 3))
    first = _new_deals(idx, acc, c1[idx])
    events = pd.concat([events, _plant_hires(rng, first)], ignore_index=True)
    first = _outcomes(rng, first, acc, events, expansion=False)
    lost = first[(first["stage"] == "lost").to_numpy() & (rng.random(len(first)) < spec["p_retry_after_loss"])]
    c2 = lost["closed"].to_numpy(dtype="datetime64[D]") + as_days(rng.integers(60, 360, len(lost)))
    second = _outcomes(
        rng,
        _new_deals(lost["acc_idx"].to_numpy()[c2 <= AS_OF - 3], acc, c2[c2 <= AS_OF - 3]),
        acc,
        events,
        expansion=False,
    )
    new = pd.concat([first, second], ignore_index=True).assign(expansion=False)

    # Customers: one per won new-business deal; churn is time-to-event, censored at the as-of date.
    won_new = new[new["stage"] == "won"]
    start = won_new["closed"].to_numpy(dtype="datetime64[D]")
    cust = pd.DataFrame(
        {
            "acc_idx": won_new["acc_idx"].to_numpy(),
            "account_id": won_new["account_id"].to_numpy(),
            "start": start,
            "end": _churn(rng, acc, start, won_new["acc_idx"].to_numpy()),
        }
    )
    rep = np.repeat(np.arange(len(cust)), rng.choice(3, size=len(cust), p=spec["expansions_per_customer"]))
    cend = cust["end"].to_numpy(dtype="datetime64[D]")[rep]
    life = (np.where(np.isnat(cend), AS_OF, cend) - start[rep]) / DAY
    created = start[rep] + as_days(60 + rng.random(len(rep)) * np.maximum(life - 60, 0))
    keep = (life > 120) & (created <= AS_OF - 3)
    exp = _outcomes(rng, _new_deals(cust["acc_idx"].to_numpy()[rep][keep], acc, created[keep]), acc, events, True)
    cend = cend[keep]
    gone = ~np.isnat(cend) & (
        np.isnat(exp["closed"].to_numpy(dtype="datetime64[D]"))
        | (exp["closed"].to_numpy(dtype="datetime64[D]") >= cend)
    )
    exp.loc[gone, "stage"] = "lost"  # the customer churned before the expansion closed
    exp.loc[gone, "closed"] = cend[gone]
    deals = pd.concat([new, exp.assign(expansion=True)], ignore_index=True)
    deals = deals.sort_values(["created", "account_id"], kind="stable").reset_index(drop=True)
    deals["deal_id"] = ids("DEAL-", len(deals))
    return new, cust, deals, events


def subscriptions_csv(deals: pd.DataFrame, cust: pd.DataFrame) -> pd.DataFrame:
    """The subscriptions export: one per won deal, ending when its customer churned."""
    subs = deals[deals["stage"] == "won"].sort_values(["closed", "deal_id"], kind="stable")
    subs_end = subs["account_id"].map(cust.set_index("account_id")["end"])
    return pd.DataFrame(
        {
            "Subscription ID": ids("SUB-", len(subs)),
            "Account ID": subs["account_id"].to_numpy(),
            "Plan": subs["product"].to_numpy(),
            "Start Date": fmt_date(subs["closed"]),
            "End Date": fmt_date(subs_end),
            "ARR": subs["amount"].to_numpy(),
        }
    )


def _recent(deals: pd.DataFrame, events: pd.DataFrame, mask: np.ndarray, window: int) -> np.ndarray:
    """For each deal: did an event in ``events[mask]`` happen at its account 0..window days before creation?"""
    ev = events.loc[mask, ["owner", "date"]]
    m = pd.DataFrame(
        {
            "row": np.arange(len(deals)),
            "owner": deals["account_id"].to_numpy(),
            "created": deals["created"].to_numpy(dtype="datetime64[D]"),
        }
    ).merge(ev, on="owner")
    lag = (m["created"].to_numpy(dtype="datetime64[D]") - m["date"].to_numpy(dtype="datetime64[D]")) / DAY
    flag = np.zeros(len(deals), dtype=bool)
    flag[m["row"].to_numpy()[(lag >= 0) & (lag <= window)]] = True
    return flag


def _plant_hires(rng: np.random.Generator, deals: pd.DataFrame) -> pd.DataFrame:
    """A Head of Logistics hire shortly before a share of new deals: the planted "why now"."""
    chosen = deals[rng.random(len(deals)) < MODEL["why_now"]["planted_share_of_new_deals"]]
    k = len(chosen)
    title = pick(rng, HOL_TITLES, k)
    return pd.DataFrame(
        {
            "owner": chosen["account_id"].to_numpy(),
            "event_type": "exec_hire",
            "date": chosen["created"].to_numpy(dtype="datetime64[D]") - as_days(rng.integers(1, 89, k)),
            "title": title,
            "value": np.nan,
            "description": "New " + title + " announced on LinkedIn",
            "source": "LinkedIn",
        }
    )


def _outcomes(
    rng: np.random.Generator, deals: pd.DataFrame, acc: pd.DataFrame, events: pd.DataFrame, expansion: bool
) -> pd.DataFrame:
    """Win or lose each deal, with its close date, price and discount."""
    a = acc.iloc[deals["acc_idx"].to_numpy()]
    icp = a["icp"].to_numpy()
    hol = (events["event_type"] == "exec_hire").to_numpy() & events["title"].isin(HOL_TITLES).to_numpy()
    why_now = _recent(deals, events, hol, MODEL["why_now"]["window_days"])
    funding = _recent(
        deals, events, (events["event_type"] == "funding").to_numpy(), MODEL["why_now"]["funding_window_days"]
    )
    if expansion:
        spec = MODEL["expansion_win"]
        logit = spec["base_logit"] + np.log(spec["odds_ratios"]["icp_segment"]) * icp
    else:
        spec = MODEL["win"]
        odds = spec["odds_ratios"]
        logit = (
            spec["base_logit"]
            + a["het"].to_numpy()
            + np.log(odds["icp_segment"]) * icp
            + np.log(odds["large_metro"]) * a["large_metro"].to_numpy()
            + np.log(odds["tried_competitor"]) * a["tried_competitor"].to_numpy()
            + np.log(odds["why_now_head_of_logistics"]) * why_now
            + np.log(odds["funding_180d"]) * funding
        )
    p = 1 / (1 + np.exp(-logit))
    won = rng.random(len(deals)) < p
    dtc = MODEL["days_to_close"]
    median = np.where(won, dtc["won_median"], dtc["lost_median"]) if not expansion else dtc["expansion_median"]
    median = median * np.where(icp, dtc["icp_segment_factor"], 1.0)
    days = np.maximum(3, np.round(median * np.exp(rng.normal(0, dtc["sigma"], len(deals)))))
    closed = deals["created"].to_numpy(dtype="datetime64[D]") + as_days(days)
    disc = MODEL["discount"]
    mean = np.where(icp, disc["mean_inside"], disc["mean_outside"])
    discount = np.round(rng.beta(disc["beta_a"], disc["beta_a"] * (1 - mean) / mean), 3)
    if expansion:
        which = rng.integers(0, len(ADDONS), len(deals))
        product = np.array([x[0] for x in ADDONS], dtype=object)[which]
        base = np.array([x[1] for x in ADDONS])[which]
    else:
        which = np.digitize(a["dpd"].to_numpy(), (150, 600))
        product = np.array([x[0] for x in PLANS], dtype=object)[which]
        base = np.array([x[1] for x in PLANS])[which]
    scale = np.clip((a["dpd"].to_numpy() / np.array([60, 300, 1200])[np.minimum(which, 2)]) ** 0.3, 0.6, 2.0)
    list_price = np.round(base * scale, -2)
    return deals.assign(
        p_win=p,
        why_now=why_now,
        funding=funding,
        icp=icp,
        days=days.astype(np.int64),
        stage=np.where(closed > AS_OF, "open", np.where(won, "won", "lost")),
        closed=np.where(closed > AS_OF, np.datetime64("NaT"), closed).astype("datetime64[D]"),
        discount=discount,
        list_price=list_price,
        amount=np.round(list_price * (1 - discount), 2),
        product=product,
    )


def _new_deals(acc_idx: np.ndarray, acc: pd.DataFrame, created: np.ndarray) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "acc_idx": acc_idx,
            "account_id": acc["account_id"].to_numpy()[acc_idx],
            "created": np.asarray(created, dtype="datetime64[D]"),
        }
    )


def _churn(rng: np.random.Generator, acc: pd.DataFrame, starts: np.ndarray, acc_idx: np.ndarray) -> np.ndarray:
    """Weibull time to churn with proportional hazards; NaT when still active at the as-of date."""
    c = MODEL["churn"]
    hr = c["hazard_ratios"]
    a = acc.iloc[acc_idx]
    lp = (
        np.log(hr["icp_segment"]) * a["icp"].to_numpy()
        + np.log(hr["employees_lt_50"]) * a["small"].to_numpy()
        + np.log(hr["tried_competitor"]) * a["tried_competitor"].to_numpy()
        + rng.normal(0, c["account_sd"], len(a))
    )
    scale = 365.0 / (-np.log(1 - c["baseline_annual_churn"])) ** (1 / c["shape"])
    t = scale * (rng.exponential(1.0, len(a)) / np.exp(lp)) ** (1 / c["shape"])
    end = starts + as_days(np.maximum(1, np.round(t)))
    return np.where(end > AS_OF, np.datetime64("NaT"), end).astype("datetime64[D]")


def usage_csv(rng: np.random.Generator, cust: pd.DataFrame, acc: pd.DataFrame) -> pd.DataFrame:
    """Weekly active users and routes optimised from the first start to churn or the as-of date."""
    start = cust["start"].to_numpy(dtype="datetime64[D]")
    end = cust["end"].fillna(AS_OF).to_numpy(dtype="datetime64[D]")
    first = start - as_days((start.astype(np.int64) + 3) % 7)  # back to Monday; 1970-01-01 was a Thursday
    last = end - as_days((end.astype(np.int64) + 3) % 7)
    weeks = ((last - first) // 7 / DAY).astype(np.int64) + 1
    row = np.repeat(np.arange(len(cust)), weeks)
    w = np.arange(len(row)) - np.repeat(np.cumsum(weeks) - weeks, weeks)
    a = acc.iloc[cust["acc_idx"].to_numpy()]
    u = MODEL["usage"]
    icp = a["icp"].to_numpy()
    adoption = rng.beta(
        4,
        4
        * (1 - np.where(icp, u["adoption_mean_inside"], u["adoption_mean_outside"]))
        / np.where(icp, u["adoption_mean_inside"], u["adoption_mean_outside"]),
    )
    dpd = a["dpd"].to_numpy()
    users0 = (2 + dpd / 40) * np.where(icp, u["users_factor_inside"], 1.0) * (0.5 + adoption)
    routes0 = dpd * 6 / 20 * adoption
    churned = cust["end"].notna().to_numpy()
    to_end = weeks[row] - 1 - w
    decay = np.where(churned[row] & (to_end < 10), 0.3 + 0.07 * to_end, 1.0)
    ramp = 1 - np.exp(-(w + 1) / 4)
    out = pd.DataFrame(
        {
            "Account ID": cust["account_id"].to_numpy()[row],
            "Week": fmt_date(first[row] + as_days(7 * w)),
            "Active Users": rng.poisson(users0[row] * ramp * decay),
            "Actions": rng.poisson(routes0[row] * ramp * decay),
        }
    )
    return out[rng.random(len(out)) >= 0.01].reset_index(drop=True)
