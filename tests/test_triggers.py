"""The trigger store: idempotent recording in the warehouse, listing, and status changes."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from bullseye.errors import BullseyeError
from bullseye.governance.triggers import (
    TRIGGER_COLUMNS,
    as_records,
    list_triggers,
    record_triggers,
    set_trigger_status,
    trigger_id,
)


def _found(*rows: tuple[str, str, str, list[str]]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "kind": kind,
                "raised_at": date.fromisoformat(day),
                "subject": subject,
                "detail": f"{subject} detail",
                "evidence": evidence,
            }
            for kind, day, subject, evidence in rows
        ]
    )


def test_nothing_stored_before_the_first_trigger(workspace):
    empty = list_triggers(workspace)
    assert empty.empty and list(empty.columns) == list(TRIGGER_COLUMNS)
    assert record_triggers(workspace, _found(), source="test") == 0
    assert "triggers" not in workspace.warehouse.list_tables()


def test_recording_is_idempotent_and_keeps_status(workspace):
    first = _found(
        ("new_objection", "2024-03-01", "data security", ["N1", "N2", "N3"]), ("drift", "2024-05-01", "fit score", [])
    )
    assert record_triggers(workspace, first, source="test") == 2
    stored = list_triggers(workspace)
    assert stored["subject"].tolist() == ["fit score", "data security"]  # newest first
    assert stored["trigger_id"].tolist() == [
        trigger_id("drift", "fit score", date(2024, 5, 1)),
        trigger_id("new_objection", "data security", date(2024, 3, 1)),
    ]
    assert stored["evidence"].tolist() == [[], ["N1", "N2", "N3"]]
    assert set(stored["status"]) == {"open"} and set(stored["source"]) == {"test"}
    assert set_trigger_status(workspace, [stored["trigger_id"].iat[1]], "closed") == 1
    again = pd.concat([first, _found(("new_objection", "2024-06-01", "data security", ["N9"]))], ignore_index=True)
    assert record_triggers(workspace, again, source="test") == 1  # only the new day is a new trigger
    stored = list_triggers(workspace)
    assert len(stored) == 3
    assert stored.set_index("raised_at").at[date(2024, 3, 1), "status"] == "closed"
    assert len(list_triggers(workspace, kind="new_objection", status="open")) == 1
    records = as_records(list_triggers(workspace, kind="drift"))
    assert records[0]["raised_at"] == "2024-05-01" and records[0]["evidence"] == []


def test_bad_input_is_refused_and_leaves_the_store_as_it_was(workspace):
    record_triggers(workspace, _found(("drift", "2024-05-01", "fit score", [])), source="test")
    with pytest.raises(BullseyeError, match="evidence"):
        record_triggers(
            workspace,
            pd.DataFrame({"kind": ["x"], "raised_at": ["2024-01-01"], "subject": ["s"], "detail": ["d"]}),
            source="test",
        )
    with pytest.raises(BullseyeError, match="no trigger with id TRG-nope"):
        set_trigger_status(workspace, ["TRG-nope"], "closed")
    with pytest.raises(BullseyeError, match="one of open, acknowledged, resolved, closed"):
        set_trigger_status(workspace, list(list_triggers(workspace)["trigger_id"]), "done")
    assert list_triggers(workspace)["status"].tolist() == ["open"]


def test_trigger_ids_depend_on_kind_subject_and_day():
    base = trigger_id("new_objection", "data security", date(2024, 3, 1))
    assert base == trigger_id("new_objection", "data security", date(2024, 3, 1)) and base.startswith("TRG-")
    assert (
        len(
            {
                base,
                trigger_id("drift", "data security", date(2024, 3, 1)),
                trigger_id("new_objection", "price", date(2024, 3, 1)),
                trigger_id("new_objection", "data security", date(2024, 3, 2)),
            }
        )
        == 4
    )
