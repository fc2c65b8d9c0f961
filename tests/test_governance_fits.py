"""The preview's memo: one computation per key and state of the data, nothing stale after a write."""

from __future__ import annotations

import shutil

from bullseye.governance.fits import MAX_ENTRIES, fit_memo
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
