"""Dynamic "why now" signals: which companies just had something happen to them (a funding round,
a new executive, layoffs, a technology adopted...), ranked by fit times signal strength, each with
its reason in words.

A signal (``strategy/icp.yaml``, :class:`bullseye.strategy.icp.Signal`) watches one event type,
optionally filtered by the normalised job title, the description or the value. A matching event
that is fresh (at most ``lookback_days`` old) counts ``weight * 0.5 ** (age / half_life_days)``;
a negative signal subtracts it. A company's ``why_now_score`` sums, over the signals, the
strongest fresh event of each (three funding rounds are not three times as urgent as one).
The ranking's priority is ``fit_score / 100 * why_now_score``.

The window, the matching, the decay and the per-company sums run in the warehouse (Ibis); Python
gets one row per company and the events in words only for the companies it returns.
The events are read in :mod:`bullseye.market.signal_events` and put in words in
:mod:`bullseye.market.signal_reasons`; whether a signal deserves its place is measured in
:mod:`bullseye.market.signal_evidence`.

Example::

    ranking = signal_ranking(ws, days=30)      # the signals of the ICP in use (published)
    ranking.rows.head(20)                      # company, fit, why_now_score, priority, why_now
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import ibis
import numpy as np
import pandas as pd

from bullseye.errors import BullseyeError, NotFoundError
from bullseye.market.industries import load_segments, with_segments
from bullseye.market.signal_events import fresh_events, signal_predicate
from bullseye.market.signal_reasons import event_reasons
from bullseye.people.titles import workspace_title_vocabulary
from bullseye.results import Result
from bullseye.strategy.icp import ICP, ICP_FILE, Signal

if TYPE_CHECKING:
    import ibis.expr.types as ir

    from bullseye.scoring.scorecard import ScoreCard
    from bullseye.workspace import Workspace

__all__ = [
    "SignalRanking",
    "signal_ranking",
    "rank_signals",
    "why_now",
    "add_why_now",
    "NEUTRAL_FIT",
    "RANK_COLUMNS",
]

#: The fit score assumed for a company that cannot be scored: the base odds.
NEUTRAL_FIT = 50.0
#: Columns of a ranking, in order.
RANK_COLUMNS = (
    "company",
    "kind",
    "name",
    "fit_score",
    "tier",
    "disqualified",
    "fit_known",
    "why_now_score",
    "priority",
    "why_now",
    "signals",
    "signal_ids",
    "last_event",
)


# -- ranking ----------------------------------------------------------------------------------------
@dataclass(repr=False)
class SignalRanking(Result):
    """Companies with a fresh signal, best first (``rows``, columns ``RANK_COLUMNS``); ``definitions``
    names the ICP version whose signals and scorecard ranked them (``draft`` before any publish)."""

    as_of: dt.date
    days: int
    signals: list[Signal]
    rows: pd.DataFrame
    companies: int  # with a fresh signal, before ``limit``
    events: int  # fresh matching events
    notes: list[str] = field(default_factory=list)
    event_links: dict[str, Any] | None = None  # how events that only name their company were linked
    definitions: str = "draft"
    files: dict[str, Any] = field(default_factory=dict)  # what was written on request: the full ranking

    def to_dict(self) -> dict[str, Any]:
        rows = self.rows.astype(object).where(self.rows.notna(), None)
        return {
            "as_of": self.as_of.isoformat(),
            "days": self.days,
            "definitions": self.definitions,
            "companies": self.companies,
            "events": self.events,
            "signals": [s.model_dump(mode="json", exclude_none=True) for s in self.signals],
            "notes": self.notes,
            "event_links": self.event_links,
            "rows": rows.to_dict(orient="records"),
            "files": {k: str(v) for k, v in self.files.items()},
        }

    def write(self, path) -> None:
        """Write the ranking (.csv or .parquet; each company's signals joined by "; ") to ``path``."""
        from bullseye.io import write_table

        joined = {c: self.rows[c].map("; ".join) for c in ("signals", "signal_ids")}
        write_table(self.rows.assign(**joined), path)
        self.files["ranking"] = path


def _window(events: ir.Table, signals: list[Signal], as_of: dt.date, days: int, vocabulary) -> ir.Table:
    """The events of the signals' types young enough for any of them (see :func:`fresh_events`)."""
    widest = min(days, max(s.lookback_days for s in signals))
    by_title = any(s.filters.title_function or s.filters.title_seniority for s in signals)
    return fresh_events(
        events,
        as_of,
        since=as_of - dt.timedelta(days=widest + 1),
        event_types=[s.event_type for s in signals],
        titles=by_title,
        vocabulary=vocabulary,
    )


def _matches(fresh: ir.Table, signals: list[Signal], days: int) -> ir.Table:
    """Every fresh (event, signal) match with its ``signal`` index and signed, decayed ``points``."""
    parts = []
    for index, signal in enumerate(signals):
        sign = -1.0 if signal.direction == "negative" else 1.0
        hit = fresh.filter(
            signal_predicate(signal, fresh),
            fresh.kind.notnull(),
            fresh.age_days >= 0,
            fresh.age_days <= min(signal.lookback_days, days),
        )
        decay = ibis.literal(0.5) ** (hit.age_days.cast("float64") / signal.half_life_days)
        parts.append(hit.mutate(signal=ibis.literal(index, type="int64"), points=sign * signal.weight * decay))
    return ibis.union(*parts) if len(parts) > 1 else parts[0]


def rank_signals(
    events: ir.Table,
    signals: list[Signal],
    as_of: dt.date,
    days: int = 30,
    card: ScoreCard | None = None,
    accounts: pd.DataFrame | None = None,
    universe: ir.Table | None = None,
    limit: int | None = None,
    n_reasons: int = 3,
    vocabulary=None,
    segments=None,
) -> SignalRanking:
    """Rank the companies with a fresh signal in the ``days`` before ``as_of``.

    The matching, decay and per-company sums run in the warehouse; only one row per company comes
    back, and the events in words only for the companies returned. ``accounts``: the CRM accounts
    with their attributes (scored with ``card`` by ``account_id``); ``universe``: the market table
    (events with a ``company_id`` and no ``account_id`` are scored on its row, when it has the
    attributes the scorecard needs). A company that cannot be scored gets the neutral fit (score
    50) and ``fit_known`` False; ``notes`` say why. ``vocabulary``: the job-title vocabulary for
    title filters (default: the built-in one); ``segments``: the workspace's industry segments, so
    prospects' provider labels read as the ICP's (see :func:`bullseye.market.industries.with_segments`).
    """
    _require(signals)
    # Two materialisations: the window is read from the events once, not once per signal.
    with (
        _window(events, signals, as_of, days, vocabulary).cache() as fresh,
        _matches(fresh, signals, days).cache() as matches,
    ):
        size = matches.points.abs()
        first = ibis.row_number().over(
            group_by=[matches.kind, matches.company, matches.signal],
            order_by=[size.desc(), matches.age_days, matches.event_id],
        )
        strongest = matches.mutate(_order=first).filter(lambda m: m._order == 0).drop("_order")
        totals = strongest.group_by(["kind", "company"]).aggregate(
            why_now_score=strongest.points.sum(),
            last_event=strongest.occurred_at.max(),
            event_name=strongest.company_name.max(),
        )
        ranked = totals.order_by(["kind", "company"]).to_pandas()
        fresh = int(matches.count().execute())
        notes: list[str] = []
        if ranked.empty:
            rows = pd.DataFrame({c: pd.Series(dtype=object) for c in RANK_COLUMNS})
            return SignalRanking(as_of, days, signals, rows, 0, 0, [f"no fresh signal in the {days} days to {as_of}"])
        prospects = totals.filter(totals.kind == "prospect").select(company_id=totals.company)
        ranked = pd.concat([ranked, _fit(ranked, card, accounts, universe, prospects, notes, segments)], axis=1)
        score = np.where(ranked["fit_known"].to_numpy(bool), ranked["fit_score"].to_numpy(float), NEUTRAL_FIT)
        disqualified = ranked["disqualified"].to_numpy(bool)
        ranked["priority"] = np.where(disqualified, 0.0, score / 100 * ranked["why_now_score"].to_numpy(float))
        # disqualified last, then priority, then signal; ties keep the (kind, company) order
        order = np.lexsort(
            (-ranked["why_now_score"].to_numpy(float), -ranked["priority"].to_numpy(float), disqualified)
        )
        ranked = ranked.iloc[order].reset_index(drop=True)
        companies = len(ranked)
        if limit:
            ranked = ranked.head(limit)
        chosen = (
            strongest
            if not limit
            else strongest.inner_join(
                ibis.memtable(ranked[["kind", "company"]], schema={"kind": "string", "company": "string"}),
                ["kind", "company"],
            )
        )
        ranked = _with_reasons(
            ranked,
            chosen.select(
                "kind", "company", "signal", "points", "event_type", "title", "value", "description", "age_days"
            ).to_pandas(),
            n_reasons,
            [s.id for s in signals],
        )
    ranked["why_now_score"] = ranked["why_now_score"].round(3)
    ranked["priority"] = ranked["priority"].round(3)
    return SignalRanking(as_of, days, signals, ranked[list(RANK_COLUMNS)], companies, fresh, notes)


def _with_reasons(ranked: pd.DataFrame, strongest: pd.DataFrame, n: int, ids: list[str]) -> pd.DataFrame:
    """``why_now`` (the strongest fresh signal in words), ``signals`` (up to ``n`` of them) and
    ``signal_ids`` (the id of every signal with a fresh event, strongest first; pages filter on it)."""
    strongest = strongest.assign(size=strongest["points"].abs()).sort_values(
        ["size", "age_days"], ascending=[False, True], kind="stable"
    )
    strongest["text"] = event_reasons(strongest)
    groups = strongest.groupby(["kind", "company"], sort=False)
    listed = groups["text"].agg(lambda texts: list(texts)[:n])
    signal_ids = groups["signal"].agg(lambda found: list(dict.fromkeys(ids[int(i)] for i in found)))
    reasons = pd.MultiIndex.from_frame(ranked[["kind", "company"]]).map(listed.to_dict().get)
    ranked = ranked.copy()
    ranked["signals"] = [r if isinstance(r, list) else [] for r in reasons]
    ranked["why_now"] = [r[0] if r else "" for r in ranked["signals"]]
    found = pd.MultiIndex.from_frame(ranked[["kind", "company"]]).map(signal_ids.to_dict().get)
    ranked["signal_ids"] = [f if isinstance(f, list) else [] for f in found]
    return ranked


def _fit(
    ranked: pd.DataFrame,
    card: ScoreCard | None,
    accounts: pd.DataFrame | None,
    universe: ir.Table | None,
    prospects: ir.Table,
    notes: list[str],
    segments=None,
) -> pd.DataFrame:
    """Name, fit score, tier, disqualified and fit_known of every ranked company, in its order."""
    kind, ident = ranked["kind"].to_numpy(object), ranked["company"].to_numpy(object)
    out = pd.DataFrame(
        {
            "name": np.where(kind == "unmatched", ident, None).astype(object),  # type: ignore[attr-defined]  # numpy stub reads where(c, x, None) as where(c)
            "fit_score": np.full(len(ranked), np.nan),
            "tier": np.full(len(ranked), None, dtype=object),
            "disqualified": np.zeros(len(ranked), bool),
            "fit_known": np.zeros(len(ranked), bool),
        }
    )
    if card is None:
        notes.append("no scorecard: ranked by signal strength alone")
    for which, key, table in (("account", "account_id", accounts), ("prospect", "company_id", universe)):
        rows = np.flatnonzero(kind == which)
        if not len(rows):
            continue
        if table is None:
            notes.append(
                f"{which}s have no {'accounts' if which == 'account' else 'universe'} table, so no fit: "
                f"ranked by signal strength alone"
            )
            continue
        if which == "prospect":
            table = with_segments(table.inner_join(prospects, "company_id").to_pandas(), segments)
            if card is not None:  # a field the market list lacks is unknown, as in market sizing
                rules = [*card.icp.criteria, *card.icp.disqualifiers]
                lacking = sorted({c.attribute for r in rules for c in r.conditions} - set(table.columns))
                table = table.assign(**{name: np.nan for name in lacking})
        found = pd.DataFrame({key: ident[rows], "_row": rows}).merge(table, on=key, how="inner")
        if "name" in found.columns:
            out.loc[found["_row"].to_numpy(), "name"] = found["name"].to_numpy(object)
        if card is None or found.empty:
            continue
        try:
            scored = card.score(found.drop(columns="_row"))
        except BullseyeError as missing:  # the universe lacks an attribute an ICP rule needs
            notes.append(f"{which}s are ranked by signal strength alone: {missing}")
            continue
        at = found["_row"].to_numpy()
        out.loc[at, "fit_score"] = scored["fit_score"].to_numpy(float)
        out.loc[at, "tier"] = scored["tier"].to_numpy(object)
        out.loc[at, "disqualified"] = scored["disqualified"].to_numpy(bool)
        out.loc[at, "fit_known"] = True
        lacking = [f.name for f in card.features_ if not f.is_flag and f.name not in found.columns]
        if lacking and which == "prospect":
            notes.append(
                f"prospects are scored without {', '.join(lacking)} (not in the universe table): those count as unknown"
            )
    out["name"] = out["name"].where(out["name"].notna(), ranked["event_name"].to_numpy(object))
    if (kind == "unmatched").any():
        notes.append(
            "events that only name their company (no account_id or company_id) and matched no account or "
            "universe company are ranked by signal strength alone"
        )
    return out


# -- the workspace ----------------------------------------------------------------------------------
def _require(signals: list[Signal], label: str = "given") -> None:
    if not signals:
        which = {"given": "the ICP", "draft": "the draft ICP"}.get(label, f"the ICP in use ({label})")
        publish = "" if label in ("given", "draft") else ', then publish them with `bullseye publish -m "why"`'
        raise NotFoundError(
            f"{which} has no signals; draft them with `bullseye discover` (with the events table "
            f"loaded) or add them under `signals:` in strategy/icp.yaml (see docs/signals.md){publish}"
        )


def signal_ranking(
    ws: Workspace, icp: ICP | None = None, days: int = 30, as_of: object = None, limit: int | None = None
) -> SignalRanking:
    """The workspace's companies with a fresh signal of the ICP, ranked (see :func:`rank_signals`).

    ``icp``: rank with these signals and a scorecard fitted for them; by default the ICP in use (the
    published version's signals and stored scorecard; the draft, with a note, before any publish)."""
    from bullseye.core.dataset import build_dataset
    from bullseye.market.event_links import link_workspace_events
    from bullseye.outcomes.per_account import resolve_as_of

    if icp is None:
        in_use = ws.strategy_in_use()
        if in_use is None:  # neither a published version nor a draft
            raise NotFoundError(f"{ws.root / ICP_FILE} does not exist yet; draft one with `bullseye discover`")
        icp, label, notes = in_use.icp, in_use.label, [in_use.note] if in_use.note else []
    else:
        in_use, label, notes = None, "given", []
    _require(icp.signals, label)
    # Events that only name their company are linked to an account or a universe company first.
    links = link_workspace_events(ws, needed_for="bullseye signals")
    events = links.events
    day = resolve_as_of(ws, as_of)
    card, accounts = None, None
    if ws.has_table("deals") and ws.has_table("accounts"):
        data = build_dataset(ws, as_of=day)
        accounts = data.accounts
        try:
            card = _scorecard(ws, icp, in_use, data)
        except BullseyeError as why:  # e.g. no lost deals yet: rank on signals, and say why
            notes.append(f"no scorecard ({why}), so fit is unknown")
    elif ws.has_table("accounts"):
        accounts = ws.table("accounts").to_pandas()
        notes.append("no deals table: no scorecard, so fit is unknown")
    universe = ws.table("universe") if ws.has_table("universe") else None
    ranking = rank_signals(
        events,
        icp.signals,
        day,
        days,
        card,
        accounts,
        universe,
        limit,
        vocabulary=workspace_title_vocabulary(ws),
        segments=load_segments(ws.root),
    )
    ranking.notes[:0] = notes + links.notes()
    ranking.event_links = links.to_dict() if links.summary["event_companies"] else None
    ranking.definitions = label
    return ranking


def _scorecard(ws: Workspace, icp: ICP, in_use, data) -> ScoreCard:
    """The in-use version's stored scorecard, or one fitted for ``icp``."""
    if in_use is not None:
        return in_use.scorecard(ws, data)
    from bullseye.scoring.scorecard import fit_scorecard

    return fit_scorecard(ws, icp, dataset=data)


def why_now(ws: Workspace, account_ids: Any, icp: ICP, as_of: object = None) -> pd.DataFrame:
    """``why_now`` (the strongest fresh signal in words, '' when none) and ``why_now_score`` of each
    account, in the order given. Empty when the ICP has no signals or no events are loaded."""
    from bullseye.market.event_links import link_workspace_events
    from bullseye.outcomes.per_account import resolve_as_of

    ids = pd.Series(account_ids, dtype=object).reset_index(drop=True)
    out = pd.DataFrame({"why_now": np.full(len(ids), "", dtype=object), "why_now_score": np.zeros(len(ids))})
    if not icp.signals or not ws.has_table("events") or ids.isna().all():
        return out
    day = resolve_as_of(ws, as_of)
    widest = max(s.lookback_days for s in icp.signals)
    events = link_workspace_events(ws, universe=False).events  # an event naming an account counts for it
    if "account_id" not in events.columns:
        return out
    events = events.filter(events.account_id.notnull())  # prospects' events cannot explain an account
    ranking = rank_signals(events, icp.signals, day, widest, n_reasons=1, vocabulary=workspace_title_vocabulary(ws))
    accounts = ranking.rows[ranking.rows["kind"] == "account"].set_index("company")
    out["why_now"] = ids.map(accounts["why_now"]).fillna("").to_numpy(object)
    out["why_now_score"] = ids.map(accounts["why_now_score"]).fillna(0.0).to_numpy(float)
    return out


def add_why_now(ws: Workspace, scores: pd.DataFrame, icp: ICP, as_of: object = None) -> pd.DataFrame:
    """``scores`` with the ``why_now`` and ``why_now_score`` columns (see :func:`why_now`)."""
    ids = scores["account_id"] if "account_id" in scores.columns else pd.Series([None] * len(scores))
    extra = why_now(ws, ids.to_numpy(object), icp, as_of)
    return scores.assign(why_now=extra["why_now"].to_numpy(object), why_now_score=extra["why_now_score"].to_numpy())
