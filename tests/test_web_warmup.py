"""The served web app's warm-up and result cache over HTTP: a page whose result is still warming
answers at once with "being computed" and then with the result; a load and a publish each make the
pages show the new numbers (and warm them again); the JSON twins page their lists like the HTML."""

from __future__ import annotations

import threading
import time
from datetime import date

import pandas as pd
import pytest
from conftest import demo_copy
from test_web import csrf_of
from test_web_icp import form_of

from bullseye.demo.strategy import DEMO_SIGNALS, PLANTED_ICP
from bullseye.scoring.scorecard import ScoreCard
from bullseye.web import create_app

TestClient = pytest.importorskip("fastapi.testclient").TestClient
LOCAL = "http://127.0.0.1:8765"


class _Today(date):
    """Today as it was when the module started: the home page's status and the preview memo are
    kept per date, so a run that crossed midnight would count one result more."""

    frozen = date.today()

    @classmethod
    def today(cls) -> date:
        return cls.frozen


@pytest.fixture(autouse=True)
def _one_day(monkeypatch):
    monkeypatch.setattr("bullseye.web.views.home.date", _Today)
    monkeypatch.setattr("bullseye.governance.fits.date", _Today)


@pytest.fixture(scope="module")
def warm_ws(tmp_path_factory):
    ws = demo_copy(tmp_path_factory, 600, 3, tmp_path_factory.mktemp("webwarm") / "ws", full=True)
    (ws.strategy_dir / "icp.yaml").write_text(PLANTED_ICP + DEMO_SIGNALS, encoding="utf-8")
    return ws


def test_a_warming_page_answers_at_once_then_shows_its_result(warm_ws):
    app = create_app(warm_ws, require_login=False)
    cache, warmup = app.state.web.cache, app.state.warmup
    with TestClient(app, base_url=LOCAL) as client:
        held = cache._locks.setdefault("scoring basis", threading.Lock())
        held.acquire()  # the warm-up's first result cannot finish while the test holds its lock
        try:
            warmup.enabled = True
            warmup.warm("test")
            tick = time.perf_counter()
            page = client.get("/accounts?tier=A&page=2")
            twin = client.get("/accounts.json?tier=A")
            assert time.perf_counter() - tick < 5  # at once, not after the computation
            assert page.status_code == 202 and "being computed" in page.text
            assert (
                'id="warming"' in page.text
                and 'hx-get="/accounts?tier=A&amp;page=2"' in page.text
                and 'hx-trigger="every 1s"' in page.text
            )
            assert twin.status_code == 202 and twin.json()["status"] == "being computed"
            assert twin.json()["step"] == "the account scores" and twin.json()["steps_total"] >= 8
        finally:
            held.release()
        assert warmup.wait(timeout=600) and warmup.snapshot()["status"] == "done"
        computed = cache.computed
        page, twin = client.get("/accounts?tier=A"), client.get("/accounts.json?tier=A")
        assert page.status_code == 200 and "being computed" not in page.text
        assert twin.status_code == 200 and twin.json()["accounts"][0]["name"] in page.text
        assert "HX-Refresh" not in page.headers
        # The warming page's poll gets the page with an order to reload it whole (its own <head>).
        poll = client.get("/accounts?tier=A", headers={"HX-Request": "true", "HX-Trigger": "warming"})
        assert poll.status_code == 200 and poll.headers["HX-Refresh"] == "true"
        for path in ("/accounts.json", "/index.json", "/personas.json", "/workshop.json", "/signals.json", "/"):
            assert client.get(path).status_code == 200, path
        assert cache.computed == computed  # every page the warm-up covers was there already


def test_a_load_and_a_publish_change_the_numbers_and_warm_again(warm_ws, monkeypatch):
    import bullseye.web.warmup

    # Two pages are enough to see each warm-up run (the whole list is the first test's and the bench's).
    monkeypatch.setattr(bullseye.web.warmup, "WARM_PAGES", bullseye.web.warmup.WARM_PAGES[:2])
    app = create_app(warm_ws, require_login=False, warm=True)
    warmup = app.state.warmup
    with TestClient(app, base_url=LOCAL) as client:
        assert warmup.wait(timeout=600)
        before = client.get("/accounts.json").json()
        assert before["total"] == 600 and before["icp"]["source"] == "draft"
        # A load of fewer accounts: the lists show them (the cache of the old load is not used) ...
        accounts = pd.read_csv(warm_ws.data_dir / "accounts.csv", dtype=str, keep_default_na=False)
        accounts.head(500).to_csv(warm_ws.data_dir / "accounts.csv", index=False)
        token = csrf_of(client.get("/data").text)
        load = {"csrf_token": token, "file": "accounts.csv"}  # the other tables stay as they were
        assert client.post("/data/load", data=load, follow_redirects=False).status_code == 303
        app.state.loads.wait(timeout=600)
        assert client.get("/data/load.json").json()["status"] == "done"
        assert warmup.snapshot()["by"] == "a load finished" or warmup.is_running()
        assert warmup.wait(timeout=600)
        after = client.get("/accounts.json").json()
        assert after["total"] == 500 and sum(after["tier_counts"].values()) == 500
        assert {t["name"]: t["rows"] for t in client.get("/index.json").json()["tables"]}["accounts"] == 500
        # ... and a publish: the scores name the version, and the warm-up ran for it. Its preview
        # fits nothing: the draft's scorecard is the one the scores were computed with.
        fits = []
        fit = ScoreCard.fit
        monkeypatch.setattr(ScoreCard, "fit", lambda card, *args, **kw: fits.append(card) or fit(card, *args, **kw))
        assert client.get("/icp/draft/preview.json").json()["status"] == "done"
        assert fits == []
        preview = client.get("/icp/draft/preview")
        fields = form_of(preview.text, "/icp/draft/publish") | {"message": "v1", "force": "test"}
        assert client.post("/icp/draft/publish", data=fields, follow_redirects=False).status_code == 303
        assert warmup.snapshot()["by"] == "version 1 was published"
        assert warmup.wait(timeout=600)
        published = client.get("/accounts.json").json()
        assert published["icp"]["source"] == "published" and published["icp"]["version"] == 1
        assert client.get("/icp.json").json()["source"]["version"] == 1


def test_json_twins_page_their_lists_like_the_pages(warm_ws):
    with TestClient(create_app(warm_ws, require_login=False), base_url=LOCAL) as client:
        first, second = client.get("/accounts.json").json(), client.get("/accounts.json?page=2").json()
        assert len(first["accounts"]) == 50 and first["pages"] == second["pages"] > 1 and second["page"] == 2
        assert not {a["account_id"] for a in first["accounts"]} & {a["account_id"] for a in second["accounts"]}
        signals = client.get("/signals.json").json()
        assert len(signals["rows"]) == min(50, signals["matching"]) and signals["pages"] >= 1
