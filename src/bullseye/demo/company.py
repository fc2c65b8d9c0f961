"""The demo company: a route-optimisation SaaS vendor selling to delivery operations in Brazil.

``generate_company`` writes CRM-shaped CSV exports with planted, known truth (an ICP segment, a
disqualifier, a "why now" signal, a buying committee) and ``truth.json`` describing it, so every
later feature can be tested against what it should find. Deterministic for a seed; vectorised.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from bullseye.demo.market import (
    HOL_TITLES,
    INDUSTRY_SPECS,
    LARGE_METROS,
    ascii_lower,
    background_events,
    blank,
    company_names,
    fmt_date,
    make_firms,
    make_spend,
    make_universe,
    money,
    pick,
)
from bullseye.demo.people import (
    committee_truth,
    make_contacts,
    make_deal_contacts,
    make_notes,
)

__all__ = ["generate_company", "AS_OF", "HISTORY_START", "MODEL", "NOISE_ATTRIBUTES"]

AS_OF = np.datetime64("2026-06-30")
HISTORY_START = np.datetime64("2023-07-01")
DAY = np.timedelta64(1, "D")
REPS = (
    "Ana Beatriz Rocha",
    "Bruno Tavares",
    "Camila Duarte",
    "Diego Monteiro",
    "Elisa Prado",
    "Felipe Arantes",
    "Gabriela Siqueira",
    "Henrique Paiva",
    "Isabela Campos",
    "Jorge Menezes",
    "Karina Lobo",
    "Leandro Fontes",
)
SOURCES = ("Website", "Inbound - Content", "Outbound - SDR", "Referral", "Event", "Partner", "LinkedIn")
PLANS = (("Rotavia Starter", 7_200.0), ("Rotavia Professional", 18_000.0), ("Rotavia Enterprise", 42_000.0))
ADDONS = (
    ("Rotavia Add-on: Real-time Tracking", 4_800.0),
    ("Rotavia Add-on: TMS Connector", 3_600.0),
    ("Rotavia Add-on: Extra Vehicles", 6_000.0),
)
OPEN_STAGES = ("Discovery", "Qualification", "Proposal", "Negotiation")
NOISE_ATTRIBUTES = ("crm_tier", "newsletter_opt_in", "office_type", "linkedin_followers")
#: The generating model. Odds ratios act on the log-odds of winning, hazard ratios on a Weibull hazard.
MODEL: dict[str, Any] = {
    "win": {
        "base_logit": -1.52,
        "account_sd": 0.3,
        "odds_ratios": {
            "icp_segment": 2.5,
            "large_metro": 1.3,
            "tried_competitor": 1.4,
            "why_now_head_of_logistics": 3.0,
            "funding_180d": 1.4,
        },
    },
    "expansion_win": {"base_logit": 0.3, "odds_ratios": {"icp_segment": 1.5}},
    "days_to_close": {
        "won_median": 70,
        "lost_median": 50,
        "expansion_median": 35,
        "sigma": 0.5,
        "icp_segment_factor": 0.6,
    },
    "discount": {"mean_inside": 0.08, "mean_outside": 0.18, "beta_a": 2.0},
    "churn": {
        "distribution": "weibull",
        "shape": 1.1,
        "baseline_annual_churn": 0.20,
        "account_sd": 0.2,
        "hazard_ratios": {"icp_segment": 0.4, "employees_lt_50": 4.0, "tried_competitor": 0.8},
    },
    "why_now": {"planted_share_of_new_deals": 0.12, "window_days": 90, "funding_window_days": 180},
    "usage": {"adoption_mean_inside": 0.8, "adoption_mean_outside": 0.55, "users_factor_inside": 1.3},
    "nps": {"base_mean": 7.0, "icp_segment_shift": 1.3, "employees_lt_50_shift": -1.5},
    "deals": {"p_new_business": 0.43, "p_retry_after_loss": 0.2, "expansions_per_customer": [0.5, 0.33, 0.17]},
}


def _days(n: np.ndarray) -> np.ndarray:
    return np.asarray(n).astype(np.int64).astype("timedelta64[D]")


def _ids(prefix: str, n: int, width: int = 7) -> np.ndarray:
    return (prefix + pd.Series(np.arange(1, n + 1)).astype(str).str.zfill(width)).to_numpy(dtype=object)


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
            "date": chosen["created"].to_numpy(dtype="datetime64[D]") - _days(rng.integers(1, 89, k)),
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
    closed = deals["created"].to_numpy(dtype="datetime64[D]") + _days(days)
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
    end = starts + _days(np.maximum(1, np.round(t)))
    return np.where(end > AS_OF, np.datetime64("NaT"), end).astype("datetime64[D]")


def _usage(rng: np.random.Generator, cust: pd.DataFrame, acc: pd.DataFrame) -> pd.DataFrame:
    """Weekly active users and routes optimised from the first start to churn or the as-of date."""
    start = cust["start"].to_numpy(dtype="datetime64[D]")
    end = cust["end"].fillna(AS_OF).to_numpy(dtype="datetime64[D]")
    first = start - _days((start.astype(np.int64) + 3) % 7)  # back to Monday; 1970-01-01 was a Thursday
    last = end - _days((end.astype(np.int64) + 3) % 7)
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
            "Week": fmt_date(first[row] + _days(7 * w)),
            "Active Users": rng.poisson(users0[row] * ramp * decay),
            "Actions": rng.poisson(routes0[row] * ramp * decay),
        }
    )
    return out[rng.random(len(out)) >= 0.01].reset_index(drop=True)


def _accounts_csv(rng: np.random.Generator, acc: pd.DataFrame) -> pd.DataFrame:
    n = len(acc)
    city = pd.Series(acc["city"].to_numpy(dtype=object))
    city = city.where(rng.random(n) >= 0.06, ascii_lower(city).str.title().str.replace(" De ", " de "))
    fleet = pd.Series(np.where(acc["own_fleet"], acc["fleet_size"], -1)).astype("Int64")
    fleet[fleet < 0] = pd.NA
    return pd.DataFrame(
        {
            "Account ID": acc["account_id"],
            "Company Name": acc["name"],
            "Domain": blank(rng, acc["domain"], 0.04),
            "Industry": blank(rng, acc["industry"], 0.04),
            "City": blank(rng, city, 0.02),
            "State": blank(rng, acc["region"], 0.03),
            "Country": blank(rng, acc["country"], 0.02),
            "Employees": blank(rng, acc["employees"], 0.08),
            "Annual Revenue": blank(rng, acc["revenue"], 0.12),
            "Founded Year": blank(rng, acc["founded_year"], 0.15),
            "Tech Stack": blank(rng, acc["tech_stack"], 0.25),
            "Owner": acc["owner"],
            "Lead Source": blank(rng, acc["source"], 0.05),
            "Create Date": fmt_date(acc["created"]),
            "deliveries_per_day": blank(rng, acc["dpd"], 0.08),
            "own_fleet": blank(rng, np.where(acc["own_fleet"], "yes", "no"), 0.06),
            "tried_competitor": blank(rng, np.where(acc["tried_competitor"], "yes", "no"), 0.15),
            "tms": acc["tms"],
            "erp": blank(rng, acc["erp"], 0.15),
            "fleet_size": blank(rng, fleet, 0.10),
            "crm_tier": blank(rng, pick(rng, ("Gold", "Silver", "Bronze"), n, p=(0.2, 0.35, 0.45)), 0.1),
            "newsletter_opt_in": pick(rng, ("yes", "no"), n, p=(0.4, 0.6)),
            "office_type": blank(rng, pick(rng, ("Headquarters", "Branch", "Coworking", "Remote"), n), 0.1),
            "linkedin_followers": blank(rng, np.round(np.exp(rng.normal(np.log(2500), 1.2, n))).astype(np.int64), 0.1),
        }
    )


def _deals_csv(rng: np.random.Generator, deals: pd.DataFrame, acc: pd.DataFrame, n_acc: int):
    """The deals export, with the planted defects (bad close dates, duplicate ids, unknown accounts)."""
    a = acc.iloc[deals["acc_idx"].to_numpy()]
    n = len(deals)
    stage_raw = np.select(
        [deals["stage"] == "won", deals["stage"] == "lost"],
        ["Closed Won", "Closed Lost"],
        pick(rng, OPEN_STAGES, n, p=(0.35, 0.15, 0.3, 0.2)),
    )
    amount = np.where((deals["stage"] == "lost").to_numpy() & (rng.random(n) < 0.06), np.nan, deals["amount"])
    kind = np.where(deals["expansion"], "Expansion", "New Business")
    out = pd.DataFrame(
        {
            "Deal ID": deals["deal_id"],
            "Account ID": deals["account_id"],
            "Deal Name": (
                a["name"].to_numpy(dtype=object)
                + " - "
                + deals["product"].to_numpy(dtype=object)
                + " ("
                + kind.astype(object)
                + ")"
            ),
            "Deal Stage": stage_raw,
            "Create Date": fmt_date(deals["created"]),
            "Close Date": fmt_date(deals["closed"]),
            "Amount": money(amount),
            "List Price": blank(rng, deals["list_price"].astype(np.int64), 0.05),
            "Product": deals["product"],
            "Lead Source": np.where(deals["expansion"], "Existing Customer", a["source"].to_numpy(dtype=object)),
            "Deal Owner": np.where(rng.random(n) < 0.8, a["owner"].to_numpy(dtype=object), pick(rng, REPS, n)),
            "deal_type": kind,
        }
    )
    lost = np.flatnonzero((deals["stage"] == "lost").to_numpy())
    chosen = rng.choice(lost, size=7, replace=False)
    bad_dates, dups, orphans = chosen[:3], chosen[3:5], chosen[5:]
    out.loc[bad_dates, "Close Date"] = ["31/02/2026", "n/a", "TBD"]
    extra = out.iloc[np.concatenate([dups, orphans])].copy()
    extra["Amount"] = money(deals["amount"].to_numpy()[np.concatenate([dups, orphans])] * 1.15)
    extra.iloc[:2, extra.columns.get_loc("Deal Stage")] = "Negotiation"
    extra.iloc[:2, extra.columns.get_loc("Close Date")] = ""
    extra.iloc[2:, extra.columns.get_loc("Deal ID")] = _ids("DEAL-", n + 2)[n:]
    extra.iloc[2:, extra.columns.get_loc("Account ID")] = [f"ACC-{n_acc + 1000 + i:06d}" for i in range(2)]
    key = np.concatenate([2 * np.arange(n), 2 * np.sort(rng.integers(n // 2, n, 4)) + 1])
    order = np.argsort(key, kind="stable")
    full = pd.concat([out, extra], ignore_index=True).iloc[order].reset_index(drop=True)
    line = np.empty(len(order), dtype=np.int64)
    line[order] = np.arange(len(order)) + 2  # row of out/extra -> line in the file (the header is line 1)
    defects = [
        {
            "file": "deals.csv",
            "deal_id": out.at[i, "Deal ID"],
            "line": int(line[i]),
            "kind": "unparseable_close_date",
            "value": out.at[i, "Close Date"],
        }
        for i in bad_dates
    ]
    defects += [
        {
            "file": "deals.csv",
            "deal_id": out.at[i, "Deal ID"],
            "lines": [int(line[i]), int(line[n + j])],
            "kind": "duplicate_deal_id",
        }
        for j, i in enumerate(dups)
    ]
    defects += [
        {
            "file": "deals.csv",
            "deal_id": extra["Deal ID"].iat[2 + j],
            "line": int(line[n + 2 + j]),
            "kind": "unknown_account",
            "value": extra["Account ID"].iat[2 + j],
        }
        for j in range(2)
    ]
    return full, defects


def _exposure_hr(cust: pd.DataFrame, group: np.ndarray) -> float | None:
    """Churn events per customer-year inside ``group`` divided by the same rate outside it."""
    years = (
        (cust["end"].fillna(AS_OF).to_numpy(dtype="datetime64[D]") - cust["start"].to_numpy(dtype="datetime64[D]"))
        / DAY
        / 365.25
    )
    churned = cust["end"].notna().to_numpy()
    rate = [churned[m].sum() / years[m].sum() if years[m].sum() > 0 else np.nan for m in (group, ~group)]
    return None if not np.isfinite(rate[0] / rate[1]) else round(float(rate[0] / rate[1]), 3)


def _rate(won: np.ndarray, mask: np.ndarray) -> dict:
    return {"n": int(mask.sum()), "win_rate": round(float(won[mask].mean()), 4) if mask.any() else None}


def _realised(new: pd.DataFrame, cust: pd.DataFrame, acc: pd.DataFrame) -> dict:
    closed = new[new["stage"] != "open"]
    won, icp = (closed["stage"] == "won").to_numpy(), closed["icp"].to_numpy()
    w = closed[won]
    c = acc.iloc[cust["acc_idx"].to_numpy()]
    return {
        "new_business_closed": {
            "inside": _rate(won, icp),
            "outside": _rate(won, ~icp),
            "why_now": _rate(won, closed["why_now"].to_numpy()),
            "no_why_now": _rate(won, ~closed["why_now"].to_numpy()),
        },
        "median_days_to_win": {
            "inside": float(np.median(w["days"][w["icp"]])),
            "outside": float(np.median(w["days"][~w["icp"]])),
        },
        "mean_discount_won": {
            "inside": round(float(w["discount"][w["icp"]].mean()), 4),
            "outside": round(float(w["discount"][~w["icp"]].mean()), 4),
        },
        "churn_hazard_ratio_exposure": {
            "icp_segment": _exposure_hr(cust, c["icp"].to_numpy()),
            "employees_lt_50": _exposure_hr(cust, c["small"].to_numpy()),
        },
        "customers": int(len(cust)),
        "churned": int(cust["end"].notna().sum()),
    }


def _write(frame: pd.DataFrame, path: Path, **kwargs) -> int:
    frame.to_csv(path, index=False, lineterminator="\n", encoding="utf-8", **kwargs)
    return len(frame)


def generate_company(out_dir: Path | str, n_accounts: int = 5000, seed: int = 0) -> dict:
    """Write the demo company's CRM exports and ``truth.json`` into ``out_dir``; return the truth.

    Example: ``generate_company(Path("demo-workspace/data"), n_accounts=5000, seed=0)``
    """
    if n_accounts < 200:
        raise ValueError(f"n_accounts must be at least 200, got {n_accounts}")
    rng = np.random.default_rng(seed)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    n, n_other = n_accounts, int(round(2.4 * n_accounts))
    names, domains = company_names(rng, n + n_other)
    acc = make_firms(rng, names[:n], domains[:n], universe=False)
    first_day = np.datetime64("2022-07-01")
    acc["created"] = np.sort(first_day + _days(rng.integers(0, int((AS_OF - 60 - first_day) / DAY), n)))
    acc["account_id"] = _ids("ACC-", n, 6)
    acc["icp"] = ((acc["industry"] == "E-commerce") & acc["own_fleet"] & (acc["dpd"] >= 200)).to_numpy()
    acc["small"] = (acc["employees"] < 50).to_numpy()
    acc["het"] = rng.normal(0, MODEL["win"]["account_sd"], n)
    acc["owner"] = pick(rng, REPS, n)
    acc["source"] = pick(rng, SOURCES, n, p=(0.25, 0.15, 0.25, 0.1, 0.1, 0.05, 0.1))
    others = make_firms(rng, names[n:], domains[n:], universe=True, abroad_share=0.03)
    universe, matches, uni_true = make_universe(rng, acc, others, match_share=0.6)
    uni_only = uni_true.loc[uni_true["account_id"].isna(), "company_id"].to_numpy()
    events = pd.concat(
        [
            background_events(rng, acc["account_id"].to_numpy(), 0.8, HISTORY_START - 180, AS_OF),
            background_events(rng, uni_only, 0.4, HISTORY_START - 180, AS_OF),
        ],
        ignore_index=True,
    )

    # New business: a first attempt, and a retry some time after a loss.
    spec = MODEL["deals"]
    acc_created = acc["created"].to_numpy(dtype="datetime64[D]")
    c1 = np.where(
        acc_created < HISTORY_START,  # older accounts come back at any time in the window
        HISTORY_START + _days(rng.random(n) * ((AS_OF - HISTORY_START) / DAY)),
        acc_created + _days(np.round(rng.exponential(60, n))),
    )
    idx = np.flatnonzero((rng.random(n) < spec["p_new_business"]) & (c1 <= AS_OF - 3))
    first = _new_deals(idx, acc, c1[idx])
    events = pd.concat([events, _plant_hires(rng, first)], ignore_index=True)
    first = _outcomes(rng, first, acc, events, expansion=False)
    lost = first[(first["stage"] == "lost").to_numpy() & (rng.random(len(first)) < spec["p_retry_after_loss"])]
    c2 = lost["closed"].to_numpy(dtype="datetime64[D]") + _days(rng.integers(60, 360, len(lost)))
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
    created = start[rep] + _days(60 + rng.random(len(rep)) * np.maximum(life - 60, 0))
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
    deals["deal_id"] = _ids("DEAL-", len(deals))

    subs = deals[deals["stage"] == "won"].sort_values(["closed", "deal_id"], kind="stable")
    subs_end = subs["account_id"].map(cust.set_index("account_id")["end"])
    subs_csv = pd.DataFrame(
        {
            "Subscription ID": _ids("SUB-", len(subs)),
            "Account ID": subs["account_id"].to_numpy(),
            "Plan": subs["product"].to_numpy(),
            "Start Date": fmt_date(subs["closed"]),
            "End Date": fmt_date(subs_end),
            "ARR": subs["amount"].to_numpy(),
        }
    )

    c = acc.iloc[cust["acc_idx"].to_numpy()]
    nps = MODEL["nps"]
    cust["nps_mean"] = (
        nps["base_mean"]
        + nps["icp_segment_shift"] * c["icp"].to_numpy()
        + nps["employees_lt_50_shift"] * c["small"].to_numpy()
        + rng.normal(0, 0.8, len(cust))
    )
    has_deal = np.isin(np.arange(n), deals["acc_idx"].to_numpy())
    contacts = make_contacts(rng, acc[["account_id", "domain", "created"]], has_deal, AS_OF)
    dc = make_deal_contacts(rng, deals, contacts)
    notes, note_quirks, note_defects = make_notes(rng, dc, contacts, deals, cust, AS_OF)
    accounts_csv = _accounts_csv(rng, acc)
    deals_csv, deal_defects = _deals_csv(rng, deals, acc, n)

    events = events.sort_values(["date", "owner"], kind="stable").reset_index(drop=True)
    crm = events["owner"].str.startswith("ACC-").to_numpy()
    events_csv = pd.DataFrame(
        {
            "Event ID": _ids("EVT-", len(events)),
            "Account ID": np.where(crm, events["owner"], ""),
            "Company ID": np.where(crm, "", events["owner"]),
            "Type": events["event_type"],
            "Date": fmt_date(events["date"]),
            "Title": events["title"],
            "Value": pd.Series(events["value"]).round().astype("Int64"),
            "Description": events["description"],
            "Source": events["source"],
        }
    )
    files = {
        "accounts.csv": (accounts_csv, {}),
        "deals.csv": (deals_csv, {}),
        "subscriptions.csv": (subs_csv, {"float_format": "%.2f"}),
        "usage.csv": (_usage(rng, cust, acc), {}),
        "contacts.csv": (
            pd.DataFrame(
                {
                    "Contact ID": contacts["contact_id"],
                    "Account ID": contacts["account_id"],
                    "Name": contacts["name"],
                    "Email": contacts["email"],
                    "Job Title": contacts["title"],
                    "Create Date": fmt_date(contacts["created"]),
                }
            ),
            {},
        ),
        "deal_contacts.csv": (
            pd.DataFrame({"Deal ID": dc["deal_id"], "Contact ID": dc["contact_id"], "Role": dc["role_written"]}),
            {},
        ),
        "notes.csv": (
            pd.DataFrame(
                {
                    "Note ID": notes["note_id"],
                    "Account ID": notes["account_id"],
                    "Deal ID": notes["deal_id"],
                    "Contact ID": notes["contact_id"],
                    "Type": notes["type"],
                    "Date": fmt_date(notes["date"]),
                    "Score": notes["score"].astype("Int64"),
                    "Body": notes["body"],
                }
            ),
            {},
        ),
        "events.csv": (events_csv, {}),
        "universe.csv": (universe, {}),
        "spend.csv": (make_spend(rng, HISTORY_START, 36, n / 5000), {"float_format": "%.2f"}),
    }
    rows = {name: _write(frame, out / name, **kw) for name, (frame, kw) in files.items()}

    truth = _truth(seed, n, acc, accounts_csv, new, cust, contacts, rows, matches, uni_true, events)
    truth["defects"] = deal_defects + note_defects
    truth["note_quirks"] = note_quirks
    (out / "truth.json").write_text(json.dumps(truth, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return truth


def _truth(seed, n, acc, accounts_csv, new, cust, contacts, rows, matches, uni_true, events) -> dict:
    observed = (
        (accounts_csv["Industry"] == "E-commerce")
        & (accounts_csv["own_fleet"] == "yes")
        & (pd.to_numeric(accounts_csv["deliveries_per_day"], errors="coerce").astype(float) >= 200)
    ).to_numpy()
    model = json.loads(json.dumps(MODEL))
    win = new[new["stage"] != "open"]
    hol = events[(events["event_type"] == "exec_hire") & events["title"].isin(HOL_TITLES)]
    return {
        "generator": "bullseye.demo",
        "seed": seed,
        "n_accounts": n,
        "as_of": str(AS_OF),
        "history_start": str(HISTORY_START),
        "currency": "USD",
        "company": {
            "name": "Rotavia",
            "sells": "route-optimisation SaaS",
            "products": [p for p, _ in PLANS],
            "add_ons": [p for p, _ in ADDONS],
            "sales_reps": list(REPS),
        },
        "rows": rows,
        "segment": {
            "name": "E-commerce with own fleet and 200+ deliveries a day",
            "rule": [
                {"attribute": "industry", "op": "==", "value": "E-commerce"},
                {"attribute": "own_fleet", "op": "==", "value": "yes"},
                {"attribute": "deliveries_per_day", "op": ">=", "value": 200},
            ],
            "size_true": int(acc["icp"].sum()),
            "share_true": round(float(acc["icp"].mean()), 4),
            "size_observed": int(observed.sum()),
            "account_ids": acc.loc[acc["icp"], "account_id"].tolist(),
            "effects": {
                "win_odds_ratio": MODEL["win"]["odds_ratios"]["icp_segment"],
                "win_prob_inside": round(float(win["p_win"][win["icp"]].mean()), 4),
                "win_prob_outside": round(float(win["p_win"][~win["icp"]].mean()), 4),
                "days_to_close_factor": MODEL["days_to_close"]["icp_segment_factor"],
                "discount_mean_inside": MODEL["discount"]["mean_inside"],
                "discount_mean_outside": MODEL["discount"]["mean_outside"],
                "churn_hazard_ratio": MODEL["churn"]["hazard_ratios"]["icp_segment"],
                "usage_adoption_inside": MODEL["usage"]["adoption_mean_inside"],
                "usage_adoption_outside": MODEL["usage"]["adoption_mean_outside"],
                "nps_shift": MODEL["nps"]["icp_segment_shift"],
                "expansion_win_odds_ratio": MODEL["expansion_win"]["odds_ratios"]["icp_segment"],
            },
        },
        "other_effects": [
            {
                "name": "large_metro",
                "attribute": "city",
                "op": "in",
                "value": list(LARGE_METROS),
                "win_odds_ratio": MODEL["win"]["odds_ratios"]["large_metro"],
                "note": "about 6% of cities are written without accents (Sao Paulo, Goiania)",
            },
            {
                "name": "tried_competitor",
                "attribute": "tried_competitor",
                "op": "==",
                "value": "yes",
                "win_odds_ratio": MODEL["win"]["odds_ratios"]["tried_competitor"],
                "churn_hazard_ratio": MODEL["churn"]["hazard_ratios"]["tried_competitor"],
            },
        ],
        "disqualifiers": [
            {
                "attribute": "employees",
                "op": "<",
                "value": 50,
                "churn_hazard_ratio": MODEL["churn"]["hazard_ratios"]["employees_lt_50"],
                "nps_shift": MODEL["nps"]["employees_lt_50_shift"],
                "size_true": int(acc["small"].sum()),
                "share_true": round(float(acc["small"].mean()), 4),
            }
        ],
        "why_now": {
            "event_type": "exec_hire",
            "title_variants": list(HOL_TITLES),
            "title_keyword": "head of logistics",
            "window_days": MODEL["why_now"]["window_days"],
            "window": "event date from 90 days before the deal's creation up to its creation day",
            "applies_to": "new business deals (deal_type New Business)",
            "win_odds_ratio": MODEL["win"]["odds_ratios"]["why_now_head_of_logistics"],
            "deals_with_signal": int(new["why_now"].sum()),
            "head_of_logistics_hires": int(len(hol)),
            "mild_signals": [
                {
                    "event_type": "funding",
                    "window_days": MODEL["why_now"]["funding_window_days"],
                    "win_odds_ratio": MODEL["win"]["odds_ratios"]["funding_180d"],
                }
            ],
            "noise_event_types": ["headcount_change", "layoff", "tech_adopted", "exec_hire (other titles)"],
        },
        "committee": committee_truth(),
        "noise_attributes": list(NOISE_ATTRIBUTES),
        "no_effect_attributes": ["founded_year", "tech_stack", "erp", "owner", "source"],
        "model": model,
        "realised": _realised(new, cust, acc),
        "universe": {
            "n_companies": int(len(uni_true)),
            "n_crm_matches": len(matches),
            "icp_true_count": int(uni_true["icp"].sum()),
            "industry_map": {label: spec[0] for spec in INDUSTRY_SPECS for label in spec[1]},
            "matches": matches,
        },
        "contacts": {
            "n": int(len(contacts)),
            "by_role": {
                str(k): int(v) for k, v in contacts["role"].replace("", "none").value_counts().sort_index().items()
            },
        },
    }
