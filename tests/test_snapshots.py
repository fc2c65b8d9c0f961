"""Events from two snapshots: planted changes are found exactly, relabels are set aside and counted,
the real YC pair agrees with pandas, and the command writes a CSV that `bullseye load` reads."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from bullseye.cli import app
from bullseye.errors import BullseyeError
from bullseye.market.snapshots import (
    EVENT_COLUMNS,
    compare_snapshots,
    events_from_snapshots,
    read_snapshot,
)
from bullseye.workspace import Workspace

runner = CliRunner()
OLD, NEW = "2023-02-27", "2024-05-11"


@pytest.fixture(scope="module")
def planted():
    """400 companies in both snapshots with planted size and status changes, 7 only in the old one,
    11 only in the new one; sizes unknown (empty or 0) for some."""
    rng = np.random.default_rng(7)
    n = 400
    ids = [f"C{i:04d}" for i in range(n)]
    size_old = rng.integers(5, 400, n).astype(float)
    factor = rng.choice([1.0, 1.0, 1.1, 0.9, 1.5, 2.0, 0.5, 0.7], n)
    size_new = np.round(size_old * factor)
    unknown = rng.random(n) < 0.05
    zero = (rng.random(n) < 0.03) & ~unknown
    status_old = rng.choice(["Active", "Active", "Active", "Acquired", "Inactive"], n)
    status_new = status_old.copy()
    moves = rng.random(n)
    status_new[(status_old == "Active") & (moves < 0.10)] = "Acquired"
    status_new[(status_old == "Active") & (moves > 0.95)] = "Inactive"
    relabel = (status_old != "Active") & (moves < 0.2)
    status_new[relabel] = "Active"
    old = pd.DataFrame(
        {
            "id": ids + [f"GONE{i}" for i in range(7)],
            "company_name": [f"Old name {i}" for i in range(n + 7)],
            "employees": [("" if u else "0" if z else f"{s:g}") for s, u, z in zip(size_old, unknown, zero)]
            + ["10"] * 7,
            "status": list(status_old) + ["Active"] * 7,
        }
    )
    new = pd.DataFrame(
        {
            "id": ids + [f"NEW{i}" for i in range(11)],
            "company_name": [f"Company {i}" for i in range(n + 11)],
            "employees": [f"{s:g}" for s in size_new] + ["3"] * 11,
            "status": [s.lower() if i % 9 == 0 else s for i, s in enumerate(status_new)] + ["Active"] * 11,
        }
    )
    truth = pd.DataFrame(
        {
            "id": ids,
            "size_old": np.where(unknown | zero, np.nan, size_old),
            "size_new": size_new,
            "status_old": status_old,
            "status_new": status_new,
            "relabel": relabel,
        }
    )
    return old, new, truth


def test_planted_headcount_changes_are_found_with_their_size_and_window(planted):
    old, new, truth = planted
    result = compare_snapshots(old, new, key="id", old_date=OLD, new_date=NEW)
    events = result.events
    assert list(events.columns) == list(EVENT_COLUMNS)
    change = (truth.size_new - truth.size_old) / truth.size_old
    planted_ids = set(truth.id[change.abs() >= 0.2])
    headcount = events[events.event_type == "headcount_change"].set_index("company_id")
    assert set(headcount.index) == planted_ids and len(planted_ids) > 100
    expected = (change.set_axis(truth.id).loc[headcount.index] * 100).round(2)  # percent, as the events table
    assert np.allclose(headcount.value, expected)
    assert (headcount.size_before.astype(float) == truth.set_index("id").size_old.loc[headcount.index]).all()
    grew = headcount.loc[headcount.value > 0].iloc[0]
    pct = round(abs(grew.value))
    assert grew.description == (
        f"team grew {pct}% ({int(grew.size_before)} -> {int(grew.size_after)}) between {OLD} and {NEW}"
    )
    assert headcount.description[headcount.value < 0].str.startswith("team shrank ").all()
    # A 10% move is under the threshold; unknown and 0 sizes give no event.
    small = set(truth.id[(change.abs() > 0) & (change.abs() < 0.2)])
    assert small and not small & set(headcount.index)
    assert not set(truth.id[truth.size_old.isna()]) & set(headcount.index)
    counts = result.counts
    assert counts["in_both"] == 400 and counts["only_old"] == 7 and counts["only_new"] == 11
    assert counts["size_unknown"] == int(truth.size_old.isna().sum())
    assert counts["headcount_grew"] == int((change >= 0.2).sum())
    assert counts["headcount_shrank"] == int((change <= -0.2).sum())
    # Dated on the newer snapshot: the change happened some time in the window.
    assert set(events.occurred_at) == {NEW} and set(events.window_start) == {OLD}
    assert events.event_id.is_unique and set(events.source) == {f"snapshots {OLD}..{NEW}"}
    assert (events.set_index("company_id").company_name.loc[["C0001"]] == "Company 1").all()


def test_planted_status_changes_and_relabels_set_aside(planted):
    old, new, truth = planted
    result = compare_snapshots(old, new, key="id", old_date=OLD, new_date=NEW)
    moved = truth[truth.status_old != truth.status_new]
    real = moved[~moved.relabel]
    status = result.events[result.events.event_type == "status_change"].set_index("company_id")
    assert set(status.index) == set(real.id) and len(real) > 20
    assert (status.status_before == real.set_index("id").status_old.loc[status.index]).all()
    assert status.value.isna().all()
    one = status.iloc[0]
    assert one.description == f"status changed from {one.status_before} to {one.status_after} between {OLD} and {NEW}"
    # Case is not a change ("Active" -> "active" is the same status).
    assert not set(truth.id[truth.index % 9 == 0]) - set(moved.id) & set(status.index)
    excluded = result.excluded
    assert set(excluded.company_id) == set(moved.id[moved.relabel]) and len(excluded) == truth.relabel.sum() > 5
    assert excluded.reason.str.contains("directory edit").all()
    assert result.counts["status_relabels_excluded"] == truth.relabel.sum()
    assert result.counts["status_events"] == len(real)
    # events_from_snapshots gives the same events.
    same = events_from_snapshots(old, new, key="id", old_date=OLD, new_date=NEW)
    pd.testing.assert_frame_equal(same, result.events)


def test_threshold_repeated_keys_and_optional_columns(planted):
    old, new, truth = planted
    change = (truth.size_new - truth.size_old) / truth.size_old
    loose = events_from_snapshots(old, new, key="id", old_date=OLD, new_date=NEW, status=None, growth_threshold=0.05)
    assert set(loose.event_type) == {"headcount_change"}
    assert len(loose) == int((change.abs() >= 0.05).sum())
    only_status = events_from_snapshots(old, new, key="id", old_date=OLD, new_date=NEW, size=None)
    assert set(only_status.event_type) == {"status_change"}
    doubled = pd.concat([old, old.iloc[:3]], ignore_index=True)
    result = compare_snapshots(doubled, new, key="id", old_date=OLD, new_date=NEW)
    assert result.counts["repeated_keys_old"] == 3 and result.counts["in_both"] == 400


@pytest.mark.parametrize(
    "kwargs,message",
    [
        ({"old_date": NEW, "new_date": OLD}, "must come before"),
        ({"old_date": "last year"}, "not a date"),
        ({"size": "team_size"}, "old snapshot has no size column 'team_size'"),
        ({"growth_threshold": -1}, "threshold"),
    ],
)
def test_bad_arguments_are_clear_errors(planted, kwargs, message):
    old, new, _ = planted
    arguments = {"key": "id", "old_date": OLD, "new_date": NEW} | kwargs
    with pytest.raises(BullseyeError, match=message):
        compare_snapshots(old, new, **arguments)


def test_the_real_yc_pair_agrees_with_pandas(datasets):
    folder = datasets / "yc_companies"
    old = pd.read_csv(folder / "2023-02-27-yc-companies.csv", dtype=str, keep_default_na=False)
    new = pd.read_csv(folder / "2024-05-11-yc-companies.csv", dtype=str, keep_default_na=False)
    result = compare_snapshots(old, new, key="company_id", old_date=OLD, new_date=NEW, size="team_size")
    both = old.merge(new, on="company_id", suffixes=("_o", "_n"))
    size_o = pd.to_numeric(both.team_size_o.replace("", np.nan))
    size_n = pd.to_numeric(both.team_size_n.replace("", np.nan))
    assert result.counts["in_both"] == len(both) == 4110
    assert ((size_o != size_n) & size_o.notna() & size_n.notna()).mean() == pytest.approx(0.22, abs=0.01)
    positive = (size_o > 0) & (size_n > 0)
    relative = (size_n - size_o) / size_o
    assert result.counts["size_changed"] == int((positive & (relative != 0)).sum())
    assert result.counts["headcount_grew"] == int((positive & (relative >= 0.2)).sum())
    assert result.counts["headcount_shrank"] == int((positive & (relative <= -0.2)).sum())
    moved = both.status_o != both.status_n
    assert result.counts["status_events"] == int(moved.sum())
    # The datasets README warns of relabels back to Active; read old -> new there are none.
    assert result.counts["status_relabels_excluded"] == 0 == int((moved & (both.status_n == "Active")).sum())
    # Read backwards, the same pairs would all be relabels: that is where they come from.
    backwards = compare_snapshots(new, old, key="company_id", old_date=OLD, new_date=NEW, size="team_size")
    assert backwards.counts["status_relabels_excluded"] == int((moved & (both.status_o == "Active")).sum()) == 233


def test_the_command_writes_events_that_load(planted, tmp_path):
    old, new, truth = planted
    old.rename(columns={"employees": "Team Size"}).to_csv(tmp_path / "old.csv", index=False)
    new.rename(columns={"employees": "Team Size"}).to_csv(tmp_path / "new.csv", index=False, sep=";")
    ws = Workspace.init(tmp_path / "ws")
    out = ws.data_dir / "events-planted.csv"
    result = runner.invoke(
        app,
        [
            "snapshot-events",
            str(tmp_path / "old.csv"),
            str(tmp_path / "new.csv"),
            "--key",
            "id",
            "--old-date",
            OLD,
            "--new-date",
            NEW,
            "--size",
            "Team Size",
            "--out",
            str(out),
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    expected = compare_snapshots(old, new, key="id", old_date=OLD, new_date=NEW)
    assert summary["counts"]["events"] == len(expected.events) == len(pd.read_csv(out))
    assert summary["counts"]["status_relabels_excluded"] == truth.relabel.sum()
    frame, rejected = read_snapshot(tmp_path / "new.csv")
    assert rejected == 0 and "team_size" in frame.columns
    loaded = runner.invoke(app, ["load", "--workspace", str(ws.root), "--json", str(out)])
    assert loaded.exit_code == 0, loaded.output
    events = ws.table("events").execute()
    assert len(events) == len(expected.events) and events.account_id.isna().all()
    assert set(events.company_id) == set(expected.events.company_id)  # company_id, not account_id
    assert str(ws.table("events").schema()["size_before"]) == "int64"
    ws.close()
    # The table output names the file to load next.
    text = runner.invoke(
        app,
        [
            "snapshot-events",
            str(tmp_path / "old.csv"),
            str(tmp_path / "new.csv"),
            "--key",
            "id",
            "--old-date",
            OLD,
            "--new-date",
            NEW,
            "--size",
            "Team Size",
            "--out",
            str(out),
        ],
    )
    assert text.exit_code == 0 and "bullseye load" in text.output


def test_the_command_reports_a_missing_column_in_one_line(planted, tmp_path):
    old, new, _ = planted
    old.to_csv(tmp_path / "old.csv", index=False)
    new.to_csv(tmp_path / "new.csv", index=False)
    result = runner.invoke(
        app,
        [
            "snapshot-events",
            str(tmp_path / "old.csv"),
            str(tmp_path / "new.csv"),
            "--key",
            "company",
            "--old-date",
            OLD,
            "--new-date",
            NEW,
            "--out",
            str(tmp_path / "e.csv"),
        ],
    )
    assert result.exit_code == 4  # invalid input
    assert "old snapshot has no key column 'company'" in result.output
    assert not (tmp_path / "e.csv").exists()
