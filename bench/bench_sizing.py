"""Market sizing over a large market: 5,000,000 universe companies against a 100,000-account CRM,
then why-now ranking over 20,000,000 events of the same companies.

Target on a 2-core machine (issue 5): sizing and signal ranking over a 5,000,000-company universe
with 20,000,000 events <= 30 s, peak memory <= 4 GB. Sizing is ``size_market``: the audience
waterfall, the ICP and its disqualifiers, the CRM match ("already in the CRM", "already
customers"), TAM/SAM/SOM from the CRM's deals and the whitespace scored by the scorecard. The
scorecard is fitted on the same CRM (``bullseye size`` does the same) and timed apart.

Baseline in the same run: a plain DuckDB count of the same waterfall filters over the same
warehouse table (the provider's industry labels translated with a join), with no matching, no
money and no scores; its counts must equal Bullseye's.

Data (seeded numpy): the CRM is the demo company at 100,000 accounts (accounts, deals,
subscriptions, loaded with ``bullseye load``). The universe has provider-style industry labels
(mapped through ``strategy/industries.yaml``), Latin American countries, regions and cities,
employees, revenue, founding year, technologies, own fleet and deliveries a day, with many blanks;
30% of the accounts are in it under perturbed names (legal suffix, upper case, accents dropped)
and domains (``www.``, ``https://.../contato``, ``.com`` <-> ``.com.br``, ``shop.``, blank), 3% of
those twice (ambiguous matches), and 1% of the other companies have no name. The
first 1,000 universe rows go through the loader (which sets the table's types); the rest are
appended to the same table from Parquet, because loading is not what is measured here. The
events are bench_signals' generator over the same company ids. Each phase runs in its own process
so that its peak memory is its own.

    python bench/bench_sizing.py [--companies 5000000] [--accounts 100000] [--events 20000000] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import unicodedata
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_match import SYLLABLES, WORDS, other_spellings  # noqa: E402
from bench_signals import AS_OF, SIGNALS, _ids, write_events  # noqa: E402
from phases import bench_root, phase_parser, run_phase  # noqa: E402

HEAD_ROWS = 1000
AUDIENCE = """id: audience
name: Delivery-heavy companies in Latin America
criteria:
- id: latam
  name: Operates in Brazil, Mexico or Chile
  kind: geography
  conditions: [{attribute: country, op: in, value: [Brazil, Mexico, Chile]}]
- id: segments
  name: Moves physical goods
  kind: segment
  conditions: [{attribute: industry, op: in, value: [E-commerce, Regional carrier, Urban delivery franchise,
                                                     Marketplace, Omnichannel retail]}]
- id: size
  name: 10 or more employees
  kind: size
  keep_unknown: true
  conditions: [{attribute: employees, op: ">=", value: 10}]
- id: revenue
  name: Revenue under 500M
  kind: revenue
  keep_unknown: true
  conditions: [{attribute: revenue, op: "<", value: 500000000}]
"""
ICP = (
    """id: icp
name: Benchmark ICP
criteria:
- id: ecom_fleet
  name: E-commerce with own fleet and 200+ deliveries a day
  assumption: true
  conditions:
  - {attribute: industry, op: "==", value: E-commerce}
  - {attribute: own_fleet, op: "==", value: "yes"}
  - {attribute: deliveries_per_day, op: ">=", value: 200}
- id: big_carrier
  name: Regional carriers with 100+ employees
  assumption: true
  conditions:
  - {attribute: industry, op: "==", value: Regional carrier}
  - {attribute: employees, op: ">=", value: 100}
disqualifiers:
- id: small
  name: Under 50 employees
  assumption: true
  reason: churn is much higher under 50 employees
  conditions:
  - {attribute: employees, op: "<", value: 50}
"""
    + SIGNALS
)
# The same waterfall written by hand in SQL: the baseline, and a check on Bullseye's counts.
BASELINE_SQL = """
WITH u AS (SELECT u.*, coalesce(m.segment, u.industry) AS segment
           FROM universe u LEFT JOIN labels m ON u.industry = m.label),
f AS (SELECT country IN ('Brazil', 'Mexico', 'Chile') AS geo,
             segment IN ('E-commerce', 'Regional carrier', 'Urban delivery franchise', 'Marketplace',
                         'Omnichannel retail') AS seg,
             coalesce(employees >= 10, true) AS size, coalesce(revenue < 500000000, true) AS rev,
             coalesce((segment = 'E-commerce' AND own_fleet AND deliveries_per_day >= 200)
                      OR (segment = 'Regional carrier' AND employees >= 100), false) AS meets,
             coalesce(employees < 50, false) AS small
      FROM u)
SELECT count(*) AS universe, count(*) FILTER (geo) AS geo, count(*) FILTER (geo AND seg) AS seg,
       count(*) FILTER (geo AND seg AND size) AS size, count(*) FILTER (geo AND seg AND size AND rev) AS audience,
       count(*) FILTER (geo AND seg AND size AND rev AND meets) AS meets,
       count(*) FILTER (geo AND seg AND size AND rev AND meets AND NOT small) AS fit
FROM f
"""
BASELINE_STEPS = {
    "universe": "Universe",
    "geo": "Operates in Brazil, Mexico or Chile",
    "seg": "Moves physical goods",
    "size": "10 or more employees",
    "audience": "Target audience",
    "meets": "Meets an ICP criterion",
    "fit": "ICP fit (no disqualifier)",
}
TECH = [
    "Google Sheets",
    "Microsoft Excel",
    "Salesforce",
    "HubSpot",
    "VTEX",
    "Shopify",
    "Nuvemshop",
    "Power BI",
    "Zendesk",
    "Totvs Protheus",
    "WhatsApp Business",
    "SAP",
]
TLDS = [".com.br", ".com", ".com.mx", ".cl", ".io"]
FREE_TEXT_INDUSTRIES = ["Mining & Metals", "Legal Services", "Apparel & Fashion", "Hospitality", "Telecommunications"]


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()


def _take(values: list, index: np.ndarray) -> pa.Array:
    return pa.array(values, type=pa.string()).take(pa.array(index))


def _blank(rng: np.random.Generator, array: pa.Array, share: float) -> pa.Array:
    return pc.if_else(pa.array(rng.random(len(array)) < share), pa.scalar(None, array.type), array)


def _new_companies(rng: np.random.Generator, n: int, offset: int) -> dict[str, pa.Array]:
    """``n`` synthetic provider rows (names from syllables, so names repeat now and then)."""
    from bullseye.demo.market import ABROAD, CITIES, INDUSTRY_SPECS

    syllables, words = list(SYLLABLES), list(WORDS)
    count = rng.choice([2, 3, 4], n, p=[0.3, 0.4, 0.3])
    parts = [rng.integers(0, len(syllables), n) for _ in range(4)]
    empty = len(syllables)  # index of "" appended below
    parts[2] = np.where(count >= 3, parts[2], empty)
    parts[3] = np.where(count >= 4, parts[3], empty)
    word = rng.integers(0, len(words), n)
    stem = pc.binary_join_element_wise(*[_take([*syllables, ""], p) for p in parts], "")
    name = pc.binary_join_element_wise(pc.utf8_capitalize(stem), _take(words, word), " ")
    slug = pc.binary_join_element_wise(
        *[_take([*map(_ascii, syllables), ""], p) for p in parts], _take([_ascii(w) for w in words], word), ""
    )
    # Domains are unique: a slug met before gets the row number.
    seen = pd.Series(slug.to_numpy(zero_copy_only=False)).duplicated().to_numpy()
    slug = pc.if_else(
        pa.array(seen), pc.binary_join_element_wise(slug, pa.array((np.arange(n) + offset).astype(str)), ""), slug
    )
    domain = pc.binary_join_element_wise(
        slug, _take(TLDS, rng.choice(len(TLDS), n, p=[0.55, 0.3, 0.07, 0.05, 0.03])), ""
    )

    specs = [*INDUSTRY_SPECS]
    labels = [label for spec in specs for label in spec[1]] + FREE_TEXT_INDUSTRIES
    share = np.array([spec[3] / len(spec[1]) for spec in specs for _ in spec[1]] + [0.02] * len(FREE_TEXT_INDUSTRIES))
    label = rng.choice(len(labels), n, p=share / share.sum())
    spec_of = np.array(
        [i for i, spec in enumerate(specs) for _ in spec[1]] + [len(specs) - 1] * len(FREE_TEXT_INDUSTRIES)
    )
    fleet_p = np.array([spec[4] for spec in specs])[spec_of[label]]
    dpd_median = np.array([spec[5] for spec in specs], dtype=float)[spec_of[label]]

    places = [(c[0], c[1], "Brazil") for c in CITIES] + list(ABROAD)
    weight = np.array([c[2] for c in CITIES] + [0.04] * len(ABROAD))
    place = rng.choice(len(places), n, p=weight / weight.sum())
    employees = np.clip(np.round(np.exp(rng.normal(np.log(40), 1.3, n))), 1, 100_000).astype(np.int64)
    revenue = np.round(employees * np.exp(rng.normal(np.log(120_000), 0.6, n)), -3)
    dpd = np.maximum(1, np.round(dpd_median * (employees / 80) ** 0.4 * np.exp(rng.normal(0, 0.6, n)))).astype(np.int64)
    stack_size = rng.integers(1, 4, n)
    picks = rng.integers(0, len(TECH), (n, 3))
    flat = picks[np.arange(3)[None, :] < stack_size[:, None]]
    tech = pa.ListArray.from_arrays(
        pa.array(np.concatenate([[0], np.cumsum(stack_size)]).astype(np.int32)), _take(TECH, flat)
    )
    return {
        "name": _blank(rng, name, 0.01),
        "domain": _blank(rng, domain, 0.2),
        "industry": _blank(rng, _take(labels, label), 0.1),
        "country": _blank(rng, _take([p[2] for p in places], place), 0.05),
        "region": _blank(rng, _take([p[1] for p in places], place), 0.1),
        "city": _blank(rng, _take([p[0] for p in places], place), 0.05),
        "employees": _blank(rng, pa.array(employees), 0.2),
        "revenue": _blank(rng, pa.array(revenue), 0.35),
        "founded_year": _blank(rng, pa.array(rng.integers(1950, 2024, n)), 0.3),
        "tech_stack": _blank(rng, tech, 0.7),
        "deliveries_per_day": _blank(rng, pa.array(dpd), 0.6),
        "own_fleet": _blank(rng, pa.array(rng.random(n) < fleet_p), 0.55),
    }


def _perturbed_accounts(rng: np.random.Generator, accounts: pd.DataFrame, label_map: dict[str, str]) -> dict:
    """Accounts as a data provider lists them: other spellings of the name and the domain."""
    name, dom = other_spellings(rng, accounts["Company Name"], accounts["Domain"])
    by_segment: dict[str, list[str]] = {}
    for label, segment in label_map.items():
        by_segment.setdefault(segment, []).append(label)
    label = [rng.choice(by_segment[s]) if s in by_segment else s for s in accounts["Industry"]]

    def numbers(column: str) -> pa.Array:
        return pa.array(pd.to_numeric(accounts[column].str.replace(",", ""), errors="coerce").astype("Int64"))

    def text(values) -> pa.Array:
        return pa.array(pd.Series(values, dtype=object).replace("", None), type=pa.string())

    stack = accounts["Tech Stack"].map(lambda s: [t.strip() for t in s.split(";") if t.strip()] or None if s else None)
    fleet = accounts["own_fleet"].map({"yes": True, "no": False})
    return {
        "name": text(name),
        "domain": text(dom),
        "industry": text(label),
        "country": text(accounts["Country"]),
        "region": text(accounts["State"]),
        "city": text(accounts["City"]),
        "employees": numbers("Employees"),
        "revenue": pa.array(pd.to_numeric(accounts["Annual Revenue"].str.replace(",", ""), errors="coerce")),
        "founded_year": numbers("Founded Year"),
        "tech_stack": pa.array(stack, type=pa.list_(pa.string())),
        "deliveries_per_day": numbers("deliveries_per_day"),
        "own_fleet": pa.array(fleet, type=pa.bool_()),
    }


def write_universe(root: Path, n: int, accounts: pd.DataFrame, label_map: dict[str, str], seed: int = 0) -> int:
    """universe.parquet: ``n`` companies, 30% of the accounts among them; returns how many are planted."""
    import pyarrow.parquet as pq

    rng = np.random.default_rng(seed)
    shared = accounts.iloc[rng.choice(len(accounts), int(0.3 * len(accounts)), replace=False)].reset_index(drop=True)
    # Providers list some companies twice (another spelling each time): those matches are ambiguous.
    shared = pd.concat([shared, shared.sample(frac=0.03, random_state=seed)], ignore_index=True)
    old = _perturbed_accounts(rng, shared, label_map)
    new = _new_companies(rng, n - len(shared), len(shared))
    order = pa.array(rng.permutation(n))
    columns = {k: pa.chunked_array([old[k].cast(new[k].type), new[k]]).combine_chunks().take(order) for k in new}
    truth = pa.chunked_array([pa.array(shared["Account ID"]), pa.nulls(n - len(shared), pa.string())]).take(order)
    table = pa.table({"company_id": _ids("UNI-", np.arange(n)), **columns, "truth": truth})
    pq.write_table(table, root / "universe.parquet")
    return int(shared["Account ID"].nunique())


def generate(root: Path, companies: int, accounts: int, events: int) -> dict:
    from bullseye.demo import generate_company
    from bullseye.market.industries import save_segments, segments_from_label_map
    from bullseye.workspace import Workspace

    start = time.perf_counter()
    crm = root / "crm"
    generate_company(crm, n_accounts=accounts, seed=0)
    label_map = json.loads((crm / "truth.json").read_text(encoding="utf-8"))["universe"]["industry_map"]
    frame = pd.read_csv(crm / "accounts.csv", dtype=str, keep_default_na=False)
    planted = write_universe(root, companies, frame, label_map)
    if events:
        write_events(root / "events.parquet", events, companies, np.random.default_rng(1))
    made = time.perf_counter() - start

    start = time.perf_counter()
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    head = pq.read_table(root / "universe.parquet").slice(0, HEAD_ROWS).drop_columns(["truth"])
    stacks = pc.binary_join(head["tech_stack"], "; ")
    fleet = pc.if_else(head["own_fleet"], "yes", "no")
    head = head.set_column(head.schema.get_field_index("tech_stack"), "tech_stack", stacks)
    head = head.set_column(head.schema.get_field_index("own_fleet"), "own_fleet", fleet)
    (root / "head").mkdir()
    pacsv.write_csv(head, root / "head" / "universe.csv")
    ws = Workspace.init(root / "ws")
    report = ws.load(
        [crm / "accounts.csv", crm / "deals.csv", crm / "subscriptions.csv", root / "head" / "universe.csv"]
    )
    with ws.warehouse.transaction() as con:
        con.raw_sql(
            "INSERT INTO universe BY NAME SELECT * EXCLUDE (truth, file_row_number), 'universe.parquet' AS _file, "
            f"file_row_number + 2 AS _line FROM read_parquet('{root / 'universe.parquet'}', "
            f"file_row_number = true) WHERE file_row_number >= {HEAD_ROWS}"
        )
    rows = ws.table("universe").count().execute()
    ws.close()
    save_segments(ws.root, segments_from_label_map(label_map))
    (ws.root / "strategy" / "audience.yaml").write_text(AUDIENCE, encoding="utf-8")
    (ws.root / "strategy" / "icp.yaml").write_text(ICP, encoding="utf-8")
    return {
        "seconds": made,
        "load_seconds": time.perf_counter() - start,
        "universe_rows": int(rows),
        "planted": planted,
        "loaded": report.table_rows,
        "issues": report.issues,
        "labels": label_map,
    }


def baseline(root: Path) -> dict:
    import duckdb

    labels = pd.DataFrame(
        list(json.loads((root / "generate.json").read_text())["labels"].items()), columns=["label", "segment"]
    )
    from bullseye.workspace import Workspace

    con = duckdb.connect(str(Workspace(root / "ws").warehouse.path), read_only=True)
    start, cpu = time.perf_counter(), time.process_time()
    con.register("labels", labels)
    row = con.execute(BASELINE_SQL).fetchdf().iloc[0]
    return {
        "seconds": time.perf_counter() - start,
        "cpu": time.process_time() - cpu,
        "counts": {BASELINE_STEPS[k]: int(v) for k, v in row.items()},
    }


def size(root: Path) -> dict:
    from bullseye.market.sizing import size_market
    from bullseye.scoring.scorecard import fit_scorecard
    from bullseye.strategy.audience import load_audience
    from bullseye.strategy.icp import load_icp
    from bullseye.workspace import Workspace

    ws = Workspace(root / "ws")
    icp, audience = load_icp(ws.root), load_audience(ws.root)
    start, cpu = time.perf_counter(), time.process_time()
    card = fit_scorecard(ws, icp)
    fit = {"seconds": time.perf_counter() - start, "cpu": time.process_time() - cpu}
    start, cpu = time.perf_counter(), time.process_time()
    result = size_market(ws, audience, icp, card)
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    steps = result.waterfall.set_index("step")["companies"].astype(int).to_dict()
    truth = pd.read_parquet(root / "universe.parquet", columns=["company_id", "truth"])
    fit_ids = set(result.whitespace["company_id"])
    return {
        "seconds": seconds,
        "cpu": cpu,
        "fit": fit,
        "steps": steps,
        "sizing": result.sizing[["name", "companies", "value"]].to_dict("records"),
        "whitespace": len(result.whitespace),
        "tiers": result.whitespace["tier"].value_counts().to_dict(),
        "whitespace_planted": int(truth.loc[truth["truth"].notna(), "company_id"].isin(fit_ids).sum()),
        "matching": result.match_summary,
    }


def rank(root: Path, days: int) -> dict:
    import ibis

    from bullseye.market.signals import rank_signals
    from bullseye.scoring.scorecard import fit_scorecard
    from bullseye.strategy.icp import load_icp
    from bullseye.workspace import Workspace

    ws = Workspace(root / "ws")
    icp = load_icp(ws.root)
    card = fit_scorecard(ws, icp)
    ws.close()
    con = ibis.duckdb.connect()
    events = con.read_parquet(root / "events.parquet", table_name="events")
    universe = con.read_parquet(root / "universe.parquet", table_name="universe")
    start, cpu = time.perf_counter(), time.process_time()
    ranking = rank_signals(events, icp.signals, AS_OF, days, card=card, universe=universe, limit=50)
    return {
        "seconds": time.perf_counter() - start,
        "cpu": time.process_time() - cpu,
        "companies": ranking.companies,
        "events": ranking.events,
    }


def _run_phase(args: argparse.Namespace) -> None:
    root = Path(args.root)
    if args.phase == "generate":
        result = generate(root, args.companies, args.accounts, args.events)
    elif args.phase == "baseline":
        result = baseline(root)
    elif args.phase == "size":
        result = size(root)
    else:
        result = rank(root, args.days)
    Path(args.out).write_text(json.dumps(result, default=str))


def _phase(name: str, root: Path, args: argparse.Namespace) -> dict:
    return run_phase(
        __file__,
        name,
        root,
        [
            "--companies",
            str(args.companies),
            "--accounts",
            str(args.accounts),
            "--events",
            str(args.events),
            "--days",
            str(args.days),
        ],
    )


def main() -> None:
    parser = phase_parser(__doc__, keep="Keep the generated files in this directory (and reuse them when present).")
    parser.add_argument("--companies", type=int, default=5_000_000)
    parser.add_argument("--accounts", type=int, default=100_000)
    parser.add_argument("--events", type=int, default=20_000_000, help="0 to skip the why-now ranking.")
    parser.add_argument("--days", type=int, default=30)
    args = parser.parse_args()
    if args.phase:
        _run_phase(args)
        return
    print(f"load average before: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    with bench_root(args.keep, "bullseye-bench-sizing-") as root:
        if (root / "generate.json").exists():
            generated = json.loads((root / "generate.json").read_text()) | {"peak_mb": float("nan")}
        else:
            generated = _phase("generate", root, args)
        base = _phase("baseline", root, args)
        sized = _phase("size", root, args)
        ranked = _phase("rank", root, args) if args.events else None
    _report(args, generated, base, sized, ranked)
    print(f"load average after: {os.getloadavg()[0]:.1f}")


def _report(args, generated: dict, base: dict, sized: dict, ranked: dict | None) -> None:
    def line(label: str, r: dict, extra: str = "") -> None:
        peak = f"  peak {r['peak_mb']:,.0f} MB" if "peak_mb" in r else ""
        print(f"  {label:<68} {r['seconds']:6.2f} s ({r['cpu']:5.1f} s CPU){peak}{extra}")

    print(
        f"Sizing benchmark: {generated['universe_rows']:,} universe companies, {args.accounts:,} CRM accounts "
        f"({generated['planted']:,} of them in the universe under other spellings)"
        + (f", {args.events:,} events" if ranked else "")
        + f"; data generated in {generated['seconds']:.0f} s, loaded in {generated['load_seconds']:.0f} s"
    )
    line("baseline  DuckDB count of the same waterfall filters", base)
    line(
        "bullseye  size: waterfall, CRM match, TAM/SAM/SOM, whitespace scored",
        sized,
        f"  {sized['seconds'] / base['seconds']:.1f}x baseline",
    )
    total = {"seconds": sized["seconds"], "cpu": sized["cpu"], "peak_mb": sized["peak_mb"]}
    if ranked:
        line(
            f"bullseye  rank why-now signals, last {args.days} days",
            ranked,
            f"  {ranked['events']:,} fresh events, {ranked['companies']:,} companies",
        )
        total = {
            "seconds": total["seconds"] + ranked["seconds"],
            "cpu": total["cpu"] + ranked["cpu"],
            "peak_mb": max(total["peak_mb"], ranked["peak_mb"]),
        }
    line("sizing + ranking" if ranked else "sizing", total, "  [target <= 30 s, <= 4,096 MB]")
    line(
        f"not in the target: fit the scorecard on the {args.accounts:,}-account CRM",
        sized["fit"],
        "  (bullseye size does it first, in the same process: its peak is in the size line)",
    )
    agree = {step: (count, sized["steps"].get(step)) for step, count in base["counts"].items()}
    print(f"  waterfall equals the baseline's counts: {all(a == b for a, b in agree.values())}")
    for step, count in sized["steps"].items():
        print(f"    {step:<38} {count:>11,}")
    for row in sized["sizing"]:
        print(f"    {row['name']:<14} {row['companies']:>11,}  {row['value']:>18,.0f}")
    m = sized["matching"]
    print(
        f"  matching: {m['matched']:,} matched {m['matched_by_method']}, {m['ambiguous']:,} ambiguous, "
        f"{m['unmatched']:,} unmatched, reconciles {m['reconciles']}; whitespace {sized['whitespace']:,} "
        f"(tiers {dict(sorted(sized['tiers'].items()))}), of which {sized['whitespace_planted']:,} planted CRM accounts"
    )


if __name__ == "__main__":
    main()
