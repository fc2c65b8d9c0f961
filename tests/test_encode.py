"""Encoding attributes as selectors: labels, bands, packed bits and atom partitions."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from bullseye.discover.bitsets import (
    MAX_ATOMS,
    build_partitions,
    pack_bits,
    split_partition,
    unpack_bits,
)
from bullseye.discover.encode import Selector, encode


def frame(n: int = 3000, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    dpd = np.round(np.exp(rng.normal(np.log(120), 0.8, n)))
    dpd[rng.random(n) < 0.1] = np.nan
    stacks = [
        list(rng.choice(["SAP", "Salesforce", "HubSpot", "Shopify", "Oracle"], rng.integers(0, 4), replace=False))
        for _ in range(n)
    ]
    stacks[0] = None
    return pd.DataFrame(
        {
            "industry": rng.choice(["E-commerce", "Retail", "Pharma", None], n, p=[0.3, 0.4, 0.25, 0.05]),
            "country": rng.choice([f"C{i}" for i in range(40)], n),
            "own_fleet": rng.random(n) < 0.4,
            "employees": np.round(np.exp(rng.normal(np.log(150), 1.2, n))),
            "revenue": np.exp(rng.normal(np.log(2e7), 1.5, n)),
            "deliveries_per_day": dpd,
            "funding": np.where(rng.random(n) < 0.5, 0.0, np.exp(rng.normal(15, 1, n))),
            "seats": rng.integers(1, 4, n),
            "tech_stack": stacks,
            "created_at": pd.date_range("2024-01-01", periods=n, freq="h"),
        }
    )


def labels(encoded, attribute: str) -> list[str]:
    return [s.label for s in encoded.selectors if s.attribute == attribute]


def test_bits_match_masks_and_masks_reapply_to_new_rows():
    data = frame()
    encoded = encode(data)
    assert encoded.bits.dtype == np.uint64 and encoded.bits.shape == (len(encoded.selectors), (len(data) + 63) // 64)
    for i, selector in enumerate(encoded.selectors):
        mask = selector.mask(data)
        assert np.array_equal(encoded.mask(i), mask), selector.label
        assert encoded.counts[i] == mask.sum() and 0 < mask.sum() < len(data)
    # the same selectors on other rows (a holdout) give the rows that satisfy them there
    other = frame(500, seed=1)
    for selector in encoded.selectors:
        mask = selector.mask(other)
        assert mask.shape == (500,) and mask.dtype == bool
    s = next(s for s in encoded.selectors if s.label == "industry = Retail")
    assert np.array_equal(s.mask(other), (other["industry"] == "Retail").to_numpy())


def test_categorical_values_rare_pool_and_missing():
    data = frame()
    encoded = encode(data, ["industry", "country"], max_values=10)
    assert set(labels(encoded, "industry")) == {
        "industry = E-commerce",
        "industry = Retail",
        "industry = Pharma",
        "industry is missing",
    }
    country = labels(encoded, "country")
    assert len(country) == 11 and country[-1] == "country in {30 other values}"
    pooled = encoded.selectors[encoded.attribute_index.tolist().index(1) + 10]
    assert pooled.op == "in" and len(pooled.value) == 30
    assert pooled.mask(data).sum() == data["country"].isin(pooled.value).sum()
    # the kept values are the most frequent ones
    top = data["country"].value_counts()
    kept = [s.value for s in encoded.selectors if s.attribute == "country" and s.op == "=="]
    assert min(top[kept]) >= max(top.drop(kept))


def test_fixed_bands_for_employees_and_revenue():
    encoded = encode(frame(), ["employees", "revenue"])
    emp = labels(encoded, "employees")
    for label in (
        "employees 1-10",
        "employees 11-50",
        "employees 51-200",
        "employees 201-1000",
        "employees 1001-5000",
        "employees <= 50",
        "employees > 50",
    ):
        assert label in emp
    s = next(s for s in encoded.selectors if s.label == "employees 51-200")
    assert s.op == "range" and s.value == (50, 200, "right")
    x = pd.DataFrame({"employees": [50, 51, 200, 201, np.nan]})
    assert s.mask(x).tolist() == [False, True, True, False, False]
    rev = labels(encoded, "revenue")
    for label in (
        "revenue <1M",
        "revenue 1-10M",
        "revenue 10-50M",
        "revenue 100M-1B",
        "revenue >= 10M",
        "revenue < 10M",
    ):
        assert label in rev


def test_data_driven_bands_have_round_cuts_thresholds_and_intervals():
    data = frame(20000)
    encoded = encode(data, ["deliveries_per_day"])
    dpd = labels(encoded, "deliveries_per_day")
    assert "deliveries_per_day >= 200" in dpd and "deliveries_per_day < 200" in dpd
    assert any(" <= deliveries_per_day < " in label for label in dpd)
    assert "deliveries_per_day is missing" in dpd
    assert len(dpd) <= 15
    cuts = sorted({s.value for s in encoded.selectors if s.op == ">="})
    q = np.nanquantile(data["deliveries_per_day"], [0.2, 0.4, 0.6, 0.8])
    assert 3 <= len(cuts) <= 5
    for c in cuts:  # two significant figures at most, and inside the data
        assert float(f"{c:.2g}") == c and np.nanmin(data["deliveries_per_day"]) < c
    # every quartile cut is near a cut point (rounded or snapped to a round number)
    assert all(min(abs(np.log(c / v)) for c in cuts) < np.log(1.3) for v in q)


def test_zero_inflated_and_few_valued_numbers():
    encoded = encode(frame(), ["funding", "seats"])
    funding = labels(encoded, "funding")
    assert funding[:2] == ["funding = 0", "funding > 0"]
    assert labels(encoded, "seats") == ["seats = 1", "seats = 2", "seats = 3"]


def test_list_columns_contains_and_missing():
    data = frame()
    encoded = encode(data, ["tech_stack"])
    tech = labels(encoded, "tech_stack")
    assert "tech_stack contains SAP" in tech and "tech_stack is missing" in tech
    s = next(s for s in encoded.selectors if s.label == "tech_stack contains SAP")
    expected = np.array([c is not None and "SAP" in c for c in data["tech_stack"]])
    assert np.array_equal(s.mask(data), expected)
    arrow = data[["tech_stack"]].astype(pd.ArrowDtype(pa.list_(pa.string())))
    assert np.array_equal(s.mask(arrow), expected)
    assert labels(encode(arrow), "tech_stack") == tech


def test_skips_dates_and_constants_and_respects_min_count():
    data = frame()
    data["constant"] = "same"
    encoded = encode(data, min_count=200)
    assert "created_at" in encoded.skipped and "constant" in encoded.skipped
    assert "created_at" not in encoded.attributes
    assert (encoded.counts >= 200).all()
    with pytest.raises(KeyError, match="no column 'nope'"):
        encode(data, ["nope"])


def test_partitions_reproduce_every_selector():
    data = frame()
    encoded = encode(data)
    assert sorted(np.concatenate([p.selectors for p in encoded.partitions]).tolist()) == list(
        range(len(encoded.selectors))
    )
    for part in encoded.partitions:
        assert part.n_atoms <= MAX_ATOMS
        for j, sel in enumerate(part.selectors):
            assert np.array_equal(part.members[j, part.codes], encoded.mask(sel))
    derived = build_partitions(encoded)
    for a, b in zip(encoded.partitions, derived):
        assert np.array_equal(a.members[:, a.codes], b.members[:, b.codes])
    left, right = split_partition(max(encoded.partitions, key=lambda p: len(p.selectors)))
    for half in (left, right):
        for j, sel in enumerate(half.selectors):
            assert np.array_equal(half.members[j, half.codes], encoded.mask(sel))


def test_restrict_and_pack_round_trip():
    rng = np.random.default_rng(3)
    masks = rng.random((5, 131)) < 0.3
    assert np.array_equal(unpack_bits(pack_bits(masks), 131), masks)
    data = frame()
    encoded = encode(data)
    rows = rng.random(len(data)) < 0.3
    sub = encoded.restrict(rows)
    assert sub.n_rows == rows.sum()
    for i, selector in enumerate(encoded.selectors[:40]):
        assert np.array_equal(sub.mask(i), selector.mask(data)[rows])
    for part in sub.partitions:
        assert len(part.codes) == rows.sum()


def test_selector_ops():
    x = pd.DataFrame({"v": [1.0, 2.0, np.nan, 5.0], "c": ["a", None, "b", "a"]})
    assert Selector("v", "<", 2.0).mask(x).tolist() == [True, False, False, False]
    assert Selector("v", ">=", 2.0).mask(x).tolist() == [False, True, False, True]
    assert Selector("v", "range", (1.0, 5.0, "left")).mask(x).tolist() == [True, True, False, False]
    assert Selector("v", "missing").mask(x).tolist() == [False, False, True, False]
    assert Selector("c", "in", ("a", "b")).mask(x).tolist() == [True, False, True, True]
    with pytest.raises(ValueError, match="unknown selector op"):
        Selector("v", "~", 1).mask(x)
