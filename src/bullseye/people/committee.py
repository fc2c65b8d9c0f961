"""The buying committee from data: who shows up on won and lost deals inside the ICP, and what
their presence changes.

* Roles come from ``deal_contacts.role`` when the CRM has them (normalised: "Decision Maker" and
  "Signer" are the economic buyer, "Coach" is a champion, ...). Where a role is blank it is
  **inferred** from the contact's title: from how contacts with the same function and seniority
  were labelled elsewhere in the data when enough explicit roles exist, else from a short list of
  rules (a finance executive signs). Every inferred role says so and on what basis.
* Presence effects: for each role, function and role x function, new-business deals with such a
  contact vs deals without one: win rate with Wilson intervals, Fisher's exact test, Holm's
  adjustment over every group tested, and the median days to close of won deals (Mann-Whitney).
* The champion profile: who the champions were in the best accounts (top quarter by realised
  revenue), and what became of them when later contact records show a new title or a new company.

Presence on a deal is what the CRM recorded, often after the fact: lost deals tend to carry fewer
contacts. The effects describe the committees of won and lost deals; they are not proof that
adding a person wins the deal.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from scipy import stats

from bullseye.core.dataset import build_dataset
from bullseye.errors import NotEnoughDataError
from bullseye.people.roles import ROLES, deal_contact_links, infer_roles
from bullseye.people.title_lexicon import FUNCTION_LABELS, SENIORITY_LABELS
from bullseye.people.titles import normalize_titles
from bullseye.results import Result
from bullseye.scoring.scorecard import new_business
from bullseye.stats import holm, wilson_interval
from bullseye.strategy.icp import ICP

if TYPE_CHECKING:
    from bullseye.workspace import Workspace

#: Holm-adjusted significance of a presence effect.
ALPHA = 0.05

__all__ = [
    "committee_deals",
    "presence_effects",
    "first_notes",
    "mark_early",
    "champion_profile",
    "CommitteeReport",
    "committee_report",
]


def committee_deals(ws: Workspace, icp: ICP | None = None) -> tuple[pd.DataFrame, pd.DataFrame, str]:
    """Closed new-business deals (in the ICP when one is given) and their contact links with roles."""
    from bullseye.scoring.backtest import icp_membership

    data = build_dataset(ws)
    deals = new_business(data.deals)
    scope = "all closed new-business deals"
    if icp is not None and icp.criteria:
        inside, _ = icp_membership(icp, deals)
        deals = deals[inside]
        scope = f"closed new-business deals with ICP accounts ({icp.name})"
    deals = deals[["deal_id", "account_id", "won", "created_at", "decided_at", "days_to_close", "amount"]].reset_index(
        drop=True
    )
    links, how = infer_roles(deal_contact_links(ws))
    links = links[links["deal_id"].isin(deals["deal_id"])].reset_index(drop=True)
    return deals, links, f"{scope}; {how}"


def _label(kind: str, value: str) -> str:
    if kind == "function":
        return FUNCTION_LABELS.get(value, value)
    if kind == "seniority":
        return SENIORITY_LABELS.get(value, value)
    return value


def _strength(p_adjusted: float, p_raw: float, small: str | None) -> str:
    if small:
        return small
    if p_adjusted <= ALPHA:
        return "strong"
    return "suggestive" if p_raw <= ALPHA else "weak"


def presence_effects(deals: pd.DataFrame, links: pd.DataFrame, min_deals: int = 10) -> pd.DataFrame:
    """Win rate and days to close of deals with vs without each kind of contact (role, function,
    role x function), with intervals and Holm-adjusted p-values over every group tested."""
    groups = {
        "role": links["role"],
        "function": links["function"].fillna("unrecognised title"),
        "role x function": links["role"] + " / " + links["function"].fillna("unrecognised title"),
    }
    if "early" in links.columns:  # from the notes: who was engaged in the first half of the deal
        early = links["early"].eq(True).to_numpy()
        groups["function engaged early"] = links["function"].fillna("unrecognised title").where(early)
    won = deals["won"].to_numpy(bool)
    days = pd.to_numeric(deals["days_to_close"], errors="coerce").to_numpy(float)
    rows, seen = [], set()
    for kind, labels in groups.items():
        for value in sorted(labels.dropna().unique()):
            if value.startswith("unknown"):
                continue
            present = deals["deal_id"].isin(links.loc[(labels == value).to_numpy(), "deal_id"]).to_numpy()
            n_with, n_without = int(present.sum()), int((~present).sum())
            if n_with < min_deals or n_without < min_deals or present.tobytes() in seen:
                continue  # too few deals, or the same deals as a simpler group already tested
            seen.add(present.tobytes())
            k_with, k_without = int(won[present].sum()), int(won[~present].sum())
            low, high = wilson_interval(np.array([k_with, k_without]), np.array([n_with, n_without]))
            p = stats.fisher_exact([[k_with, n_with - k_with], [k_without, n_without - k_without]])[1]
            d_with, d_without = days[present & won], days[~present & won]
            d_with, d_without = d_with[np.isfinite(d_with)], d_without[np.isfinite(d_without)]
            p_days = (
                stats.mannwhitneyu(d_with, d_without).pvalue if min(len(d_with), len(d_without)) >= 5 else float("nan")
            )
            fewest = min(k_with, n_with - k_with, k_without, n_without - k_without)
            small = None
            if fewest < 10:
                small = f"not enough data: {fewest} deals in the smallest cell"
            rows.append(
                {
                    "kind": kind,
                    "group": value,
                    "deals_with": n_with,
                    "won_with": k_with,
                    "win_with": k_with / n_with,
                    "win_with_low": low[0],
                    "win_with_high": high[0],
                    "deals_without": n_without,
                    "won_without": k_without,
                    "win_without": k_without / n_without,
                    "win_without_low": low[1],
                    "win_without_high": high[1],
                    "p_value": p,
                    "days_with": float(np.median(d_with)) if len(d_with) else float("nan"),
                    "days_without": float(np.median(d_without)) if len(d_without) else float("nan"),
                    "p_days": p_days,
                    "small": small,
                }
            )
    table = pd.DataFrame(rows)
    if table.empty:
        return table
    table["p_holm"] = holm(table["p_value"].to_numpy())
    table["strength"] = [_strength(a, r, s) for a, r, s in zip(table["p_holm"], table["p_value"], table["small"])]
    table["sentence"] = [_sentence(row) for row in table.itertuples()]
    order = table["p_value"].rank(method="first")
    return table.assign(_order=order).sort_values("_order").drop(columns=["_order", "small"]).reset_index(drop=True)


def _a(word: str) -> str:
    return ("an " if word[:1].lower() in "aeiou" else "a ") + word


def _group_words(kind: str, group: str) -> str:
    if kind == "role":
        return _a(group)
    if kind == "function engaged early":
        return f"someone from {_label('function', group)} engaged in its first half"
    if kind == "function":
        return f"someone from {_label('function', group)}" if group != "unrecognised title" else "an unrecognised title"
    role, function = group.split(" / ", 1)
    return f"{_a(role)} from {_label('function', function)}"


def first_notes(notes: pd.DataFrame | None) -> pd.DataFrame | None:
    """deal_id, contact_id, first_note: when each contact was first heard in notes on each deal;
    None when there are no notes linked to deals and contacts."""
    if notes is None or notes.empty or not {"deal_id", "contact_id", "created_at"} <= set(notes.columns):
        return None
    return (
        notes.dropna(subset=["deal_id", "contact_id"])
        .groupby(["deal_id", "contact_id"])["created_at"]
        .min()
        .rename("first_note")
        .reset_index()
    )


def mark_early(links: pd.DataFrame, deals: pd.DataFrame, notes: pd.DataFrame | None) -> pd.DataFrame:
    """``early``: the contact's first note on the deal fell in the first half of the deal's course
    (None when the contact has no dated note on it)."""
    first = first_notes(notes)
    if first is None:
        return links
    when = pd.to_datetime(
        links[["deal_id", "contact_id"]].merge(first, on=["deal_id", "contact_id"], how="left")["first_note"]
    ).set_axis(links.index)
    span = deals.set_index("deal_id")
    start = pd.to_datetime(links["deal_id"].map(span["created_at"]))
    end = pd.to_datetime(links["deal_id"].map(span["decided_at"]))
    half = start + (end - start) / 2
    return links.assign(early=np.where(when.notna() & start.notna() & end.notna(), when <= half, None))


def _sentence(row: Any) -> str:
    who = _group_words(row.kind, row.group)
    text = (
        f"deals with {who} on them won {row.win_with:.0%} ({row.win_with_low:.0%}-{row.win_with_high:.0%}, "
        f"{row.deals_with:,} deals) vs {row.win_without:.0%} without ({row.deals_without:,})"
    )
    gap = row.days_without - row.days_with
    if math.isfinite(gap) and abs(gap) >= 1:
        text += f"; won deals closed {abs(gap):.0f} days {'faster' if gap > 0 else 'slower'} (median)"
    return text


def champion_profile(links: pd.DataFrame, deals: pd.DataFrame, contacts: pd.DataFrame | None = None) -> dict[str, Any]:
    """Who the champions of the best won deals were, and what later contact records say of them."""
    won = deals[deals["won"] == 1]
    if won.empty:
        return {"champions": 0, "note": "no won deals"}
    value = pd.to_numeric(won["amount"], errors="coerce")
    best = won[value >= value.quantile(0.75)] if value.notna().sum() >= 8 else won
    champions = links[(links["role"] == "champion") & links["deal_id"].isin(best["deal_id"])].drop_duplicates(
        "contact_id"
    )
    profile: dict[str, Any] = {
        "best_deals": len(best),
        "basis": "won deals in the top quarter by amount" if len(best) < len(won) else "won deals",
        "champions": len(champions),
        "with_champion": float(best["deal_id"].isin(champions["deal_id"]).mean()) if len(best) else 0.0,
        "functions": champions["function"].fillna("unrecognised title").value_counts().to_dict(),
        "seniorities": champions["seniority"].fillna("unrecognised title").value_counts().to_dict(),
        "titles": champions["title"].fillna("").str.strip().value_counts().head(5).to_dict(),
    }
    profile["after"] = _moves(champions, contacts)
    return profile


def _moves(champions: pd.DataFrame, contacts: pd.DataFrame | None) -> dict[str, Any]:
    """Later records of the same person (same email, else same name at the same account)."""
    if contacts is None or contacts.empty or champions.empty or "created_at" not in contacts:
        return {"followed": 0, "note": "no later contact records to follow the champions"}
    people = contacts.copy()
    people["who"] = people["email"].fillna("").str.strip().str.casefold() if "email" in people else ""
    people.loc[people["who"] == "", "who"] = (
        people["name"].fillna("").str.casefold() + "@" + people["account_id"].fillna("")
    )
    who = people.set_index("contact_id")["who"]
    mine = champions["contact_id"].map(who).dropna()
    later = people[people["who"].isin(set(mine))].sort_values("created_at", kind="stable")
    repeated = later.groupby("who").filter(lambda g: len(g) > 1)
    if repeated.empty:
        return {"followed": 0, "note": "each champion appears in one contact record: no later titles to follow"}
    moves = {"promoted": 0, "changed title": 0, "changed company": 0}
    rank = {
        s: i for i, s in enumerate(reversed(("c-level", "vp", "director", "head", "manager", "individual contributor")))
    }
    titled = normalize_titles(repeated["title"].fillna("").astype(str))
    repeated = repeated.assign(seniority=titled["seniority"].to_numpy())
    for _, person in repeated.groupby("who"):
        first, last = person.iloc[0], person.iloc[-1]
        if first.get("account_id") != last.get("account_id"):
            moves["changed company"] += 1
        elif rank.get(last["seniority"], -1) > rank.get(first["seniority"], -1):
            moves["promoted"] += 1
        elif str(first.get("title")).strip().casefold() != str(last.get("title")).strip().casefold():
            moves["changed title"] += 1
    return {"followed": int(repeated["who"].nunique()), **moves}


@dataclass(repr=False)
class CommitteeReport(Result):
    """Who is on the ICP's won and lost deals: ``presence`` (share of won and lost deals with each
    role, its most common function and seniority), ``effects`` (what a group's presence changes,
    with intervals and strength), ``champions`` (the profile of the best deals' champions) and
    ``inferred`` (how many contacts' roles were recorded, inferred from titles, or unknown)."""

    scope: str
    deals: int
    won: int
    roles: pd.DataFrame  # role, function, seniority, won deals, lost deals: who shows up in each role
    presence: pd.DataFrame  # share of won and lost deals with each role present
    effects: pd.DataFrame
    champions: dict[str, Any]
    inferred: dict[str, int] = field(default_factory=dict)

    def top_effects(self, n: int = 8) -> pd.DataFrame:
        if self.effects.empty:
            return self.effects
        keep = self.effects["strength"].isin(["strong", "suggestive"])
        return self.effects[keep].head(n)

    def to_dict(self) -> dict[str, Any]:
        from bullseye.render.encoder import jsonable

        return jsonable(
            {
                "scope": self.scope,
                "deals": self.deals,
                "won": self.won,
                "roles": self.roles,
                "presence": self.presence,
                "effects": self.effects,
                "champions": self.champions,
                "role_sources": self.inferred,
            }
        )


def _composition(deals: pd.DataFrame, links: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    outcome = deals.set_index("deal_id")["won"]
    links = links.assign(won=links["deal_id"].map(outcome))
    roles = (
        links.groupby(
            ["role", links["function"].fillna("unrecognised title"), links["seniority"].fillna("unrecognised title")]
        )
        .agg(won_deals=("won", lambda s: int((s == 1).sum())), lost_deals=("won", lambda s: int((s == 0).sum())))
        .reset_index()
        .sort_values(["role", "won_deals"], ascending=[True, False])
    )
    n_won, n_lost = max(int((deals["won"] == 1).sum()), 1), max(int((deals["won"] == 0).sum()), 1)
    rows = []
    for role in [r for r in ROLES if r in set(links["role"])]:
        mine = links[links["role"] == role]
        deal_ids = set(mine["deal_id"])
        won_ids = set(deals.loc[deals["won"] == 1, "deal_id"]) & deal_ids
        lost_ids = set(deals.loc[deals["won"] == 0, "deal_id"]) & deal_ids
        functions = mine["function"].fillna("unrecognised title").value_counts()
        seniorities = mine["seniority"].fillna("unrecognised title").value_counts()
        rows.append(
            {
                "role": role,
                "won_share": len(won_ids) / n_won,
                "lost_share": len(lost_ids) / n_lost,
                "top_function": functions.index[0],
                "top_function_share": functions.iloc[0] / len(mine),
                "top_seniority": seniorities.index[0],
                "contacts": int(mine["contact_id"].nunique()),
            }
        )
    return roles.reset_index(drop=True), pd.DataFrame(rows)


def committee_report(ws: Workspace, icp: ICP | None = None) -> CommitteeReport:
    """The buying committee of the ICP's deals (all deals when there is no ICP yet)."""
    deals, links, scope = committee_deals(ws, icp)
    if deals.empty:
        raise NotEnoughDataError("no closed new-business deals in scope: nothing to learn the committee from")
    roles, presence = _composition(deals, links)
    contacts = ws.table("contacts").to_pandas()
    notes = (
        ws.table("notes").select("deal_id", "contact_id", "created_at").to_pandas() if ws.has_table("notes") else None
    )
    links = mark_early(links, deals, notes)
    sources = {
        "recorded": int((~links["inferred"] & (links["role"] != "unknown")).sum()),
        "inferred": int(links["inferred"].sum()),
        "unknown": int((links["role"] == "unknown").sum()),
    }
    return CommitteeReport(
        scope=scope,
        deals=len(deals),
        won=int(deals["won"].sum()),
        roles=roles,
        presence=presence,
        effects=presence_effects(deals, links),
        champions=champion_profile(links, deals, contacts),
        inferred=sources,
    )
