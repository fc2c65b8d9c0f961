"""Large synthetic CRM exports for benchmarks, written with pyarrow (fast, vectorised)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

__all__ = ["write_crm"]

INDUSTRIES = np.array(
    ["E-commerce", "Regional carrier", "Urban delivery franchise", "Marketplace", "Omnichannel retail", "Other"]
)
CITIES = np.array(
    ["Sao Paulo", "Rio de Janeiro", "Belo Horizonte", "Porto Alegre", "Curitiba", "Recife", "Campinas", "Salvador"]
)
STAGES = np.array(["Closed Won", "Closed Lost", "Proposal", "Discovery"])


def _ids(prefix: str, n: int) -> pa.Array:
    return pc.binary_join_element_wise(pa.array([prefix] * n), pa.array(np.arange(n).astype(str)), "")


def _dates(rng: np.random.Generator, n: int, start: str = "2023-01-01", days: int = 1000) -> np.ndarray:
    return (np.datetime64(start) + rng.integers(0, days, n).astype("timedelta64[D]")).astype(str)


def write_crm(out: Path, n_accounts: int, n_deals: int, seed: int = 0) -> dict[str, Path]:
    """accounts.csv and deals.csv in the shape of a CRM export (text dates, formatted amounts)."""
    rng = np.random.default_rng(seed)
    out.mkdir(parents=True, exist_ok=True)
    accounts = pa.table(
        {
            "Account ID": _ids("A", n_accounts),
            "Company Name": _ids("Company ", n_accounts),
            "Industry": INDUSTRIES[rng.integers(0, len(INDUSTRIES), n_accounts)],
            "City": CITIES[rng.integers(0, len(CITIES), n_accounts)],
            "Employees": rng.lognormal(4, 1.2, n_accounts).astype(int) + 1,
            "Annual Revenue": np.round(rng.lognormal(16, 1.5, n_accounts), 2),
            "Tech Stack": np.array(["Salesforce; Marketo", "HubSpot", "", "SAP; Totvs"])[
                rng.integers(0, 4, n_accounts)
            ],
            "Create Date": _dates(rng, n_accounts),
            "own_fleet": np.array(["yes", "no"])[rng.integers(0, 2, n_accounts)],
            "deliveries_per_day": rng.integers(5, 2000, n_accounts),
        }
    )
    created = _dates(rng, n_deals)
    stage = STAGES[rng.integers(0, len(STAGES), n_deals)]
    closed = (created.astype("datetime64[D]") + rng.integers(5, 200, n_deals).astype("timedelta64[D]")).astype(str)
    closed = np.where(np.isin(stage, ["Closed Won", "Closed Lost"]), closed, "")
    amount = rng.lognormal(9, 1, n_deals)
    deals = pa.table(
        {
            "Deal ID": _ids("D", n_deals),
            "Account ID": pc.binary_join_element_wise(
                pa.array(["A"] * n_deals), pa.array(rng.integers(0, n_accounts, n_deals).astype(str)), ""
            ),
            "Deal Stage": stage,
            "Amount": np.char.mod("%.2f", amount),
            "List Price": np.char.mod("%.2f", amount * rng.uniform(1.0, 1.3, n_deals)),
            "Create Date": created,
            "Close Date": closed,
            "Deal Owner": np.array([f"Rep {i}" for i in range(12)])[rng.integers(0, 12, n_deals)],
        }
    )
    paths = {"accounts": out / "accounts.csv", "deals": out / "deals.csv"}
    pacsv.write_csv(accounts, paths["accounts"])
    pacsv.write_csv(deals, paths["deals"])
    return paths
