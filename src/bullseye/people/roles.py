"""Who plays which buying role on a deal: the CRM's role labels normalised ("Decision Maker" and
"Signer" are the economic buyer, "Coach" is a champion, ...), blank roles inferred from the
contact's title (from how the same function and seniority were labelled elsewhere in the data when
enough explicit roles exist, else from a short list of rules), each inferred role with its basis.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from bullseye.errors import MissingTableError
from bullseye.people.titles import normalize_titles

if TYPE_CHECKING:
    from bullseye.workspace import Workspace

__all__ = ["ROLES", "normalize_role", "infer_roles", "deal_contact_links", "contact_roles"]

ROLES = ("champion", "economic buyer", "blocker", "influencer", "user")
_ROLE_ALIASES = {
    "champion": "champion",
    "coach": "champion",
    "sponsor": "champion",
    "internal champion": "champion",
    "economic buyer": "economic buyer",
    "economic_buyer": "economic buyer",
    "decision maker": "economic buyer",
    "decision-maker": "economic buyer",
    "signer": "economic buyer",
    "approver": "economic buyer",
    "budget holder": "economic buyer",
    "executive sponsor": "economic buyer",
    "buyer": "economic buyer",
    "blocker": "blocker",
    "gatekeeper": "blocker",
    "technical evaluator": "blocker",
    "detractor": "blocker",
    "influencer": "influencer",
    "evaluator": "influencer",
    "business user": "user",
    "user": "user",
    "end user": "user",
    "end-user": "user",
}
#: Inference from titles needs this many explicit role links to learn from, and this agreement.
MIN_EXPLICIT_LINKS, MIN_GROUP_LINKS, MIN_AGREEMENT = 30, 10, 0.6


def normalize_role(value: Any) -> str | None:
    """A CRM's role label as one of ROLES, or None when blank or not a committee role."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    text = " ".join(str(value).replace("_", " ").strip().casefold().split())
    return _ROLE_ALIASES.get(text)


def _rule_role(function: str | None, seniority: str | None) -> str | None:
    """The few roles that can be inferred from a title alone, without data to learn from."""
    if function == "finance" and seniority in ("c-level", "vp", "director"):
        return "economic buyer"
    if function == "executive" and seniority == "c-level":
        return "economic buyer"
    return None


def infer_roles(links: pd.DataFrame) -> tuple[pd.DataFrame, str]:
    """Fill blank roles of deal-contact ``links`` (role, function, seniority): returns the links with
    ``role``, ``inferred`` and ``basis`` columns, and a sentence saying how roles were inferred."""
    links = links.copy()
    links["role"] = links["role"].map(normalize_role)
    links["inferred"] = False
    links["basis"] = np.where(links["role"].notna(), "recorded in the CRM", "")
    explicit = links[links["role"].notna()]
    blank = links["role"].isna().to_numpy()
    key = links["function"].fillna("?") + " / " + links["seniority"].fillna("?")
    if len(explicit) >= MIN_EXPLICIT_LINKS:
        counts = pd.crosstab(key[~blank], explicit["role"])
        totals = counts.sum(axis=1)
        best, share = counts.idxmax(axis=1), counts.max(axis=1) / totals
        usable = (totals >= MIN_GROUP_LINKS) & (share >= MIN_AGREEMENT) & ~totals.index.str.startswith("? / ")
        learned = best[usable]
        guess = key.map(learned)
        fill = blank & guess.notna().to_numpy()
        links.loc[fill, "role"] = guess[fill]
        links.loc[fill, "basis"] = [
            f"{k} contacts were {learned[k]} in {share[k]:.0%} of {int(totals[k])} recorded cases" for k in key[fill]
        ]
        how = (
            f"blank roles inferred from {len(explicit):,} recorded roles: a title group takes the role it had in "
            f"at least {MIN_AGREEMENT:.0%} of at least {MIN_GROUP_LINKS} recorded cases"
        )
    else:
        rule = [_rule_role(f, s) for f, s in zip(links["function"], links["seniority"])]
        guess = pd.Series(rule, index=links.index, dtype=object)
        fill = blank & guess.notna().to_numpy()
        links.loc[fill, "role"] = guess[fill]
        links.loc[fill, "basis"] = "rule: a finance or executive leader is the economic buyer (signer/approver)"
        how = (
            f"only {len(explicit)} recorded roles, too few to learn from: blank roles inferred by rule "
            "(finance or executive leaders are economic buyers); others stay unknown"
        )
    links.loc[fill, "inferred"] = True
    links["role"] = links["role"].fillna("unknown")
    return links, how


def deal_contact_links(ws: Workspace) -> pd.DataFrame:
    for name in ("contacts", "deal_contacts"):
        if not ws.has_table(name):
            raise MissingTableError(f"the buying committee needs the {name} table; load it with `bullseye load`")
    links = ws.table("deal_contacts").to_pandas()
    contacts = ws.table("contacts").to_pandas()
    columns = [c for c in ("contact_id", "account_id", "name", "email", "title", "created_at") if c in contacts]
    links = links.merge(contacts[columns].drop_duplicates("contact_id"), on="contact_id", how="left")
    titles = (
        normalize_titles(links["title"].fillna("").astype(str))
        if len(links)
        else pd.DataFrame(columns=["function", "seniority"])
    )
    links["function"] = titles["function"].to_numpy() if len(links) else []
    links["seniority"] = titles["seniority"].to_numpy() if len(links) else []
    if "role" not in links.columns:
        links["role"] = None
    return links


def contact_roles(ws: Workspace) -> pd.DataFrame:
    """One row per contact on any deal: contact_id, role (most frequent), inferred, basis, function,
    seniority. Other modules (themes, personas) use it to attribute what people said to roles."""
    links, _ = infer_roles(deal_contact_links(ws))
    if links.empty:
        return pd.DataFrame(columns=["contact_id", "role", "inferred", "basis", "function", "seniority"])
    known = links[links["role"] != "unknown"]
    top = (
        known.groupby(["contact_id", "role"])
        .size()
        .rename("n")
        .reset_index()
        .sort_values(["contact_id", "n", "role"], ascending=[True, False, True])
        .drop_duplicates("contact_id")
    )
    first = links.drop_duplicates("contact_id").set_index("contact_id")
    out = pd.DataFrame({"contact_id": first.index})
    out["role"] = out["contact_id"].map(top.set_index("contact_id")["role"]).fillna("unknown")
    recorded = known[~known["inferred"]].groupby("contact_id").size()
    out["inferred"] = ~out["contact_id"].isin(recorded.index) & (out["role"] != "unknown")
    basis = known.drop_duplicates("contact_id").set_index("contact_id")["basis"]
    out["basis"] = np.where(out["inferred"], out["contact_id"].map(basis).fillna(""), "recorded in the CRM")
    out.loc[out["role"] == "unknown", "basis"] = "no recorded role and nothing to infer it from"
    out["function"] = out["contact_id"].map(first["function"]).to_numpy()
    out["seniority"] = out["contact_id"].map(first["seniority"]).to_numpy()
    return out
