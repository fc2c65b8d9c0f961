"""The preview's memo: one computation per key and state of the data, nothing stale after a write."""

from __future__ import annotations

import json
import shutil

import pytest
from conftest import demo_copy
from test_lifecycle_facade import draft

from bullseye.governance.fits import MAX_ENTRIES, fit_memo, lifecycle_write
from bullseye.workspace import Workspace


def test_a_result_is_computed_once_per_key_and_again_after_a_write(tmp_path):
    ws = Workspace.init(tmp_path / "ws")
    memo = fit_memo(ws)
    assert fit_memo(ws) is memo and fit_memo(Workspace(ws.root)) is memo  # one per folder: the web's threads share it
    calls: list[str] = []

    def compute(name: str):
        return lambda: calls.append(name) or [name, len(calls)]

    first = memo.get(ws, ("a",), compute("a"))
    assert memo.get(ws, ("a",), compute("a")) is first and calls == ["a"]
    memo.get(ws, ("b",), compute("b"))
    assert calls == ["a", "b"]

    generation = ws.warehouse.generation
    with ws.warehouse.transaction():  # any finished write (a load, a publish's mirror) is a new generation
        pass
    assert ws.warehouse.generation == generation + 1
    again = memo.get(ws, ("a",), compute("a"))
    assert again is not first and again == ["a", 3]

    ws.settings.currency = "EUR"  # bullseye.yaml is part of what every result depends on
    memo.get(ws, ("a",), compute("a"))
    assert calls == ["a", "b", "a", "a"]

    ws.close()
    shutil.rmtree(ws.root)  # made again from scratch: its first generation again, but other data
    remade = Workspace.init(ws.root)
    remade.settings.currency = "EUR"
    with remade.warehouse.transaction():
        pass
    assert remade.warehouse.live_file() == ws.warehouse.live_file()  # the same file name, other data
    memo.get(remade, ("a",), compute("a"))
    assert calls == ["a", "b", "a", "a", "a"]


def test_an_editors_many_drafts_keep_only_the_newest(tmp_path):
    ws = Workspace.init(tmp_path / "ws")
    memo = fit_memo(ws)
    memo.get(ws, ("dataset",), lambda: "data")
    for i in range(MAX_ENTRIES + 5):
        memo.get(ws, ("preview", i), lambda i=i: i)
    assert memo.get(ws, ("dataset",), lambda: "rebuilt") == "data"  # the shared dataset stays
    assert memo.get(ws, ("preview", MAX_ENTRIES + 4), lambda: "recomputed") == MAX_ENTRIES + 4
    assert memo.get(ws, ("preview", 0), lambda: "recomputed") == "recomputed"


def test_a_lifecycle_write_keeps_the_results_and_any_other_write_drops_them(tmp_path):
    ws = Workspace.init(tmp_path / "ws")
    memo = fit_memo(ws)
    first = memo.get(ws, ("a",), lambda: ["a"])
    generation = ws.warehouse.generation
    with lifecycle_write(ws) as con:  # a publish's mirror of its version: no data table changes
        con.raw_sql("CREATE TABLE versions (number INTEGER)")
    assert ws.warehouse.generation == generation + 1
    assert memo.get(ws, ("a",), lambda: ["again"]) is first
    with ws.warehouse.transaction() as con:  # a load (or any other writer) vouches for nothing
        con.raw_sql("CREATE TABLE accounts (account_id VARCHAR)")
    assert memo.get(ws, ("a",), lambda: ["again"]) == ["again"]


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    """A demo copy with version 1 published and a changed draft, its memo emptied."""
    ws = demo_copy(tmp_path_factory, 1_000, 1, tmp_path_factory.mktemp("fits") / "ws")
    draft(ws)
    ws.publish("First ICP", force="test", expected_hash=ws.draft_hash())
    draft(ws, extra_criterion=True)
    yield ws
    ws.close()


class Calls:
    """Counts the dataset builds, leakage guard runs and scorecard fits made while it is installed."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        import bullseye.core.dataset
        import bullseye.discover.leakage
        import bullseye.scoring.scorecard

        self.counts = {"dataset": 0, "guard": 0, "fit": 0}
        for module, name, what in (
            (bullseye.core.dataset, "build_dataset", "dataset"),
            (bullseye.discover.leakage, "non_leaking_attributes", "guard"),
        ):
            monkeypatch.setattr(module, name, self._counted(getattr(module, name), what))
        card = bullseye.scoring.scorecard.ScoreCard
        monkeypatch.setattr(card, "fit", self._counted(card.fit, "fit"))

    def _counted(self, function, what: str):
        def counted(*args, **kwargs):
            self.counts[what] += 1
            return function(*args, **kwargs)

        return counted


def test_what_one_caller_changes_does_not_reach_the_next(published):
    import pandas as pd

    ws = published
    memo = fit_memo(ws)
    result = ws.preview()
    data, card = memo.dataset(ws), result.draft_card
    pristine_accounts, pristine_card = data.accounts.copy(), card.to_artefact()
    data.accounts.loc[data.accounts.index[0], "industry"] = "changed"
    data.accounts["added"] = 1
    data.attributes.append("added")
    data.deals.drop(data.deals.index, inplace=True)
    card.intercept_ += 5.0
    card.features_.clear()
    again = memo.dataset(ws)
    pd.testing.assert_frame_equal(again.accounts, pristine_accounts)
    assert "added" not in again.attributes and len(again.deals) > 0
    assert ws.preview() is result and result.draft_card.to_artefact() == pristine_card
    assert memo.scorecard(ws, result.fitted_card.icp).to_artefact() == pristine_card


def test_a_preview_guards_once_and_the_fits_outlive_a_publish_not_a_load(published, monkeypatch):
    from bullseye.discover.leakage import non_leaking_attributes
    from bullseye.governance import fits
    from bullseye.scoring.scorecard import fit_scorecard

    ws = published
    fits._MEMOS.pop(str(ws.root), None)  # as a new process: nothing fitted yet
    calls = Calls(monkeypatch)
    first = ws.preview()
    # one dataset, one leakage guard, the draft's and version 1's scorecards
    assert calls.counts == {"dataset": 1, "guard": 1, "fit": 2}
    data = fit_memo(ws).dataset(ws)
    given = fit_scorecard(ws, first.fitted_card.icp, dataset=data, attributes=non_leaking_attributes(ws, data))
    assert given.to_artefact() == first.draft_card.to_artefact()  # the guard's choice, given, fits the same

    # A publish writes its version and closes the triggers: the data tables did not change, so the
    # preview of the next draft (v1's content again, against v2) builds and fits nothing ...
    ws.publish("Marketplaces", force="test", expected_hash=first.draft_hash)
    draft(ws)
    calls.counts = dict.fromkeys(calls.counts, 0)
    carried = ws.preview()
    assert calls.counts == {"dataset": 0, "guard": 0, "fit": 0}  # both cards were fitted before
    assert carried.data["generation"] == ws.warehouse.generation  # it names the generation it was made in
    # ... and says what a preview from scratch says.
    fits._MEMOS.pop(str(ws.root), None)
    assert json.loads(ws.preview().to_json()) == json.loads(carried.to_json())

    # A load (the same file again) starts afresh.
    ws.load([ws.data_dir / "accounts.csv"])
    calls.counts = dict.fromkeys(calls.counts, 0)
    fit_memo(ws).attributes(ws)
    assert calls.counts == {"dataset": 1, "guard": 1, "fit": 0}
