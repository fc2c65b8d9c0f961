"""The Data page in a real browser (Playwright, Debian's Chromium, a real uvicorn): drop one export on
the drop zone, choose another with the file input, preview, load and watch it finish. Like the other
browser tests it fails in CI when Chromium is missing (see conftest.chromium_or_skip)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bullseye.demo import generate_company
from bullseye.web import create_app
from bullseye.web.server import serving
from bullseye.workspace import Workspace

DROP = """([name, text]) => {
  const transfer = new DataTransfer();
  transfer.items.add(new File([text], name, {type: "text/csv"}));
  const zone = document.getElementById("dropzone");
  zone.dispatchEvent(new DragEvent("dragover", {dataTransfer: transfer, bubbles: true, cancelable: true}));
  zone.dispatchEvent(new DragEvent("drop", {dataTransfer: transfer, bubbles: true, cancelable: true}));
}"""


@pytest.fixture()
def exports(tmp_path) -> Path:
    folder = tmp_path / "exports"
    generate_company(folder, n_accounts=200, seed=4)
    return folder


def test_upload_preview_and_load_through_the_page(browser, tmp_path, exports):
    Workspace.init(tmp_path / "ws", name="Browser data")
    settings_file = tmp_path / "ws" / "bullseye.yaml"
    settings = yaml.safe_load(settings_file.read_text())
    settings["load"]["upload_max_mb"] = 0.5
    settings_file.write_text(yaml.safe_dump(settings))
    ws = Workspace(tmp_path / "ws")
    with serving(create_app(ws, require_login=False)) as url:
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        page.set_default_timeout(240_000)  # the preview types rows as a load does; a busy CI machine is slow
        errors: list[str] = []
        page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
        page.goto(url + "/")
        page.get_by_role("link", name="Data", exact=True).click()
        page.wait_for_url("**/data")
        assert page.locator("h1").inner_text() == "Data"
        # Too large for the limit: stopped in the page before it is sent.
        page.evaluate(DROP, ["huge.csv", "account_id,name\n" + "A1,Acme\n" * 80_000])
        assert "more than the 0.5 MB an upload may be" in page.locator("#upload-error").inner_text()
        assert list(ws.data_dir.iterdir()) == []
        # Drag and drop (upload.js) ...
        page.evaluate(DROP, ["accounts.csv", (exports / "accounts.csv").read_text(encoding="utf-8")])
        page.wait_for_url("**/data?uploaded=accounts.csv")
        # ... and the plain file input, as without JavaScript.
        page.get_by_label("Drop export files here").set_input_files(str(exports / "deals.csv"))
        page.get_by_role("button", name="Upload", exact=True).click()
        page.wait_for_url("**/data?uploaded=deals.csv")
        assert "Uploaded: deals.csv." in page.get_by_role("status").inner_text()
        assert sorted(p.name for p in ws.data_dir.iterdir()) == ["accounts.csv", "deals.csv"]

        page.get_by_role("link", name="Preview the first rows").click()
        page.wait_for_url("**/data/preview")
        assert page.locator("table.preview").count() == 2
        headers = page.locator("table.preview thead th").all_inner_texts()
        assert any(h.startswith("created_at") and "date" in h for h in headers)
        assert page.locator("table.preview tbody tr").count() == 40

        page.get_by_role("button", name="Load every export in data/").click()
        page.wait_for_url("**/data/load")
        page.wait_for_selector("#reconciles", timeout=240_000)  # the page refreshes itself until done
        assert page.locator("#reconciles").inner_text() == "yes"
        assert page.locator("table.load-summary tbody tr").count() == 2
        assert set(ws.loaded_tables()) == {"accounts", "deals"}
        page.goto(url + "/data")
        assert page.evaluate("document.documentElement.scrollWidth") <= 1280
        assert errors == []  # no CSP violation or script error
        page.close()
