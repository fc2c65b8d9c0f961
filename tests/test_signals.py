"""Why-now signals: the definitions in the ICP, the evidence from history (pinned against
statsmodels and the demo's planted truth), the ranking with reasons in words, and the CLI."""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from pathlib import Path

import ibis
import numpy as np
import pandas as pd
import pytest
import yaml
from conftest import TRUTH_ICP, demo_copy
from statsmodels.stats.contingency_tables import StratifiedTable, Table2x2
from statsmodels.stats.proportion import confint_proportions_2indep
from typer.testing import CliRunner

from bullseye.cli import app
from bullseye.core.dataset import build_dataset
from bullseye.demo.strategy import DEMO_SIGNALS
from bullseye.errors import ConfigError
from bullseye.market.signal_events import read_events, signal_masks
from bullseye.market.signal_evidence import MIN_DEALS, measure_signals, propose_signals
from bullseye.market.signal_measure import difference_interval, mantel_haenszel, odds_ratio
from bullseye.market.signal_reasons import age_words, event_reasons
from bullseye.market.signals import (
    NEUTRAL_FIT,
    rank_signals,
    signal_ranking,
    why_now,
)
from bullseye.scoring.accounts import score_accounts
from bullseye.scoring.scorecard import fit_scorecard, new_business
from bullseye.strategy.icp import (
    ICP,
    Signal,
    SignalFilters,
    icp_json_schema,
    load_icp,
    save_icp,
)
from bullseye.workspace import Workspace

runner = CliRunner()

#: Hand-written signals on top of the planted ICP: the demo's two (the planted hire, funding) and layoffs (negative).
SIGNALS = (
    DEMO_SIGNALS
    + """- id: layoffs
  name: Layoffs
  event_type: layoff
  direction: negative
  weight: 0.5
  assumption: true
"""
)


def icp_from(text: str) -> ICP:
    return ICP.model_validate(yaml.safe_load(text))


def _demo(factory, seed: int) -> Workspace:
    """A copy of the 5,000-account demo of ``seed`` with every table: the demo discover's sweep and
    the people tests build anyway, so a copy instead of a build of its own."""
    return demo_copy(factory, 5000, seed, factory.mktemp(f"signals-{seed}") / "ws", full=True)


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """The seed-0 demo with events and the universe loaded, and the planted ICP plus SIGNALS saved."""
    ws = _demo(tmp_path_factory, 0)
    save_icp(ws.root, icp_from(TRUTH_ICP + SIGNALS))
    yield ws, json.loads((ws.data_dir / "truth.json").read_text())
    ws.close()


@pytest.fixture(scope="module")
def report(demo):
    return measure_signals(demo[0], icp_from(TRUTH_ICP))


def _planted(report):
    """The candidate for the planted signal: executive hires whose title is operations x head."""
    return [
        t
        for t in report.tests
        if t.signal.filters.title_function == "operations" and t.signal.filters.title_seniority == "head"
    ]


# -- statistics, pinned against statsmodels -------------------------------------------------------------
def test_mantel_haenszel_matches_statsmodels():
    rng = np.random.default_rng(3)
    for _ in range(5):
        tables = rng.integers(1, 60, size=(4, 2, 2))
        ours = mantel_haenszel(tables)
        theirs = StratifiedTable(np.moveaxis(tables, 0, -1).astype(float))
        low, high = theirs.oddsratio_pooled_confint()
        test = theirs.test_null_odds(correction=False)
        assert ours["odds_ratio"] == pytest.approx(theirs.oddsratio_pooled, rel=1e-10)
        assert (ours["low"], ours["high"]) == pytest.approx((low, high), rel=1e-10)
        assert ours["statistic"] == pytest.approx(test.statistic, rel=1e-10)
        assert ours["p_value"] == pytest.approx(test.pvalue, rel=1e-8)
    # A stratum of one deal carries no information and changes nothing.
    single = np.concatenate([tables, [[[1, 0], [0, 0]]]])
    assert mantel_haenszel(single)["odds_ratio"] == pytest.approx(mantel_haenszel(tables)["odds_ratio"])


def test_crude_odds_ratio_and_difference_match_statsmodels():
    ratio, low, high = odds_ratio(40, 60, 150, 750)
    table = Table2x2(np.array([[40, 60], [150, 750]], dtype=float))
    assert ratio == pytest.approx(table.oddsratio) and (low, high) == pytest.approx(table.oddsratio_confint())
    diff, low, high = difference_interval(40, 100, 150, 900)
    expected = confint_proportions_2indep(40, 100, 150, 900, method="newcomb", compare="diff")
    assert diff == pytest.approx(0.4 - 150 / 900) and (low, high) == pytest.approx(expected, rel=1e-9)
    assert math.isfinite(odds_ratio(0, 10, 5, 10)[0])  # an empty cell gets Haldane's 0.5


# -- evidence on the demo's planted truth ------------------------------------------------------------------
def test_planted_signal_is_strong_and_pinned_against_statsmodels(demo, report):
    ws, truth = demo
    planted = truth["why_now"]
    test = next(t for t in _planted(report) if t.lookback_days == planted["window_days"])
    assert test.strength == "strong" and test.direction == "positive"
    assert 2.0 < test.odds_ratio < 5.0 and test.odds_ratio_interval[0] > 1.5
    # Independently: flag the deals from the truth's title spellings, stratify by the same fit
    # tiers, and let statsmodels compute the Mantel-Haenszel estimate and test.
    data = build_dataset(ws)
    deals = new_business(data.deals)
    deals = deals[deals["created_at"].notna()].reset_index(drop=True)
    events = pd.read_csv(ws.data_dir / "events.csv", dtype=str)
    hires = events[(events["Type"] == planted["event_type"]) & events["Title"].isin(planted["title_variants"])]
    pairs = deals.reset_index().merge(hires, left_on="account_id", right_on="Account ID")
    lag = (pd.to_datetime(pairs["created_at"]) - pd.to_datetime(pairs["Date"])).dt.days
    flagged = np.isin(np.arange(len(deals)), pairs.loc[(lag >= 0) & (lag <= planted["window_days"]), "index"])
    assert test.deals_with == flagged.sum()
    tiers = fit_scorecard(ws, icp_from(TRUTH_ICP), dataset=data).score(deals)["tier"].to_numpy()
    won = deals["won"].to_numpy() == 1
    tables = [
        np.array(
            [
                [np.sum(s & flagged & won), np.sum(s & flagged & ~won)],
                [np.sum(s & ~flagged & won), np.sum(s & ~flagged & ~won)],
            ],
            dtype=float,
        )
        for s in (tiers == tier for tier in np.unique(tiers))
    ]
    reference = StratifiedTable([t for t in tables if t.sum() > 1])
    assert test.odds_ratio == pytest.approx(reference.oddsratio_pooled, rel=1e-9)
    assert test.p_value == pytest.approx(reference.test_null_odds().pvalue, rel=1e-6)
    assert test.win_rate_with == pytest.approx(won[flagged].mean())
    assert report.strata == "ICP fit tier (A-D)"
    assert test.p_adjusted >= test.p_value  # corrected for every candidate and lookback tested
    tested = sum(t.deals_with >= MIN_DEALS for t in report.tests)
    assert test.p_adjusted <= tested * test.p_value + 1e-300


def test_noise_is_not_strong_and_the_parent_is_explained_by_its_child(report):
    for t in report.tests:
        if t.signal.event_type in ("headcount_change", "layoff", "tech_adopted"):
            assert t.strength != "strong", t.row()
        if t.signal.event_type == "exec_hire" and t.signal.filters.title_function not in (None, "operations"):
            assert t.strength != "strong", t.row()
    assert "signal-exec-hire" in report.explained  # any hire works only through the planted title
    table = report.table()
    assert set(table["lookback_days"]) == {30, 90, 180} and table["p_adjusted"].between(0, 1).all()


def test_propose_signals_drafts_the_planted_signal_with_evidence(demo, report):
    proposed = propose_signals(demo[0], report=report)
    first = proposed[0]
    assert (first.event_type, first.filters.title_function, first.filters.title_seniority) == (
        "exec_hire",
        "operations",
        "head",
    )
    assert first.direction == "positive" and not first.assumption and first.lookback_days in (30, 90, 180)
    assert first.weight == pytest.approx(abs(math.log(first.evidence[0].odds_ratio)), abs=0.01)
    assert first.evidence[0].strength == "strong" and first.evidence[0].metric == "win rate with a fresh signal"
    assert not any(s.event_type in ("headcount_change", "layoff", "tech_adopted") for s in proposed)
    # The drafted signals round-trip through strategy/icp.yaml.
    assert icp_from(ICP(signals=proposed).to_yaml()).signals == proposed


@pytest.mark.parametrize("seed", [1, 2])
def test_planted_signal_is_found_on_other_seeds(tmp_path_factory, seed):
    ws = _demo(tmp_path_factory, seed)
    found = measure_signals(ws, strata="industry")
    best = {t.signal.id: t for t in found.best()}
    assert found.strata == "industry"
    assert any(best[t.signal.id].strength == "strong" for t in _planted(found))
    assert not any(
        t.strength == "strong"
        for t in found.tests
        if t.signal.event_type in ("headcount_change", "layoff", "tech_adopted")
    )
    ws.close()


# -- ranking ---------------------------------------------------------------------------------------------
def test_reasons_in_words():
    assert [age_words(d) for d in (0, 1, 12, 21, 95, 800)] == [
        "today",
        "yesterday",
        "12 days ago",
        "3 weeks ago",
        "3 months ago",
        "2 years ago",
    ]
    events = pd.DataFrame(
        {
            "event_type": ["funding", "exec_hire", "layoff", "layoff", "tech_adopted", "headcount_change", "acquired"],
            "title": ["", "Head of Logistics", None, None, None, None, None],
            "value": [12e6, np.nan, 0.1, -250, np.nan, 15, np.nan],
            "description": ["Raised Series B round", "", "", "", "Adopted Shopify", "", "Bought by Acme"],
            "age_days": [12, 21, 5, 40, 3, 9, 2],
        }
    )
    assert list(event_reasons(events)) == [
        "raised a Series B (12M) 12 days ago",
        "new Head of Logistics 3 weeks ago",
        "laid off 10% of staff 5 days ago",
        "laid off 250 people 6 weeks ago",
        "adopted Shopify 3 days ago",
        "headcount up 15% 9 days ago",
        "acquired: Bought by Acme 2 days ago",
    ]


def test_filters_and_decay_select_and_weigh_events():
    as_of = dt.date(2026, 6, 30)
    events = ibis.memtable(
        pd.DataFrame(
            {
                "event_id": ["e1", "e2", "e3", "e4", "e5", "e6"],
                "account_id": ["A", "A", "B", "C", "D", None],
                "company_id": [None, None, None, None, None, "U1"],
                "event_type": ["funding", "Funding ", "exec_hire", "exec_hire", "layoff", "funding"],
                "occurred_at": [as_of - dt.timedelta(days=d) for d in (10, 40, 0, 5, 30, 3)],
                "title": [None, None, "Jefe de Logística", "CFO", None, None],
                "value": [20e6, 20e6, np.nan, np.nan, -30, 9e6],
                "description": ["Raised Seed round", "Raised Series B round", "", "", "", "Series A"],
            }
        )
    )
    big = Signal(
        id="b",
        name="b",
        event_type="funding",
        assumption=True,
        filters=SignalFilters(min_value=5e6, description_contains="SERIES"),
    )
    logistics = Signal(
        id="l",
        name="l",
        event_type="exec_hire",
        assumption=True,
        filters=SignalFilters(title_function="operations", title_contains="log"),
    )
    cuts = Signal(
        id="c", name="c", event_type="layoff", direction="negative", weight=2, half_life_days=15, assumption=True
    )
    frame = read_events(events, as_of)
    masks = dict(zip(frame["event_id"], signal_masks([big, logistics, cuts], frame).T.tolist()))
    assert masks == {
        "e1": [False, False, False],
        "e2": [True, False, False],
        "e3": [False, True, False],
        "e4": [False, False, False],
        "e5": [False, False, True],
        "e6": [True, False, False],
    }
    ranking = rank_signals(events, [big, logistics, cuts], as_of, days=35)  # e2 is 40 days old: too old
    rows = ranking.rows.set_index("company")
    assert list(ranking.rows["company"]) == ["B", "U1", "D"] and ranking.events == 3
    assert rows.loc["B", "why_now_score"] == pytest.approx(1.0)
    assert rows.loc["U1", "why_now_score"] == pytest.approx(0.5 ** (3 / 30), abs=1e-3)
    assert rows.loc["D", "why_now_score"] == pytest.approx(-2 * 0.5 ** (30 / 15), abs=1e-3)
    assert rows.loc["U1", "priority"] == pytest.approx(NEUTRAL_FIT / 100 * rows.loc["U1", "why_now_score"], abs=1e-3)
    assert list(rows["why_now"]) == [
        "new Jefe de Logística today",
        "raised a Series A (9M) 3 days ago",
        "laid off 30 people 4 weeks ago",
    ]
    assert list(rows["kind"]) == ["account", "prospect", "account"] and not rows["fit_known"].any()


def test_ranking_is_fit_times_decayed_signal_with_reasons(demo):
    ws, truth = demo
    icp = load_icp(ws.root)
    ranking = signal_ranking(ws, days=30)
    rows = ranking.rows
    as_of = dt.date.fromisoformat(truth["as_of"])
    assert ranking.as_of == as_of and len(rows) == ranking.companies > 0
    assert set(rows["kind"]) == {"account", "prospect"}  # universe prospects are ranked too
    known = rows[rows["fit_known"] & ~rows["disqualified"]]
    assert np.allclose(known["priority"], known["fit_score"] / 100 * known["why_now_score"], atol=2e-3)
    ordered = rows[~rows["disqualified"]]["priority"].to_numpy()
    assert np.all(np.diff(ordered) <= 1e-12) and rows["disqualified"].is_monotonic_increasing
    assert pd.to_datetime(rows["last_event"]).min() > pd.Timestamp(as_of - dt.timedelta(days=31))
    # Recompute an account's score from the raw export: weight * 0.5 ** (age / half-life), for an
    # account whose only fresh signal is the planted hire.
    events = pd.read_csv(ws.data_dir / "events.csv", dtype=str)
    events["age"] = (pd.Timestamp(as_of) - pd.to_datetime(events["Date"])).dt.days
    fresh = events[events["age"].between(0, 30) & events["Account ID"].notna()]
    hol = fresh[fresh["Title"].isin(truth["why_now"]["title_variants"])]
    others = set(fresh.loc[fresh["Type"].isin(["funding", "layoff"]), "Account ID"])
    account = next(a for a in hol["Account ID"] if a not in others)
    row = rows[(rows["company"] == account) & (rows["kind"] == "account")].iloc[0]
    spec = next(s for s in icp.signals if s.id == "head-of-logistics")
    age = hol.loc[hol["Account ID"] == account, "age"].min()
    assert row["why_now_score"] == pytest.approx(spec.weight * 0.5 ** (age / spec.half_life_days), abs=1e-3)
    assert row["why_now"].startswith("new ") and row["why_now"].endswith(age_words(age))
    # Layoffs subtract.
    laid_off = rows[rows["why_now"].str.startswith("laid off")]
    assert len(laid_off) and (laid_off["why_now_score"] < 0).all()
    # The as-of date moves the window.
    earlier = signal_ranking(ws, days=30, as_of="2025-12-31")
    assert earlier.as_of == dt.date(2025, 12, 31) and set(earlier.rows["company"]) != set(rows["company"])


def test_why_now_column_in_scores(demo):
    ws, _ = demo
    scores = score_accounts(ws)
    assert {"why_now", "why_now_score"} <= set(scores.columns)
    fresh = scores[scores["why_now"] != ""]
    assert len(fresh) and (fresh["why_now_score"] != 0).all()
    assert (scores.loc[scores["why_now"] == "", "why_now_score"] == 0).all()
    direct = why_now(ws, fresh["account_id"].to_numpy(), load_icp(ws.root))
    assert list(direct["why_now"]) == list(fresh["why_now"])


# -- the definitions ---------------------------------------------------------------------------------------
def test_signal_definitions_are_validated():
    with pytest.raises(ValueError, match="no evidence"):
        Signal(id="x", name="x", event_type="funding")
    with pytest.raises(ValueError, match="unknown function 'logistix'"):
        SignalFilters(title_function="logistix")
    with pytest.raises(ValueError, match="above max_value"):
        SignalFilters(min_value=5, max_value=1)
    with pytest.raises(ValueError, match="repeated: funding"):
        icp_from(TRUTH_ICP + SIGNALS.replace("id: layoffs", "id: funding"))
    assert Signal(id="x", name="x", event_type=" Funding ", assumption=True).event_type == "funding"
    assert "signals" in icp_json_schema()["properties"] and "Signal" in icp_json_schema()["$defs"]


def test_a_typo_in_a_signal_names_the_file_line_and_field(tmp_path):
    save_icp(tmp_path, icp_from(TRUTH_ICP + SIGNALS))
    path = tmp_path / "strategy" / "icp.yaml"
    path.write_text(path.read_text().replace("  half_life_days: 60.0\n", "  half_life: 60\n"))
    with pytest.raises(ConfigError) as error:
        load_icp(tmp_path)
    assert "icp.yaml:" in str(error.value) and "signals.1.half_life" in str(error.value)


# -- the CLI -------------------------------------------------------------------------------------------------
def test_signals_command(demo, tmp_path):
    ws, _ = demo
    result = runner.invoke(app, ["signals", "-w", str(ws.root), "--days", "30", "--limit", "5", "--json"])
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert len(body["rows"]) == 5 and body["companies"] >= 5 and body["days"] == 30
    assert [r["priority"] for r in body["rows"]] == sorted((r["priority"] for r in body["rows"]), reverse=True)
    out = tmp_path / "ranked.csv"
    result = runner.invoke(app, ["signals", "-w", str(ws.root), "--out", str(out), "--limit", "3"])
    assert result.exit_code == 0, result.output
    assert "Why now" in result.stdout and len(pd.read_csv(out)) == body["companies"]
    result = runner.invoke(app, ["signals", "-w", str(ws.root), "--evidence"])
    assert result.exit_code == 0 and "Holding up: New executive: operations (head)" in result.stdout


def test_score_command_shows_why_now(demo):
    result = runner.invoke(app, ["score", "-w", str(demo[0].root), "--json", "--top", "0"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)["scores"]
    assert all("why_now" in r and "why_now_score" in r for r in rows)
    assert any(r["why_now"].startswith("new ") for r in rows)


def test_signals_without_definitions_is_one_clear_error(workspace):
    save_icp(workspace.root, icp_from(TRUTH_ICP))
    result = runner.invoke(app, ["signals", "-w", str(workspace.root)])
    assert result.exit_code == 3 and "ICP has no signals" in result.output


def test_layoffs_from_a_real_tracker_rank_as_negative_signals(workspace, datasets):
    """layoffs.fyi rows only name the company: they rank by signal alone, in words, as negatives."""
    raw = pd.read_csv(datasets / "layoffs_fyi" / "layoffs_2020_2023_alextheanalyst.csv")
    dates = pd.to_datetime(raw["date"], format="%m/%d/%Y", errors="coerce")
    share = pd.to_numeric(raw["percentage_laid_off"], errors="coerce")
    events = pd.DataFrame(
        {
            "company_name": raw["company"],
            "event_type": "layoff",
            "occurred_at": dates.dt.date,
            "value": share.where(share < 1, pd.to_numeric(raw["total_laid_off"], errors="coerce")),
            "description": raw["industry"],
        }
    )
    path = workspace.data_dir / "events.csv"
    events.dropna(subset=["occurred_at"]).to_csv(path, index=False)
    workspace.load([path])
    icp = icp_from("signals: [{id: layoffs, name: Layoffs, event_type: layoff, direction: negative, assumption: true}]")
    ranking = signal_ranking(workspace, icp, days=14, as_of=dates.max().date())
    rows = ranking.rows
    assert len(rows) and set(rows["kind"]) == {"unmatched"} and (rows["why_now_score"] < 0).all()
    assert not rows["fit_known"].any() and any("signal strength alone" in n for n in ranking.notes)
    newest = raw[dates == dates.max()]
    assert set(newest["company"]) <= set(rows["name"])
    assert rows["why_now"].str.match(r"^(laid off (\d+% of staff|1 person|[\d,]+ people)|announced layoffs) ").all()


# -- the figures docs/signals.md quotes --------------------------------------------------------------------
DOC = Path(__file__).resolve().parents[1] / "docs" / "signals.md"


def test_the_figures_in_docs_signals_md_are_what_the_code_gives(demo, report):
    """The evidence table, the drafted signal and the ranking example in docs/signals.md are this
    module's demo (seed 0, 5,000 accounts) measured and ranked by the current code."""
    ws, _ = demo
    text = DOC.read_text(encoding="utf-8")
    assert f"on {report.deals:,} closed new-business deals" in text
    best = {t.signal.name: t for t in report.best()}
    row = re.compile(r"^\| (.+?) \| (\d+) \| (\d+) \| (\d+%) \| (\d+%) \| (\S+ \(\S+\)) \| (\S+) \| (.+?) \|$", re.M)
    quoted = row.findall(text)
    assert len(quoted) >= 4
    for name, lookback, deals, won, without, ratio, p, evidence in quoted:
        t = best[name]
        low, high = t.odds_ratio_interval
        assert (int(lookback), int(deals)) == (t.lookback_days, t.deals_with), name
        assert (won, without) == (f"{t.win_rate_with:.0%}", f"{t.win_rate_without:.0%}"), name
        assert (ratio, p) == (f"{t.odds_ratio:.2f} ({low:.2f}-{high:.2f})", f"{t.p_adjusted:.1g}"), name
        assert evidence.startswith(t.strength), name
    rest = [t.deals_with for n, t in best.items() if n not in {q[0] for q in quoted}]
    assert f"| – | ≤ {max(rest)} |" in text
    # The drafted signal in the YAML example.
    example = yaml.safe_load(text.split("```yaml\n", 1)[1].split("```", 1)[0])["signals"][0]
    # as strategy/icp.yaml stores it (rounded for reading)
    drafted = icp_from(ICP(signals=propose_signals(ws, report=report)[:1]).to_yaml()).signals[0]
    evidence = drafted.evidence[0]
    assert (example["weight"], example["half_life_days"], example["lookback_days"]) == (
        drafted.weight,
        drafted.half_life_days,
        drafted.lookback_days,
    )
    quoted_evidence = example["evidence"][0]
    for field in ("segment", "base", "odds_ratio", "odds_ratio_interval", "deals", "p_value"):
        assert quoted_evidence[field] == getattr(evidence, field), field
    # The ranking example: each quoted company as the ranking shows it.
    ranking = signal_ranking(ws, days=30).rows.set_index("name")
    line = re.compile(
        r"^    (.+?)\s{2,}(account|prospect)\s+([A-D](?: \(disq\.\))?)\s+(\d+)\s+(\S+)\s+(\S+)\s+(.+)$", re.M
    )
    companies = line.findall(text)
    assert len(companies) >= 4
    for name, kind, tier, fit, signal, priority, why in companies:
        r = ranking.loc[name]
        assert (kind, tier) == (r["kind"], r["tier"] + (" (disq.)" if r["disqualified"] else "")), name
        assert (fit, signal, priority) == (
            f"{r['fit_score']:.0f}",
            f"{r['why_now_score']:+.2f}",
            f"{r['priority']:.2f}",
        ), name
        assert why == r["why_now"], name
