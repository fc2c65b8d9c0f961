"""Later periods of the demo company, to test what happens after an ICP is published.

``generate_period`` takes the exports ``generate_company`` wrote and adds the next months of the
same company's life, rewriting ``deals.csv``, ``subscriptions.csv`` and ``notes.csv`` as a CRM
would export them again: new opportunities, wins and losses, new customers, churn, and call notes.
Rows that were already there are kept as they were. A *stable* period follows the generating
model; a *shifted* one changes the market (``SHIFT``): the planted segment's advantage fades
(win and retention), a new segment starts to win and brings more of the pipeline, and a new
objection appears in the notes. ``truth.json`` records each period added.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from bullseye.demo.market import fmt_date, money, pick
from bullseye.demo.model import AS_OF, MODEL, PLANS, REPS, ids

__all__ = ["generate_period", "SHIFT"]

#: The market shift of a shifted period.
SHIFT: dict[str, Any] = {
    "new_segment": {"industry": "Marketplace"},
    "new_segment_odds_ratio": 3.0,  # the new segment now wins at 3x the odds
    "new_segment_pipeline_weight": 4.0,  # and is 4x as likely as another prospect to open an opportunity
    "planted_segment_odds_ratio": 1.0,  # the ICP segment wins like everyone else
    "planted_segment_hazard_ratio": 1.0,  # and churns like everyone else
    "pipeline_growth": 1.3,
    "objection": ("no native integration with the marketplaces", "falta integração nativa com os marketplaces"),
    "objection_notes_per_month": 6,
}
_OBJ = ("Objection raised: {x}.", "Objeção: {x}.")
_CALL = ("Call with {who}.", "Ligação com {who}.")


def _read(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def _last_number(existing: pd.Series) -> int:
    numbers = pd.to_numeric(existing.str.extract(r"(\d+)$")[0], errors="coerce")
    return int(numbers.max()) if numbers.notna().any() else 0


def generate_period(data_dir: Path | str, months: int = 3, seed: int = 0, shift: bool = False) -> dict:
    """Add ``months`` more months to the demo exports in ``data_dir``; returns the period's truth.

    Example: ``generate_period(Path("demo-workspace/data"), months=3, seed=1, shift=True)``
    """
    data_dir = Path(data_dir)
    truth_path = data_dir / "truth.json"
    truth = json.loads(truth_path.read_text(encoding="utf-8"))
    periods = truth.setdefault("periods", [])
    start = np.datetime64(periods[-1]["end"]) if periods else AS_OF
    end = start + np.timedelta64(int(round(months * 30.44)), "D")
    rng = np.random.default_rng([int(truth["seed"]), len(periods) + 1, int(shift), seed])

    accounts = _read(data_dir / "accounts.csv")
    deals = _read(data_dir / "deals.csv")
    subs = _read(data_dir / "subscriptions.csv")
    notes = _read(data_dir / "notes.csv")

    dpd = pd.to_numeric(accounts["deliveries_per_day"], errors="coerce").fillna(0).to_numpy()
    employees = pd.to_numeric(accounts["Employees"], errors="coerce").fillna(100).to_numpy()
    icp = ((accounts["Industry"] == "E-commerce") & (accounts["own_fleet"] == "yes") & (dpd >= 200)).to_numpy()
    new_segment = (accounts["Industry"] == SHIFT["new_segment"]["industry"]).to_numpy() & ~icp
    # As in the generated history, a first attempt can come from any account that has not had one,
    # so the pipeline's mix is the accounts' mix (not thinned of the ICP accounts already won).
    prospects = np.flatnonzero(
        ~accounts["Account ID"].isin(set(deals["Account ID"]) | set(subs["Account ID"])).to_numpy()
    )

    # Pipeline, as in the generated history: first attempts of accounts that never had one, at the
    # pace of the last year (faster after a shift), and retries 60-360 days after a lost first attempt.
    new_business = deals[deals["deal_type"] == "New Business"].copy()
    new_business["created"] = pd.to_datetime(new_business["Create Date"], errors="coerce")
    firsts = new_business.sort_values("created", kind="stable").drop_duplicates("Account ID")
    recent = firsts["created"] > pd.Timestamp(start) - pd.Timedelta(days=365)
    per_day = recent.sum() / 365 * (SHIFT["pipeline_growth"] if shift else 1.0)
    days = int((end - start) / np.timedelta64(1, "D"))
    n_first = min(int(rng.poisson(per_day * days)), len(prospects))
    weight = (
        np.where(new_segment[prospects], SHIFT["new_segment_pipeline_weight"], 1.0)
        if shift
        else np.ones(len(prospects))
    )
    first_accounts = rng.choice(prospects, size=n_first, replace=False, p=weight / weight.sum())
    first_days = start + rng.integers(1, days + 1, n_first).astype("timedelta64[D]")
    attempts = new_business.groupby("Account ID").size()
    single_loss = new_business[
        new_business["Account ID"].map(attempts).eq(1) & new_business["Deal Stage"].eq("Closed Lost")
    ]
    lost_on = pd.to_datetime(single_loss["Close Date"], errors="coerce").to_numpy("datetime64[D]")
    retry_on = lost_on + rng.integers(60, 360, len(single_loss)).astype("timedelta64[D]")
    retry = (
        ~np.isnat(lost_on)
        & (rng.random(len(single_loss)) < MODEL["deals"]["p_retry_after_loss"])
        & (retry_on > start)
        & (retry_on <= end)
    )
    index_of = pd.Series(np.arange(len(accounts)), index=accounts["Account ID"])
    retry_accounts = index_of.reindex(single_loss["Account ID"].to_numpy()[retry]).dropna().astype(int).to_numpy()
    retry_days = retry_on[retry][~np.isnan(index_of.reindex(single_loss["Account ID"].to_numpy()[retry]).to_numpy())]
    chosen = np.concatenate([first_accounts, retry_accounts])
    opened = np.concatenate([first_days, retry_days])
    n_new = len(chosen)

    spec = MODEL["win"]
    icp_or = SHIFT["planted_segment_odds_ratio"] if shift else spec["odds_ratios"]["icp_segment"]
    logit = (
        spec["base_logit"]
        + rng.normal(0, spec["account_sd"], n_new)
        + np.log(icp_or) * icp[chosen]
        + (np.log(SHIFT["new_segment_odds_ratio"]) * new_segment[chosen] if shift else 0.0)
    )
    won = rng.random(n_new) < 1 / (1 + np.exp(-logit))
    dtc = MODEL["days_to_close"]
    median = np.where(won, dtc["won_median"], dtc["lost_median"]) * np.where(
        icp[chosen] & (not shift), dtc["icp_segment_factor"], 1.0
    )
    closed = opened + np.maximum(3, np.round(median * np.exp(rng.normal(0, dtc["sigma"], n_new)))).astype(
        "timedelta64[D]"
    )
    is_open = closed > end
    plan = np.digitize(dpd[chosen], (150, 600))
    list_price = np.array([p[1] for p in PLANS])[plan] * np.clip(
        (np.maximum(dpd[chosen], 1) / np.array([60, 300, 1200])[plan]) ** 0.3, 0.6, 2.0
    )
    list_price = np.round(list_price, -2)
    mean = np.where(icp[chosen] & (not shift), MODEL["discount"]["mean_inside"], MODEL["discount"]["mean_outside"])
    discount = rng.beta(2.0, 2.0 * (1 - mean) / mean)
    amount = np.round(list_price * (1 - discount), 2)
    stage = np.where(
        is_open,
        pick(rng, ("Discovery", "Qualification", "Proposal", "Negotiation"), n_new),
        np.where(won, "Closed Won", "Closed Lost"),
    )
    product = np.array([p[0] for p in PLANS], dtype=object)[plan]
    first_deal = _last_number(deals["Deal ID"]) + 1
    deal_ids = ids("DEAL-", n_new, start=first_deal)
    names = accounts["Company Name"].to_numpy(dtype=object)[chosen]
    new_deals = pd.DataFrame(
        {
            "Deal ID": deal_ids,
            "Account ID": accounts["Account ID"].to_numpy()[chosen],
            "Deal Name": names + " - " + product + " (New Business)",
            "Deal Stage": stage,
            "Create Date": fmt_date(opened),
            "Close Date": np.where(is_open, "", fmt_date(closed)),
            "Amount": money(amount),
            "List Price": list_price.astype(np.int64).astype(str),
            "Product": product,
            "Lead Source": accounts["Lead Source"].to_numpy()[chosen],
            "Deal Owner": np.where(
                accounts["Owner"].to_numpy()[chosen] != "", accounts["Owner"].to_numpy()[chosen], pick(rng, REPS, n_new)
            ),
            "deal_type": "New Business",
        }
    )

    # New customers, and churn of every customer over the period (Weibull hazard, as generated).
    wins = new_deals[(stage == "Closed Won")]
    start_dates = closed[stage == "Closed Won"]
    first_sub = _last_number(subs["Subscription ID"]) + 1
    new_subs = pd.DataFrame(
        {
            "Subscription ID": ids("SUB-", len(wins), start=first_sub),
            "Account ID": wins["Account ID"],
            "Plan": wins["Product"],
            "Start Date": fmt_date(start_dates),
            "End Date": "",
            "ARR": amount[stage == "Closed Won"].round(2).astype(str),
        }
    )
    subs = pd.concat([subs, new_subs], ignore_index=True)
    churn = MODEL["churn"]
    active = np.flatnonzero((subs["End Date"] == "").to_numpy())
    index = pd.Series(np.arange(len(accounts)), index=accounts["Account ID"])
    acc_of = index.reindex(subs["Account ID"].to_numpy()[active]).to_numpy()
    known = ~np.isnan(acc_of)
    active, acc_of = active[known], acc_of[known].astype(int)
    sub_start = pd.to_datetime(subs["Start Date"].to_numpy()[active], errors="coerce").to_numpy("datetime64[D]")
    origin = np.maximum(sub_start, start)
    years = np.maximum((end - origin) / np.timedelta64(365, "D"), 0)
    hr = np.where(
        icp[acc_of], SHIFT["planted_segment_hazard_ratio"] if shift else churn["hazard_ratios"]["icp_segment"], 1.0
    )
    hr = hr * np.where(employees[acc_of] < 50, churn["hazard_ratios"]["employees_lt_50"], 1.0)
    rate = -np.log(1 - churn["baseline_annual_churn"]) * hr
    gone = rng.random(len(active)) < 1 - np.exp(-rate * years)
    when = origin[gone] + (
        rng.random(gone.sum()) * np.maximum((end - origin[gone]) / np.timedelta64(1, "D"), 1)
    ).astype("timedelta64[D]")
    subs.loc[subs.index[active[gone]], "End Date"] = fmt_date(when)

    # Notes: a call note on each new opportunity; after a shift, a new objection voiced repeatedly.
    first_note = _last_number(notes["Note ID"]) + 1
    lang = (rng.random(n_new) < 0.6).astype(int)
    bodies = np.array([_CALL[x].format(who="o time" if x else "the team") for x in lang], dtype=object)
    new_notes = [
        pd.DataFrame(
            {
                "Account ID": new_deals["Account ID"],
                "Deal ID": new_deals["Deal ID"],
                "Contact ID": "",
                "Type": "call",
                "Date": fmt_date(opened),
                "Score": "",
                "Body": bodies,
            }
        )
    ]
    objection = []
    if shift:
        k = int(round(SHIFT["objection_notes_per_month"] * months))
        pick_deals = rng.choice(n_new, size=min(k, n_new), replace=False) if n_new else np.zeros(0, dtype=int)
        heard = opened[pick_deals] + rng.integers(0, 10, len(pick_deals)).astype("timedelta64[D]")
        heard = np.minimum(heard, end)
        x = (rng.random(len(pick_deals)) < 0.5).astype(int)
        objection = [_OBJ[i].format(x=SHIFT["objection"][i]) for i in x]
        new_notes.append(
            pd.DataFrame(
                {
                    "Account ID": new_deals["Account ID"].to_numpy()[pick_deals],
                    "Deal ID": new_deals["Deal ID"].to_numpy()[pick_deals],
                    "Contact ID": "",
                    "Type": "call",
                    "Date": fmt_date(heard),
                    "Score": "",
                    "Body": objection,
                }
            )
        )
    added_notes = pd.concat(new_notes, ignore_index=True)
    added_notes.insert(0, "Note ID", ids("NOTE-", len(added_notes), start=first_note))

    pd.concat([deals, new_deals], ignore_index=True).to_csv(data_dir / "deals.csv", index=False)
    subs.to_csv(data_dir / "subscriptions.csv", index=False)
    pd.concat([notes, added_notes[notes.columns]], ignore_index=True).to_csv(data_dir / "notes.csv", index=False)
    period = {
        "start": str(start),
        "end": str(end),
        "months": months,
        "shift": bool(shift),
        "new_opportunities": int(n_new),
        "won": int((stage == "Closed Won").sum()),
        "open": int(is_open.sum()),
        "churned": int(gone.sum()),
        "objection_notes": len(objection),
        "shift_spec": SHIFT if shift else None,
    }
    periods.append(period)
    truth_path.write_text(json.dumps(truth, indent=2, ensure_ascii=False, default=str) + "\n", encoding="utf-8")
    return period
