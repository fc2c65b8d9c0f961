"""The workshop board and the empathy maps of a workspace: the stored board when the team has saved
one, else the draft from the evidence; saving an edit against the revision the editor read.

The draft is gathered only when nothing is stored (or when asked with ``fresh``): once the team
has saved a board, opening it reads one YAML file.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from bullseye.errors import BullseyeError, NotFoundError
from bullseye.people.comments import read_comments
from bullseye.people.empathy import EmpathyBoard, draft_empathy_map
from bullseye.people.workshop import WorkshopBoard, WorkshopEvidence, draft_workshop
from bullseye.strategy.persona import Persona
from bullseye.strategy.workshop import (
    WORKSHOP_FILE,
    EmpathyMap,
    Workshop,
    board_revision,
    empathy_file,
    read_board,
    save_board,
)

if TYPE_CHECKING:
    from bullseye.workspace import Workspace

__all__ = [
    "WORKSHOP_COMMENTS",
    "empathy_comments_target",
    "workshop_evidence",
    "workspace_workshop",
    "save_workspace_workshop",
    "workspace_empathy_map",
    "save_workspace_empathy_map",
]

#: The comment target of the workshop (strategy/comments/workshop.yaml).
WORKSHOP_COMMENTS = "workshop"


def empathy_comments_target(name: str) -> str:
    return f"empathy-{name}"


def workshop_evidence(ws: Workspace) -> WorkshopEvidence:
    """The ICP (the draft the personas belong to), the saved personas, the committee and the
    dataset; each part the workspace cannot give yet is left out, and the draft says so."""
    from bullseye.strategy.persona import load_personas

    icp = ws._people_icp(required=False)
    personas = load_personas(ws.root) if icp is not None else []
    committee = data = None
    attributes: list[str] = []
    if ws.has_table("deals") and ws.has_table("accounts"):
        from bullseye.core.dataset import build_dataset
        from bullseye.discover.leakage import leakage_guard

        data = build_dataset(ws)
        leaky = leakage_guard(ws, data)
        attributes = [a for a in data.attributes if a not in leaky]
        if ws.has_table("contacts") and ws.has_table("deal_contacts"):
            try:
                committee = ws.committee()
            except BullseyeError:
                committee = None  # no closed deals in scope: the champion cards ask instead
    return WorkshopEvidence(icp=icp, personas=personas, committee=committee, data=data, attributes=attributes)


def workspace_workshop(ws: Workspace, fresh: bool = False, draft: Workshop | None = None) -> WorkshopBoard:
    """The stored board, else ``draft`` (the web's cached one), else the draft gathered now."""
    stored = None if fresh else read_board(ws.root / WORKSHOP_FILE, Workshop)
    board = stored or draft or draft_workshop(workshop_evidence(ws))
    return WorkshopBoard(
        board=board,
        revision=board_revision(ws.root / WORKSHOP_FILE),
        saved=stored is not None,
        file=WORKSHOP_FILE,
        comments=read_comments(ws.root, WORKSHOP_COMMENTS),
    )


def save_workspace_workshop(
    ws: Workspace, form: Mapping[str, str], expected_revision: str, by: str, draft: Workshop | None = None
) -> WorkshopBoard:
    stored = read_board(ws.root / WORKSHOP_FILE, Workshop)
    base = stored or draft or draft_workshop(workshop_evidence(ws))
    board, revision, _ = save_board(ws.root, WORKSHOP_FILE, base, form, expected_revision, by)
    return WorkshopBoard(
        board=board,
        revision=revision,
        saved=(ws.root / WORKSHOP_FILE).exists(),
        file=WORKSHOP_FILE,
        comments=read_comments(ws.root, WORKSHOP_COMMENTS),
    )


def _persona(ws: Workspace, name: str) -> Persona:
    from bullseye.errors import ConfigError
    from bullseye.people.persona_edit import persona_file, read_persona

    path = persona_file(ws.root, name)  # NotFoundError naming the personas there
    try:
        found = read_board(path, Persona)
    except ConfigError:
        found = None  # the anti-persona, or a file with a mistake: read_persona tells which
    persona = found or read_persona(ws.root, name)[0]
    if not isinstance(persona, Persona):
        raise NotFoundError(f"'{name}' is the anti-persona: an empathy map is of a persona who buys")
    return persona


def workspace_empathy_map(ws: Workspace, name: str, fresh: bool = False) -> EmpathyBoard:
    persona = _persona(ws, name)
    path = ws.root / empathy_file(name)
    stored = None if fresh else read_board(path, EmpathyMap)
    return EmpathyBoard(
        board=stored or draft_empathy_map(name, persona),
        revision=board_revision(path),
        saved=stored is not None,
        file=empathy_file(name),
        comments=read_comments(ws.root, empathy_comments_target(name)),
    )


def save_workspace_empathy_map(ws: Workspace, name: str, form: Mapping[str, str], expected_revision: str, by: str):
    persona = _persona(ws, name)
    path = ws.root / empathy_file(name)
    base = read_board(path, EmpathyMap) or draft_empathy_map(name, persona)
    board, revision, _ = save_board(ws.root, empathy_file(name), base, form, expected_revision, by)
    return EmpathyBoard(
        board=board,
        revision=revision,
        saved=path.exists(),
        file=empathy_file(name),
        comments=read_comments(ws.root, empathy_comments_target(name)),
    )
