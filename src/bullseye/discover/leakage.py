"""The leakage guard: attributes that give the outcome away are kept out of the proposed ICP.

Two tell-tale signs. An attribute that is filled in mostly for won deals (and empty for lost ones)
was probably recorded after the sale. An attribute with a value that alone (nearly) decides the
outcome is either the outcome in disguise or a step of the sales process.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["leakage_flags"]

FILL_GAP = 0.5  # won vs lost fill rates this far apart: recorded after the outcome
DECISIVE_RATE = 0.98  # a value whose win (or loss) rate is at least this ...
DECISIVE_SHARE = 0.1  # ... over at least this share of the deals


def _filled(column: pd.Series) -> np.ndarray:
    return column.map(lambda cell: not (cell is None or (isinstance(cell, float) and np.isnan(cell))
                                        or (hasattr(cell, "__len__") and not isinstance(cell, str) and len(cell) == 0))
                      ).to_numpy(bool)


def leakage_flags(deals: pd.DataFrame, attributes: list[str], target: str = "won") -> dict[str, str]:
    """Attribute -> why it looks like leakage, measured on closed deals."""
    flags: dict[str, str] = {}
    won = deals[target].to_numpy() == 1
    if won.all() or not won.any():
        return flags
    for name in attributes:
        column = deals[name]
        filled = _filled(column)
        fill_won, fill_lost = filled[won].mean(), filled[~won].mean()
        one_sided = min(fill_won, fill_lost) < 0.01 and max(fill_won, fill_lost) >= 0.05
        if abs(fill_won - fill_lost) >= FILL_GAP or one_sided:
            flags[name] = (f"filled in for {100 * fill_won:.0f}% of won deals but {100 * fill_lost:.0f}% of lost "
                           f"ones: probably recorded after the outcome")
            continue
        if column.dtype == object and filled.any() and isinstance(column[filled].iloc[0], (list, np.ndarray)):
            continue
        values = column.where(filled).astype("string") if column.dtype != bool else column.astype("string")
        table = pd.DataFrame({"value": values, "won": won}).dropna()
        if table.empty:
            continue
        grouped = table.groupby("value")["won"].agg(["mean", "size"])
        decisive = grouped[(grouped["size"] >= DECISIVE_SHARE * len(deals))
                           & ((grouped["mean"] >= DECISIVE_RATE) | (grouped["mean"] <= 1 - DECISIVE_RATE))]
        if not decisive.empty:
            value, row = next(iter(decisive.iterrows()))
            flags[name] = (f"'{value}' alone decides the outcome ({100 * row['mean']:.0f}% won over "
                           f"{int(row['size']):,} deals): the outcome in disguise or a step of the sale")
    return flags
