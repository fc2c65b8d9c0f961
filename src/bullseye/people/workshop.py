"""The 60-minute alignment workshop of methods/002, drafted from the evidence for the team to fill in.

- **Anti-persona** (0-15 min): the red flags of customers to avoid, from what churns (traits
  over-represented among churned customers), what loses (the ICP's disqualifiers with their
  evidence, groups whose presence lowers the win rate, objections whose deals went worst).
- **Champion** (15-30 min): who champions the best deals (function, seniority, titles) and what
  later contact records say of them ("who got promoted because they bought us").
- **Before and after** (30-60 min): each persona's pains (chaos) beside their goals (zen).
- **Alignment exercise** (prepared with RevOps): list A, the fastest closes with the least
  discount; list B, the heaviest users; the traits both lists share are the bullseye.

Whatever the data cannot show is a card marked as an assumption with the question to ask, never
an invented answer.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pandas as pd

from bullseye.people.title_lexicon import FUNCTION_LABELS, SENIORITY_LABELS
from bullseye.strategy.persona import AntiPersona, Backing, Persona
from bullseye.strategy.workshop import BeforeAfter, Card, StoredBoard, Workshop

if TYPE_CHECKING:
    from bullseye.core.dataset import Dataset
    from bullseye.people.committee import CommitteeReport
    from bullseye.strategy.icp import ICP

__all__ = ["AGENDA", "WorkshopBoard", "WorkshopEvidence", "draft_workshop", "alignment_lists"]

#: The agenda of the 60 minutes (methods/002), with the alignment exercise prepared before it.
AGENDA = (
    {"section": "alignment", "title": "The alignment exercise", "start": None, "end": None,
     "prompt": "Prepared with RevOps before the meeting: who closed fastest with the least discount, who uses us most, and what both lists share."},
    {"section": "anti_persona", "title": "The anti-persona", "start": 0, "end": 15,
     "prompt": "Identify the red flags in annoying customers: who churns, who loses, who costs too much to serve."},
    {"section": "champion", "title": "The champion profile", "start": 15, "end": 30,
     "prompt": "Who got promoted because they bought us? Who champions the best deals?"},
    {"section": "before_after", "title": "The before-and-after grid", "start": 30, "end": 60,
     "prompt": "Chaos vs. zen: each persona's day before us and after."},
)  # fmt: skip
LIST_SIZE = 5
MAX_RED_FLAGS = 8
ROWS_PER_PERSONA = 2


@dataclass
class WorkshopEvidence:
    """What the draft is made from, gathered by the facade (each part may be missing)."""

    icp: ICP | None
    personas: list[Persona | AntiPersona]
    committee: CommitteeReport | None
    data: Dataset | None
    attributes: list[str] = field(default_factory=list)


def _ask(text: str) -> Card:
    return Card(text=text, assumption=True)


# -- anti-persona: what churns and what loses -------------------------------------------------------
def _red_flags(evidence: WorkshopEvidence) -> list[Card]:
    from bullseye.discover.bullseye import cohorts

    flags: list[Card] = []
    if evidence.data is not None:
        churners = cohorts(evidence.data, evidence.attributes).get("churners", {})
        for trait in churners.get("traits", []):
            flags.append(
                Card(
                    text=f"Churns more: {trait['trait']}",
                    evidence=Backing(
                        summary=f"{trait['share']:.0%} of the {churners['members']} churned customers have it vs "
                        f"{trait['share_all']:.0%} of all customers ({trait['lift']:.1f}x; hypergeometric p = "
                        f"{trait['p_value']:.2g})",
                        count=int(trait["members"]),
                        out_of=int(churners["members"]),
                        source="churn",
                    ),
                )
            )
    for rule in evidence.icp.disqualifiers if evidence.icp else []:
        text = f"Disqualifier: {rule.name} ({rule.label})"
        measured = next((e for e in rule.evidence if e.summary), None)
        if measured is not None:
            backing = Backing(summary=measured.summary, count=measured.accounts, source="icp")
            flags.append(Card(text=text, evidence=backing))
        else:
            reason = f"; the ICP says: {rule.reason}" if rule.reason else ""
            flags.append(_ask(f"{text}: believed, not measured{reason}. Does the team see it?"))
    committee = evidence.committee
    if committee is not None and len(committee.effects):
        effects = committee.effects
        worse = effects[(effects["strength"] == "strong") & (effects["win_with"] < effects["win_without"])]
        for row in worse.itertuples():
            flags.append(
                Card(
                    text=f"Loses more: {row.sentence}",
                    evidence=Backing(summary=str(row.sentence), count=int(row.deals_with), source="committee"),
                )
            )
    for persona in evidence.personas:
        if isinstance(persona, Persona) and persona.trap.evidence is not None:
            flags.append(Card(text=f"Loses more: {persona.trap.text} ({persona.name})", evidence=persona.trap.evidence))
    if not flags:
        flags.append(_ask("Not measured: which customers annoy us, churn or cost too much to serve? Name three."))
    return flags[:MAX_RED_FLAGS]


# -- the champion ------------------------------------------------------------------------------------
def _champion(evidence: WorkshopEvidence) -> list[Card]:
    cards: list[Card] = []
    profile = evidence.committee.champions if evidence.committee is not None else {}
    n = int(profile.get("champions", 0))
    if n:
        function, count = next(iter(profile["functions"].items()))
        seniority, s_count = next(iter(profile["seniorities"].items()))
        basis = f"the {profile['best_deals']} best deals ({profile['basis']})"
        cards.append(
            Card(
                text=f"Usually {SENIORITY_LABELS.get(seniority, seniority)} in "
                f"{FUNCTION_LABELS.get(function, function)}",
                evidence=Backing(
                    summary=f"{count} of the {n} champions of {basis} work in {FUNCTION_LABELS.get(function, function)}; "
                    f"{s_count} are {SENIORITY_LABELS.get(seniority, seniority)}",
                    count=int(count),
                    out_of=n,
                    source="committee",
                ),
            )
        )
        titles = [t for t in profile.get("titles", {}) if t]
        if titles:
            cards.append(
                Card(
                    text="Their titles: " + ", ".join(titles[:3]),
                    evidence=Backing(summary=f"the most common titles of the {n} champions of {basis}", out_of=n,
                                     count=int(sum(list(profile["titles"].values())[:3])), source="committee"),
                )
            )  # fmt: skip
        cards.append(
            Card(
                text=f"A champion was on {profile['with_champion']:.0%} of the best deals",
                evidence=Backing(summary=f"share of {basis} with a contact in the champion role",
                                 count=round(profile["with_champion"] * profile["best_deals"]),
                                 out_of=int(profile["best_deals"]), source="committee"),
            )
        )  # fmt: skip
    after = profile.get("after", {})
    if after.get("followed"):
        cards.append(
            Card(
                text=f"Promoted after buying us: {after['promoted']} of the {after['followed']} champions we could follow",
                evidence=Backing(
                    summary=f"later contact records of the same people: {after['promoted']} promoted, "
                    f"{after['changed title']} changed title, {after['changed company']} changed company",
                    count=int(after["promoted"]),
                    out_of=int(after["followed"]),
                    source="contacts",
                ),
            )
        )
    else:
        cards.append(_ask("Not in the data: who got promoted because they bought us? Customer success, name them."))
    champion = next((p for p in evidence.personas if isinstance(p, Persona) and p.committee_role == "champion"), None)
    if champion is not None:
        brag = champion.three_questions.watercooler_brag
        cards.append(
            Card(text=f"What they brag about: {brag.text}", evidence=brag.evidence, assumption=brag.assumption)
        )
    return cards


# -- before and after ------------------------------------------------------------------------------
def _grid(evidence: WorkshopEvidence) -> list[BeforeAfter]:
    rows = []
    personas = sorted(
        (p for p in evidence.personas if isinstance(p, Persona)), key=lambda p: (p.engage_order or 99, p.name)
    )
    for persona in personas:
        pains, goals = persona.pains[:ROWS_PER_PERSONA], persona.goals[:ROWS_PER_PERSONA]
        for index in range(max(len(pains), min(len(goals), 1))):
            before = pains[index] if index < len(pains) else None
            after = goals[index] if index < len(goals) else None
            rows.append(
                BeforeAfter(
                    persona=persona.name,
                    before=Card(text=before.text, evidence=before.evidence, assumption=before.assumption)
                    if before
                    else _ask("Not heard: what does their day look like before us?"),
                    after=Card(text=after.text, evidence=after.evidence, assumption=after.assumption)
                    if after
                    else _ask("Not heard: what does their day look like once this is solved?"),
                )
            )
    if not rows:
        rows.append(
            BeforeAfter(
                persona="everyone",
                before=_ask("No personas yet (draft them on the Personas page): what is the chaos before us?"),
                after=_ask("And the zen after?"),
            )
        )
    return rows


# -- the alignment exercise ------------------------------------------------------------------------
def alignment_lists(data: Dataset, size: int = LIST_SIZE) -> tuple[list[Card], list[Card]]:
    """List A (the won deals that closed fastest with the least discount, ranked as
    :func:`bullseye.discover.bullseye.alignment` ranks them) and list B (the heaviest users)."""
    from bullseye.discover.bullseye import efficiency_rank

    names = data.accounts.set_index("account_id")["name"] if "name" in data.accounts else pd.Series(dtype=str)
    won = data.opportunities[(data.opportunities["won"] == 1) & data.opportunities["days_to_close"].notna()]
    fastest = []
    if len(won):
        ranked = won.assign(_rank=efficiency_rank(won)).sort_values(["_rank", "deal_id"]).head(size)
        for row in ranked.itertuples():
            discount = "no discount" if not row.discount or pd.isna(row.discount) else f"{row.discount:.0%} discount"
            fastest.append(
                Card(
                    text=f"{names.get(row.account_id, row.account_id)}: closed in {row.days_to_close:.0f} days, {discount}",
                    evidence=Backing(
                        summary=f"deal {row.deal_id}; ranked by days to close and discount among {len(won)} won deals",
                        source="deals",
                    ),
                )
            )
    usage = data.accounts[data.accounts["avg_active_users"].notna()] if "avg_active_users" in data.accounts else None
    stickiest = []
    if usage is not None and len(usage):
        for row in (
            usage.sort_values(["avg_active_users", "account_id"], ascending=[False, True]).head(size).itertuples()
        ):
            stickiest.append(
                Card(
                    text=f"{names.get(row.account_id, row.account_id)}: {row.avg_active_users:,.0f} active users a day",
                    evidence=Backing(
                        summary=f"average daily active users; top of {len(usage)} customers", source="usage"
                    ),
                )
            )
    return (
        fastest or [_ask("No won deals with a close date: who closed fastest with the least discount?")],
        stickiest or [_ask("No usage loaded: which customers use us most every day?")],
    )


def _shared(evidence: WorkshopEvidence) -> list[Card]:
    from bullseye.discover.bullseye import alignment

    if evidence.data is None:
        return [_ask("No deals loaded: what do the fastest closes and the heaviest users have in common?")]
    found = alignment(evidence.data, evidence.attributes)
    if "note" in found:
        return [_ask(f"Not measured ({found['note']}): what do both lists have in common?")]
    cards = [
        Card(
            text=t["trait"],
            evidence=Backing(
                summary=f"{t['lift_efficient']:.1f}x as common among the {found['efficient_accounts']} fastest, "
                f"least-discounted closes and {t['lift_heavy']:.1f}x among the {found['heavy_users']} heaviest users "
                f"({found['on_both']} accounts are on both lists)",
                count=int(found["on_both"]),
                source="discovery",
            ),
        )
        for t in found["shared_traits"]
    ]
    return cards or [
        _ask(
            f"No trait is over-represented on both lists ({found['on_both']} accounts are on both): "
            "what does the team see they share?"
        )
    ]


def draft_workshop(evidence: WorkshopEvidence, today: dt.date | None = None) -> Workshop:
    """The workshop as the evidence drafts it."""
    if evidence.data is not None:
        fastest, stickiest = alignment_lists(evidence.data)
    else:
        fastest = [_ask("No deals loaded: who closed fastest with the least discount?")]
        stickiest = [_ask("No usage loaded: who uses us most?")]
    return Workshop(
        icp=evidence.icp.id if evidence.icp else "icp",
        drafted_at=today or dt.date.today(),
        anti_persona=_red_flags(evidence),
        champion=_champion(evidence),
        before_after=_grid(evidence),
        fastest=fastest,
        stickiest=stickiest,
        shared=_shared(evidence),
    )


@dataclass(repr=False)
class WorkshopBoard(StoredBoard):
    """The workshop board (see :class:`~bullseye.strategy.workshop.StoredBoard`) with its agenda."""

    board: Workshop

    def to_dict(self) -> dict[str, Any]:
        return self.state() | {
            "agenda": list(AGENDA),
            "workshop": self.board.model_dump(mode="json"),
            "comments": self.comments,
        }
