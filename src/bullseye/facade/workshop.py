"""The facade's workshop methods: the alignment workshop of methods/002 and the empathy maps, drafted
from the evidence and edited by the team."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bullseye.facade.base import FacadeBase

if TYPE_CHECKING:
    from bullseye.people.empathy import EmpathyBoard
    from bullseye.people.workshop import WorkshopBoard
    from bullseye.strategy.workshop import Workshop

__all__ = ["WorkshopMixin"]


class WorkshopMixin(FacadeBase):
    """The Workspace's workshop methods; see :class:`bullseye.workspace.Workspace`."""

    def workshop(self, fresh: bool = False) -> WorkshopBoard:
        """The alignment workshop of methods/002 (anti-persona, champion, before-and-after grid,
        alignment lists): ``strategy/workshop.yaml`` as the team saved it, else (or with ``fresh``)
        the draft from the evidence, every card linked to its evidence or marked as an assumption.

        Example: ``board = ws.workshop(); board.board.anti_persona[0].text``
        """
        from bullseye.people.boards import workspace_workshop

        return workspace_workshop(self._ws, fresh=fresh)

    def save_workshop(
        self, form: dict, expected_revision: str, by: str, draft: Workshop | None = None
    ) -> WorkshopBoard:
        """Apply edited cards (dotted paths, see :mod:`bullseye.strategy.workshop`) and write
        ``strategy/workshop.yaml``, logging who and when; refuses a board saved since
        ``expected_revision`` was read (``draft`` before the first save: then ``draft``, the
        board the editor saw, is what the edits apply to, else it is drafted again)."""
        from bullseye.people.boards import save_workspace_workshop

        return save_workspace_workshop(self._ws, form, expected_revision, by, draft=draft)

    def empathy_map(self, name: str, fresh: bool = False) -> EmpathyBoard:
        """The empathy map of persona ``name`` (says, thinks, does, feels, pains, gains):
        ``strategy/empathy/<name>.yaml``, else (or with ``fresh``) drafted from the persona's evidence."""
        from bullseye.people.boards import workspace_empathy_map

        return workspace_empathy_map(self._ws, name, fresh=fresh)

    def save_empathy_map(self, name: str, form: dict, expected_revision: str, by: str) -> EmpathyBoard:
        """Apply edited cards to persona ``name``'s empathy map; refuses a stale revision as ``save_workshop``."""
        from bullseye.people.boards import save_workspace_empathy_map

        return save_workspace_empathy_map(self._ws, name, form, expected_revision, by)
