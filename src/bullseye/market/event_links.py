"""Events that only name their company, linked to a CRM account or a universe company.

A layoff tracker says "Pinterest", not our account id. Such events (no ``account_id``, no
``company_id``, but a ``company_name`` or ``domain``) are linked with the matcher of ``bullseye
match`` (:func:`bullseye.market.matching.match_companies`): web domain first, then normalised
name. The distinct event companies are matched once, against the accounts first and then, for
those still unmatched, against the universe; the link is applied to the events as a join in the
warehouse. Every event company ends as exactly one of linked (to an account or a universe
company), ambiguous (several candidates: listed, never guessed, left unlinked) or unmatched.

The events table has no location or founding year, so an event company is matched on its domain
and name alone: a name that two universe companies share is ambiguous, whatever their cities.

Example::

    links = link_workspace_events(ws)
    links.summary          # event_companies, linked_accounts, linked_universe, ambiguous, unmatched, ...
    links.events           # the events table with account_id / company_id filled in for the linked
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import ibis
import numpy as np
import pandas as pd

from bullseye.market.matching import (
    METHODS,
    match_companies,
    normalize_domains,
    normalize_names,
)

if TYPE_CHECKING:
    import ibis.expr.types as ir

    from bullseye.workspace import Workspace

__all__ = [
    "EventLinks",
    "MATCH_COLUMNS",
    "event_companies",
    "link_event_companies",
    "link_events",
    "link_workspace_events",
]

#: Columns of accounts and universe companies the matcher uses, besides their id.
MATCH_COLUMNS = ("name", "domain", "city", "region", "country", "founded_year")
#: Who an event company can be linked to: (kind in the ranking, key in the summary, label in words).
_TARGETS = (("account", "accounts", "CRM accounts"), ("prospect", "universe", "universe companies"))
_LINK_SCHEMA = {"_link_name": "string", "_link_domain": "string", "_link_account": "string", "_link_company": "string"}


def _text(table: ir.Table, name: str) -> ir.StringValue:
    """A text column trimmed, with '' as null; a null column when the table lacks it."""
    return table[name].cast("string").strip().nullif("") if name in table.columns else ibis.null("string")


def _without_ids(events: ir.Table) -> ir.BooleanValue:
    return _text(events, "account_id").isnull() & _text(events, "company_id").isnull()


def event_companies(events: ir.Table) -> pd.DataFrame:
    """The distinct ``company_name`` / ``domain`` pairs (trimmed) of the events with neither an
    ``account_id`` nor a ``company_id``, with their number of ``events``; one row per pair."""
    if "company_name" not in events.columns and "domain" not in events.columns:
        return pd.DataFrame(
            {
                "company_name": pd.Series(dtype=object),
                "domain": pd.Series(dtype=object),
                "events": pd.Series(dtype=np.int64),
            }
        )
    keyed = events.mutate(
        _no_id=_without_ids(events), _name=_text(events, "company_name"), _domain=_text(events, "domain")
    )
    named = keyed.filter(keyed._no_id, keyed._name.notnull() | keyed._domain.notnull())
    pairs = named.group_by(["_name", "_domain"]).aggregate(events=named.count()).order_by(["_name", "_domain"])
    frame = pairs.to_pandas().rename(columns={"_name": "company_name", "_domain": "domain"})
    return frame.astype({"company_name": object, "domain": object, "events": np.int64})


def _company_codes(name_key: pd.Series, domain_key: pd.Series) -> np.ndarray:
    """Which distinct spellings are one company: connected components of the graph whose nodes are
    name keys and web domains. A spelling sits on its domain (else its name); a name joins its
    domain when it has only one ("Acme" and "ACME Inc." at acme.com are one company), so two
    companies sharing a name at two domains stay two. Spellings with neither key stay alone."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    if not len(name_key):
        return np.zeros(0, dtype=np.int64)
    names, name_keys = pd.factorize(name_key, use_na_sentinel=True)
    domains, domain_keys = pd.factorize(domain_key, use_na_sentinel=True)
    n_names, n_domains, rows = len(name_keys), len(domain_keys), len(name_key)
    has_name, has_domain = names >= 0, domains >= 0
    both = pd.DataFrame({"n": names[has_name & has_domain], "d": domains[has_name & has_domain]}).drop_duplicates()
    domains_per_name = np.bincount(both["n"].to_numpy(), minlength=n_names)
    joined = both[domains_per_name[both["n"].to_numpy()] == 1]
    # nodes: names, then domains, then one per spelling without any key
    node = np.where(has_domain, n_names + domains, np.where(has_name, names, n_names + n_domains + np.arange(rows)))
    size = n_names + n_domains + rows
    graph = coo_matrix(
        (np.ones(len(joined)), (joined["n"].to_numpy(), n_names + joined["d"].to_numpy())), shape=(size, size)
    )
    _, component = connected_components(graph, directed=False)
    return pd.factorize(component[node])[0]


def _group(pairs: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray]:
    """The event companies (see :func:`_company_codes`): 'Uber' and 'UBER Inc.' are one company,
    not two candidates competing for the same account. Returns the companies (id, the most
    frequent spelling and domain, events, spellings) and each spelling's company row."""
    name_key, domain_key = normalize_names(pairs["company_name"]), normalize_domains(pairs["domain"])
    code = _company_codes(name_key, domain_key)
    count = pairs["events"].to_numpy()
    first = _most_frequent(code, count, pairs["company_name"].fillna("").to_numpy(str))
    with_domain = domain_key.notna().to_numpy()
    domain = np.full(len(first), None, dtype=object)
    top = _most_frequent(code[with_domain], count[with_domain], pairs["domain"].to_numpy(str)[with_domain])
    domain[code[with_domain][top]] = pairs["domain"].to_numpy(object)[with_domain][top]
    companies = pd.DataFrame(
        {
            "company_id": [f"event-company-{i}" for i in range(len(first))],
            "name": pairs["company_name"].to_numpy(object)[first],
            "domain": domain,
            "events": np.bincount(code, weights=count, minlength=len(first)).astype(np.int64),
            "spellings": np.bincount(code, minlength=len(first)),
            "has_key": (name_key.notna() | domain_key.notna()).to_numpy()[first],
        }
    )
    return companies, code


def _most_frequent(code: np.ndarray, count: np.ndarray, text: np.ndarray) -> np.ndarray:
    """For each code in ascending order, the position of its entry with the most events (ties: the
    first text alphabetically)."""
    order = np.lexsort((text, -count, code))
    return order[np.r_[True, code[order][1:] != code[order][:-1]]] if len(order) else order


@dataclass
class EventLinks:
    """How the events that only name their company were linked.

    ``companies``: one row per event company (its most frequent spelling as ``company_name``,
    ``domain``, ``events``, ``status`` linked/ambiguous/unmatched, ``kind`` account/prospect,
    ``linked_id``, ``linked_name``, ``method``, ``confidence``); ``ambiguous``: one row per
    candidate of the ambiguous ones; ``summary``: counts that reconcile; ``pairs``: each distinct
    ``company_name`` / ``domain`` of the events with its row in ``companies`` (``company``);
    ``events``: the events table with ``account_id`` / ``company_id`` filled in for the linked
    (when built from one)."""

    companies: pd.DataFrame
    ambiguous: pd.DataFrame
    summary: dict[str, Any]
    pairs: pd.DataFrame = field(repr=False, default_factory=pd.DataFrame)
    events: Any = field(repr=False, default=None)

    def notes(self, listed: int = 5) -> list[str]:
        """The summary in words (nothing when no event lacked an id)."""
        s = self.summary
        if not s["event_companies"]:
            return []
        if not s["linked_against"]:
            return [
                f"{s['events']:,} events name their company without an id ({s['event_companies']:,} companies); "
                f"there is no accounts or universe table to link them to"
            ]
        parts = []
        for _, key, label in (t for t in _TARGETS if t[1] in s["linked_against"]):
            how = ", ".join(f"{n:,} by {m}" for m, n in s["by_method"][key].items() if n)
            parts.append(f"{s['linked_' + key]:,} to {label}" + (f" ({how})" if how else ""))
        text = (
            f"{s['events']:,} events name their company without an id ({s['event_companies']:,} companies): "
            f"{s['linked']:,} companies ({s['linked_events']:,} events) were linked by the company matcher, "
            + " and ".join(parts)
            + f"; {s['ambiguous']:,} are ambiguous and left unlinked"
        )
        if s["ambiguous"]:
            names = self.companies.loc[self.companies["status"] == "ambiguous", "company_name"].astype(str).tolist()
            more = f" and {len(names) - listed:,} more" if len(names) > listed else ""
            text += f" ({', '.join(names[:listed])}{more})"
        return [text + f"; {s['unmatched']:,} matched nothing"]

    def to_dict(self) -> dict[str, Any]:
        def records(frame: pd.DataFrame) -> list[dict]:
            return frame.astype(object).where(frame.notna(), None).to_dict(orient="records")

        return {
            "summary": self.summary,
            "linked": records(self.companies[self.companies["status"] == "linked"]),
            "ambiguous": records(self.ambiguous),
        }

    def apply(self, events: ir.Table) -> ir.Table:
        """``events`` with the linked account's ``account_id`` or universe company's ``company_id``
        on each event that had neither; every other event unchanged. A join in the warehouse."""
        linked = self.companies["status"].to_numpy() == "linked"
        if self.pairs.empty or not linked.any():
            return events
        row = self.pairs["company"].to_numpy()
        kind = self.companies["kind"].to_numpy(object)[row]
        target = self.companies["linked_id"].to_numpy(object)[row]
        keep = linked[row]
        mapping = ibis.memtable(
            pd.DataFrame(
                {
                    "_link_name": self.pairs["company_name"].fillna("").to_numpy(object)[keep],
                    "_link_domain": self.pairs["domain"].fillna("").to_numpy(object)[keep],
                    "_link_account": np.where(kind == "account", target, None)[keep].astype(object),
                    "_link_company": np.where(kind == "prospect", target, None)[keep].astype(object),
                }
            ),
            schema=_LINK_SCHEMA,
        )
        keyed = events.mutate(
            _no_id=_without_ids(events),
            _name_key=_text(events, "company_name").fill_null(""),
            _domain_key=_text(events, "domain").fill_null(""),
        )
        joined = keyed.left_join(
            mapping, [keyed._name_key == mapping._link_name, keyed._domain_key == mapping._link_domain]
        )
        found = joined._no_id & joined._link_name.notnull()
        filled = {}
        for column, link in (("account_id", joined._link_account), ("company_id", joined._link_company)):
            own = joined[column].cast("string") if column in events.columns else ibis.null("string")
            filled[column] = ibis.ifelse(found, link, own)
        return joined.select(*[c for c in events.columns if c not in filled], **filled).select(
            *dict.fromkeys([*events.columns, *filled])
        )


def _candidates(frame: pd.DataFrame | None, id_column: str) -> pd.DataFrame | None:
    """The id (as ``account_id``, the matcher's other side) and the matching columns of a table."""
    if frame is None or frame.empty or id_column not in frame.columns or "name" not in frame.columns:
        return None
    columns = [c for c in MATCH_COLUMNS if c in frame.columns]
    return frame[[id_column, *columns]].rename(columns={id_column: "account_id"})


def _reworded(reasons: pd.Series, label: str) -> np.ndarray:
    """The matcher's reason with its sides named as here: its universe companies are the event
    companies, its accounts are ``label`` ('CRM accounts' or 'universe companies')."""
    other = "accounts" if label == "CRM accounts" else "universe companies"
    sides = {
        "several companies and accounts": f"several event companies and {other}",
        "several accounts": f"several {other}",
        "several universe companies": "several event companies",
    }
    return reasons.str.replace(
        r"^several (?:companies and accounts|accounts|universe companies)", lambda m: sides[m.group(0)], regex=True
    ).to_numpy(object)


def link_event_companies(
    pairs: pd.DataFrame, accounts: pd.DataFrame | None = None, universe: pd.DataFrame | None = None
) -> EventLinks:
    """Link the event companies (``pairs`` from :func:`event_companies`) to ``accounts``
    (``account_id`` and :data:`MATCH_COLUMNS`) first, then the still unmatched to ``universe``
    (``company_id`` and the same columns). Either side may be None."""
    pairs = pairs.reset_index(drop=True)
    companies, code = _group(pairs)
    n = len(companies)
    status = np.full(n, "unmatched", dtype=object)
    kind, linked_id, linked_name, method = (np.full(n, None, dtype=object) for _ in range(4))
    confidence = np.full(n, np.nan)
    by_method = {key: dict.fromkeys(METHODS, 0) for _, key, _ in _TARGETS}
    ambiguous, against = [], []
    position = pd.Series(np.arange(n), index=companies["company_id"].to_numpy())
    for (target, key, label), (frame, id_column) in zip(_TARGETS, ((accounts, "account_id"), (universe, "company_id"))):
        others = _candidates(frame, id_column)
        if others is None:
            continue
        against.append(key)
        open_rows = np.flatnonzero((status == "unmatched") & companies["has_key"].to_numpy())
        if not len(open_rows):
            continue
        result = match_companies(companies.iloc[open_rows][["company_id", "name", "domain"]], others)
        at = position.loc[result.matches["company_id"]].to_numpy()
        status[at], kind[at] = "linked", target
        linked_id[at] = result.matches["account_id"].to_numpy(object)
        linked_name[at] = result.matches["account_name"].to_numpy(object)
        method[at] = result.matches["method"].to_numpy(object)
        confidence[at] = result.matches["confidence"].to_numpy(float)
        for name, count in result.summary["matched_by_method"].items():
            by_method[key][name] = count
        if not result.ambiguous.empty:
            status[position.loc[result.ambiguous["company_id"]].to_numpy()] = "ambiguous"
            ambiguous.append(
                pd.DataFrame(
                    {
                        "company_name": result.ambiguous["company_name"].to_numpy(object),
                        "event_domain": result.ambiguous["company_domain"].to_numpy(object),
                        "candidate_kind": target,
                        "candidate_id": result.ambiguous["account_id"].to_numpy(object),
                        "candidate_name": result.ambiguous["account_name"].to_numpy(object),
                        "candidate_domain": result.ambiguous["account_domain"].to_numpy(object),
                        "reason": _reworded(result.ambiguous["reason"], label),
                    }
                )
            )
    out = pd.DataFrame(
        {
            "event_company": companies["company_id"],
            "company_name": companies["name"],
            "domain": companies["domain"],
            "events": companies["events"],
            "spellings": companies["spellings"],
            "status": status,
            "kind": kind,
            "linked_id": linked_id,
            "linked_name": linked_name,
            "method": method,
            "confidence": confidence,
        }
    )
    events = companies["events"].to_numpy()
    summary: dict[str, Any] = {
        "events": int(events.sum()),
        "event_companies": n,
        "linked": int((status == "linked").sum()),
        "linked_accounts": int((kind == "account").sum()),
        "linked_universe": int((kind == "prospect").sum()),
        "by_method": by_method,
        "ambiguous": int((status == "ambiguous").sum()),
        "unmatched": int((status == "unmatched").sum()),
        "without_keys": int((~companies["has_key"]).sum()),
        "linked_events": int(events[status == "linked"].sum()),
        "linked_against": against,
    }
    summary["reconciles"] = summary["linked"] + summary["ambiguous"] + summary["unmatched"] == n
    columns = [
        "company_name",
        "event_domain",
        "candidate_kind",
        "candidate_id",
        "candidate_name",
        "candidate_domain",
        "reason",
    ]
    listed = pd.concat(ambiguous, ignore_index=True) if ambiguous else pd.DataFrame(columns=columns)
    return EventLinks(out, listed, summary, pairs.assign(company=code))


def _frame(table: pd.DataFrame | ir.Table | None, id_column: str) -> pd.DataFrame | None:
    """The id and the matching columns of an accounts or universe table, as a frame."""
    if table is None or isinstance(table, pd.DataFrame):
        return table
    return table.select(id_column, *[c for c in MATCH_COLUMNS if c in table.columns]).to_pandas()


def link_events(
    events: ir.Table, accounts: pd.DataFrame | ir.Table | None = None, universe: pd.DataFrame | ir.Table | None = None
) -> EventLinks:
    """Link the ``events`` (an Ibis table) that only name their company to ``accounts`` then
    ``universe`` (frames or Ibis tables; see :func:`link_event_companies`); ``links.events`` is
    the linked table. Accounts and universe are read (their matching columns only) only when
    some event lacks an id."""
    pairs = event_companies(events)
    if pairs.empty:
        links = link_event_companies(pairs)
    else:
        links = link_event_companies(pairs, _frame(accounts, "account_id"), _frame(universe, "company_id"))
    links.events = links.apply(events)
    return links


def link_workspace_events(ws: Workspace, universe: bool = True, needed_for: str | None = None) -> EventLinks:
    """The workspace's events linked to its accounts and (with ``universe``) its universe."""
    accounts = ws.table("accounts") if ws.has_table("accounts") else None
    market = ws.table("universe") if universe and ws.has_table("universe") else None
    return link_events(ws.table("events", needed_for), accounts, market)
