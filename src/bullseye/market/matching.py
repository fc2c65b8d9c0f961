"""Match universe companies to CRM accounts: web domain first, then normalised name, with location
(city, region, country) to break ties.

Every universe row ends as exactly one of matched, ambiguous (it could be several accounts, or
an account could be several universe rows: the candidates are listed, never guessed) or
unmatched. Keys are computed with vectorised string kernels (pyarrow; :mod:`bullseye.market.match_keys`),
candidates are found with joins on the keys and resolved with group-bys (pandas); there is no Python
loop over rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from bullseye.errors import InvalidInputError
from bullseye.market.match_keys import (
    FREE_MAIL_DOMAINS,
    LEGAL_SUFFIXES,
    PLACEHOLDER_DOMAINS,
    domain_keys,
    fold_text,
    match_keys,
    name_keys,
    normalize_domains,
    normalize_names,
    normalize_places,
)
from bullseye.results import Result

if TYPE_CHECKING:
    from bullseye.workspace import Workspace

__all__ = [
    "METHODS",
    "FOUNDED_TOLERANCE",
    "FREE_MAIL_DOMAINS",
    "PLACEHOLDER_DOMAINS",
    "LEGAL_SUFFIXES",
    "MatchResult",
    "normalize_domains",
    "fold_text",
    "domain_keys",
    "name_keys",
    "normalize_names",
    "normalize_places",
    "match_companies",
    "match_workspace",
]

METHODS = ("domain", "name", "name+location")

#: Founding years further apart than this rule out a match by name (data providers disagree by a year or two).
FOUNDED_TOLERANCE = 3


# -- resolution ---------------------------------------------------------------------------------
def _compare(pairs: pd.DataFrame, uk: pd.DataFrame, ak: pd.DataFrame, part: str) -> np.ndarray:
    """+1 where both sides know ``part`` and agree, -1 where they disagree, 0 where either is missing."""
    left, right = uk[part].to_numpy()[pairs["u"].to_numpy()], ak[part].to_numpy()[pairs["a"].to_numpy()]
    return np.where((left < 0) | (right < 0), 0, np.where(left == right, 1, -1))


def _founded_conflict(pairs: pd.DataFrame, uk: pd.DataFrame, ak: pd.DataFrame) -> np.ndarray:
    """Founding years both known and more than FOUNDED_TOLERANCE years apart."""
    gap = np.abs(uk["founded"].to_numpy()[pairs["u"].to_numpy()] - ak["founded"].to_numpy()[pairs["a"].to_numpy()])
    with np.errstate(invalid="ignore"):
        return gap > FOUNDED_TOLERANCE


def _evidence(pairs: pd.DataFrame, uk: pd.DataFrame, ak: pd.DataFrame) -> pd.DataFrame:
    city, region, country = (_compare(pairs, uk, ak, p) for p in ("city", "region", "country"))
    pairs = pairs.assign(
        city=city,
        region=region,
        country=country,
        # A shared city says the most; a different country rules a same-name pair out (see _name_pairs).
        location=np.where(city > 0, 4, np.where(city < 0, -1, 0)) + 2 * region + np.where(country < 0, -4, country),
        name_same=_compare(pairs, uk, ak, "name_key") > 0,
        stem=_compare(pairs, uk, ak, "stem"),
    )
    return pairs


def _resolve(pairs: pd.DataFrame, score: np.ndarray, need_positive: bool) -> np.ndarray:
    """Accept a candidate pair when it is the single best candidate of both its universe row and its
    account; when either side has several candidates, ``need_positive`` also asks for positive evidence."""
    pairs = pairs.assign(score=score)
    ok = np.ones(len(pairs), dtype=bool)
    for side in ("u", "a"):
        groups = pairs.groupby(side, sort=False)["score"]
        top = pairs["score"].to_numpy() == groups.transform("max").to_numpy()
        ok &= top & (pd.Series(top).groupby(pairs[side].to_numpy()).transform("sum").to_numpy() == 1)
    if need_positive:
        single = (pairs["n_u"].to_numpy() == 1) & (pairs["n_a"].to_numpy() == 1)
        ok &= single | (score > 0)
    return ok


def _count_candidates(pairs: pd.DataFrame) -> pd.DataFrame:
    return pairs.assign(n_u=pairs.groupby("u")["a"].transform("size"), n_a=pairs.groupby("a")["u"].transform("size"))


def _stage(pairs: pd.DataFrame, uk, ak, stage: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Accepted matches and the ambiguous candidate pairs of one stage (domain or name)."""
    pairs = _count_candidates(_evidence(pairs.astype({"u": np.int64, "a": np.int64}), uk, ak))
    if stage == "domain":
        # The same name outranks any location evidence (which spans -7..7), location breaks the rest.
        score = 16 * pairs["name_same"].to_numpy() + pairs["location"].to_numpy()
        ok = _resolve(pairs, score, need_positive=False)
    else:
        score = pairs["location"].to_numpy() + 5 * (pairs["stem"].to_numpy() > 0)
        ok = _resolve(pairs, score, need_positive=True)
    accepted = pairs[ok]
    taken_u, taken_a = set(accepted["u"]), set(accepted["a"])
    open_pairs = pairs[~ok & ~pairs["u"].isin(taken_u) & ~pairs["a"].isin(taken_a)]
    accepted = accepted.assign(method=_methods(accepted, stage), confidence=_confidence(accepted, stage))
    return accepted, open_pairs.assign(stage=stage, reason=_reasons(open_pairs, stage))


def _methods(pairs: pd.DataFrame, stage: str) -> np.ndarray:
    if stage == "domain":
        return np.full(len(pairs), "domain", dtype=object)
    single = (pairs["n_u"].to_numpy() == 1) & (pairs["n_a"].to_numpy() == 1)
    return np.where(single, "name", "name+location").astype(object)


def _confidence(pairs: pd.DataFrame, stage: str) -> np.ndarray:
    """A plain-spoken score of how sure the match is (see docs/market.md#matching-companies)."""
    location, stem = pairs["location"].to_numpy(), pairs["stem"].to_numpy()
    if stage == "domain":
        return np.round(np.where(pairs["name_same"].to_numpy(), 0.99, 0.95) - np.where(location < 0, 0.1, 0.0), 2)
    single = (pairs["n_u"].to_numpy() == 1) & (pairs["n_a"].to_numpy() == 1)
    unique_name = np.select([stem > 0, location > 0, location == 0], [0.95, 0.9, 0.8], 0.6)
    return np.where(single, unique_name, np.where(stem > 0, 0.85, 0.75))


def _reasons(pairs: pd.DataFrame, stage: str) -> np.ndarray:
    what = "share the web domain" if stage == "domain" else "share the name"
    many_a, many_u = pairs["n_u"].to_numpy() > 1, pairs["n_a"].to_numpy() > 1
    side = np.where(
        many_a & many_u,
        f"several companies and accounts {what}",
        np.where(many_a, f"several accounts {what}", f"several universe companies {what}"),
    )
    tail = "; name and location do not tell them apart" if stage == "domain" else "; location does not tell them apart"
    return pd.Series(side, dtype=object).add(tail).to_numpy()


def _join(left_rows: np.ndarray, left_keys: np.ndarray, right_rows: np.ndarray, right_keys: np.ndarray) -> pd.DataFrame:
    """Candidate pairs (u, a) whose key codes are equal; missing keys (-1) never join."""
    left = pd.DataFrame({"u": left_rows, "key": left_keys})
    right = pd.DataFrame({"a": right_rows, "key": right_keys})
    return left[left["key"] >= 0].merge(right[right["key"] >= 0], on="key")[["u", "a"]]


def _name_pairs(uk: pd.DataFrame, ak: pd.DataFrame, u_open: np.ndarray, a_open: np.ndarray) -> pd.DataFrame:
    pairs = _join(u_open, uk["name_key"].to_numpy()[u_open], a_open, ak["name_key"].to_numpy()[a_open])
    # Same name but another country, another web domain or another founding year: two companies, not one.
    country, stem = _compare(pairs, uk, ak, "country"), _compare(pairs, uk, ak, "stem")
    return pairs[(country >= 0) & (stem >= 0) & ~_founded_conflict(pairs, uk, ak)].reset_index(drop=True)


def _domain_pairs(uk: pd.DataFrame, ak: pd.DataFrame) -> pd.DataFrame:
    return _join(np.arange(len(uk)), uk["domain"].to_numpy(), np.arange(len(ak)), ak["domain"].to_numpy())


# -- the result ---------------------------------------------------------------------------------
@dataclass(repr=False)
class MatchResult(Result):
    """Matches (one row per matched universe company), ambiguous candidate pairs (one row per
    candidate), unmatched universe companies, and a summary whose counts reconcile."""

    matches: pd.DataFrame
    ambiguous: pd.DataFrame
    unmatched: pd.DataFrame
    summary: dict = field(default_factory=dict)
    files: dict = field(default_factory=dict)  # what was written on request: the match list

    def write(self, path) -> None:
        """Write the matches and ambiguous candidates (``to_frame``) as CSV to ``path``."""
        from bullseye.io import write_csv

        path.parent.mkdir(parents=True, exist_ok=True)
        write_csv(self.to_frame(), path)
        self.files["matches"] = path

    def to_frame(self) -> pd.DataFrame:
        """Matches then ambiguous candidates in one list, with a ``status`` column (for CSV)."""
        matched = self.matches.assign(status="matched", reason="")
        ambiguous = self.ambiguous.rename(columns={"stage": "method"}).assign(status="ambiguous", confidence=np.nan)
        columns = [
            "status",
            "company_id",
            "account_id",
            "method",
            "confidence",
            "location",
            "reason",
            "company_name",
            "account_name",
            "company_domain",
            "account_domain",
        ]
        return pd.concat([matched.reindex(columns=columns), ambiguous.reindex(columns=columns)], ignore_index=True)

    def to_dict(self, rows: int | None = 20) -> dict:
        """The summary and the rows (the first ``rows`` of each list, or all with None; the
        written match list has them all)."""

        def records(frame: pd.DataFrame) -> list[dict]:
            frame = frame if rows is None else frame.head(rows)
            return frame.astype(object).where(frame.notna(), None).to_dict(orient="records")

        return {
            "summary": self.summary,
            "matches": records(self.matches),
            "ambiguous": records(self.ambiguous),
            "files": {k: str(v) for k, v in self.files.items()},
        }


def _describe(pairs: pd.DataFrame, uk: pd.DataFrame, ak: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    pairs = pairs.sort_values(["u", "a"])
    u, a = pairs["u"].to_numpy(), pairs["a"].to_numpy()
    parts = pairs[["city", "region", "country"]].to_numpy()
    agree, differ = (parts > 0).any(axis=1), (parts < 0).any(axis=1)
    return pd.DataFrame(
        {
            "company_id": uk["id"].to_numpy()[u],
            "account_id": ak["id"].to_numpy()[a],
            **{c: pairs[c].to_numpy() for c in columns},
            "location": np.select([agree & differ, agree, differ], ["partly", "agrees", "conflicts"], "unknown"),
            "company_name": uk["name"].to_numpy()[u],
            "account_name": ak["name"].to_numpy()[a],
            "company_domain": uk["domain_raw"].to_numpy()[u],
            "account_domain": ak["domain_raw"].to_numpy()[a],
        }
    )


def match_companies(universe: pd.DataFrame, accounts: pd.DataFrame) -> MatchResult:
    """Match ``universe`` (company_id, name, domain, city, region, country, founded_year) to
    ``accounts`` (account_id and the same columns). Only the id and name columns are required."""
    for frame, id_column, label in ((universe, "company_id", "universe"), (accounts, "account_id", "accounts")):
        missing = [c for c in (id_column, "name") if c not in frame.columns]
        if missing:
            raise InvalidInputError(
                f"{label} has no column {', '.join(repr(c) for c in missing)}; matching needs "
                f"{id_column!r} and 'name' (and uses domain, city, region, country when present)"
            )
    uk, ak = match_keys(universe.reset_index(drop=True), accounts.reset_index(drop=True))

    by_domain, open_domain = _stage(_domain_pairs(uk, ak), uk, ak, "domain")
    # Rows and accounts settled (matched or ambiguous) by domain take no part in matching by name.
    open_u, open_a = np.ones(len(uk), dtype=bool), np.ones(len(ak), dtype=bool)
    for frame in (by_domain, open_domain):
        open_u[frame["u"].to_numpy()] = False
        open_a[frame["a"].to_numpy()] = False
    by_name, open_name = _stage(_name_pairs(uk, ak, np.flatnonzero(open_u), np.flatnonzero(open_a)), uk, ak, "name")
    accepted = pd.concat([by_domain, by_name], ignore_index=True)
    contested = pd.concat([open_domain, open_name], ignore_index=True)

    status = np.zeros(len(uk), dtype=np.int8)  # 0 unmatched, 1 matched, 2 ambiguous
    status[accepted["u"].to_numpy()] = 1
    status[contested["u"].to_numpy()] = 2
    lost = status == 0
    unmatched = pd.DataFrame(
        {
            "company_id": uk["id"].to_numpy()[lost],
            "name": uk["name"].to_numpy()[lost],
            "domain": uk["domain_raw"].to_numpy()[lost],
        }
    )
    by_method = accepted["method"].value_counts()
    summary: dict[str, Any] = {
        "universe_rows": int(len(uk)),
        "matched": int((status == 1).sum()),
        "ambiguous": int((status == 2).sum()),
        "unmatched": int(lost.sum()),
        "matched_by_method": {m: int(by_method.get(m, 0)) for m in METHODS},
        "accounts": int(len(ak)),
        "accounts_matched": int(accepted["a"].nunique()),
        "accounts_ambiguous": int(contested["a"].nunique()),
        "universe_without_keys": int(((uk["domain"] < 0) & (uk["name_key"] < 0)).sum()),
    }
    summary["reconciles"] = summary["matched"] + summary["ambiguous"] + summary["unmatched"] == summary["universe_rows"]
    return MatchResult(
        matches=_describe(accepted, uk, ak, ["method", "confidence"]),
        ambiguous=_describe(contested, uk, ak, ["stage", "reason"]),
        unmatched=unmatched,
        summary=summary,
    )


def match_workspace(ws: Workspace) -> MatchResult:
    """Match the workspace's ``universe`` table to its ``accounts`` table."""
    columns = ["name", "domain", "city", "region", "country", "founded_year"]
    universe = ws.table("universe", needed_for="matching companies").select("company_id", *columns).to_pandas()
    accounts = ws.table("accounts", needed_for="matching companies").select("account_id", *columns).to_pandas()
    return match_companies(universe, accounts)
