"""An empathy map per persona (methods/000's visual frameworks): what they say, think, do and feel,
their pains and gains, drafted from the persona as the team keeps it in ``strategy/personas/``.

Every card carries the evidence of the persona field it comes from (themes with their counts and
quotes linking to the notes) or stays an assumption; nothing is invented. "Says" are the buyers'
own words (the quotes); "thinks" what worries and stops them; "does" their role and habits;
"feels" the anxiety and ambition behind the three questions.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from bullseye.strategy.persona import Backing, Persona, Statement
from bullseye.strategy.workshop import EMPATHY_LISTS, Card, EmpathyMap, StoredBoard

__all__ = ["EmpathyBoard", "draft_empathy_map", "EMPATHY_QUESTIONS"]

SAYS = 5
#: What each quadrant asks, shown on the page and the PDF.
EMPATHY_QUESTIONS = {
    "says": "What do they say, in their own words?",
    "thinks": "What do they think but may not say?",
    "does": "What do they do, day to day and when they buy?",
    "feels": "What do they feel: worries and ambitions?",
    "pains": "Pains: what gets in their way",
    "gains": "Gains: what success looks like",
}


def _from(statement: Statement | None, prefix: str = "") -> Card | None:
    if statement is None or not statement.text.strip():
        return None
    return Card(text=prefix + statement.text, evidence=statement.evidence, assumption=statement.assumption)


def _article(noun: str) -> str:
    return f"{'an' if noun[:1].lower() in 'aeiou' else 'a'} {noun}"


def _ask(question: str) -> Card:
    return Card(text=question, assumption=True)


def _quotes(persona: Persona) -> list[Card]:
    """The buyers' own words, one quote per statement, pains first."""
    cards, seen = [], set()
    for statement in [*persona.pains, *persona.objections, *persona.goals, *persona.where_they_learn]:
        for quote in statement.evidence.quotes if statement.evidence else []:
            if quote.text in seen:
                continue
            seen.add(quote.text)
            cards.append(
                Card(
                    text=f"“{quote.text}”",
                    evidence=Backing(
                        summary=f"their words in {_article(quote.source or 'note')} about '{statement.text}'",
                        count=1,
                        quotes=[quote],
                        source="notes",
                    ),
                )
            )
            break
        if len(cards) >= SAYS:
            break
    return cards


def draft_empathy_map(name: str, persona: Persona, today: dt.date | None = None) -> EmpathyMap:
    """The empathy map of the persona stored as ``strategy/personas/<name>.yaml``."""
    q = persona.three_questions
    says = _quotes(persona) or [_ask("Not heard in the notes: what do they say about this problem? Write their words.")]
    thinks = [
        c
        for c in (
            _from(q.midnight_worry, "What keeps me up at night: "),
            _from(q.killer_objection, "Why I would say no: "),
            *(_from(o, "I doubt: ") for o in [o for o in persona.objections if o.text != q.killer_objection.text][:2]),
        )
        if c
    ]
    does = [
        c
        for c in (
            _from(persona.role),
            _from(persona.engage_when, "Joins the deal at "),
            _from(persona.decision_style, "Decides: "),
            *(_from(s, "Learns from: ") for s in persona.where_they_learn[:2]),
        )
        if c
    ]
    feels = [
        c
        for c in (_from(q.midnight_worry, "Anxious about: "), _from(q.watercooler_brag, "Proud when: "))
        if c and not c.assumption
    ] or [_ask("Not measured: how do they feel about the problem today? Ask in the next interview.")]
    pains = [c for c in (_from(s) for s in persona.pains) if c] or [_ask("Not heard: what gets in their way?")]
    gains = [c for c in (_from(s) for s in persona.goals) if c] or [
        _ask("Not heard: what would success look like to them?")
    ]
    return EmpathyMap(
        persona=name,
        name=persona.name,
        icp=persona.icp,
        drafted_at=today or dt.date.today(),
        says=says,
        thinks=thinks or [_ask("Not heard: what do they think but not say?")],
        does=does,
        feels=feels,
        pains=pains,
        gains=gains,
    )


@dataclass(repr=False)
class EmpathyBoard(StoredBoard):
    """One persona's empathy map (see :class:`~bullseye.strategy.workshop.StoredBoard`)."""

    board: EmpathyMap

    def to_dict(self) -> dict[str, Any]:
        return self.state() | {
            "questions": {k: EMPATHY_QUESTIONS[k] for k in EMPATHY_LISTS},
            "map": self.board.model_dump(mode="json"),
            "comments": self.comments,
        }
