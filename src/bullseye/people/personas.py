"""Drafting personas from evidence: one per committee role of the ICP's deals, plus the anti-persona.

Every field filled from data links to its evidence (committee counts, themes with quotes and the
notes they come from, the ICP's disqualifiers); every field the data cannot fill is written as an
assumption to validate, never invented. Re-running updates the evidence and keeps hand edits (see
:mod:`bullseye.strategy.definitions`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
from scipy import stats

from bullseye.people.committee import CommitteeReport, committee_deals, committee_report, first_notes
from bullseye.people.roles import ROLES, contact_roles
from bullseye.people.theme_merge import apply_merges
from bullseye.people.theme_report import ThemeReport
from bullseye.people.themes import contact_groups, mine_themes
from bullseye.people.title_lexicon import FUNCTION_LABELS, SENIORITY_LABELS
from bullseye.results import Result
from bullseye.stats import wilson_interval
from bullseye.strategy.definitions import WriteResult
from bullseye.strategy.icp import ICP
from bullseye.strategy.persona import (
    AntiPersona,
    Backing,
    Objection,
    Persona,
    Quote,
    Statement,
    ThreeQuestions,
    save_persona,
    slug,
)

if TYPE_CHECKING:
    from bullseye.workspace import Workspace

__all__ = [
    "PersonaEvidence",
    "PersonaDrafts",
    "gather_evidence",
    "suggest_personas",
    "write_personas",
    "engagement_order",
]

GENERATED_BY = "bullseye personas suggest"
#: A theme belongs to the role it is mostly heard from.
MIN_ROLE_SHARE = 0.4
PER_KIND = 4
#: Order of engagement when notes cannot show it: the usual path of a committee sale.
CONVENTIONAL_ORDER = ("user", "champion", "influencer", "blocker", "economic buyer")


class PersonaEvidence:
    """Everything the drafts are made from, gathered once."""

    def __init__(
        self,
        committee: CommitteeReport,
        links: pd.DataFrame,
        deals: pd.DataFrame,
        themes: ThemeReport,
        notes: pd.DataFrame,
        order: dict[str, tuple[int, str, bool]],
    ) -> None:
        self.committee, self.links, self.deals, self.themes, self.notes = committee, links, deals, themes, notes
        self.order = order


def engagement_order(links: pd.DataFrame, deals: pd.DataFrame, notes: pd.DataFrame) -> dict[str, tuple[int, str, bool]]:
    """role -> (position, why, measured): roles ordered by when in the deal they first appear in notes
    (median share of the deal's cycle elapsed), else the conventional order, marked as such."""
    timed = pd.DataFrame()
    first = first_notes(notes)
    if first is not None:
        timed = (
            links[["deal_id", "contact_id", "role"]]
            .merge(first, on=["deal_id", "contact_id"])
            .merge(deals[["deal_id", "created_at", "decided_at"]], on="deal_id")
        )
    if len(timed):
        created, end = pd.to_datetime(timed["created_at"]), pd.to_datetime(timed["decided_at"])
        span = (end - created).dt.days.clip(lower=1)
        timed["position"] = ((pd.to_datetime(timed["first_note"]) - created).dt.days / span).clip(0, 1)
        timed = timed[timed["role"].isin(ROLES)]
        medians = timed.groupby("role")["position"].agg(["median", "size"])
        medians = medians[medians["size"] >= 10].sort_values("median")
        samples = [timed.loc[timed["role"] == role, "position"].to_numpy() for role in medians.index]
        # Only an order the notes really show: the roles' timings must differ beyond chance.
        if len(medians) >= 2 and stats.kruskal(*samples).pvalue < 0.05:
            return {
                role: (
                    i + 1,
                    f"first heard from at {row['median']:.0%} of the deal's course (median of "
                    f"{int(row['size'])} deals; roles differ, Kruskal-Wallis p < 0.05)",
                    True,
                )
                for i, (role, row) in enumerate(medians.iterrows())
            }
    return {
        role: (i + 1, "the usual order of a committee sale (the notes do not show a different one)", False)
        for i, role in enumerate(CONVENTIONAL_ORDER)
    }


def gather_evidence(ws: Workspace, icp: ICP | None) -> PersonaEvidence:
    committee = committee_report(ws, icp)
    deals, links, _ = committee_deals(ws, icp)
    accounts = set(deals["account_id"])
    notes = (
        ws.table("notes").to_pandas()
        if ws.has_table("notes")
        else pd.DataFrame(columns=["note_id", "account_id", "deal_id", "contact_id", "note_type", "created_at", "body"])
    )
    mine = notes[notes["account_id"].isin(accounts)] if len(accounts) else notes
    contacts = ws.table("contacts").select("contact_id", "name", "title").to_pandas()
    roles = contact_roles(ws)[["contact_id", "role", "inferred"]]
    # One pain in two languages is one statement, as `bullseye themes` shows it (people/theme_merge.py).
    themes = apply_merges(mine_themes(mine, groups=contact_groups(contacts, roles)), ws.root)
    return PersonaEvidence(committee, links, deals, themes, notes, engagement_order(links, deals, notes))


# -- statements from evidence ---------------------------------------------------------------------
def _assumption(text: str) -> Statement:
    return Statement(text=text, assumption=True)


def _theme_statement(evidence: PersonaEvidence, theme: pd.Series, role: str, extra: str = "") -> Statement:
    quotes = evidence.themes.quotes[evidence.themes.quotes["theme_id"] == theme["theme_id"]]
    groups = evidence.themes.by_group
    from_role = groups[(groups["theme_id"] == theme["theme_id"]) & (groups["by"] == "role") & (groups["group"] == role)]
    share = float(from_role["share_of_theme"].iloc[0]) if len(from_role) else 0.0
    summary = (
        f"heard in {int(theme['count'])} notes from {theme['first_seen']} to {theme['last_seen']}, "
        f"{share:.0%} of them from {role}s" + extra
    )
    return Statement(
        text=str(theme["label"]),
        evidence=Backing(
            summary=summary,
            count=int(theme["count"]),
            source="themes",
            date_range=[theme["first_seen"], theme["last_seen"]],
            quotes=[
                Quote(
                    text=q.text,
                    note_id=q.note_id,
                    date=pd.Timestamp(q.created_at).date(),
                    source=_note_type(evidence, q.note_id),
                )
                for q in quotes.itertuples()
            ],
        ),
    )


def _note_type(evidence: PersonaEvidence, note_id: str) -> str | None:
    match = evidence.notes.loc[evidence.notes["note_id"] == note_id, "note_type"]
    return None if match.empty or pd.isna(match.iloc[0]) else str(match.iloc[0])


def _role_themes(evidence: PersonaEvidence, role: str, kind: str) -> pd.DataFrame:
    themes = evidence.themes.themes
    mine = themes[
        (themes["kind"] == kind) & (themes["top_role"] == role) & (themes["top_role_share"] >= MIN_ROLE_SHARE)
    ]
    return mine.sort_values("count", ascending=False).head(PER_KIND)


def _objection_outcomes(evidence: PersonaEvidence, theme_id: str) -> tuple[int, int] | None:
    """(won, deals) of the deals whose notes raised this objection."""
    mentions = evidence.themes.mentions
    notes = mentions.loc[mentions["theme_id"] == theme_id, "note_id"]
    deal_ids = set(evidence.notes.loc[evidence.notes["note_id"].isin(notes), "deal_id"].dropna())
    raised = evidence.deals[evidence.deals["deal_id"].isin(deal_ids)]
    return (int(raised["won"].sum()), len(raised)) if len(raised) >= 5 else None


def _objections(evidence: PersonaEvidence, role: str) -> tuple[list[Objection], Statement, Statement]:
    """The role's objections, each with how its deals went; the trap and the killer objection: the
    one whose deals went worst."""
    base = evidence.deals["won"].mean() if len(evidence.deals) else float("nan")
    objections, worst = [], None
    for _, theme in _role_themes(evidence, role, "objection").iterrows():
        outcome = _objection_outcomes(evidence, theme["theme_id"])
        extra = ""
        if outcome:
            won, n = outcome
            low, high = wilson_interval(won, n)
            extra = (
                f"; deals where it came up won {won / n:.0%} ({float(low):.0%}-{float(high):.0%}, {n} deals) "
                f"vs {base:.0%} over all"
            )
            if won / n < base and (worst is None or won / n < worst[0]):
                worst = (won / n, theme, extra)  # a trap only if its deals went worse than the rest
        statement = _theme_statement(evidence, theme, role, extra)
        objections.append(Objection(**statement.model_dump(), answer=None))
    if worst is None:
        trap = _assumption("Not measured: which concern, left unanswered, loses the deal? Ask the reps who lost.")
        killer = objections[0] if objections else _assumption("Not heard: which objection kills the deal?")
        return objections, trap, Statement(text=killer.text, evidence=killer.evidence, assumption=killer.assumption)
    backing = _theme_statement(evidence, worst[1], role, worst[2]).evidence
    trap = Statement(text=f"Leaving '{worst[1]['label']}' unanswered", evidence=backing)
    return objections, trap, Statement(text=str(worst[1]["label"]), evidence=backing)


def _influencers(evidence: PersonaEvidence, role: str) -> list[Statement]:
    links, deals = evidence.links, evidence.deals
    won_ids = set(deals.loc[deals["won"] == 1, "deal_id"])
    mine = set(links.loc[(links["role"] == role) & links["deal_id"].isin(won_ids), "deal_id"])
    if len(mine) < 10:
        return []
    others = links[links["deal_id"].isin(mine) & ~links["role"].isin([role, "unknown"])]
    shares = others.groupby("role")["deal_id"].nunique().sort_values(ascending=False) / len(mine)
    return [
        Statement(
            text=f"the {other}",
            evidence=Backing(
                summary=f"on {share:.0%} of the {len(mine)} won deals this role was on",
                count=int(round(share * len(mine))),
                out_of=len(mine),
                source="committee",
            ),
        )
        for other, share in shares.head(3).items()
        if share >= 0.3
    ]


def _role_statement(evidence: PersonaEvidence, role: str, row: pd.Series) -> Statement:
    effects = evidence.committee.effects
    effect = effects[(effects["kind"] == "role") & (effects["group"] == role)] if len(effects) else effects
    summary = (
        f"on {row['won_share']:.0%} of won and {row['lost_share']:.0%} of lost deals in scope; "
        f"{row['top_function_share']:.0%} of the {int(row['contacts'])} contacts in this role work in "
        f"{FUNCTION_LABELS.get(row['top_function'], row['top_function'])}"
    )
    if len(effect):
        summary += f"; {effect['sentence'].iloc[0]} ({effect['strength'].iloc[0]})"
    function = FUNCTION_LABELS.get(row["top_function"], row["top_function"])
    seniority = SENIORITY_LABELS.get(row["top_seniority"], row["top_seniority"])
    return Statement(
        text=f"The {role} of the buying committee, usually {seniority} in {function}",
        evidence=Backing(summary=summary, count=int(row["contacts"]), source="committee"),
    )


def _draft(evidence: PersonaEvidence, icp_id: str, row: pd.Series, today: dt.date) -> Persona:
    role = row["role"]
    titles = evidence.links.loc[evidence.links["role"] == role, "title"].dropna().str.strip()
    typical = list(
        titles.groupby(titles.str.casefold())
        .agg(lambda s: s.iloc[0])
        .reindex(titles.str.casefold().value_counts().index)
        .head(5)
    )
    pains = [_theme_statement(evidence, t, role) for _, t in _role_themes(evidence, role, "pain").iterrows()]
    goals = [_theme_statement(evidence, t, role) for _, t in _role_themes(evidence, role, "goal").iterrows()]
    sources = [_theme_statement(evidence, t, role) for _, t in _role_themes(evidence, role, "source").iterrows()]
    objections, trap, killer = _objections(evidence, role)
    position, why, measured = evidence.order.get(role, (len(ROLES), "", False))
    function = FUNCTION_LABELS.get(row["top_function"], row["top_function"])
    hook = (
        Statement(text=f"Open with their pain: {pains[0].text}", evidence=pains[0].evidence)
        if pains
        else _assumption("Not measured: what opens the conversation? No pain is heard mostly from this role.")
    )
    return Persona(
        id=slug(role),
        name=f"{role.capitalize()}: {typical[0] if typical else function}",
        icp=icp_id,
        committee_role=role,
        function=row["top_function"],
        seniority=row["top_seniority"],
        titles=typical,
        role=_role_statement(evidence, role, row),
        engage_order=position,
        engage_when=Statement(text=f"step {position}: {why}", evidence=Backing(summary=why, source="notes"))
        if measured
        else _assumption(f"step {position}: {why}"),
        pains=pains,
        goals=goals,
        where_they_learn=sources
        or [_assumption("Not heard in notes: ask where they learn (events, communities, newsletters, peers).")],
        decision_style=_assumption(
            "Not measured: validate in interviews how they decide (alone or by consensus, on numbers or on references)."
        ),
        objections=objections,
        internal_influencers=_influencers(evidence, role),
        hook=hook,
        trap=trap,
        three_questions=ThreeQuestions(
            midnight_worry=pains[0] if pains else _assumption("Not heard: what keeps them up at night?"),
            watercooler_brag=goals[0] if goals else _assumption("Not heard: what would they brag about to peers?"),
            killer_objection=killer,
        ),
        review_date=today + dt.timedelta(days=90),
        generated_by=GENERATED_BY,
    )


def _anti_persona(evidence: PersonaEvidence, icp: ICP | None, today: dt.date) -> AntiPersona:
    icp_id = icp.id if icp else "icp"
    flags = []
    for rule in icp.disqualifiers if icp else []:
        text = f"{rule.label}: {rule.reason}" if rule.reason else rule.label
        if rule.evidence:
            e = rule.evidence[0]
            flags.append(
                Statement(
                    text=text,
                    evidence=Backing(
                        summary=e.summary or f"{e.metric} {e.lift:.1f}x base",
                        count=e.accounts,
                        source="icp",
                        date_range=e.date_range,
                    ),
                )
            )
        else:
            flags.append(Statement(text=text, assumption=True))
    effects = evidence.committee.effects
    if len(effects):
        bad = effects[
            (effects["kind"] == "function")
            & (effects["strength"] == "strong")
            & (effects["win_with"] < effects["win_without"])
        ]
        for row in bad.itertuples():
            flags.append(
                Statement(
                    text=f"the deal is run by {FUNCTION_LABELS.get(row.group, row.group)}",
                    evidence=Backing(summary=row.sentence, count=row.deals_with, source="committee"),
                )
            )
    backed = [(f, f.evidence) for f in flags if f.evidence]
    if backed:
        who = Statement(
            text="People at accounts that meet a disqualifier: " + "; ".join(f.text for f, _ in backed[:3]),
            evidence=Backing(summary="; ".join(e.summary for _, e in backed[:3]), count=len(backed), source="icp"),
        )
    elif flags:
        who = _assumption("People at accounts that meet a disqualifier: " + "; ".join(f.text for f in flags[:3]))
    else:
        who = _assumption("Not measured: the ICP has no disqualifiers yet. Who should sales walk away from?")
    why = next((f.evidence for f in flags if f.evidence), None)
    return AntiPersona(
        id="anti-persona",
        name="Who not to serve",
        icp=icp_id,
        who=who,
        red_flags=flags,
        why_not=Statement(text=why.summary, evidence=why)
        if why
        else _assumption("Not measured: why they are a poor fit (churn, discount, cost to serve)."),
        review_date=today + dt.timedelta(days=90),
        generated_by=GENERATED_BY,
    )


def suggest_personas(
    ws: Workspace, icp: ICP | None, evidence: PersonaEvidence | None = None, today: dt.date | None = None
) -> list[Persona | AntiPersona]:
    """A persona per committee role seen on the ICP's deals (in engagement order), then the anti-persona."""
    evidence = evidence or gather_evidence(ws, icp)
    today = today or dt.date.today()
    icp_id = icp.id if icp else "icp"
    presence = evidence.committee.presence
    drafts = [_draft(evidence, icp_id, row, today) for _, row in presence.iterrows() if row["contacts"] >= 5]
    drafts.sort(key=lambda p: p.engage_order or 99)
    return [*drafts, _anti_persona(evidence, icp, today)]


def write_personas(ws: Workspace, personas: list[Persona | AntiPersona], force: bool = False) -> list[WriteResult]:
    return [save_persona(ws.root, persona, force=force) for persona in personas]


@dataclass(repr=False)
class PersonaDrafts(Result):
    """Personas drafted from the evidence (one per committee role, then the anti-persona) and, once
    saved, what each file became (``written``: created, updated, the user's edits kept, the diff)."""

    personas: list[Persona | AntiPersona]
    written: list[WriteResult] = field(default_factory=list)
    root: Path | None = None  # the workspace, to show paths relative to it

    def relative(self, path: Path) -> str:
        try:
            return path.relative_to(self.root).as_posix() if self.root else str(path)
        except ValueError:
            return str(path)

    def to_dict(self) -> dict[str, Any]:
        return {
            "personas": [p.model_dump(mode="json", exclude_none=True) for p in self.personas],
            "written": [
                {"path": self.relative(w.path), "created": w.created, "kept_edits": w.kept, "diff": w.diff}
                for w in self.written
            ],
        }
