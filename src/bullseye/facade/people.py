"""The facade's people methods: the buying committee, the themes of the notes, the personas and
their cards, and the edits and comments the web workspace records."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from bullseye.facade.base import FacadeBase

if TYPE_CHECKING:
    from bullseye.people.cards import PersonaCards
    from bullseye.people.committee import CommitteeReport
    from bullseye.people.personas import PersonaDrafts
    from bullseye.people.theme_report import ThemeReport

__all__ = ["PeopleMixin"]


class PeopleMixin(FacadeBase):
    """The Workspace's people methods; see :class:`bullseye.workspace.Workspace`."""

    # -- people ------------------------------------------------------------------------------------
    def committee(self) -> CommitteeReport:
        """Who shows up on won and lost deals of the ICP's accounts (the draft strategy/icp.yaml, which
        the personas are drafted for; all deals before there is one), in which committee role, and
        what their presence changes."""
        from bullseye.people.committee import committee_report

        return committee_report(self._ws, self._people_icp(required=False))

    def themes(
        self, by: str | None = None, kinds: tuple[str, ...] | None = None, since=None, min_count: int = 3, progress=None
    ) -> ThemeReport:
        """Pains, objections, goals and sources mined from the notes, with who says them and quotes;
        ``by`` (role, function...) groups them for display; ``kinds`` default to all but "other"."""
        from bullseye.people.theme_kinds import VOICE_KINDS
        from bullseye.people.themes import workspace_themes

        kinds = tuple(dict.fromkeys(kinds)) if kinds else VOICE_KINDS
        roles = None
        if self.has_table("contacts") and self.has_table("deal_contacts"):
            from bullseye.people.roles import contact_roles

            roles = contact_roles(self._ws)  # recorded roles, and blank ones inferred from titles
        report = workspace_themes(
            self._ws, roles=roles, since=since, min_count=min_count, kinds=kinds, progress=progress
        ).select(kinds)
        if by is not None:
            report.by_group_of(by)  # a bad dimension is an error here, not at display
        report.by = by
        return report

    def personas(self) -> PersonaDrafts:
        """A persona drafted per committee role of the ICP (and the anti-persona), every field linked
        to its evidence or marked as an assumption; nothing is written (see ``save_personas``)."""
        from bullseye.people.personas import PersonaDrafts, suggest_personas

        return PersonaDrafts(suggest_personas(self._ws, self._people_icp(required=True)), root=self.root)

    def save_personas(self, drafts: PersonaDrafts, force: bool = False) -> PersonaDrafts:
        """Write the drafts to strategy/personas/, keeping hand edits unless ``force``."""
        from bullseye.people.personas import write_personas

        drafts.written = write_personas(self._ws, drafts.personas, force=force)
        return drafts

    def cards(self, formats: tuple[str, ...] = ("html",), out_dir: Path | None = None) -> PersonaCards:
        """One-page persona cards of strategy/personas/ (md, html; pdf needs ``out_dir``), written
        into ``out_dir`` only when it is given."""
        from bullseye.people.cards import workspace_cards

        return workspace_cards(self._ws, self._people_icp(required=True), tuple(formats), out_dir)

    def _people_icp(self, required: bool):
        from bullseye.errors import NotFoundError
        from bullseye.strategy.icp import ICP_FILE, load_icp

        if (self.root / ICP_FILE).exists():
            return load_icp(self.root)
        if required:
            raise NotFoundError(
                f"personas come after the ICP: {ICP_FILE} does not exist yet; draft it with "
                "`bullseye discover` (or write it) first"
            )
        return None

    # -- personas in the web workspace ------------------------------------------------------------
    def merge_themes(self, label_a: str, label_b: str, by: str, split: bool = False) -> dict:
        """Record that two themes are one (or, with ``split``, that they are not, undoing a merge);
        ``bullseye themes`` and the web pages apply it. Returns the decision as written.

        Example: ``ws.merge_themes("delivery delays", "atrasos nas entregas", by="ana")``
        """
        from bullseye.people.theme_merge import record_merge

        return record_merge(self.root, label_a, label_b, by, "split" if split else "merge")

    def save_persona_form(self, name: str, form: dict, expected_hash: str) -> tuple:
        """Apply edited fields (dotted paths, see :mod:`bullseye.people.persona_edit`) to
        ``strategy/personas/<name>.yaml``; refuses a file changed since ``expected_hash`` was read."""
        from bullseye.people.persona_edit import save_persona_form

        return save_persona_form(self.root, name, form, expected_hash)

    def comment(self, target: str, field: str, text: str, author: str) -> dict:
        """Add a comment on one field of a definition (``strategy/comments/<target>.yaml``).

        Example: ``ws.comment("personas-ops-director", "pains.0.text", "Heard twice this week", "ana")``
        """
        from bullseye.people.comments import add_comment

        return add_comment(self.root, target, field, text, author)

    def comments(self, target: str) -> list[dict]:
        from bullseye.people.comments import read_comments

        return read_comments(self.root, target)
