"""The market datasets (examples/crunchbase, yc, layoffs, fortune1000, inc5000) load through the
CLI, reconcile, and every quirk the README of each example names is handled as it says.

Expected numbers are computed here with pandas from the raw files, not copied from a README. The
datasets are found like the ``datasets`` fixture finds them; without them these tests are skipped.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import datasets_dir
from market_data import NEW_YC, OLD_YC, example_copy, yc_copy
from typer.testing import CliRunner

from bullseye.cli import app
from bullseye.workspace import Workspace

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
COMPANIES, ROUNDS, ACQUISITIONS = "crunchbase-companies.csv", "crunchbase-rounds.csv", "crunchbase-acquisitions.csv"
LAYOFFS_2023, LAYOFFS_2026 = "layoffs_2020_2023_alextheanalyst.csv", "layoffs_2020_2026_databyab.csv"
PLACEHOLDER = "1960-01-01"
runner = CliRunner()


def _data() -> Path:
    found = datasets_dir()
    if found is None:
        pytest.skip("public datasets not found: set BULLSEYE_DATASETS or place them in ../shared/datasets")
    return found


def _raw(path: Path, encoding: str = "utf-8") -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False, encoding=encoding)


def _load(tmp: Path, example: str, files: list[Path]) -> tuple[dict, Workspace]:
    root = tmp / "ws"
    result = runner.invoke(app, ["init", str(root)])
    assert result.exit_code == 0, result.output
    result = runner.invoke(
        app,
        [
            "load",
            "--workspace",
            str(root),
            "--mapping",
            str(EXAMPLES / example / "mapping.yaml"),
            "--json",
            *map(str, files),
        ],
    )
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout), Workspace(root)


def _counts(report: dict) -> dict[tuple[str, str], tuple[int, int, int, int]]:
    return {
        (Path(f["file"]).name, f["table"]): (f["read"], f["loaded"], f["quarantined"], f["merged"])
        for f in report["files"]
    }


def _issues(tables: dict, file: str) -> pd.DataFrame:
    issues = tables["quarantine"]
    return issues[issues.file.str.endswith(file)]


def _lines(frame: pd.DataFrame, mask) -> set[int]:
    """Physical lines of the rows of a one-record-per-line file: the header is line 1."""
    return set((np.flatnonzero(np.asarray(mask)) + 2).tolist())


# -- Crunchbase 2013 --------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def crunchbase(tmp_path_factory):
    folder = _data() / "crunchbase_2013"
    # loaded once per run: test_market_signals_real.py reads a copy of the same load
    report, ws = example_copy(
        tmp_path_factory, tmp_path_factory.mktemp("crunchbase") / "ws", "crunchbase", sorted(folder.glob("*.csv"))
    )
    # Mac Roman is what the bytes are (old-Mac export): 0x8E is 'é' there, 'Ž' in cp1252.
    raw = {name: _raw(folder / name, "mac_roman") for name in (COMPANIES, ROUNDS, ACQUISITIONS)}
    tables = {name: ws.table(name).execute() for name in ("universe", "events", "quarantine")}
    yield report, raw, tables, folder
    ws.close()


def _round_identity(rounds: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "id": rounds.company_permalink,
            "name": rounds.company_name,
            "at": rounds.funded_at,
            "value": pd.to_numeric(rounds.raised_amount_usd),
            "type": rounds.funding_round_type,
        }
    )


def _acquisition_identity(acq: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "id": acq.company_permalink,
            "name": acq.company_name,
            "at": acq.acquired_at,
            "value": pd.to_numeric(acq.price_amount),
            "by": acq.acquirer_name,
        }
    )


def test_crunchbase_counts_reconcile(crunchbase):
    report, raw, tables, _ = crunchbase
    companies, rounds, acq = raw[COMPANIES], raw[ROUNDS], raw[ACQUISITIONS]
    dated = rounds[rounds.funded_at != PLACEHOLDER]
    round_repeats = int(_round_identity(dated).duplicated().sum())
    blank = (acq == "").all(axis=1)
    acq_repeats = int(_acquisition_identity(acq[~blank]).duplicated().sum())
    assert report["reconciles"]
    assert _counts(report) == {
        (COMPANIES, "universe"): (len(companies), len(companies), 0, 0),
        (ROUNDS, "events"): (len(rounds), len(dated) - round_repeats, len(rounds) - len(dated) + round_repeats, 0),
        (ACQUISITIONS, "events"): (len(acq), (~blank).sum() - acq_repeats, blank.sum() + acq_repeats, 0),
    }
    assert (len(companies), len(rounds), (~blank).sum(), blank.sum()) == (17727, 31679, 4651, 1534)
    assert (len(rounds) - len(dated), round_repeats, acq_repeats) == (6, 63, 3)
    assert report["table_rows"] == {
        "universe": 17727,
        "events": len(dated) - round_repeats + (~blank).sum() - acq_repeats,
    }


def test_crunchbase_text_is_mac_roman_and_lines_are_physical_with_cr_line_ends(crunchbase):
    _, raw, tables, folder = crunchbase
    data = (folder / COMPANIES).read_bytes()
    assert b"\n" not in data and data.count(b"\r") == len(raw[COMPANIES])  # old-Mac CR line ends, no final one
    assert b"MiaSol\x8e" in data and data.decode("cp1252", "replace").count("MiaSolŽ") == 1
    universe = tables["universe"].set_index("company_id")
    assert universe.loc["/company/miasole", "name"] == "MiaSolé"
    assert universe.loc["/company/qualtr", "name"] == "Qualtré"
    acquisitions = tables["events"][tables["events"].event_type == "acquisition"].set_index("company_id")
    assert acquisitions.loc["/company/ars-technica", "acquirer_name"] == "Condé Nast"
    assert acquisitions.loc["/company/ars-technica", "description"] == "acquired by Condé Nast"
    # Every name as pandas reads it with the same encoding: nothing lost or mangled on the way in.
    assert (universe.loc[raw[COMPANIES].permalink, "name"].values == raw[COMPANIES].name.values).all()
    assert (universe.loc[raw[COMPANIES].permalink, "_line"].values == np.arange(len(raw[COMPANIES])) + 2).all()


def test_crunchbase_1960_placeholder_dates_are_dropped_with_a_reason(crunchbase):
    _, raw, tables, _ = crunchbase
    companies, rounds = raw[COMPANIES], raw[ROUNDS]
    issues = _issues(tables, COMPANIES)
    dropped = issues[issues.reason.str.startswith("placeholder")]
    assert set(dropped.action) == {"value_dropped"}
    expected = {
        (line, column)
        for column in ("first_funding_at", "last_funding_at", "last_milestone_at")
        for line in _lines(companies, companies[column] == PLACEHOLDER)
    }
    assert set(zip(dropped.line, dropped.column)) == expected and len(expected) == 10
    assert (dropped.value == PLACEHOLDER).all()
    universe = tables["universe"].set_index("company_id")
    placeholder_rows = companies[companies.first_funding_at == PLACEHOLDER].permalink
    assert universe.loc[placeholder_rows, "first_funding_at"].isna().all()  # the value goes, the company stays
    # Founded 1960-01-01 is not in the list: Forsyth Technical Community College was founded in 1960.
    assert universe.loc["/company/forsyth-technical-community-college", "founded_year"] == 1960
    # A round needs its date: the six undated rounds are quarantined, with the line.
    round_issues = _issues(tables, ROUNDS)
    undated = round_issues[round_issues.reason.str.startswith("placeholder")]
    assert set(undated.line) == _lines(rounds, rounds.funded_at == PLACEHOLDER)
    assert set(zip(undated.column, undated.action)) == {("occurred_at", "quarantined")}
    assert not tables["events"]._line[tables["events"].event_type == "funding"].isin(undated.line).any()


def test_crunchbase_spreadsheet_damage_is_kept_or_set_aside_and_reported(crunchbase):
    _, raw, tables, _ = crunchbase
    companies, rounds = raw[COMPANIES], raw[ROUNDS]
    universe = tables["universe"].set_index("company_id")
    # "#NAME?" (Excel's failed formula) is loaded as exported and listed; "#waywire" is a real name.
    assert (
        universe.loc["/company/n-plusn", "name"] == "#NAME?" and universe.loc["/company/waywire", "name"] == "#waywire"
    )
    for file, frame, column in ((COMPANIES, companies, "name"), (ROUNDS, rounds, "company_name")):
        kept = _issues(tables, file)
        kept = kept[kept.action == "kept"]
        assert set(zip(kept.line, kept.column, kept.value)) == {
            (line, "company_name" if file == ROUNDS else "name", "#NAME?")
            for line in _lines(frame, frame[column] == "#NAME?")
        }
    # funding_total_usd turned into dates ("5/18/27") or "####" by a spreadsheet: those values are set aside.
    totals = companies.funding_total_usd
    damaged = (totals != "") & ~totals.str.fullmatch(r"\d+")
    issues = _issues(tables, COMPANIES)
    dropped = issues[issues.column == "funding_total_usd"]
    assert set(dropped.line) == _lines(companies, damaged) and damaged.sum() == 13
    assert set(dropped.action) == {"value_dropped"}
    clean = companies[~damaged & (totals != "")]
    assert (
        universe.loc[clean.permalink, "funding_total_usd"].values == clean.funding_total_usd.astype(float).values
    ).all()


def test_crunchbase_events_rounds_and_acquisitions(crunchbase):
    _, raw, tables, _ = crunchbase
    rounds, acq = raw[ROUNDS], raw[ACQUISITIONS]
    events, universe = tables["events"], tables["universe"]
    funding = events[events.event_type == "funding"].set_index("_line")
    kept = rounds.set_index(rounds.index + 2).loc[funding.index]
    assert (funding.company_id == kept.company_permalink).all()
    assert funding.company_id.isin(universe.company_id).all()  # every round joins a company by permalink
    assert np.allclose(funding.value.fillna(-1), pd.to_numeric(kept.raised_amount_usd).fillna(-1))
    assert (funding.occurred_at == pd.to_datetime(kept.funded_at)).all()
    assert funding.value.isna().sum() == (kept.raised_amount_usd == "").sum()
    assert (funding.round_type == kept.funding_round_type).all()
    series_b = funding.description == "Series B"
    assert series_b.sum() == (kept.funding_round_type == "series-b").sum() > 3000
    assert funding.description.notna().all() and set(funding.source) == {"crunchbase-2013"}
    # Acquisitions: the target is the company; only ~37% of targets are in the companies file.
    acquired = events[events.event_type == "acquisition"]
    real = acq[(acq != "").any(axis=1)]
    share = real.company_permalink.isin(universe.company_id).mean()
    assert acquired.company_id.isin(universe.company_id).mean() == pytest.approx(share, abs=0.002)
    assert 0.36 < share < 0.38
    assert acquired.description.str.startswith("acquired by ").all()
    # The 1,534 empty records at the end of the file are quarantined as empty, with their lines.
    blank = _issues(tables, ACQUISITIONS)
    blank = blank[blank.reason == "empty record: every field is blank"]
    assert set(blank.line) == _lines(acq, (acq == "").all(axis=1)) and min(blank.line) == len(real) + 2


# -- YC directory, and events from its two snapshots -------------------------------------------------
@pytest.fixture(scope="module")
def yc(tmp_path_factory):
    folder = _data() / "yc_companies"
    # the directory loaded and the snapshots compared once per run (test_market_signals_real.py too)
    report, compared, ws = yc_copy(tmp_path_factory, tmp_path_factory.mktemp("yc") / "ws", folder)
    out = ws.root / "data" / "events-yc.csv"
    loaded = runner.invoke(app, ["load", "--workspace", str(ws.root), "--json", str(out)])
    assert loaded.exit_code == 0, loaded.output
    raw = {name: _raw(folder / name) for name in (OLD_YC, NEW_YC)}
    tables = {name: ws.table(name).execute() for name in ("universe", "events", "quarantine")}
    yield report, compared, json.loads(loaded.stdout), raw, tables
    ws.close()


def test_yc_universe_loads_with_placeholders_reported(yc):
    report, _, _, raw, tables = yc
    new = raw[NEW_YC]
    assert _counts(report) == {(NEW_YC, "universe"): (len(new), len(new), 0, 0)} and len(new) == 4663
    universe = tables["universe"].set_index("company_id").loc[new.company_id]
    zero = new.team_size.isin(["0", "0.0"]).values
    assert universe.employees[zero].isna().all() and zero.sum() == 107
    known = ~zero & (new.team_size != "").values
    assert (universe.employees[known].values == new.team_size[known].astype(float).values).all()
    assert (
        universe.founded_year.dropna().values == new.year_founded[new.year_founded != ""].astype(float).values
    ).all()
    issues = tables["quarantine"]
    dropped = issues[issues.reason.str.startswith("placeholder")].merge(
        tables["universe"][["_line", "company_id"]], left_on="line", right_on="_line"
    )
    assert set(dropped.company_id[dropped.column == "employees"]) == set(new.company_id[zero])
    assert set(dropped.company_id[dropped.column == "domain"]) == set(
        new.company_id[new.website.isin(["https://", "http://"])]
    )
    assert set(dropped.action) == {"value_dropped"}


def _sizes(frame: pd.DataFrame) -> pd.Series:
    sizes = pd.to_numeric(frame.set_index("company_id").team_size.replace("", np.nan))
    return sizes.where(sizes > 0)


def test_yc_snapshot_events_match_pandas(yc):
    _, compared, loaded, raw, tables = yc
    old, new = raw[OLD_YC], raw[NEW_YC]
    both = old.merge(new, on="company_id", suffixes=("_old", "_new"))
    assert len(both) == 4110
    size_old, size_new = _sizes(old).loc[both.company_id], _sizes(new).loc[both.company_id]
    given = (both.team_size_old != "").values & (both.team_size_new != "").values
    changed_any = given & (
        pd.to_numeric(both.team_size_old, errors="coerce").values
        != pd.to_numeric(both.team_size_new, errors="coerce").values
    )
    assert changed_any.sum() / len(both) == pytest.approx(0.22, abs=0.01)  # the datasets README's "22%"
    relative = (size_new.values - size_old.values) / size_old.values
    crossing = np.abs(np.nan_to_num(relative)) >= 0.2
    status_changed = both.status_old.str.lower() != both.status_new.str.lower()
    relabels = status_changed & both.status_new.eq("Active") & both.status_old.isin(["Acquired", "Inactive", "Public"])
    counts = compared["counts"]
    assert counts["in_both"] == 4110 and counts["only_new"] == len(new) - 4110 and counts["only_old"] == len(old) - 4110
    assert counts["size_changed"] == int((~np.isnan(relative) & (relative != 0)).sum())
    assert counts["headcount_grew"] + counts["headcount_shrank"] == crossing.sum()
    assert counts["headcount_grew"] == int((np.nan_to_num(relative) >= 0.2).sum())
    assert counts["status_events"] == int((status_changed & ~relabels).sum()) == 237
    # Read old -> new, the pair has no relabel back to Active; read backwards it would have 230.
    assert counts["status_relabels_excluded"] == int(relabels.sum()) == 0
    events = tables["events"]
    assert loaded["reconciles"] and len(events) == counts["events"] == crossing.sum() + 237
    assert events.company_id.isin(tables["universe"].company_id).all()
    assert (events.occurred_at == pd.Timestamp("2024-05-11")).all()
    headcount = events[events.event_type == "headcount_change"].set_index("company_id")
    expected = pd.Series(relative[crossing], index=both.company_id[crossing].values)
    assert np.allclose(headcount.value.loc[expected.index], (expected * 100).round(2))  # percent
    assert headcount.description.str.endswith("between 2023-02-27 and 2024-05-11").all()


# -- layoffs.fyi -----------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def layoffs(tmp_path_factory):
    folder = _data() / "layoffs_fyi"
    report, ws = _load(tmp_path_factory.mktemp("layoffs"), "layoffs", sorted(folder.glob("*.csv"), reverse=True))
    raw = {name: _raw(folder / name) for name in (LAYOFFS_2023, LAYOFFS_2026)}
    tables = {name: ws.table(name).execute() for name in ("events", "quarantine")}
    yield report, raw, tables
    ws.close()


def _number(text: pd.Series) -> pd.Series:
    return pd.to_numeric(text.replace("NULL", ""), errors="coerce").round(4)


def _layoff_identity(frame: pd.DataFrame) -> pd.DataFrame:
    """What makes two rows the same layoff: company, date, people and share laid off."""
    return pd.DataFrame(
        {
            "company": frame.company,
            "date": pd.to_datetime(frame.date, format="%m/%d/%Y", errors="coerce"),
            "total": _number(frame.total_laid_off),
            "share": _number(frame.percentage_laid_off),
        }
    )


def test_layoffs_counts_duplicates_and_overlap(layoffs):
    report, raw, tables = layoffs
    older, newer = _layoff_identity(raw[LAYOFFS_2023]), _layoff_identity(raw[LAYOFFS_2026])
    undated = older.date.isna()
    older_repeats = older[~undated].duplicated()
    newer_repeats = newer.duplicated()
    older_events = older[~undated].drop_duplicates()
    overlap = len(newer.drop_duplicates().merge(older_events))
    assert report["reconciles"]
    assert _counts(report) == {
        (LAYOFFS_2023, "events"): (len(older), len(older_events), undated.sum() + older_repeats.sum(), 0),
        (LAYOFFS_2026, "events"): (len(newer), len(newer) - newer_repeats.sum(), newer_repeats.sum(), overlap),
    }
    assert (undated.sum(), older_repeats.sum(), newer_repeats.sum()) == (1, 7, 5)
    assert (raw[LAYOFFS_2023].duplicated().sum()) == 5  # 5 exact copies; 2 more differ only in country or stage
    union = pd.concat([older_events, newer.drop_duplicates()]).drop_duplicates()
    assert report["table_rows"]["events"] == len(union) == len(tables["events"])
    issues = tables["quarantine"]
    repeats = issues[issues.reason.str.startswith("same event")]
    assert set(repeats.line[repeats.file.str.endswith(LAYOFFS_2023)]) == _lines(older, (~undated) & older.duplicated())
    assert set(repeats.line[repeats.file.str.endswith(LAYOFFS_2026)]) == _lines(newer, newer_repeats)
    missing = issues[issues.reason == "missing required value"]
    assert set(zip(missing.line, missing.column)) == {(line, "occurred_at") for line in _lines(older, undated)}


def test_layoffs_values_descriptions_and_sources(layoffs):
    _, raw, tables = layoffs
    events = tables["events"]
    assert (events.event_type == "layoff").all() and events.company_name.notna().all()
    assert events.company_id.isna().all() and events.account_id.isna().all()  # the matcher links them later
    # total_laid_off is missing in about a third of the layoffs: they are kept, with no value.
    assert 0.3 < events.value.isna().mean() < 0.4
    pinterest = events[(events.company_name == "Pinterest") & (events.occurred_at == pd.Timestamp("2026-01-27"))]
    assert pinterest.value.tolist() == [700] and pinterest.description.tolist() == ["15% of staff"]
    share = events.percentage_laid_off
    assert (events.description.isna() == share.isna()).all()
    assert (events.description.dropna() == (share.dropna() * 100).round(1).map(lambda v: f"{v:g}% of staff")).all()
    # A layoff in both copies takes the newer copy's source URL (the later mapping entry wins).
    newer = raw[LAYOFFS_2026]
    cazoo = events[(events.company_name == "Cazoo") & (events.occurred_at == pd.Timestamp("2022-06-07"))]
    first_url = newer.source[(newer.company == "Cazoo") & (newer.date == "6/7/2022")].iloc[0]
    assert cazoo.source.tolist() == [first_url]


# -- Fortune 1000 and Inc. 5000 -------------------------------------------------------------------------
def test_fortune1000_universe_in_dollars(tmp_path):
    path = _data() / "fortune1000_2021" / "Fortune_1000.csv"
    report, ws = _load(tmp_path, "fortune1000", [path])
    raw = _raw(path)
    universe = ws.table("universe").execute().set_index("company_id").loc[raw.company]
    ws.close()
    assert _counts(report) == {(path.name, "universe"): (1000, 1000, 0, 0)} and report["issues"] == 0
    assert universe.revenue.values == pytest.approx(raw.revenue.astype(float).values * 1e6)
    has_profit = (raw.profit != "").values
    assert universe.profit.values[has_profit] == pytest.approx(raw.profit[has_profit].astype(float).values * 1e6)
    cap = pd.to_numeric(raw["Market Cap"], errors="coerce").values
    assert np.isnan(universe.market_cap.values.astype(float)).sum() == np.isnan(cap).sum() == 50  # "-" and empty
    assert (universe.employees.values == raw["num. of employees"].astype(int).values).all()
    assert (universe.domain.values == raw.Website.values).all() and set(universe.country) == {"US"}
    assert universe.loc["Walmart", "revenue"] == 523_964_000_000


def test_inc5000_revenue_strings_and_spaced_header(tmp_path):
    path = _data() / "inc5000" / "inc5000.csv"
    report, ws = _load(tmp_path, "inc5000", [path])
    raw = _raw(path)
    universe = ws.table("universe").execute().set_index("company_id").loc[raw["COMPANY NAME"].str.strip()]
    ws.close()
    assert " REVENUE " in raw.columns and raw[" REVENUE "].str.endswith(" MM").all()
    assert _counts(report) == {(path.name, "universe"): (5000, 5000, 0, 0)}
    zero = (raw.EMPLOYEES == "0").values  # firms with millions in revenue and "0" employees: unknown
    assert report["issue_summary"] == [
        {
            "table": "universe",
            "action": "value_dropped",
            "count": int(zero.sum()),
            "reason": "placeholder for an unknown value (listed in the mapping's placeholders)",
        }
    ]
    assert zero.sum() == 10 and universe.employees[zero].isna().all()
    millions = raw[" REVENUE "].str.replace(" MM", "", regex=False).astype(float).values
    assert universe.revenue.values == pytest.approx(millions * 1e6)
    assert universe.loc["Mortgage Capital Trading", "revenue"] == pytest.approx(18_300_000)
    assert (universe.growth_pct.values == raw.GROWTH.str.replace(",", "").astype(int).values).all()
    assert universe.founded_year.isna().sum() == (raw.FOUNDED == "").sum() == 2
    assert (universe.employees[~zero].values == raw.EMPLOYEES[~zero].str.replace(",", "").astype(int).values).all()
