"""Account scoring on the demo company, whose planted truth is known: points, tiers, calibration,
disqualifiers, the single-account path, the logistic fit against statsmodels, and the CLI."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
import yaml
from conftest import TRUTH_ICP, demo_workspace
from typer.testing import CliRunner

from bullseye.cli import app
from bullseye.core.dataset import build_dataset
from bullseye.scoring.accounts import score_accounts
from bullseye.scoring.scorecard import (
    BASE_SCORE,
    POINTS_TO_DOUBLE,
    ScoreCard,
    _condition_mask,
    disqualifier_reason,
    new_business,
    score_one,
)
from bullseye.scoring.scores import write_scores
from bullseye.scoring.tiers import (
    DISQUALIFIED_GROUP,
    assign_tiers,
    learn_cuts,
    order_check,
    order_sentence,
    tier_table,
)
from bullseye.strategy.icp import ICP, Condition, Tiers
from bullseye.workspace import Workspace

runner = CliRunner()


# The demo's disqualifier as what it is: small accounts churn more (they do not lose more).
CHURN_EVIDENCE = "  evidence: [{outcome: retention, metric: churn hazard ratio, lift: 4.1}]\n"
# The segment plus the demo's two milder planted win drivers, with sales capacity for tiers A and B.
WIN_DRIVERS = (
    TRUTH_ICP.replace(
        "disqualifiers:",
        """- id: metro
  name: Large metro
  assumption: true
  conditions:
  - {attribute: city, op: in, value: [São Paulo, Sao Paulo, Rio de Janeiro, Belo Horizonte, Porto Alegre, Curitiba, Recife]}
- id: competitor
  name: Tried a competitor
  assumption: true
  conditions:
  - {attribute: tried_competitor, op: "==", value: "yes"}
disqualifiers:""",
    ).replace("  reason: churn 4.1x base\n", "  reason: churn 4.1x base\n" + CHURN_EVIDENCE)
    + "tiers: {a_capacity: 2000, b_capacity: 4000, c_min_score: 50}\n"
)


def icp_from(text: str) -> ICP:
    return ICP.model_validate(yaml.safe_load(text))


@pytest.fixture(scope="module")
def big(tmp_path_factory):
    ws = demo_workspace(tmp_path_factory, 20_000, 0)
    yield ws, build_dataset(ws), json.loads((ws.data_dir / "truth.json").read_text())
    ws.close()


@pytest.fixture(scope="module")
def truth_card(big):
    return ScoreCard(icp_from(TRUTH_ICP)).fit(big[1])


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    ws = demo_workspace(tmp_path_factory, 1_000, 1)
    (ws.strategy_dir / "icp.yaml").write_text(TRUTH_ICP, encoding="utf-8")
    yield ws
    ws.close()


# -- the scores on the planted truth ------------------------------------------------------------
def test_icp_accounts_score_higher_and_calibration_holds(big, truth_card):
    ws, data, truth = big
    scores = score_accounts(ws, frame=data.accounts, card=truth_card)
    inside = scores["account_id"].isin(truth["segment"]["account_ids"]).to_numpy() & ~scores["disqualified"]
    outside = ~scores["account_id"].isin(truth["segment"]["account_ids"]).to_numpy() & ~scores["disqualified"]
    assert scores.loc[inside, "fit_score"].mean() > scores.loc[outside, "fit_score"].mean() + 10
    criterion = truth_card.summary.iloc[0]
    # the planted odds ratio is 2.5: about +26 points, shrunk a little by the L2 penalty
    assert criterion["feature"].startswith("ICP ") and 15 < criterion["points"] < 32
    assert truth_card.ece_ < 0.05
    assert (scores["icp_version"] == icp_from(TRUTH_ICP).content_hash()).all()
    assert list(scores.columns[:3]) == ["account_id", "name", "fit_score"]
    assert scores["fit_score"].between(0, 100).all() and scores["win_probability"].between(0, 1).all()


def test_holdout_win_rate_falls_from_tier_a_to_d(big):
    card = ScoreCard(icp_from(WIN_DRIVERS)).fit(big[1])
    table = card.tier_table_.set_index("tier")
    assert (table.loc[["A", "B", "C", "D"], "deals"] > 100).all()
    assert card.monotone_["win_rate"] is True, table
    assert table.loc["A", "win_rate_low"] > table.loc["D", "win_rate_high"]
    assert card.ece_ < 0.05
    # capacity: 2,000 accounts in A and 4,000 in B among the CRM accounts (ties may add a few)
    tiers = card.score(big[1].accounts)
    assert 2000 <= (tiers["tier"] == "A").sum() <= 2010
    assert 4000 <= (tiers["tier"] == "B").sum() <= 4020


def test_disqualifier_forces_tier_d_with_its_reason(big, truth_card):
    _, data, _ = big
    scores = truth_card.score(data.accounts)
    small = (pd.to_numeric(data.accounts["employees"]) < 50).to_numpy()
    assert np.array_equal(scores["disqualified"].to_numpy(bool), small)
    hit = scores[small]
    assert (hit["tier"] == "D").all() and (hit["disqualified_by"] == "small").all()
    assert hit["reasons"].str.startswith("employees < 50: disqualified (loses more), churn 4.1x base: -").all()
    assert scores.loc[~small, "disqualified_by"].isna().all()
    assert hit["fit_score"].max() > 60  # the score is kept: a disqualified account can fit well otherwise
    icp = icp_from(TRUTH_ICP)
    measured = type(icp.disqualifiers[0]).model_validate(
        icp.disqualifiers[0].model_dump()
        | {"reason": "", "assumption": False, "evidence": [{"outcome": "retention", "metric": "churn", "lift": 4.13}]}
    )
    assert disqualifier_reason(measured) == "employees < 50: disqualified (churns more), churn 4.1x base"


def test_points_add_up_exactly_and_reasons_are_the_largest(big, truth_card):
    _, data, _ = big
    frame = data.accounts.iloc[:500]
    points = truth_card.explain(frame)
    scores = truth_card.score(frame)
    raw = BASE_SCORE + points.sum(axis=1).to_numpy()
    assert np.allclose(scores["fit_score"], np.round(np.clip(raw, 0, 100), 1))
    odds = np.exp(truth_card.base_log_odds_ + (raw - BASE_SCORE) * math.log(2) / POINTS_TO_DOUBLE)
    assert np.allclose(scores["win_probability"], np.round(odds / (1 + odds), 4))
    assert (points["ecom_fleet"] >= 0).all()
    row = int(np.argmax(points["ecom_fleet"].to_numpy() > 0) if (points["ecom_fleet"] > 0).any() else 0)
    reasons = scores["reasons"].iloc[row].split("; ")
    assert reasons[0].startswith("ICP E-commerce with own fleet") and reasons[0].endswith(
        f"+{points['ecom_fleet'].iloc[row]:.0f}"
    )


def test_a_criterion_that_lowers_win_odds_is_dropped_not_negative(big):
    # The demo plants a lower win rate for accounts that never tried a competitor (odds 1 / 1.4).
    icp = icp_from(
        TRUTH_ICP.replace(
            "disqualifiers:",
            """- id: carriers
  name: Never tried a competitor
  assumption: true
  conditions:
  - {attribute: tried_competitor, op: "==", value: "no"}
disqualifiers:""",
        )
    )
    card = ScoreCard(icp, attribute_C=0.01).fit(big[1])
    assert "carriers" in card.dropped_criteria_ and "ecom_fleet" not in card.dropped_criteria_
    assert [f.name for f in card.features_ if f.kind == "criterion"] == ["ecom_fleet"]
    assert (card.summary.loc[card.summary["feature"].str.startswith("ICP "), "points"] > 0).all()


def test_score_one_equals_the_table_row(big, truth_card):
    _, data, _ = big
    rows = data.accounts.sample(60, random_state=1)
    rows = pd.concat(
        [
            rows,
            data.accounts[pd.to_numeric(data.accounts["employees"]) < 50].head(5),
            data.accounts[data.accounts["industry"].isna()].head(5),
        ]
    )
    table = truth_card.score(rows)
    columns = ["account_id", *data.attributes]
    for (_, record), (_, expected) in zip(rows[columns].iterrows(), table.iterrows()):
        got = score_one(truth_card, record.to_dict())
        assert got == {k: v for k, v in expected.to_dict().items() if k != "name"}, (got, expected.to_dict())
    # what an API client would send: strings, other spellings, absent fields
    loose = score_one(
        truth_card, {"industry": " e-commerce", "own_fleet": "Yes", "deliveries_per_day": "450", "employees": 120}
    )
    strict = truth_card.score(
        pd.DataFrame(
            {"industry": ["E-commerce"], "own_fleet": [True], "deliveries_per_day": [450.0], "employees": [120.0]}
        )
    ).iloc[0]
    assert loose["fit_score"] == strict["fit_score"] and loose["reasons"] == strict["reasons"]
    assert loose["reasons"].startswith("ICP E-commerce")


def test_fast_masks_equal_the_definition(big):
    accounts = big[1].accounts
    conditions = [
        Condition(attribute="industry", op="==", value="e-commerce"),
        Condition(attribute="industry", op="not in", value=["Marketplace", "Other"]),
        Condition(attribute="own_fleet", op="==", value="yes"),
        Condition(attribute="own_fleet", op="!=", value=True),
        Condition(attribute="tried_competitor", op="is missing"),
        Condition(attribute="city", op="in", value=["São Paulo", "Recife"]),
        Condition(attribute="tech_stack", op="contains", value="Salesforce"),
        Condition(attribute="employees", op="between", value=[50, 200]),
        Condition(attribute="employees", op="==", value=120),
        Condition(attribute="newsletter_opt_in", op="==", value="no"),
    ]
    cache: dict = {}
    for condition in conditions:
        assert np.array_equal(_condition_mask(condition, accounts, cache), condition.mask(accounts)), condition


def test_new_business_leaves_out_deals_after_the_first_win():
    deals = pd.DataFrame(
        {
            "account_id": ["a", "a", "a", "b", "b"],
            "won": [0, 1, 1, 0, 0],
            "created_at": pd.to_datetime(["2024-01-01", "2024-02-01", "2024-06-01", "2024-01-01", "2024-03-01"]),
            "closed_at": pd.to_datetime(["2024-01-20", "2024-03-01", "2024-07-01", "2024-02-01", "2024-04-01"]),
        }
    )
    assert new_business(deals).index.tolist() == [0, 1, 3, 4]


def test_logistic_fit_matches_statsmodels_on_the_same_design(big):
    sm = pytest.importorskip("statsmodels.api")
    attributes = ["industry", "employees", "own_fleet", "city", "tried_competitor"]
    card = ScoreCard(icp_from(TRUTH_ICP), C=1.0, attribute_C=0.05, attributes=attributes).fit(big[1])
    train = new_business(big[1].deals_in("discovery"))
    X, names = card.design(train)
    y = train["won"].to_numpy(float)
    n = len(y)
    # criterion and disqualifier flags (interaction segments are penalised like attribute levels)
    is_criterion = np.array(["=" not in name and not name.startswith("segment ") for name in names])
    # sklearn minimises C * sum(log loss) + |w|^2 / 2; statsmodels loglike / n + sum(alpha_j w_j^2 / 2)
    alpha = np.r_[0.0, np.where(is_criterion, 1 / (n * card.C), 1 / (n * card.attribute_C_))]
    reference = sm.GLM(y, sm.add_constant(X, has_constant="add"), family=sm.families.Binomial()).fit_regularized(
        method="elastic_net", alpha=alpha, L1_wt=0.0
    )
    coef = np.concatenate([f.coef[1:] if f.is_flag else f.coef for f in card.features_])
    # statsmodels' coordinate descent stops at a gradient of ~1e-5, which leaves up to ~2e-3 on weakly
    # identified levels; the exact-optimum check below is the strict one
    assert np.allclose(coef, reference.params[1:], atol=3e-3)
    assert card.intercept_ == pytest.approx(reference.params[0], abs=2e-3)
    # and the card's solution is the exact optimum: the penalised gradient vanishes
    residual = 1 / (1 + np.exp(-(card.intercept_ + X @ coef))) - y
    assert abs(residual.mean()) < 1e-8 and np.abs(X.T @ residual / n + alpha[1:] * coef).max() < 1e-8
    # points: 20 / ln 2 per unit of log-odds, each attribute centred on its discovery-deal average
    offset = 0
    for f in card.features_:
        width = 1 if f.is_flag else len(f.levels)
        ref = reference.params[1 + offset : 1 + offset + width]
        offset += width
        if f.is_flag:
            assert f.points[1] == pytest.approx(POINTS_TO_DOUBLE / math.log(2) * ref[0], abs=0.1)
        else:
            share = f.deals / f.deals.sum()
            assert np.allclose(f.points, POINTS_TO_DOUBLE / math.log(2) * (ref - share @ ref), atol=0.1)


# -- the command line -----------------------------------------------------------------------------
def test_score_writes_every_account_with_its_version(small, tmp_path):
    out = tmp_path / "scores.csv"
    result = runner.invoke(app, ["score", "--workspace", str(small.root), "--out", str(out), "--top", "5"])
    assert result.exit_code == 0, result.output
    written = pd.read_csv(out)
    assert len(written) == 1000 and written["fit_score"].is_monotonic_decreasing
    assert (written["icp_version"] == icp_from(TRUTH_ICP).content_hash()).all()
    assert "Best 5 of 1,000 accounts" in result.output and "Tiers" in result.output
    parquet = tmp_path / "scores.parquet"
    write_scores(written.sample(frac=1, random_state=0), parquet)
    again = pd.read_parquet(parquet)
    assert again["fit_score"].is_monotonic_decreasing and set(again["account_id"]) == set(written["account_id"])


def test_score_a_file_of_new_companies(small, tmp_path):
    companies = tmp_path / "new companies.csv"
    companies.write_text(
        "Company Name;Sector;Headcount;Deliveries per day;Own Fleet;City\n"
        "Loja Rápida;E-commerce;320;450;Yes;São Paulo\n"
        "Mini Entregas;E-commerce;12;300;yes;Recife\n"
        "Frete Sul;Regional carrier;800;90;no;Curitiba\n",
        encoding="utf-8",
    )
    result = runner.invoke(app, ["score", str(companies), "-w", str(small.root), "--json"])
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    rows = {row["name"]: row for row in body["scores"]}
    assert body["scored"] == 3 and body["icp_version"] == icp_from(TRUTH_ICP).content_hash()
    assert rows["Loja Rápida"]["reasons"].startswith("ICP E-commerce")
    assert rows["Loja Rápida"]["fit_score"] > rows["Frete Sul"]["fit_score"]
    assert rows["Mini Entregas"]["tier"] == "D" and rows["Mini Entregas"]["disqualified_by"] == "small"


def test_score_without_an_icp_points_to_discover(tmp_path):
    ws = Workspace.init(tmp_path / "empty")
    result = runner.invoke(app, ["score", "-w", str(ws.root)])
    assert result.exit_code == 3
    assert "icp.yaml does not exist yet" in result.output and "bullseye discover" in result.output


# -- tiers, expected value and disqualifiers by outcome ------------------------------------------
CHURN_ICP = TRUTH_ICP.replace("  reason: churn 4.1x base\n", "  reason: churn 4.1x base\n" + CHURN_EVIDENCE)


@pytest.fixture(scope="module")
def churn_card(big):
    return ScoreCard(icp_from(CHURN_ICP)).fit(big[1])


def test_learned_cuts_follow_shares_capacity_and_fixed_cuts():
    values = np.arange(1, 1001, dtype=float)
    cuts, notes = learn_cuts(values, Tiers())
    assert cuts == {"A": 901, "B": 701, "C": 401} and notes == []
    tiers = assign_tiers(values, np.zeros(1000, bool), cuts)
    assert [int((tiers == t).sum()) for t in "ABCD"] == [100, 200, 300, 400]
    cuts, _ = learn_cuts(values, Tiers(a_capacity=50))
    assert cuts["A"] == 951 and cuts["B"] == 751  # B takes its share after the 50 A accounts
    cuts, notes = learn_cuts(values, Tiers(a_min_score=2000))
    assert cuts["A"] == 2000 and notes[0].startswith("tier A is empty") and "a_min_score" in notes[0]
    forced = values > 990
    assert (assign_tiers(values, forced, learn_cuts(values, Tiers())[0])[forced] == "D").all()
    with pytest.raises(ValueError, match="less than 1"):
        Tiers(shares=[0.5, 0.3, 0.2])


def test_order_check_names_the_tiers_that_break_it():
    rates = {"A": 0.5, "B": 0.3, "C": 0.2, "D": 0.25, DISQUALIFIED_GROUP: 0.1}
    group = np.repeat(list(rates), 200)
    won = np.concatenate([np.arange(200) < 200 * r for r in rates.values()]).astype(float)
    table = tier_table(group, won, np.full(len(won), 1000.0), np.full(len(won), 0.3))
    check = order_check(table)
    assert check["win_rate"] is False and check["value_per_deal"] is False
    assert [(b["upper"], b["lower"]) for b in check["breaks"]["win_rate"]] == [("C", "D")]
    assert check["breaks"]["win_rate"][0]["within_noise"] is True  # 20% vs 25% of 200: intervals overlap
    sentence = order_sentence(check, "win_rate")
    assert "does NOT fall in order" in sentence and "D (25%) is not below C (20%), within noise" in sentence
    falling = tier_table(
        group,
        np.concatenate([np.arange(200) < 200 * r for r in (0.5, 0.3, 0.2, 0.15, 0.1)]),
        np.full(len(won), 1000.0),
        np.full(len(won), 0.3),
    )
    assert order_check(falling)["win_rate"] is True
    assert (
        order_sentence(order_check(falling), "win_rate")
        == "Holdout win rate falls in order: A > B > C > D > D (disqualified)."
    )
    assert order_check(table.assign(deals=[0, 0, 0, 0, 200]))["win_rate"] is None  # nothing to compare
    unpriced = order_check(tier_table(group, won, np.full(len(won), np.nan), np.full(len(won), 0.3)))
    assert unpriced["value_per_deal"] is None and unpriced["win_rate"] is False
    assert (
        order_sentence(unpriced, "value_per_deal")
        == "Holdout value per deal worked: order not checked (no deal amounts)."
    )


def test_default_tiers_are_quantiles_of_the_scores_and_never_empty(big, churn_card):
    scores = churn_card.score(big[1].accounts)
    share = scores["tier"].value_counts(normalize=True)
    for tier, expected in zip("ABCD", (0.1, 0.2, 0.3, 0.4)):
        assert share[tier] == pytest.approx(expected, abs=0.01)
    table = churn_card.tier_table_.set_index("tier")
    assert (table.loc[list("ABCD"), "deals"] > 100).all() and churn_card.tier_notes_ == []
    assert table.loc["A", "win_rate_low"] > table.loc["D", "win_rate_high"]
    # the words never claim an order the numbers do not have
    rates = table.loc[[t for t in churn_card.order_["groups"]], "win_rate"].to_numpy()
    assert churn_card.monotone_["win_rate"] is bool(np.all(np.diff(rates) < 0))


def test_churn_disqualifier_lowers_expected_value_not_the_odds_or_the_tier(big, churn_card):
    data = big[1]
    without = ScoreCard(icp_from(TRUTH_ICP.split("disqualifiers:")[0])).fit(data)
    scores, plain = churn_card.score(data.accounts), without.score(data.accounts)
    small = (pd.to_numeric(data.accounts["employees"]) < 50).to_numpy()
    assert np.array_equal(scores["disqualified"].to_numpy(bool), small)
    assert np.array_equal(scores["win_probability"], plain["win_probability"])  # it does not pretend they won't buy
    assert np.array_equal(scores["tier"], plain["tier"]) and (scores.loc[small, "tier"] == "A").any()
    effect = churn_card.disqualifier_effects_[0]
    assert effect["outcome"] == "retention" and not effect["forces_tier_d"] and effect["measured"]
    life, rest = churn_card.value_.lifetimes_[0].lifetime, churn_card.value_.lifetimes_[-1].lifetime
    assert life.high < rest.value  # the planted churn hazard ratio of 4.1 shows in the lifetime
    ratio = (scores["expected_value"] / scores["win_probability"]).to_numpy()
    assert np.allclose(ratio[small] / ratio[~small].mean(), life.value / rest.value, rtol=2e-3)
    assert (scores["expected_value_low"] <= scores["expected_value"]).all()
    assert (scores["expected_value"] <= scores["expected_value_high"]).all()
    assert (
        scores.loc[small, "reasons"]
        .str.startswith(
            f"employees < 50: disqualified (churns more), churn 4.1x base: expected lifetime {life.value:.1f} vs"
        )
        .all()
    )
    assert churn_card.tier_table_.set_index("tier").loc[DISQUALIFIED_GROUP, "deals"] == 0


def test_tiers_can_be_cut_on_expected_value(big):
    card = ScoreCard(icp_from(CHURN_ICP + "tiers: {basis: expected_value}\n"), attribute_C=0.05).fit(big[1])
    scores = card.score(big[1].accounts)
    assert card.tier_basis_ == "expected_value"
    best = scores.groupby("tier")["expected_value"].agg(["min", "max"])
    assert best.loc["A", "min"] >= best.loc["B", "max"] and best.loc["B", "min"] >= best.loc["C", "max"]
    small = (pd.to_numeric(big[1].accounts["employees"]) < 50).to_numpy()
    # churning more, the small accounts fall down the tiers without being forced to D
    assert (scores.loc[small, "tier"] == "A").mean() < (scores.loc[~small, "tier"] == "A").mean()


def test_loss_disqualifier_lowers_p_win_and_puts_the_account_in_d(big):
    icp = icp_from(
        TRUTH_ICP.replace(
            "disqualifiers:\n",
            """disqualifiers:
- id: carriers
  name: Carriers and others
  assumption: true
  conditions:
  - {attribute: industry, op: in, value: [Regional carrier, Other]}
""",
        )
    )
    card = ScoreCard(icp).fit(big[1])
    effect = next(e for e in card.disqualifier_effects_ if e["id"] == "carriers")
    assert effect["outcome"] == "win" and effect["forces_tier_d"] and effect["points"] < 0
    scores = card.score(big[1].accounts)
    hit = scores["disqualified_by"].eq("carriers").to_numpy()
    assert (scores.loc[hit, "tier"] == "D").all()
    assert (
        scores.loc[hit, "reasons"]
        .str.startswith("industry in Regional carrier, Other: disqualified (loses more), an assumption: -")
        .all()
    )
    table = card.tier_table_.set_index("tier")
    assert table.loc[DISQUALIFIED_GROUP, "deals"] > 100
    assert table.loc[DISQUALIFIED_GROUP, "win_rate"] < table.loc["A", "win_rate"]


def test_score_says_how_tiers_were_cut_their_order_and_what_disqualifiers_did(small):
    result = runner.invoke(app, ["score", "--workspace", str(small.root), "--top", "3"])
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    assert "Tiers cut on the fit score: A >=" in text and "(best 10%)" in text
    assert "Holdout win rate falls in order" in text or "Holdout win rate does NOT fall in order" in text
    assert "Disqualifier 'small' (loses more):" in text and "Exp. value" in text
    body = json.loads(runner.invoke(app, ["score", "-w", str(small.root), "--json", "--top", "3"]).stdout)
    assert body["tiering"]["basis"] == "fit_score" and body["tiering"]["shares"] == [0.1, 0.2, 0.3]
    assert set(body["holdout"]["order"]["breaks"]) <= {"win_rate", "value_per_deal"}
    assert body["disqualifiers"][0]["id"] == "small" and body["disqualifiers"][0]["outcome"] == "win"
    row = body["scores"][0]
    assert row["expected_value_low"] <= row["expected_value"] <= row["expected_value_high"]
    assert all(body["tier_counts"][t] > 0 for t in "ABCD")


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(5))
def test_tiers_on_five_demo_seeds_are_full_and_their_order_is_said_truthfully(tmp_path_factory, seed):
    ws = demo_workspace(tmp_path_factory, 5_000, seed)
    data = build_dataset(ws)
    card = ScoreCard(icp_from(CHURN_ICP)).fit(data)
    ws.close()
    scores = card.score(data.accounts)
    assert all((scores["tier"] == t).any() for t in "ABCD")
    table = card.tier_table_.set_index("tier")
    print(
        f"seed {seed}:",
        {t: f"{table.loc[t, 'win_rate']:.0%} of {table.loc[t, 'deals']}" for t in "ABCD"},
        order_sentence(card.order_, "win_rate"),
        order_sentence(card.order_, "value_per_deal"),
    )
    assert table.loc["A", "win_rate"] > table.loc["D", "win_rate"]
    for key in ("win_rate", "value_per_deal"):
        values = table.loc[card.order_["groups"], key].to_numpy()
        assert card.monotone_[key] is bool(np.all(np.diff(values) < 0))
        named = {(b["upper"], b["lower"]) for b in card.order_["breaks"][key]}
        assert named == {
            (u, lo)
            for u, lo, a, b in zip(card.order_["groups"], card.order_["groups"][1:], values, values[1:])
            if b >= a
        }
