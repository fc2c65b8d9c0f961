"""The workshop board and the empathy maps in the terminal: each section a table of cards, the
evidence (or "assumption") under each card; ``--details`` adds the quotes."""

from __future__ import annotations

from typing import Any

from rich.console import Group
from rich.table import Column
from rich.text import Text

from bullseye.people.empathy import EMPATHY_QUESTIONS, EmpathyBoard
from bullseye.people.workshop import AGENDA, WorkshopBoard
from bullseye.render import terminal_renderer
from bullseye.render.layout import plain, titled_table, under
from bullseye.strategy.workshop import EMPATHY_LISTS, Card

__all__ = ["render_workshop", "render_empathy_map"]


def _lines(card: Card, details: bool) -> list[str]:
    if card.evidence is None:
        return ["assumption: validate it"]
    lines = [card.evidence.summary]
    if details:
        lines += [f'"{q.text}" ({q.note_id})' if q.note_id else f'"{q.text}"' for q in card.evidence.quotes[:2]]
    return lines


def _cards(title: str, cards: list[Card], details: bool):
    table = titled_table(title, Column("Card, and its evidence", ratio=1))
    for card in cards:
        table.add_row(under(Text(plain(card.text)), *(plain(line) for line in _lines(card, details))))
    return table


def _state(board: WorkshopBoard | EmpathyBoard) -> Text:
    said = (
        f"saved in {board.file}"
        if board.saved
        else f"drafted from the evidence (saved to {board.file} on the first edit)"
    )
    return Text(f"{said}; {len(board.comments)} comments.", style="dim")


@terminal_renderer(WorkshopBoard)
def render_workshop(result: WorkshopBoard, details: bool = False):
    w = result.board
    slots = {step["section"]: step for step in AGENDA}
    parts: list[Any] = [Text(f"The alignment workshop of ICP {w.icp}", style="bold"), _state(result)]
    for section in ("anti_persona", "champion"):
        step = slots[section]
        parts.append(_cards(f"{step['start']}-{step['end']} min: {step['title']}", getattr(w, section), details))
    grid = titled_table(
        "30-60 min: before and after", Column("Who", ratio=1), Column("Before", ratio=2), Column("After", ratio=2)
    )
    for row in w.before_after:
        grid.add_row(
            Text(plain(row.persona)),
            under(Text(plain(row.before.text)), *(plain(line) for line in _lines(row.before, details))),
            under(Text(plain(row.after.text)), *(plain(line) for line in _lines(row.after, details))),
        )
    parts.append(grid)
    parts += [
        _cards("Alignment, list A: fastest closes with least discount", w.fastest, details),
        _cards("Alignment, list B: highest usage", w.stickiest, details),
        _cards("On both lists: the bullseye", w.shared, details),
    ]
    return Group(*parts)


@terminal_renderer(EmpathyBoard)
def render_empathy_map(result: EmpathyBoard, details: bool = False):
    m = result.board
    parts: list[Any] = [Text(f"Empathy map: {m.name}", style="bold"), _state(result)]
    parts += [
        _cards(f"{name.capitalize()}: {EMPATHY_QUESTIONS[name]}", getattr(m, name), details) for name in EMPATHY_LISTS
    ]
    return Group(*parts)
