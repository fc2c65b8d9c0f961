"""Matching 1,000,000 universe companies to 100,000 CRM accounts.

Target on a 2-core machine: <= 30 s. Baseline in the same run: a plain pandas merge on the exact
company name (what a spreadsheet VLOOKUP does). Both are scored against the planted truth.

The data is synthetic and seeded: names built from syllables (so different companies share a
name now and then, in different cities), 30% of the accounts also in the universe under a
perturbed name (legal suffixes, upper case, accents dropped) and domain (www., https://.../,
.com <-> .com.br, a shop. subdomain, blank), free-mail domains on both sides, and duplicate CRM
records. Each phase runs in its own process so that its peak memory is its own.

    python bench/bench_match.py [--universe 1000000] [--accounts 100000]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from phases import run_phase  # noqa: E402

SYLLABLES = np.array(
    [
        "ro",
        "ta",
        "ve",
        "lo",
        "mar",
        "sol",
        "lu",
        "za",
        "ca",
        "pe",
        "ri",
        "no",
        "via",
        "flu",
        "xo",
        "gi",
        "ra",
        "bel",
        "tu",
        "ca",
        "são",
        "ção",
        "lé",
        "ma",
        "ni",
        "ko",
        "dex",
        "tri",
        "vo",
        "quo",
        "pra",
        "ne",
        "su",
        "li",
        "ber",
        "ton",
        "fy",
        "ly",
        "go",
        "up",
    ],
    dtype=object,
)
WORDS = np.array(
    [
        "Express",
        "Logística",
        "Transportes",
        "Commerce",
        "Store",
        "Shop",
        "Delivery",
        "Cargo",
        "Labs",
        "Distribuidora",
        "Log",
        "Online",
        "Market",
        "Varejo",
        "Digital",
        "Group",
        "Comércio",
        "Systems",
        "Foods",
        "Health",
        "Capital",
        "Energia",
        "Construções",
        "Software",
        "Tech",
        "Serviços",
        "Partners",
        "Consulting",
        "Motors",
        "Media",
        "Studio",
        "Farma",
        "Educação",
        "Imóveis",
        "Seguros",
        "Têxtil",
        "Mineração",
        "Agro",
        "Solar",
        "Design",
    ],
    dtype=object,
)
CITIES = np.array([f"Cidade {i}" for i in range(300)], dtype=object)
REGIONS = np.array(["SP", "RJ", "MG", "RS", "PR", "SC", "BA", "PE", "CE", "GO"], dtype=object)
LEGAL = np.array([" Ltda", " LTDA", " Ltda.", " S.A.", " S/A", " ME", " EIRELI", " Inc.", " LLC"], dtype=object)
TLDS = np.array([".com", ".com.br", ".io", ".co.uk"], dtype=object)
FREE = np.array(["gmail.com", "hotmail.com", "yahoo.com.br", "outlook.com"], dtype=object)


def other_spellings(rng: np.random.Generator, name: pd.Series, dom: pd.Series) -> tuple[pd.Series, pd.Series]:
    """How a data provider lists a CRM company: a legal suffix, upper case or accents dropped in the
    name; www., https://.../contato, .com <-> .com.br, a shop. subdomain or nothing for the domain."""
    m = len(name)
    r = rng.random(m)
    name = name.where(r >= 0.35, name + LEGAL[rng.integers(0, len(LEGAL), m)])
    name = name.where((r < 0.35) | (r >= 0.50), name.str.upper())
    name = name.where(
        (r < 0.50) | (r >= 0.60), name.str.normalize("NFKD").str.encode("ascii", "ignore").str.decode("ascii")
    )
    r = rng.random(m)
    swapped = dom.str.replace(".com.br", ".TMP", regex=False).str.replace(".com", ".com.br", regex=False)
    dom = dom.where(r >= 0.30, "www." + dom)
    dom = dom.where((r < 0.30) | (r >= 0.40), "https://www." + dom + "/contato")
    dom = dom.where((r < 0.40) | (r >= 0.50), swapped.str.replace(".TMP", ".com", regex=False))
    dom = dom.where((r < 0.50) | (r >= 0.55), "shop." + dom)
    dom = dom.where((r < 0.55) | (r >= 0.62), "")
    return name, dom


def _pick(rng, options, n, p=None):
    return options[rng.choice(len(options), size=n, p=p)]


def _companies(rng: np.random.Generator, n: int) -> pd.DataFrame:
    """``n`` companies: name, domain, city, region, country (names repeat now and then; domains do not)."""
    k = rng.integers(2, 4, n)
    stem = pd.Series(_pick(rng, SYLLABLES, n)) + _pick(rng, SYLLABLES, n)
    stem = stem + np.where(k == 3, _pick(rng, SYLLABLES, n), "")
    name = stem.str.capitalize() + " " + _pick(rng, WORDS, n)
    slug = name.str.normalize("NFKD").str.encode("ascii", "ignore").str.decode("ascii").str.lower()
    slug = slug.str.replace(r"[^a-z0-9]+", "", regex=True)
    slug = slug + np.where(slug.duplicated(), pd.Series(np.arange(n)).astype(str), "")
    city_idx = rng.integers(0, len(CITIES), n)
    return pd.DataFrame(
        {
            "name": name,
            "domain": slug + _pick(rng, TLDS, n, p=[0.6, 0.2, 0.1, 0.1]),
            "city": CITIES[city_idx],
            "region": REGIONS[city_idx % len(REGIONS)],
            "country": "Brazil",
        }
    )


def generate(root: Path, n_universe: int, n_accounts: int, seed: int = 0) -> None:
    rng = np.random.default_rng(seed)
    n_shared = int(0.3 * n_accounts)
    firms = _companies(rng, n_accounts + n_universe - n_shared)
    accounts = firms.iloc[:n_accounts].reset_index(drop=True)
    accounts.insert(0, "account_id", "A" + pd.Series(np.arange(n_accounts)).astype(str))
    # CRM quirks: blank and free-mail domains, and 1% duplicate records of the same company.
    r = rng.random(n_accounts)
    accounts["domain"] = (
        accounts["domain"]
        .where(r >= 0.05, "")
        .where((r < 0.05) | (r >= 0.08), "contato@" + _pick(rng, FREE, n_accounts))
    )
    dup = accounts.sample(frac=0.01, random_state=seed).assign(account_id=lambda f: "D" + f["account_id"].str[1:])
    accounts = pd.concat([accounts, dup], ignore_index=True)

    shared = rng.choice(n_accounts, n_shared, replace=False)
    crm = firms.iloc[shared].reset_index(drop=True)
    name, dom = other_spellings(rng, crm["name"], crm["domain"])
    universe = pd.concat(
        [
            crm.assign(name=name, domain=dom, truth="A" + pd.Series(shared).astype(str)),
            firms.iloc[n_accounts:].assign(truth=None),
        ],
        ignore_index=True,
    )
    universe = universe.iloc[rng.permutation(len(universe))].reset_index(drop=True)
    universe.insert(0, "company_id", "U" + pd.Series(np.arange(len(universe))).astype(str))
    universe.to_parquet(root / "universe.parquet")
    accounts.to_parquet(root / "accounts.parquet")


def _quality(pairs: pd.DataFrame, universe: pd.DataFrame) -> dict:
    truth = universe.set_index("company_id")["truth"]
    found = pairs.drop_duplicates("company_id")
    right = (truth.reindex(found["company_id"]).to_numpy() == found["account_id"].to_numpy()).sum()
    return {
        "matched": int(len(found)),
        "precision": right / max(len(found), 1),
        "recall": right / int(truth.notna().sum()),
    }


def phase(name: str, root: Path, out: Path) -> None:
    universe, accounts = pd.read_parquet(root / "universe.parquet"), pd.read_parquet(root / "accounts.parquet")
    columns = ["company_id", "name", "domain", "city", "region", "country"]
    start, cpu = time.perf_counter(), time.process_time()
    if name == "baseline":
        pairs = universe[["company_id", "name"]].merge(accounts[["account_id", "name"]], on="name")
        # A name shared by several companies gives several rows: keep only names that join once.
        pairs = pairs[~pairs["company_id"].duplicated(keep=False)]
        extra = {}
    else:
        from bullseye.market.matching import match_companies

        result = match_companies(universe[columns], accounts)
        pairs = result.matches
        extra = {"summary": result.summary, "sure": _quality(pairs[pairs["confidence"] >= 0.8], universe)}
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    out.write_text(json.dumps({"seconds": seconds, "cpu": cpu, **_quality(pairs, universe), **extra}, default=str))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--universe", type=int, default=1_000_000)
    parser.add_argument("--accounts", type=int, default=100_000)
    parser.add_argument("--phase")
    parser.add_argument("--root", type=Path)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    if args.phase:
        phase(args.phase, args.root, args.out)
        return
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        start = time.perf_counter()
        generate(root, args.universe, args.accounts)
        made = time.perf_counter() - start
        base = run_phase(__file__, "baseline", root, [])
        ours = run_phase(__file__, "bullseye", root, [])
    s = ours["summary"]
    print(
        f"Matching benchmark: {args.universe:,} universe companies vs {args.accounts:,} accounts "
        f"(+1% duplicate records; data generated in {made:.1f} s)"
    )
    for label, r in (
        ("baseline  exact-name pandas merge     ", base),
        ("bullseye  domain, name, location      ", ours),
    ):
        print(
            f"  {label}{r['seconds']:6.1f} s ({r['cpu']:.1f} s CPU)  peak {r['peak_mb']:,.0f} MB  "
            f"matched {r['matched']:,}  "
            f"precision {r['precision']:.4f}  recall {r['recall']:.4f}"
        )
    sure = ours["sure"]
    print(
        f"  bullseye matches with confidence >= 0.8: {sure['matched']:,}  precision {sure['precision']:.4f}  "
        f"recall {sure['recall']:.4f}"
    )
    print(
        f"  target <= 30 s; by method {s['matched_by_method']}; ambiguous {s['ambiguous']:,}; "
        f"unmatched {s['unmatched']:,}; reconciles {s['reconciles']}"
    )


if __name__ == "__main__":
    main()
