"""The demo company: a route-optimisation SaaS vendor selling to delivery operations in Brazil.

``generate_company`` writes CRM-shaped CSV exports with planted, known truth (an ICP segment, a
disqualifier, a "why now" signal, a buying committee) and ``truth.json`` describing it, so every
later feature can be tested against what it should find. Deterministic for a seed; vectorised.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from bullseye.demo.history import deal_history, subscriptions_csv, usage_csv
from bullseye.demo.market import (
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
from bullseye.demo.model import (
    AS_OF,
    DAY,
    HISTORY_START,
    MODEL,
    NOISE_ATTRIBUTES,
    OPEN_STAGES,
    PLANS,
    REPS,
    SOURCES,
    as_days,
    ids,
)
from bullseye.demo.notes import make_notes
from bullseye.demo.people import make_contacts, make_deal_contacts
from bullseye.demo.truth import company_truth

__all__ = ["generate_company", "AS_OF", "HISTORY_START", "MODEL", "NOISE_ATTRIBUTES", "PLANS", "REPS"]


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
    extra.iloc[2:, extra.columns.get_loc("Deal ID")] = ids("DEAL-", n + 2)[n:]
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
    acc["created"] = np.sort(first_day + as_days(rng.integers(0, int((AS_OF - 60 - first_day) / DAY), n)))
    acc["account_id"] = ids("ACC-", n, 6)
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

    new, cust, deals, events = deal_history(rng, acc, events)
    subs_csv = subscriptions_csv(deals, cust)

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
            "Event ID": ids("EVT-", len(events)),
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
        "usage.csv": (usage_csv(rng, cust, acc), {}),
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

    truth = company_truth(seed, n, acc, accounts_csv, new, cust, contacts, rows, matches, uni_true, events)
    truth["defects"] = deal_defects + note_defects
    truth["note_quirks"] = note_quirks
    (out / "truth.json").write_text(json.dumps(truth, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return truth
