"""Two editors, one draft: the second to save what they read gets a conflict, never a silent overwrite."""

from __future__ import annotations

import threading

import pytest
import yaml

from bullseye.demo.strategy import PLANTED_ICP
from bullseye.errors import ConflictError
from bullseye.strategy.drafts import check_draft, draft_hash, draft_lock
from bullseye.strategy.icp import ICP, load_icp, save_icp


def planted() -> ICP:
    return ICP.model_validate(yaml.safe_load(PLANTED_ICP))


def test_the_second_editor_to_save_gets_a_conflict(workspace):
    root = workspace.root
    save_icp(root, planted())
    a, b = draft_hash(root), draft_hash(root)  # both editors open the same draft
    mine = planted().model_copy(update={"owner": "Alice"})
    save_icp(root, mine, expected_hash=a)
    theirs = planted().model_copy(update={"owner": "Bob"})
    with pytest.raises(ConflictError, match="changed since it was read"):
        save_icp(root, theirs, expected_hash=b)
    assert load_icp(root).owner == "Alice"  # the first save stands
    save_icp(root, theirs, expected_hash=draft_hash(root))  # Bob reloads and saves again
    assert load_icp(root).owner == "Bob"


def test_a_formatting_only_edit_is_not_a_conflict_but_any_change_of_content_is(workspace):
    root = workspace.root
    save_icp(root, planted())
    seen = draft_hash(root)
    path = root / "strategy" / "icp.yaml"
    path.write_text("# a comment someone added\n" + path.read_text(encoding="utf-8"), encoding="utf-8")
    assert check_draft(root, seen) == seen
    (root / "strategy" / "audience.yaml").write_text("name: everyone\ncriteria: []\n", encoding="utf-8")
    with pytest.raises(ConflictError):
        check_draft(root, seen)  # the draft is every definition file, not only the ICP


@pytest.mark.parametrize("editors", [2, 4])
def test_editors_saving_at_the_same_moment_one_wins(workspace, editors):
    root = workspace.root
    save_icp(root, planted())
    seen = draft_hash(root)
    start = threading.Barrier(editors)
    outcomes: dict[str, str] = {}

    def edit(name: str) -> None:
        start.wait()
        try:
            save_icp(root, planted().model_copy(update={"owner": name}), expected_hash=seen)
            outcomes[name] = "saved"
        except ConflictError:
            outcomes[name] = "conflict"

    threads = [threading.Thread(target=edit, args=(f"editor {i}",)) for i in range(editors)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    winners = [name for name, outcome in outcomes.items() if outcome == "saved"]
    assert len(outcomes) == editors and len(winners) == 1, outcomes
    assert load_icp(root).owner == winners[0]


def test_the_draft_lock_excludes_a_second_holder(workspace):
    with draft_lock(workspace.root):
        with pytest.raises(ConflictError, match="another editor"):
            with draft_lock(workspace.root, timeout=0.2):
                pass
    with draft_lock(workspace.root, timeout=0.2):  # released
        pass
