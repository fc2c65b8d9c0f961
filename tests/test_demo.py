"""The demo company: real files in a temp directory, checked against the truth they claim to plant."""

from __future__ import annotations

import json
import re
import unicodedata

import pandas as pd
import pytest
from scipy.stats import chi2_contingency

from bullseye.core.schema import TABLES
from bullseye.demo import generate_company

FILES = (
    "accounts",
    "deals",
    "subscriptions",
    "usage",
    "contacts",
    "deal_contacts",
    "notes",
    "events",
    "universe",
    "spend",
)


def _read(path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def _plain(values: pd.Series) -> pd.Series:
    return values.map(lambda s: unicodedata.normalize("NFKD", s).encode("ascii", "ignore").decode().strip().lower())


def _norm_header(header: str) -> str:
    return re.sub(r"[^0-9a-z]+", "_", header.lower()).strip("_")


def _num(values: pd.Series) -> pd.Series:
    return pd.to_numeric(values.str.replace(",", "", regex=False), errors="coerce")


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo")
    truth = generate_company(out, n_accounts=5000, seed=0)
    data = {name: _read(out / f"{name}.csv") for name in FILES}
    return out, truth, data


@pytest.fixture(scope="module")
def clean_deals(demo):
    """Deals without the planted defects, with the account's observed segment membership."""
    _, truth, data = demo
    deals, acc = data["deals"], data["accounts"]
    deals = deals[~deals["Deal ID"].duplicated(keep="first") & deals["Account ID"].isin(acc["Account ID"])].copy()
    inside = (acc["Industry"] == "E-commerce") & (acc["own_fleet"] == "yes") & (_num(acc["deliveries_per_day"]) >= 200)
    deals["inside"] = deals["Account ID"].map(dict(zip(acc["Account ID"], inside))).astype(bool)
    deals["created"] = pd.to_datetime(deals["Create Date"])
    deals["closed"] = pd.to_datetime(deals["Close Date"], errors="coerce")
    deals["won"] = deals["Deal Stage"] == "Closed Won"
    deals["closed_deal"] = deals["Deal Stage"].isin(["Closed Won", "Closed Lost"])
    return deals


def _odds(p: float) -> float:
    return p / (1 - p)


def test_same_seed_same_bytes_and_other_seed_differs(tmp_path):
    a, b, c = (tmp_path / name for name in "abc")
    generate_company(a, n_accounts=2000, seed=7)
    generate_company(b, n_accounts=2000, seed=7)
    generate_company(c, n_accounts=2000, seed=8)
    names = sorted(p.name for p in a.iterdir())
    assert names == sorted(p.name for p in b.iterdir())
    assert "truth.json" in names and len(names) == len(FILES) + 1
    for name in names:
        assert (a / name).read_bytes() == (b / name).read_bytes(), name
    for name in ("accounts.csv", "deals.csv", "notes.csv", "truth.json"):
        assert (a / name).read_bytes() != (c / name).read_bytes(), name


def test_too_few_accounts_is_refused(tmp_path):
    with pytest.raises(ValueError, match="n_accounts"):
        generate_company(tmp_path, n_accounts=10)


def test_row_counts_and_truth_file_match(demo):
    out, truth, data = demo
    assert json.loads((out / "truth.json").read_text(encoding="utf-8")) == truth
    assert truth["seed"] == 0 and truth["n_accounts"] == 5000 and truth["as_of"] == "2026-06-30"
    assert truth["rows"] == {f"{name}.csv": len(data[name]) for name in FILES}
    assert len(data["accounts"]) == 5000
    assert 2.8 * 5000 <= len(data["universe"]) <= 3.2 * 5000
    closed = data["deals"][data["deals"]["Deal Stage"].isin(["Closed Won", "Closed Lost"])]
    assert 0.35 <= closed["Account ID"].nunique() / 5000 <= 0.45
    assert data["deals"].groupby("Account ID").size().quantile(0.9) <= 3


def test_headers_normalise_to_canonical_or_snake_case_custom(demo):
    _, _, data = demo
    for name, frame in data.items():
        table = TABLES[name]
        known = {c.name for c in table.columns} | {a for c in table.columns for a in c.aliases}
        normalised = [_norm_header(h) for h in frame.columns]
        assert len(set(normalised)) == len(normalised), name
        for header, norm in zip(frame.columns, normalised):
            assert norm in known or header == norm, f"{name}: {header!r}"
        for required in table.required:
            col = table.column(required)
            assert {required, *col.aliases} & set(normalised), f"{name} lacks {required}"


def test_keys_are_unique_except_planted_duplicates(demo):
    _, truth, data = demo
    keys = {
        "accounts": ["Account ID"],
        "deals": ["Deal ID"],
        "subscriptions": ["Subscription ID"],
        "usage": ["Account ID", "Week"],
        "contacts": ["Contact ID"],
        "deal_contacts": ["Deal ID", "Contact ID"],
        "notes": ["Note ID"],
        "events": ["Event ID"],
        "universe": ["Company ID"],
        "spend": ["Month", "Channel"],
    }
    planted = sum(d["kind"] == "duplicate_deal_id" for d in truth["defects"])
    for name, key in keys.items():
        assert data[name].duplicated(key).sum() == (planted if name == "deals" else 0), name
    for name, frame in data.items():
        text = frame.to_numpy().ravel()
        assert not set(text) & {"nan", "NaN", "NaT", "None", "<NA>"}, name
    known = set(data["accounts"]["Account ID"])
    for name in ("subscriptions", "usage", "contacts", "notes"):
        assert set(data[name]["Account ID"]) - {""} <= known, name
    assert set(data["deal_contacts"]["Contact ID"]) <= set(data["contacts"]["Contact ID"])
    assert set(data["deal_contacts"]["Deal ID"]) <= set(data["deals"]["Deal ID"])


def test_every_date_is_iso_and_not_after_as_of(demo):
    _, truth, data = demo
    as_of = pd.Timestamp(truth["as_of"])
    bad = {d["value"] for d in truth["defects"] if d["kind"] == "unparseable_close_date"}
    for name, frame in data.items():
        for col in [c for c in frame.columns if "Date" in c or c in ("Week", "Month", "Date")]:
            values = frame[col][(frame[col] != "") & ~frame[col].isin(bad)]
            parsed = pd.to_datetime(values, format="%Y-%m-%d", errors="coerce")
            assert parsed.notna().all(), f"{name}.{col}: {values[parsed.isna()].head().tolist()}"
            assert parsed.max() <= as_of, f"{name}.{col}"
    weeks = pd.to_datetime(data["usage"]["Week"])
    assert (weeks.dt.dayofweek == 0).all()
    assert data["spend"]["Month"].nunique() == 36
    assert set(data["spend"]["Kind"]) == {"marketing", "sales"}


def test_segment_size_is_recorded_and_reconciles(demo, clean_deals):
    _, truth, data = demo
    seg = truth["segment"]
    assert [r["attribute"] for r in seg["rule"]] == ["industry", "own_fleet", "deliveries_per_day"]
    assert 0.08 <= seg["share_true"] <= 0.15
    assert seg["size_true"] == len(seg["account_ids"])
    acc = data["accounts"]
    observed = (
        (acc["Industry"] == "E-commerce") & (acc["own_fleet"] == "yes") & (_num(acc["deliveries_per_day"]) >= 200)
    )
    assert int(observed.sum()) == seg["size_observed"]
    assert set(acc.loc[observed, "Account ID"]) <= set(seg["account_ids"])  # missing values only ever hide members


def test_segment_wins_more_often_faster_and_with_less_discount(demo, clean_deals):
    _, truth, _ = demo
    new = clean_deals[(clean_deals["deal_type"] == "New Business") & clean_deals["closed_deal"]]
    p_in, p_out = new.loc[new["inside"], "won"].mean(), new.loc[~new["inside"], "won"].mean()
    odds_ratio = _odds(p_in) / _odds(p_out)
    assert 1.8 <= odds_ratio <= 4.5, odds_ratio
    assert abs(p_out - truth["segment"]["effects"]["win_prob_outside"]) < 0.05
    won = new[new["won"]]
    days = (won["closed"] - won["created"]).dt.days
    ratio = days[won["inside"]].median() / days[~won["inside"]].median()
    assert 0.45 <= ratio <= 0.8, ratio
    discount = 1 - _num(won["Amount"]) / _num(won["List Price"])
    gap = discount[~won["inside"]].mean() - discount[won["inside"]].mean()
    expected = (
        truth["segment"]["effects"]["discount_mean_outside"] - truth["segment"]["effects"]["discount_mean_inside"]
    )
    assert abs(gap - expected) < 0.04, gap


def test_small_companies_churn_about_four_times_faster(demo):
    _, truth, data = demo
    subs, acc = data["subscriptions"], data["accounts"]
    as_of = pd.Timestamp(truth["as_of"])
    first = (
        subs.assign(start=pd.to_datetime(subs["Start Date"]), end=pd.to_datetime(subs["End Date"].replace("", None)))
        .groupby("Account ID")
        .agg(start=("start", "min"), end=("end", "max"), churned=("End Date", lambda s: (s != "").all()))
    )
    first["years"] = (first["end"].fillna(as_of) - first["start"]).dt.days / 365.25
    employees = _num(acc.set_index("Account ID")["Employees"]).reindex(first.index)
    first = first[employees.notna()]
    small = (employees[employees.notna()] < 50).to_numpy()

    def rate(mask):
        return first["churned"][mask].sum() / first["years"][mask].sum()

    hazard_ratio = rate(small) / rate(~small)
    assert truth["disqualifiers"][0]["churn_hazard_ratio"] == pytest.approx(4.0)
    assert 2.0 <= hazard_ratio <= 8.0, hazard_ratio  # ~30 churn events among small customers: wide
    inside = set(truth["segment"]["account_ids"])
    seg = first.index.isin(list(inside))
    assert rate(seg) / rate(~seg) < 0.7


def test_head_of_logistics_hire_is_a_why_now_signal(demo, clean_deals):
    _, truth, data = demo
    ev = data["events"]
    hires = ev[
        (ev["Type"] == "exec_hire")
        & (ev["Account ID"] != "")
        & _plain(ev["Title"]).str.contains("head of logistics|head de logistica")
    ]
    new = clean_deals[clean_deals["deal_type"] == "New Business"]
    pairs = new[["Deal ID", "Account ID", "created"]].merge(
        hires.assign(hired=pd.to_datetime(hires["Date"]))[["Account ID", "hired"]], on="Account ID"
    )
    lag = (pairs["created"] - pairs["hired"]).dt.days
    flagged = set(pairs.loc[(lag >= 0) & (lag <= truth["why_now"]["window_days"]), "Deal ID"])
    assert len(flagged) == truth["why_now"]["deals_with_signal"]
    closed = new[new["closed_deal"]]
    signal = closed["Deal ID"].isin(flagged)
    odds_ratio = _odds(closed.loc[signal, "won"].mean()) / _odds(closed.loc[~signal, "won"].mean())
    assert 1.5 <= odds_ratio <= 5.0, odds_ratio
    market = ev[(ev["Type"] == "exec_hire") & (ev["Company ID"] != "")]
    assert _plain(market["Title"]).str.contains("head of logistics|head de logistica").any()  # also in the market
    assert (ev["Account ID"] == "").sum() == (ev["Company ID"] != "").sum()


def test_customers_in_the_segment_use_the_product_more(demo):
    _, truth, data = demo
    usage = data["usage"]
    per_account = _num(usage["Actions"]).groupby(usage["Account ID"]).mean()
    inside = per_account.index.isin(truth["segment"]["account_ids"])
    dpd = _num(data["accounts"].set_index("Account ID")["deliveries_per_day"]).reindex(per_account.index)
    per_delivery = per_account / dpd
    assert per_delivery[inside].median() > 1.2 * per_delivery[~inside].median()
    assert set(usage["Account ID"]) <= set(data["subscriptions"]["Account ID"])


def test_noise_attributes_do_not_move_win_rates(demo, clean_deals):
    _, truth, data = demo
    assert set(truth["noise_attributes"]) <= set(data["accounts"].columns)
    new = clean_deals[(clean_deals["deal_type"] == "New Business") & clean_deals["closed_deal"]]
    acc = data["accounts"].set_index("Account ID")
    for attr in ("crm_tier", "office_type", "newsletter_opt_in"):
        value = new["Account ID"].map(acc[attr])
        table = pd.crosstab(value[value != ""], new["won"][value != ""])
        assert len(table) >= 2
        assert chi2_contingency(table.to_numpy()).pvalue > 0.001, (attr, table)
    segment = pd.crosstab(new["inside"], new["won"]).to_numpy()
    assert chi2_contingency(segment).pvalue < 0.001  # the same test does see a real effect


def test_defects_are_present_as_recorded(demo):
    _, truth, data = demo
    deals, acc, notes = data["deals"], data["accounts"], data["notes"]
    kinds = [d["kind"] for d in truth["defects"] if d["file"] == "deals.csv"]
    assert sorted(kinds) == sorted(["unparseable_close_date"] * 3 + ["duplicate_deal_id"] * 2 + ["unknown_account"] * 2)
    for d in (d for d in truth["defects"] if d["file"] == "deals.csv"):
        if d["kind"] == "duplicate_deal_id":
            rows = deals.iloc[[line - 2 for line in d["lines"]]]
            assert (rows["Deal ID"] == d["deal_id"]).all() and (deals["Deal ID"] == d["deal_id"]).sum() == 2
            assert rows["Amount"].nunique() == 2 or rows["Deal Stage"].nunique() == 2
            continue
        row = deals.iloc[d["line"] - 2]
        assert row["Deal ID"] == d["deal_id"]
        if d["kind"] == "unparseable_close_date":
            assert row["Close Date"] == d["value"]
            assert pd.isna(pd.to_datetime(row["Close Date"], format="%Y-%m-%d", errors="coerce"))
        else:
            assert row["Account ID"] == d["value"] and d["value"] not in set(acc["Account ID"])
    assert deals["Deal ID"].duplicated().sum() == 2
    assert (~deals["Account ID"].isin(acc["Account ID"])).sum() == 2
    empty = set(notes.loc[notes["Body"].str.strip() == "", "Note ID"])
    assert empty == {d["note_id"] for d in truth["defects"] if d["kind"] == "empty_body"}
    assert len(truth["defects"]) < 0.01 * (len(deals) + len(notes))
    long_notes = notes[notes["Note ID"].isin(truth["note_quirks"]["long_note_ids"])]
    assert (long_notes["Body"].str.len() > 2000).all()
    for a, b in truth["note_quirks"]["duplicated_notes"]:
        pair = notes.set_index("Note ID").loc[[a, b]]
        assert pair["Body"].nunique() == 1 and pair["Account ID"].nunique() == 1


def test_titles_mix_portuguese_and_english(demo):
    _, truth, data = demo
    titles = set(data["contacts"]["Job Title"].str.strip())
    for title in (
        "Diretora de Operações",
        "Director of Operations",
        "Head de Logística",
        "Head of Logistics",
        "CFO",
        "Diretor Financeiro",
        "Gerente de TI",
        "IT Manager",
        "Coordenador de Rotas",
        "Route Coordinator",
    ):
        assert title in titles, title
    assert len({t.lower() for t in titles}) < len(titles)  # casing noise
    for role, spec in truth["committee"]["roles"].items():
        assert set(spec["title_variants"]) & titles, role


def _contact_roles(truth, contacts: pd.DataFrame) -> pd.Series:
    plain = _plain(contacts["Job Title"])
    roles = pd.Series("", index=contacts.index)
    for role, spec in truth["committee"]["roles"].items():
        roles[plain.isin(spec["title_keywords"])] = role
    return pd.Series(roles.to_numpy(), index=contacts["Contact ID"])


def test_notes_carry_each_roles_pains_and_objections(demo):
    _, truth, data = demo
    notes, roles = data["notes"], _contact_roles(truth, data["contacts"])
    body = notes["Body"]
    speaker = notes["Contact ID"].map(roles).fillna("").where(notes["Type"].isin(["call", "interview"]), "")
    for role, spec in truth["committee"]["roles"].items():
        phrases = [p[lang] for p in spec["pains"] + spec["objections"] for lang in ("en", "pt")]
        hit = body.apply(lambda text, ps=phrases: any(p in text for p in ps))
        own, others = hit[speaker == role].mean(), hit[(speaker != role) & (speaker != "")].mean()
        assert own > 0.75 and others < 0.25, (role, own, others)
        for objection in spec["objections"]:
            assert body.str.contains(objection["en"], regex=False).any(), objection
            assert body.str.contains(objection["pt"], regex=False).any(), objection
    assert body.str.contains("ROI").any() and body.str.contains("TMS/ERP").any()
    assert set(notes["Type"]) == {"interview", "call", "survey", "win_loss"}
    scores = _num(notes["Score"])
    assert scores[notes["Type"] == "survey"].between(0, 10).all() and scores[notes["Type"] != "survey"].isna().all()


def test_won_deals_more_often_engage_champion_and_economic_buyer(demo, clean_deals):
    _, truth, data = demo
    dc = data["deal_contacts"].copy()
    dc["role"] = dc["Contact ID"].map(_contact_roles(truth, data["contacts"]))
    blank = (dc["Role"] == "").mean()
    assert 0.25 <= blank <= 0.35
    labelled = dc[dc["Role"] != ""]
    assert (labelled["Role"] == labelled["role"]).mean() > 0.99
    closed = clean_deals[clean_deals["closed_deal"] & (clean_deals["deal_type"] == "New Business")]
    for role in ("champion", "economic buyer"):
        engaged = set(dc.loc[dc["role"] == role, "Deal ID"])
        on = closed["Deal ID"].isin(engaged)
        assert on[closed["won"]].mean() > on[~closed["won"]].mean() + 0.2, role


def test_universe_holds_a_fifth_of_crm_accounts_under_other_names(demo):
    _, truth, data = demo
    uni, acc = data["universe"], data["accounts"]
    matches = truth["universe"]["matches"]
    assert truth["universe"]["n_companies"] == len(uni)
    assert 0.17 <= len(matches) / len(uni) <= 0.23
    assert set(matches) <= set(uni["Company ID"]) and set(matches.values()) <= set(acc["Account ID"])
    assert len(set(matches.values())) == len(matches)
    u = uni.set_index("Company ID").loc[list(matches), "Company Name"]
    a = acc.set_index("Account ID").loc[list(matches.values()), "Company Name"]
    same = u.to_numpy() == a.to_numpy()
    assert 0.2 < same.mean() < 0.8  # some identical, many spelled differently
    first_word = lambda s: _plain(pd.Series(s)).str.split().str[0].to_numpy()  # noqa: E731
    assert (first_word(u) == first_word(a)).all()
    assert set(truth["universe"]["industry_map"]) >= set(uni["Industry"])
    assert not set(uni["Industry"]) & {"E-commerce", "Regional carrier"}  # a provider's own labels
