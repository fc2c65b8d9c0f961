"""Outcomes on a real DuckDB warehouse: hand-checked numbers, an independent pandas computation,
and the statistics pinned against statsmodels (Wilson) and lifelines (Kaplan-Meier)."""

from __future__ import annotations

import datetime as dt
import json

import ibis
import numpy as np
import pandas as pd
import pytest

from bullseye.core.schema import TABLES
from bullseye.errors import BullseyeError
from bullseye.outcomes.per_account import (
    OUTCOME_COLUMNS,
    account_outcomes,
    resolve_as_of,
)
from bullseye.outcomes.summary import (
    MISSING,
    km_survival_at,
    outcome_summary,
    wilson_interval,
)
from bullseye.render import to_terminal
from bullseye.workspace import Workspace

_TYPES = {
    "string": "string",
    "text": "string",
    "integer": "int64",
    "number": "float64",
    "date": "date",
    "boolean": "boolean",
    "list": "array<string>",
}
D = dt.date


def put(ws: Workspace, **frames: pd.DataFrame) -> None:
    """Create canonical tables as `bullseye load` leaves them: every canonical column, typed, plus
    custom columns and the lineage columns."""
    with ws.warehouse.transaction() as con:
        for name, df in frames.items():
            df = df.copy()
            spec = TABLES[name]
            for col in spec.columns:
                if col.name not in df.columns:
                    df[col.name] = None
            df["_file"] = f"{name}.csv"
            df["_line"] = np.arange(2, len(df) + 2, dtype="int64")
            table = ibis.memtable(df)
            casts = {c.name: table[c.name].cast(_TYPES[c.type]) for c in spec.columns}
            con.create_table(name, table.mutate(**casts))


def by_id(table) -> pd.DataFrame:
    return table.to_pyarrow().to_pandas().set_index("account_id").sort_index()


# -- a hand-checkable workspace -------------------------------------------------------------------
AS_OF = D(2024, 12, 31)


@pytest.fixture
def small(tmp_path) -> Workspace:
    ws = Workspace.init(tmp_path / "small")
    accounts = pd.DataFrame(
        {
            "account_id": ["a1", "a2", "a3", "a4", "a5"],
            "name": ["One", "Two", "Three", "Four", "Five"],
            "industry": ["saas", "saas", "retail", None, "retail"],
            "employees": pd.array([5, 11, 250, None, 7000], dtype="Int64"),
            "tech_stack": [["crm", "erp"], ["crm"], [], None, ["erp", "erp"]],
            "plan_tier": ["gold", "silver", "gold", "gold", None],  # a custom attribute
        }
    )
    deals = pd.DataFrame(
        {
            "deal_id": [f"d{i}" for i in range(1, 10)],
            "account_id": ["a1", "a1", "a1", "a2", "a2", "a3", None, "zz", "a5"],
            "stage": ["won", "won", "lost", "lost", "open", "won", "won", "won", "won"],
            "created_at": [
                D(2024, 1, 1),
                D(2024, 3, 1),
                D(2024, 4, 1),
                D(2024, 2, 1),
                D(2024, 6, 1),
                D(2024, 11, 1),
                D(2024, 1, 1),
                D(2024, 1, 1),
                D(2025, 1, 15),
            ],
            "closed_at": [
                D(2024, 1, 31),
                D(2024, 4, 10),
                D(2024, 5, 1),
                D(2024, 3, 1),
                None,
                D(2025, 2, 1),
                D(2024, 2, 1),
                D(2024, 2, 1),
                D(2025, 1, 20),
            ],
            "amount": [1000.0, 3000.0, 500.0, 800.0, 900.0, 700.0, 5.0, 5.0, 5.0],
            "discount": [0.10, 0.20, 0.0, 0.05, None, 0.3, 0.9, 0.9, 0.9],
        }
    )
    subscriptions = pd.DataFrame(
        {
            "subscription_id": ["s1", "s2", "s3", "s4", "s5", "s6"],
            "account_id": ["a1", "a1", "a2", "a3", "a4", "a5"],
            "start_date": [D(2023, 1, 1), D(2024, 7, 1), D(2022, 6, 1), D(2024, 3, 1), D(2025, 1, 10), D(2023, 1, 1)],
            "end_date": [None, None, D(2024, 6, 30), D(2025, 3, 1), None, D(2023, 12, 31)],
            "arr": [12000.0, 6000.0, 10000.0, 5000.0, 9999.0, 7000.0],
        }
    )
    weeks = [AS_OF - dt.timedelta(days=7 * k) for k in range(25)]
    usage = pd.DataFrame(
        {
            "account_id": ["a1"] * 25 + ["a1", "a2", "a2"],
            "period_start": weeks + [D(2025, 1, 7), AS_OF, AS_OF - dt.timedelta(days=14)],
            # a1: 20 in the last 12 weeks, 10 in the 12 before, 1000 outside both windows
            "active_users": [20.0] * 12 + [10.0] * 12 + [1000.0] + [999.0, 5.0, 7.0],
        }
    )
    notes = pd.DataFrame(
        {
            "note_id": ["n1", "n2", "n3", "n4", "n5", "n7", "n6"],
            "account_id": ["a1", "a1", "a1", "a1", "a2", "a3", "a3"],
            "created_at": [
                D(2024, 5, 1),
                D(2024, 11, 1),
                D(2025, 2, 1),
                D(2024, 12, 1),
                D(2024, 8, 1),
                D(2024, 9, 1),
                D(2024, 9, 1),
            ],
            "score": [9.0, 3.0, 10.0, None, 10.0, 10.0, 9.0],  # a3: two on one day, the larger note id wins
            "note_type": ["survey"] * 7,
            "body": ["..."] * 7,
        }
    )
    put(ws, accounts=accounts, deals=deals, subscriptions=subscriptions, usage=usage, notes=notes)
    return ws


def test_hand_checked_account_outcomes(small):
    out = by_id(account_outcomes(small, as_of=AS_OF))
    assert list(out.index) == ["a1", "a2", "a3", "a4", "a5"]  # every account, deals of zz/None dropped
    a1, a2, a3, a4, a5 = (out.loc[k] for k in out.index)
    # deals: a1 won 2 (30 and 40 days), lost 1; a3's deal closed after as-of is still open;
    # a5's deal was created after as-of and is ignored
    assert (a1.deals_won, a1.deals_lost, a1.deals_open) == (2, 1, 0)
    assert a1.win_rate == pytest.approx(2 / 3)
    assert a1.days_to_close == pytest.approx((30 + 40) / 2)
    assert a1.discount == pytest.approx((0.10 + 0.20) / 2)
    assert a1.acv == pytest.approx((1000 + 3000) / 2)
    assert a2.win_rate == 0 and a2.deals_open == 1
    assert (a3.deals_won, a3.deals_open) == (0, 1) and pd.isna(a3.win_rate) and pd.isna(a3.days_to_close)
    assert (a5.deals_won, a5.deals_open) == (0, 0)
    # subscriptions
    assert a1.current_arr == 18000 and a1.arr_12m_ago == 12000 and a1.nrr == pytest.approx(1.5)
    assert not a1.churned and pd.isna(a1.churn_date)
    assert a1.first_start == D(2023, 1, 1) and a1.tenure_days == (AS_OF - D(2023, 1, 1)).days
    assert a1.realised_revenue == pytest.approx(12000 * 730 / 365.25 + 6000 * 183 / 365.25)
    assert a2.churned and a2.churn_date == D(2024, 6, 30) and a2.tenure_days == 760
    assert a2.current_arr == 0 and a2.nrr == 0
    assert a2.realised_revenue == pytest.approx(10000 * 760 / 365.25)
    assert not a3.churned and a3.current_arr == 5000 and pd.isna(a3.nrr)  # ends after as-of: active
    assert a3.tenure_days == 305 and a3.realised_revenue == pytest.approx(5000 * 305 / 365.25)
    assert pd.isna(a4.churned) and pd.isna(a4.first_start) and not a4.is_customer  # starts after as-of
    # a5 ended exactly 12 months before as-of: no ARR then, churned after 364 days
    assert a5.churned and a5.tenure_days == 364 and a5.arr_12m_ago == 0 and pd.isna(a5.nrr)
    assert a5.realised_revenue == pytest.approx(7000 * 364 / 365.25)
    assert a1.is_customer and a2.is_customer and a3.is_customer and a5.is_customer
    # usage: a1 20 now vs 10 before; a2 has no baseline
    assert a1.avg_active_users == 20 and a1.usage_trend == pytest.approx(2.0)
    assert a2.avg_active_users == 6 and pd.isna(a2.usage_trend)
    # NPS: the latest scored note up to as-of
    assert (a1.nps, a2.nps, a3.nps) == (3, 10, 10) and pd.isna(a4.nps)
    # attributes come along (canonical and custom), lineage does not
    assert out.loc["a1", "plan_tier"] == "gold" and out.loc["a3", "employees"] == 250
    assert "_file" not in out.columns and "_line" not in out.columns


def test_as_of_default_and_semantics(small):
    latest = D(2025, 3, 1)  # s4's end date is the latest date in the fixture
    assert resolve_as_of(small) == latest
    later = by_id(account_outcomes(small))
    assert later.loc["a3", "deals_won"] == 1 and later.loc["a3", "deals_open"] == 0
    assert later.loc["a5", "deals_won"] == 1
    assert later.loc["a3", "churned"]  # s4 ended on the as-of date
    assert later.loc["a1", "nps"] == 10
    small.settings.as_of = AS_OF
    assert resolve_as_of(small) == AS_OF
    assert by_id(account_outcomes(small)).loc["a3", "deals_open"] == 1
    with pytest.raises(BullseyeError, match="not a date"):
        resolve_as_of(small, "31/12/2024")


def test_hand_checked_summary(small):
    summary = outcome_summary(small, as_of=AS_OF)
    overall = summary.overall
    assert summary.rows == [overall] and summary.missing_tables == []
    assert (overall["accounts"], overall["customers"]) == (5, 4)
    assert (overall["deals_won"], overall["deals_lost"], overall["deals_open"]) == (2, 2, 2)
    assert overall["win_rate"] == pytest.approx(0.5)
    assert overall["days_to_close_median"] == pytest.approx(35) and overall["acv_median"] == 2000
    assert overall["current_arr"] == 23000 and overall["subscribers"] == 4 and overall["churned"] == 2
    assert overall["nrr"] == pytest.approx(18000 / 22000)
    assert overall["nps"] == pytest.approx(100 * (2 - 1) / 3) and overall["nps_responses"] == 3
    # KM: a3 censored at 305 days, then a5 churns at 364 with 3 at risk; a2's churn is after 760
    assert overall["retention_12m"] == pytest.approx(2 / 3)
    payload = json.loads(json.dumps(summary.to_dict()))
    assert payload["as_of"] == "2024-12-31" and payload["overall"]["accounts"] == 5


def test_by_banding_exploding_and_missing(small):
    employees = outcome_summary(small, by="employees", as_of=AS_OF)
    groups = {row["group"]: row["accounts"] for row in employees.rows}
    assert groups == {"1-10": 1, "11-50": 1, "201-1000": 1, "5001+": 1, MISSING: 1}
    assert [row["group"] for row in employees.rows] == ["1-10", "11-50", "201-1000", "5001+", MISSING]
    tech = {row["group"]: row for row in outcome_summary(small, by="tech_stack", as_of=AS_OF).rows}
    assert {g: r["accounts"] for g, r in tech.items()} == {"crm": 2, "erp": 2, MISSING: 2}
    assert tech["crm"]["deals_won"] == 2 and tech["crm"]["deals_lost"] == 2
    tiers = {row["group"]: row["accounts"] for row in outcome_summary(small, by="plan_tier", as_of=AS_OF).rows}
    assert tiers == {"gold": 3, "silver": 1, MISSING: 1}
    with pytest.raises(BullseyeError) as error:
        outcome_summary(small, by="headcount")
    message = str(error.value)
    assert "'headcount'" in message and "employees" in message and "plan_tier" in message


def test_quartile_bands_of_a_custom_number(tmp_path):
    rng = np.random.default_rng(7)
    n = 400
    score = rng.lognormal(3, 1, n)
    score[:20] = np.nan
    ws = Workspace.init(tmp_path / "q")
    put(
        ws,
        accounts=pd.DataFrame({"account_id": [f"a{i}" for i in range(n)], "fit_score": score}),
        deals=pd.DataFrame({"deal_id": ["d"], "account_id": ["a1"], "stage": ["won"]}),
    )
    rows = outcome_summary(ws, by="fit_score").rows
    labels = [row["group"] for row in rows]
    expected = [
        float(np.format_float_positional(q, precision=2, unique=False, fractional=False, trim="-"))
        for q in np.nanquantile(score, [0.25, 0.5, 0.75])
    ]
    assert labels[0] == f"<{expected[0]:g}" and labels[-2] == f"{expected[2]:g}+" and labels[-1] == MISSING
    known = score[~np.isnan(score)]
    edges = [-np.inf, *expected, np.inf]
    counts = [int(((known >= lo) & (known < hi)).sum()) for lo, hi in zip(edges, edges[1:])]
    assert [row["accounts"] for row in rows] == [*counts, 20]


def test_only_accounts_and_deals(tmp_path):
    ws = Workspace.init(tmp_path / "lean")
    put(
        ws,
        accounts=pd.DataFrame({"account_id": ["a", "b"], "industry": ["x", "y"]}),
        deals=pd.DataFrame(
            {
                "deal_id": ["1", "2", "3"],
                "account_id": ["a", "a", "b"],
                "stage": ["won", "lost", "won"],
                "created_at": [D(2024, 1, 1)] * 3,
                "closed_at": [D(2024, 2, 1), D(2024, 3, 1), D(2024, 4, 1)],
            }
        ),
    )
    out = by_id(account_outcomes(ws))
    assert list(out.columns[-len(OUTCOME_COLUMNS) :]) == list(OUTCOME_COLUMNS)
    assert out["current_arr"].isna().all() and out["nps"].isna().all() and out["churned"].isna().all()
    assert out.loc["a", "is_customer"] and out.loc["a", "win_rate"] == 0.5
    summary = outcome_summary(ws, by="industry")
    assert summary.missing_tables == ["subscriptions", "usage", "notes"]
    assert summary.as_of == D(2024, 4, 1)
    assert all(row["current_arr"] is None and row["retention_12m"] is None for row in summary.rows)
    assert summary.overall["deals_won"] == 2
    json.dumps(summary.to_dict())
    tables = list(to_terminal(summary).renderables)
    headers = [str(col.header) for table in tables for col in table.columns]
    assert "Win rate (95% CI)" in headers and not any("ARR" in h for h in headers)
    assert "subscriptions" in str(tables[-1].caption)


def plain(series: pd.Series, kind=lambda v: v) -> list:
    return [None if pd.isna(v) else kind(v) for v in series]


# -- a larger random workspace against an independent pandas computation ---------------------------
def random_frames(seed: int = 42, n: int = 600) -> dict[str, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    ids = np.array([f"acc{i:04d}" for i in range(n)])
    base = np.datetime64("2021-01-01")

    def day(offsets):
        return [None if pd.isna(o) else (base + np.timedelta64(int(o), "D")).astype(object) for o in offsets]

    industry = rng.choice(["saas", "retail", "health", "finance"], n).astype(object)
    industry[rng.random(n) < 0.1] = None
    accounts = pd.DataFrame(
        {"account_id": ids, "industry": industry, "employees": pd.array(rng.integers(1, 8000, n), dtype="Int64")}
    )
    m = 2500
    deal_accounts = rng.choice(ids, m).astype(object)
    deal_accounts[rng.random(m) < 0.05] = None
    deal_accounts[rng.random(m) < 0.03] = "ghost"
    created = rng.integers(0, 1500, m)
    closed = (created + rng.integers(0, 240, m)).astype(float)
    stage = rng.choice(["won", "lost", "open"], m, p=[0.35, 0.4, 0.25])
    closed[(stage == "open") & (rng.random(m) < 0.7)] = np.nan
    discount = rng.uniform(0, 0.4, m)
    discount[rng.random(m) < 0.2] = np.nan
    deals = pd.DataFrame(
        {
            "deal_id": [f"d{i}" for i in range(m)],
            "account_id": deal_accounts,
            "stage": stage,
            "created_at": day(created),
            "closed_at": day(closed),
            "amount": rng.gamma(2, 5000, m).round(2),
            "discount": discount,
        }
    )
    subs = []
    for i, acc in enumerate(rng.choice(ids, int(n * 0.6), replace=False)):
        start = rng.integers(0, 1450)
        for k in range(rng.integers(1, 4)):
            end = start + rng.integers(60, 900) if rng.random() < 0.45 else np.nan
            subs.append((f"s{i}-{k}", acc, start, end, float(rng.choice([6000, 12000, 24000, 50000]))))
            start = start + rng.integers(0, 400)
    s = pd.DataFrame(subs, columns=["subscription_id", "account_id", "start", "end", "arr"])
    subscriptions = s.assign(start_date=day(s.start), end_date=day(s.end)).drop(columns=["start", "end"])
    usage_rows = []
    for acc in rng.choice(ids, n // 2, replace=False):
        first = rng.integers(1100, 1500)
        for w in range(rng.integers(5, 40)):
            if rng.random() < 0.85:
                usage_rows.append((acc, first + 7 * w, float(rng.poisson(15))))
    u = pd.DataFrame(usage_rows, columns=["account_id", "offset", "active_users"])
    usage = u.assign(period_start=day(u.offset)).drop(columns="offset")
    k = 900
    score = rng.integers(0, 11, k).astype(float)
    score[rng.random(k) < 0.2] = np.nan
    notes = pd.DataFrame(
        {
            "note_id": [f"n{i:04d}" for i in range(k)],
            "account_id": rng.choice(ids, k),
            "created_at": day(rng.integers(0, 1500, k)),
            "score": score,
            "body": "...",
        }
    )
    return {"accounts": accounts, "deals": deals, "subscriptions": subscriptions, "usage": usage, "notes": notes}


def expected_outcomes(f: dict[str, pd.DataFrame], as_of: dt.date) -> pd.DataFrame:
    """Independent pandas implementation of the definitions in docs/outcomes.md."""
    ts = pd.Timestamp(as_of)
    out = pd.DataFrame(index=pd.Index(sorted(f["accounts"].account_id), name="account_id"))
    d = f["deals"].copy()
    for c in ("created_at", "closed_at"):
        d[c] = pd.to_datetime(d[c])
    d = d[d.created_at.isna() | (d.created_at <= ts)]
    later = d.closed_at > ts
    d.loc[later & d.stage.isin(["won", "lost"]), "stage"] = "open"
    d.loc[later, "closed_at"] = pd.NaT
    d = d[d.account_id.isin(out.index)]
    counts = d.groupby(["account_id", "stage"]).size().unstack(fill_value=0)
    for stage in ("won", "lost", "open"):
        out[f"deals_{stage}"] = counts.get(stage, pd.Series(dtype=int)).reindex(out.index).fillna(0)
    closed = out.deals_won + out.deals_lost
    out["win_rate"] = (out.deals_won / closed).where(closed > 0)
    won = d[d.stage == "won"].assign(days=lambda x: (x.closed_at - x.created_at).dt.days)
    g = won.groupby("account_id")
    out["days_to_close"] = g.days.median()
    out["discount"] = g.discount.mean()
    out["acv"] = g.amount.mean()
    s = f["subscriptions"].copy()
    s["start_date"], s["end_date"] = pd.to_datetime(s.start_date), pd.to_datetime(s.end_date)
    s = s[s.start_date <= ts]
    s.loc[s.end_date > ts, "end_date"] = pd.NaT
    then = ts - pd.DateOffset(months=12)
    s["active"] = s.end_date.isna()
    s["then"] = (s.start_date <= then) & (s.end_date.isna() | (s.end_date > then))
    s["value"] = s.arr * (s.end_date.fillna(ts) - s.start_date).dt.days.clip(lower=0) / 365.25
    g = s.groupby("account_id")
    out["first_start"] = g.start_date.min()
    subscriber = out.first_start.notna()
    out["current_arr"] = s[s.active].groupby("account_id").arr.sum().reindex(out.index).fillna(0.0)
    out["arr_12m_ago"] = s[s.then].groupby("account_id").arr.sum().reindex(out.index).fillna(0.0)
    out["nrr"] = (out.current_arr / out.arr_12m_ago).where(out.arr_12m_ago > 0)
    out["realised_revenue"] = g.value.sum().reindex(out.index).fillna(0.0)
    out["churned"] = (s[s.active].groupby("account_id").size().reindex(out.index).fillna(0) == 0).where(subscriber)
    out["churn_date"] = g.end_date.max().reindex(out.index).where(out.churned == True)  # noqa: E712
    out["tenure_days"] = (out.churn_date.fillna(ts) - out.first_start).dt.days
    out["is_customer"] = (out.deals_won > 0) | subscriber
    u = f["usage"].copy()
    u["period_start"] = pd.to_datetime(u.period_start)
    age = (ts - u.period_start).dt.days
    recent = u[(age >= 0) & (age < 84)].groupby("account_id").active_users.mean()
    base = u[(age >= 84) & (age < 168)].groupby("account_id").active_users.mean()
    out["avg_active_users"] = recent
    out["usage_trend"] = (recent / base.where(base > 0)).reindex(out.index)
    n = f["notes"].copy()
    n["created_at"] = pd.to_datetime(n.created_at)
    n = n[n.score.notna() & (n.created_at <= ts)].sort_values(["created_at", "note_id"])
    out["nps"] = n.groupby("account_id").score.last()
    return out


@pytest.fixture(scope="module")
def random_ws(tmp_path_factory):
    frames = random_frames()
    ws = Workspace.init(tmp_path_factory.mktemp("random") / "ws")
    put(ws, **frames)
    return ws, frames


def test_random_outcomes_match_pandas(random_ws):
    ws, frames = random_ws
    as_of = D(2024, 6, 30)  # leaves later rows in the data to be ignored
    got = by_id(account_outcomes(ws, as_of=as_of))
    want = expected_outcomes(frames, as_of)
    assert len(got) == len(frames["accounts"])
    for col in OUTCOME_COLUMNS:
        g, w = got[col], want[col]
        if col in ("first_start", "churn_date"):
            assert plain(pd.to_datetime(g)) == plain(pd.to_datetime(w)), col
        elif col in ("churned", "is_customer"):
            assert plain(g, bool) == plain(w, bool), col
        else:
            np.testing.assert_allclose(g.astype(float), w.astype(float), rtol=1e-9, err_msg=col)
    # the fixture exercises every outcome
    assert got.churned.eq(True).sum() > 10 and got.nrr.notna().sum() > 10 and got.usage_trend.notna().sum() > 10


def test_random_summary_statistics(random_ws):
    sm = pytest.importorskip("statsmodels.stats.proportion", reason="statsmodels is a dev dependency")
    lifelines = pytest.importorskip("lifelines", reason="lifelines is a dev dependency")
    ws, frames = random_ws
    as_of = D(2024, 6, 30)
    summary = outcome_summary(ws, by="industry", as_of=as_of)
    per_account = expected_outcomes(frames, as_of).join(frames["accounts"].set_index("account_id"))
    per_account["group"] = per_account.industry.fillna(MISSING)
    assert {row["group"] for row in summary.rows} == set(per_account.group)
    checked_km = 0
    for row in [*summary.rows, summary.overall]:
        part = per_account if row["group"] == "(all)" else per_account[per_account.group == row["group"]]
        won, lost = int(part.deals_won.sum()), int(part.deals_lost.sum())
        assert (row["accounts"], row["deals_won"], row["deals_lost"]) == (len(part), won, lost)
        low, high = sm.proportion_confint(won, won + lost, alpha=0.05, method="wilson")
        assert row["win_rate_low"] == pytest.approx(low, abs=1e-12)
        assert row["win_rate_high"] == pytest.approx(high, abs=1e-12)
        assert row["current_arr"] == pytest.approx(part.current_arr.sum())
        then = part[part.arr_12m_ago > 0]
        assert row["nrr"] == pytest.approx(then.current_arr.sum() / then.arr_12m_ago.sum())
        scores = part.nps.dropna()
        assert row["nps"] == pytest.approx(100 * ((scores >= 9).mean() - (scores <= 6).mean()))
        subs = part[part.first_start.notna()]
        km = lifelines.KaplanMeierFitter().fit(subs.tenure_days, subs.churned.astype(bool))
        if subs.tenure_days.max() >= 365:
            assert row["retention_12m"] == pytest.approx(float(km.predict(365)), abs=1e-12)
            checked_km += 1
        else:
            assert row["retention_12m"] is None
    assert checked_km >= 4
    # deal-level statistics over won deals of the group's accounts
    assert summary.overall["deals_open"] == int(per_account.deals_open.sum())


def test_wilson_and_km_edge_cases():
    sm = pytest.importorskip("statsmodels.stats.proportion", reason="statsmodels is a dev dependency")
    lifelines = pytest.importorskip("lifelines", reason="lifelines is a dev dependency")
    k, n = np.array([0, 3, 10, 0]), np.array([5, 10, 10, 0])
    low, high = wilson_interval(k, n)
    for i in range(3):
        ref = sm.proportion_confint(k[i], n[i], method="wilson")
        assert (low[i], high[i]) == pytest.approx(ref, abs=1e-12)
    assert np.isnan(low[3]) and np.isnan(high[3])
    # ties of events and censoring at the same time; a group where everyone churns before 365 days
    rng = np.random.default_rng(3)
    time = rng.integers(0, 800, 300)
    event = rng.random(300) < 0.5
    grp = rng.integers(0, 3, 300)
    time[rng.random(300) < 0.1] = 365  # events and censoring exactly at 12 months count
    time[grp == 2] = rng.integers(0, 200, (grp == 2).sum())
    event[grp == 2] = True
    # group 3: one churn, the others followed for less than 12 months -> unknown
    grp, time, event = np.r_[grp, 3, 3, 3], np.r_[time, 30, 100, 300], np.r_[event, True, False, False]
    frame = pd.DataFrame({"g": grp, "t": time, "e": event}).groupby(["g", "t"]).agg(n=("e", "size"), d=("e", "sum"))
    frame = frame.reset_index()
    got = km_survival_at(frame.g, frame.t, frame.n, frame.d, n_groups=5)
    for g in (0, 1):
        ref = lifelines.KaplanMeierFitter().fit(time[grp == g], event[grp == g]).predict(365)
        assert got[g] == pytest.approx(float(ref), abs=1e-12)
    assert got[2] == 0.0 and np.isnan(got[3]) and np.isnan(got[4])
