"""The quarantine read back (bullseye.ingest.quarantine): one facade method, ``Workspace.quarantine``,
serves the CLI (``--limit``, ``--page``) and the web's Data page (pages of 50); both see the same
rows in the same order, and a reason filter picks one counted reason or every reason containing it."""

from __future__ import annotations

import json

import pytest
from conftest import write
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from bullseye.cli import app
from bullseye.ingest.quarantine import quarantine_rows
from bullseye.render import as_text
from bullseye.workspace import Workspace

runner = CliRunner()


def invoke(*args):
    return runner.invoke(app, [str(a) for a in args], env={"COLUMNS": "80"})


@pytest.fixture(scope="module")
def ws(tmp_path_factory):
    """Seven accounts set aside: four duplicates (each naming the line of its first row), two
    dates followed by text and one bad date."""
    ws = Workspace.init(tmp_path_factory.mktemp("quarantine") / "ws")
    lines = ["account_id,name,created_at"]
    lines += [f"A{i},n{i},2024-01-0{i}" for i in range(1, 5)]
    lines += [f"A{i},again{i},2024-01-01" for i in range(1, 5)]  # duplicates of lines 2-5
    lines += ["B1,b,2024-01-01 noon", "B2,c,2024-02-03 at 9", "B3,d,tomorrow"]
    write(ws.data_dir / "accounts.csv", "\n".join(lines) + "\n")
    ws.load()
    yield ws
    ws.close()


def test_pages_of_the_facade_are_the_cli_pages_and_cover_every_issue_once(ws):
    every = ws.quarantine()
    assert every.total == len(every.frame) == every.stored == 7
    pages = [ws.quarantine(limit=3, page=p) for p in (1, 2, 3)]
    assert [p.pages for p in pages] == [3, 3, 3] and [len(p.frame) for p in pages] == [3, 3, 1]
    keys = [(r["file"], r["line"], r["column"]) for p in pages for r in p.frame.to_dict(orient="records")]
    assert keys == [(r["file"], r["line"], r["column"]) for r in every.frame.to_dict(orient="records")]
    assert ws.quarantine(limit=3, page=99).page == 3  # a page past the end is the last one
    second = json.loads(invoke("quarantine", "-w", ws.root, "--limit", 3, "--page", 2, "--json").output)
    assert [(i["line"], i["column"]) for i in second] == [(r["line"], r["column"]) for r in pages[1].rows()]
    assert "page 2 of 3" in invoke("quarantine", "-w", ws.root, "--limit", 3, "--page", 2).output
    counts_only = ws.quarantine(limit=0)
    assert counts_only.frame.empty and counts_only.total == 7 and counts_only.to_dict()["total"] == 7


def test_a_counted_reason_picks_exactly_its_rows_and_text_picks_every_reason_containing_it(ws):
    counts = {c["reason"]: c["rows"] for c in ws.quarantine(limit=0).counts}
    duplicate = next(reason for reason in counts if reason.startswith("duplicate"))
    assert duplicate.endswith("an earlier line") and counts[duplicate] == 4
    assert ws.quarantine(reason=duplicate).total == 4
    bare = next(reason for reason in counts if reason.startswith("expected"))  # a part of the "followed by text" ones
    assert ws.quarantine(reason=bare).total == counts[bare] == 1
    assert ws.quarantine(reason="EXPECTED A DATE").total == 3  # text: any case, every reason containing it
    assert ws.quarantine(reason="line 2").total == 1  # the reason as written names the line
    rows = quarantine_rows(ws, "accounts", "expected a date")
    assert rows is not None and int(rows.count().execute()) == 3


def test_the_web_page_shows_what_the_facade_returns(ws):
    from bullseye.web.app import create_app

    with TestClient(create_app(ws, require_login=False), base_url="http://127.0.0.1") as client:
        data = client.get("/data/quarantine.json", params={"page": 1}).json()
    facade = ws.quarantine(limit=50, page=1).to_dict()
    assert data["rows"] == json.loads(json.dumps(facade["rows"])) and data["matching"] == facade["matching"] == 7
    assert {r["file"] for r in data["rows"]} == {"accounts.csv"}  # the name, not the server's path


def test_a_workspace_never_loaded_has_an_empty_quarantine_and_says_so(tmp_path):
    ws = Workspace.init(tmp_path / "ws")
    empty = ws.quarantine(limit=20)
    assert not empty.loaded and empty.total == 0 and empty.frame.empty
    assert "Nothing has been loaded yet" in as_text(empty)
    result = invoke("quarantine", "-w", ws.root)
    assert result.exit_code == 0 and "bullseye load" in result.output
