"""The facade's lifecycle methods: preview and publish the draft, versions (history, diff, rollback,
restore), status and check, triggers and market events."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bullseye.facade.base import FacadeBase

if TYPE_CHECKING:
    from datetime import date

    from bullseye.governance.diff import VersionDiff
    from bullseye.governance.events import EventAdded, Events
    from bullseye.governance.lifecycle import History, Preview, PublishResult, RestoredDraft
    from bullseye.governance.status import CheckResult, Status
    from bullseye.governance.triggers import TriggerList

__all__ = ["LifecycleMixin"]


class LifecycleMixin(FacadeBase):
    """The Workspace's lifecycle methods; see :class:`bullseye.workspace.Workspace`."""

    # -- lifecycle: versions, reviews, triggers, drift ---------------------------------------------
    # Writers of the draft take ``expected_hash``: the draft's hash when the caller read it
    # (``draft_hash()``); when another editor saved in between, they raise a ConflictError.
    def draft_hash(self) -> str:
        """The content hash of the draft definitions in ``strategy/`` (what an editor read)."""
        from bullseye.strategy.drafts import draft_hash

        return draft_hash(self.root)

    def preview(self, expected_hash: str | None = None) -> Preview:
        """What publishing the draft would change: holdout ROC AUC of the draft against the version
        in use, accounts changing tier, open pipeline moving, the gate's objections. Writes nothing."""
        from bullseye.governance.lifecycle import preview

        return preview(self._ws, expected_hash=expected_hash)

    def publish(
        self,
        message: str,
        force: str | None = None,
        by: str | None = None,
        expected_hash: str | None = None,
        notify: bool = True,
    ) -> PublishResult:
        """Publish the draft as a new immutable version behind the gate (``force``: the reason to
        publish over its objections, recorded).

        Example: ``ws.publish("Add marketplaces: 2x win rate", expected_hash=ws.draft_hash())``
        """
        from bullseye.governance.lifecycle import publish

        return publish(self._ws, message, by=by, force=force, notify=notify, expected_hash=expected_hash)

    def history(self) -> History:
        """The published versions, newest first (the first is in use)."""
        from bullseye.governance.lifecycle import history

        return history(self._ws)

    def diff(self, a: str | int | None = None, b: str | int | None = None) -> VersionDiff:
        """What changed from version ``a`` (default: the one before ``b``) to ``b`` (default: the one in use)."""
        from bullseye.governance.diff import compare_versions

        return compare_versions(self._ws, a, b)

    def rollback(self, number: str | int, message: str = "", by: str | None = None) -> PublishResult:
        """Publish version ``number``'s content again as a new version; the draft follows."""
        from bullseye.governance.lifecycle import rollback

        return rollback(self._ws, number, message, by=by)

    def restore_draft(self, number: str | int | None = None, expected_hash: str | None = None) -> RestoredDraft:
        """Make the draft say what version ``number`` (default: the one in use) says; publishes nothing."""
        from bullseye.governance.lifecycle import restore_draft

        return restore_draft(self._ws, number, expected_hash=expected_hash)

    def status(self, today: date | None = None) -> Status:
        """What is due and overdue for the ICP, and why: reviews, open triggers, stale evidence."""
        from bullseye.governance.status import workspace_status

        return workspace_status(self._ws, today)

    def check(self, notify: bool = True) -> CheckResult:
        """Load changed exports, rescore with the published version, evaluate triggers, notify."""
        from bullseye.governance.status import run_check

        return run_check(self._ws, notify=notify)

    def triggers(
        self, acknowledge: list[str] | None = None, close: list[str] | None = None, everything: bool = False
    ) -> TriggerList:
        """The open and acknowledged triggers (all with ``everything``), after acknowledging and closing those named."""
        from bullseye.governance.triggers import trigger_list

        return trigger_list(self._ws, acknowledge, close, everything)

    def events(self) -> Events:
        """The recorded market events."""
        from bullseye.governance.events import Events, load_events

        return Events(load_events(self.root))

    def add_event(
        self, name: str, on: date | None = None, kind: str = "other", note: str = "", by: str | None = None
    ) -> EventAdded:
        """Record a market event in ``strategy/events.yaml``; it is raised as a trigger.

        Example: ``ws.add_event("pricing change", kind="pricing")``
        """
        from bullseye.governance.events import record_event

        return record_event(self._ws, name, on, kind, note, by)
