"""The Data page over real HTTP in process: uploads (size limit, extensions, hostile names, CSRF,
roles), the mapping (choose, edit, saved as YAML), the preview before loading, a load in the
background to completion, and the quarantine (filters, pages, escaping, formula-safe CSV)."""

from __future__ import annotations

import csv
import io
import re
import time
from pathlib import Path

import pytest
import yaml

from bullseye.demo import generate_company
from bullseye.io import is_live_formula
from bullseye.web import create_app
from bullseye.web.auth import UserStore
from bullseye.workspace import Workspace

TestClient = pytest.importorskip("fastapi.testclient").TestClient
LOCAL = "http://127.0.0.1:8765"
PASSWORD = "correct horse battery"
FORMULA = '=HYPERLINK("http://evil.example","x")'
SCRIPT = "<script>alert(1)</script>"


@pytest.fixture(scope="module")
def exports(tmp_path_factory) -> Path:
    """Demo exports with planted problems in deals.csv: a formula and a script where dates belong,
    and a row without its deal id."""
    folder = tmp_path_factory.mktemp("exports")
    generate_company(folder, n_accounts=200, seed=3)
    lines = (folder / "deals.csv").read_text(encoding="utf-8").splitlines()
    header = next(csv.reader([lines[0]]))
    created = header.index("Create Date")
    rows = [next(csv.reader([line])) for line in lines[1:]]
    rows[2][created] = FORMULA
    rows[4][created] = SCRIPT
    rows[6][header.index("Deal ID")] = ""
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows([header, *rows])
    (folder / "deals.csv").write_text(out.getvalue(), encoding="utf-8")
    return folder


def new_workspace(root: Path, upload_max_mb: float | None = None) -> Workspace:
    ws = Workspace.init(root, name="Data test")
    if upload_max_mb is not None:
        settings = yaml.safe_load((root / "bullseye.yaml").read_text())
        settings["load"]["upload_max_mb"] = upload_max_mb
        (root / "bullseye.yaml").write_text(yaml.safe_dump(settings))
        ws = Workspace(root)
    return ws


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def upload(client, *files: tuple[str, bytes], token: str | None = None, **options):
    data = {"csrf_token": token} if token is not None else {}
    return client.post(
        "/data/upload",
        data=data,
        files=[("file", (name, body, "text/csv")) for name, body in files],
        follow_redirects=False,
        **options,
    )


@pytest.fixture()
def fresh(tmp_path):
    ws = new_workspace(tmp_path / "ws")
    with TestClient(create_app(ws, require_login=False), base_url=LOCAL) as client:
        yield ws, client, csrf_of(client.get("/data").text)


def leftovers(ws: Workspace) -> list[str]:
    staging = ws.state_dir / "uploads"
    return sorted(p.name for p in ws.data_dir.iterdir()) + (
        sorted(p.name for p in staging.iterdir()) if staging.exists() else []
    )


# -- upload ---------------------------------------------------------------------------------------
def test_upload_saves_into_data_with_safe_names_and_never_overwrites(fresh, exports):
    ws, client, token = fresh
    body = (exports / "accounts.csv").read_bytes()
    first = upload(client, ("accounts.csv", body), token=token)
    assert first.status_code == 303 and first.headers["location"] == "/data?uploaded=accounts.csv"
    again = upload(client, ("accounts.csv", body), token=token)
    assert again.headers["location"] == "/data?uploaded=accounts-2.csv"
    hostile = upload(
        client,
        ("../../../outside.csv", body),
        ("..\\..\\win.csv", body),
        ("/etc/abs.csv", body),
        ("ünïcode deals (v2).CSV", body),
        token=token,
    )
    assert hostile.status_code == 303
    saved = sorted(p.name for p in ws.data_dir.iterdir())
    assert saved == ["abs.csv", "accounts-2.csv", "accounts.csv", "outside.csv", "unicode_deals_v2.csv", "win.csv"]
    assert all((ws.data_dir / name).read_bytes() == body for name in saved)
    assert not (ws.root.parent / "outside.csv").exists() and not (ws.root / "outside.csv").exists()
    assert list((ws.state_dir / "uploads").iterdir()) == []
    page = client.get("/data?uploaded=accounts.csv&uploaded=../../etc/passwd")
    assert "Uploaded: accounts.csv." in page.text and "passwd" not in page.text
    listed = client.get("/data.json").json()
    assert [f["name"] for f in listed["files"]] == saved and listed["upload_max_mb"] == 200


def test_upload_refuses_unknown_extensions_and_unreadable_files(fresh):
    ws, client, token = fresh
    for name, body, status in (
        ("tool.exe", b"MZ\x90\x00", 415),
        ("notes", b"a,b\n1,2\n", 415),
        ("image.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", 400),
        ("empty.csv", b"", 400),
        ("sheet.xlsx", b"a,b\n1,2\n", 400),
    ):
        response = upload(client, (name, body), token=token, headers={"accept": "application/json"})
        assert response.status_code == status, (name, response.text)
        assert response.json()["error"]
    # A good file in the same upload as a bad one is not kept either: all or nothing.
    mixed = upload(client, ("good.csv", b"account_id,name\nA1,Acme\n"), ("bad.exe", b"x"), token=token)
    assert mixed.status_code == 415
    assert leftovers(ws) == []


def test_upload_size_limit_is_enforced_while_streaming(tmp_path):
    ws = new_workspace(tmp_path / "ws", upload_max_mb=0.01)  # 10 kB
    big = b"account_id,name\n" + b"".join(b"A%06d,Company %06d\n" % (i, i) for i in range(5_000))
    assert len(big) > 100_000
    with TestClient(create_app(ws, require_login=False), base_url=LOCAL) as client:
        token = csrf_of(client.get("/data").text)
        declared = upload(client, ("big.csv", big), token=token)
        assert declared.status_code == 413 and "0.01 MB limit" in declared.text
        # Without a Content-Length (chunked), the limit holds on the bytes as they arrive.
        boundary = "bullseyeboundary"
        head = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n{token}\r\n'
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.csv"\r\n'
            "Content-Type: text/csv\r\n\r\n"
        ).encode()

        def chunks():
            yield head
            for start in range(0, len(big), 4096):
                yield big[start : start + 4096]
            yield f"\r\n--{boundary}--\r\n".encode()

        streamed = client.post(
            "/data/upload",
            content=chunks(),
            follow_redirects=False,
            headers={"content-type": f"multipart/form-data; boundary={boundary}"},
        )
        assert streamed.status_code == 413 and "upload_max_mb" in streamed.text
        assert leftovers(ws) == []
        small = upload(client, ("small.csv", big[:5_000]), token=token)
        assert small.status_code == 303 and leftovers(ws) == ["small.csv"]


def test_upload_needs_the_csrf_token_and_the_editor_role(tmp_path, exports):
    ws = new_workspace(tmp_path / "ws")
    users = UserStore(ws.state_dir)
    users.add("eddie", "editor", PASSWORD)
    users.add("vera", "viewer", PASSWORD)
    body = (exports / "accounts.csv").read_bytes()
    with TestClient(create_app(ws, require_login=True)) as client:

        def login(name):
            token = csrf_of(client.get("/login").text)
            client.post("/login", data={"username": name, "password": PASSWORD, "csrf_token": token, "next": "/"})
            return csrf_of(client.get("/data").text)

        token = login("eddie")
        assert upload(client, ("accounts.csv", body)).status_code == 403  # no token
        assert upload(client, ("accounts.csv", body), token="forged").status_code == 403
        assert leftovers(ws) == []
        assert upload(client, ("accounts.csv", body), token=token).status_code == 303
        assert upload(client, ("deals.csv", body), headers={"x-csrf-token": token}).status_code == 303
        token = login("vera")
        page = client.get("/data")
        assert page.status_code == 200 and 'action="/data/upload"' not in page.text
        assert upload(client, ("more.csv", body), token=token).status_code == 403
        assert client.post("/data/load", data={"csrf_token": token}).status_code == 403
        assert client.get("/data/quarantine.json").status_code == 200  # viewers read and export
        assert "Save the mapping" not in client.get("/data/mapping?file=accounts.csv").text
    assert leftovers(ws) == ["accounts.csv", "deals.csv"]
    audit = (ws.state_dir / "audit.jsonl").read_text()
    assert '"event": "upload"' in audit and '"files": ["accounts.csv"]' in audit


# -- mapping and preview --------------------------------------------------------------------------
def test_preview_types_the_first_rows_and_flags_what_would_be_set_aside(fresh, exports):
    ws, client, token = fresh
    upload(client, ("deals.csv", (exports / "deals.csv").read_bytes()), token=token)
    generation = ws.warehouse.generation
    data = client.get("/data/preview.json?file=deals.csv").json()
    assert data["preset"] == "generic" and data["preview"]["ok"]
    (deals,) = data["preview"]["files"][0]["tables"]
    assert deals["table"] == "deals" and len(deals["rows"]) == 20
    types = {c["name"]: c["type"] for c in deals["columns"]}
    assert types["created_at"] == "date" and types["amount"] == "number" and types["deal_id"] == "text"
    sources = {c["name"]: c["source"] for c in deals["columns"]}
    assert sources["created_at"] == "create_date" and sources["stage_raw"] == "derived"
    rows = {r["line"]: r for r in deals["rows"]}
    assert rows[4]["cells"]["created_at"] == FORMULA and "expected a date" in rows[4]["flags"]["created_at"]
    assert rows[4]["status"] == "loads"  # an optional value is set aside, the row loads
    assert rows[8]["status"] == "quarantined" and rows[8]["reason"] == "missing required value"
    assert rows[2]["cells"]["stage"] in ("won", "lost", "open") and rows[2]["cells"]["stage_raw"]
    assert deals["counts"] == {"loads": 19, "quarantined": 1, "values_dropped": 2}
    html = client.get("/data/preview?file=deals.csv").text
    assert SCRIPT not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert 'class="flagged"' in html and 'class="set-aside"' in html
    assert ws.warehouse.generation == generation and ws.loaded_tables() == []  # nothing was loaded
    # The library call the page makes is the facade's, for the CLI and notebooks too.
    direct = ws.preview_mapping([ws.data_dir / "deals.csv"], rows=5).to_dict()
    assert len(direct["files"][0]["tables"][0]["rows"]) == 5


def test_mapping_edited_in_the_form_is_saved_as_yaml_and_used_by_the_preview(fresh):
    ws, client, token = fresh
    export = b"Ref,Firma,Staff,Notes\nX1,Acme,120,a\nX2,<b>Beta</b>,abc,b\n"
    upload(client, ("crm_dump.csv", export), token=token)
    unmapped = client.get("/data/preview.json").json()["preview"]
    assert not unmapped["ok"] and "cannot tell which table" in unmapped["files"][0]["error"]
    form = client.get("/data/mapping.json?file=crm_dump.csv&table=accounts").json()["editor"]
    assert [c["source"] for c in form["columns"]] == ["ref", "firma", "staff", "notes"]
    assert [c["example"] for c in form["columns"]] == ["X1", "Acme", "120", "a"]
    assert {"account_id", "name", "employees"} <= {t["name"] for t in form["targets"]}
    fields = {
        "csrf_token": token,
        "file": "crm_dump.csv",
        "table": "accounts",
        "source": ["ref", "firma", "staff", "notes"],
        "target": ["account_id", "name", "employees", "-"],
    }
    saved = client.post("/data/mapping/edit", data=fields, follow_redirects=False)
    assert saved.status_code == 303 and saved.headers["location"] == "/data/preview?file=crm_dump.csv"
    stored = yaml.safe_load((ws.root / "mapping.yaml").read_text())
    assert stored == {
        "files": [
            {
                "match": "crm_dump.csv",
                "table": "accounts",
                "columns": {"account_id": "ref", "name": "firma", "employees": "staff"},
                "skip": ["notes"],
            }
        ]
    }
    assert Workspace(ws.root).settings.load.mapping == "mapping.yaml"
    preview = client.get("/data/preview.json").json()["preview"]
    (accounts,) = preview["files"][0]["tables"]
    assert preview["ok"] and accounts["table"] == "accounts" and "notes" not in [c["name"] for c in accounts["columns"]]
    assert [r["cells"]["employees"] for r in accounts["rows"]] == [120, "abc"]
    assert "employees" in accounts["rows"][1]["flags"]
    html = client.get("/data/preview?file=crm_dump.csv").text
    assert "<b>Beta</b>" not in html and "&lt;b&gt;Beta&lt;/b&gt;" in html
    again = client.get("/data/mapping.json?file=crm_dump.csv").json()["editor"]
    assert [c["target"] for c in again["columns"]] == ["account_id", "name", "employees", "-"]
    # A mapping that cannot load is refused and the stored one stays as it was.
    before = (ws.root / "mapping.yaml").read_text()
    broken = client.post(
        "/data/mapping/edit",
        data={**fields, "target": ["-", "name", "employees", "-"]},
        headers={"accept": "application/json"},
    )
    assert broken.status_code == 400 and "account_id" in broken.json()["error"]
    twice = client.post("/data/mapping/edit", data={**fields, "target": ["account_id", "name", "name", "-"]})
    assert twice.status_code == 400
    sneaky = client.post("/data/mapping/edit", data={**fields, "file": "../bullseye.yaml"})
    assert sneaky.status_code == 404
    assert (ws.root / "mapping.yaml").read_text() == before


def test_choosing_a_preset_or_mapping_file_is_saved_in_the_settings(fresh):
    ws, client, token = fresh
    (ws.root / "hubspot-map.yaml").write_text("preset: hubspot\nfiles: []\n")
    listed = client.get("/data/mapping.json").json()
    assert listed["presets"] == ["generic", "hubspot", "salesforce"] and listed["mapping_files"] == ["hubspot-map.yaml"]
    chosen = client.post(
        "/data/mapping/choose",
        data={"csrf_token": token, "preset": "hubspot", "mapping": "hubspot-map.yaml"},
        follow_redirects=False,
    )
    assert chosen.status_code == 303
    settings = Workspace(ws.root).settings.load
    assert (settings.preset, settings.mapping) == ("hubspot", "hubspot-map.yaml")
    assert client.post("/data/mapping/choose", data={"csrf_token": token, "preset": "sap"}).status_code == 400
    assert (
        client.post(
            "/data/mapping/choose", data={"csrf_token": token, "preset": "generic", "mapping": "../../etc/passwd"}
        ).status_code
        == 404
    )
    client.post("/data/mapping/choose", data={"csrf_token": token, "preset": "generic", "mapping": ""})
    assert Workspace(ws.root).settings.load.mapping is None


# -- load and quarantine --------------------------------------------------------------------------
def wait_for_load(client, seconds: float = 300) -> dict:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        state = client.get("/data/load.json").json()
        if state["status"] != "running":
            return state
        time.sleep(0.2)
    raise AssertionError("the load did not finish")


@pytest.fixture(scope="module")
def loaded(tmp_path_factory, exports):
    """A workspace loaded through the page, with the progress seen while the load waited for a
    write lock held by another writer."""
    ws = new_workspace(tmp_path_factory.mktemp("loaded") / "ws")
    with TestClient(create_app(ws, require_login=False), base_url=LOCAL) as client:
        token = csrf_of(client.get("/data").text)
        upload(client, *[(name, (exports / name).read_bytes()) for name in ("accounts.csv", "deals.csv")], token=token)
        seen = {}
        with ws.warehouse._write_lock():  # another writer (a CLI load) holds the warehouse
            started = client.post("/data/load", data={"csrf_token": token}, follow_redirects=False)
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and not client.get("/data/load.json").json()["waiting"]:
                time.sleep(0.1)
            seen["waiting"] = client.get("/data/load.json").json()
            seen["page"] = client.get("/data/load").text
            seen["second"] = client.post(
                "/data/load", data={"csrf_token": token}, headers={"accept": "application/json"}
            )
        seen["started"] = started
        seen["done"] = wait_for_load(client)
        yield ws, client, seen


def test_load_runs_in_the_background_with_progress_then_its_summary(loaded):
    ws, client, seen = loaded
    assert seen["started"].status_code == 303 and seen["started"].headers["location"] == "/data/load"
    waiting = seen["waiting"]
    assert waiting["status"] == "running" and "another load is running since" in waiting["waiting"]
    assert waiting["progress"]["files_total"] == 2
    assert '<meta http-equiv="refresh" content="1">' in seen["page"] and "<progress" in seen["page"]
    assert seen["second"].status_code == 409 and "another load is running since" in seen["second"].json()["error"]
    done = seen["done"]
    assert done["status"] == "done" and done["error"] is None and done["new_triggers"] is None, done
    report = done["report"]
    assert report["reconciles"] and {f["table"] for f in report["files"]} == {"accounts", "deals"}
    deals = next(f for f in report["files"] if f["table"] == "deals")
    assert deals["read"] == deals["loaded"] + deals["quarantined"] and deals["quarantined"] >= 1
    assert report["table_rows"]["deals"] == int(ws.table("deals").count().execute()) == deals["loaded"]
    page = client.get("/data/load").text
    assert "refresh" not in page and 'id="reconciles">yes<' in page
    home = client.get("/data.json").json()
    assert {t["name"] for t in home["tables"]} == {"accounts", "deals"} and home["load"]["status"] == "done"


def test_quarantine_by_table_and_reason_paginated_and_escaped(loaded):
    ws, client, _ = loaded
    data = client.get("/data/quarantine.json").json()
    stored = int(ws.table("quarantine").count().execute())
    assert data["total"] == stored == sum(c["rows"] for c in data["counts"]) == sum(data["tables"].values())
    date_reason = next(c for c in data["counts"] if c["table"] == "deals" and "expected a date" in c["reason"])
    only = client.get("/data/quarantine.json", params={"table": "deals", "reason": date_reason["reason"]}).json()
    assert only["matching"] == date_reason["rows"] == len(only["rows"]) >= 2
    assert {r["table"] for r in only["rows"]} == {"deals"} and {r["file"] for r in only["rows"]} == {"deals.csv"}
    planted = {(r["line"], r["column"], r["value"]) for r in only["rows"]}
    assert {(4, "created_at", FORMULA), (6, "created_at", SCRIPT)} <= planted
    missing = client.get("/data/quarantine.json", params={"reason": "missing required value"}).json()
    assert missing["matching"] >= 1 and {r["line"] for r in missing["rows"]} >= {8}
    html = client.get("/data/quarantine", params={"table": "deals"}).text
    assert SCRIPT not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert client.get("/data/quarantine.json?table=nonsense").status_code == 400
    assert client.get("/data/quarantine.json?page=x").status_code == 400
    paged = client.get("/data/quarantine.json?page=99").json()
    assert paged["page"] == paged["pages"] and len(paged["rows"]) == stored - 50 * (paged["pages"] - 1)


def test_quarantine_download_is_formula_safe_and_filtered(loaded):
    _, client, _ = loaded
    response = client.get("/data/quarantine.csv", params={"table": "deals"})
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    assert 'filename="quarantine-deals.csv"' in response.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert rows and {r["table"] for r in rows} == {"deals"}
    values = [r["value"] for r in rows]
    assert "'" + FORMULA in values and SCRIPT in values
    assert not any(is_live_formula(v) for r in rows for v in r.values())
    assert all(not r["file"].startswith("/") for r in rows)  # no server paths in a download
    every = list(csv.DictReader(io.StringIO(client.get("/data/quarantine.csv").text)))
    assert len(every) == client.get("/data/quarantine.json").json()["total"]


def test_preview_agrees_with_what_the_load_set_aside(loaded, exports):
    """The preview types rows with the loader's own code: on the rows it shows, what it flags is
    exactly what the load put in the quarantine (apart from the checks across tables, such as an
    unknown account, that a load makes once every table is in)."""
    ws, _, _ = loaded
    preview = ws.preview_mapping([ws.data_dir / "deals.csv"], rows=40).to_dict()
    (deals,) = preview["files"][0]["tables"]
    shown = {r["line"] for r in deals["rows"]}
    flagged = {(r["line"], column) for r in deals["rows"] for column in r["flags"]}
    flagged |= {(r["line"], "row") for r in deals["rows"] if r["status"] == "quarantined"}
    issues = ws.table("quarantine").execute()
    issues = issues[(issues["table_name"] == "deals") & issues["line"].isin(shown) & (issues["action"] != "kept")]
    loaded_flags = {(int(i.line), i.column) for i in issues.itertuples() if i.action == "value_dropped"}
    loaded_flags |= {(int(i.line), "row") for i in issues.itertuples() if i.action == "quarantined"}
    loaded_flags |= {(int(i.line), i.column) for i in issues.itertuples() if i.action == "quarantined" and i.column}
    assert flagged == loaded_flags and len(flagged) >= 3


@pytest.mark.parametrize(
    "path",
    [
        "/data",
        "/data/mapping",
        "/data/mapping?file=deals.csv",
        "/data/preview",
        "/data/load",
        "/data/quarantine",
        "/data/quarantine?table=deals&page=1",
    ],
)
def test_each_data_page_and_its_json_twin(loaded, path):
    _, client, _ = loaded
    page = client.get(path)
    base, _, query = path.partition("?")
    twin = client.get(f"{base}.json" + (f"?{query}" if query else ""))
    assert page.status_code == twin.status_code == 200
    assert page.text.count("<h1>") == 1 and twin.json()["title"]
    assert "style=" not in page.text and "<script>" not in page.text  # the CSP allows neither inline
