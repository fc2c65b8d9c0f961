"""Warnings about an ICP that scores without saying anything: no criteria, or conditions that match no account.

Example: ``icp_warnings(icp, accounts)`` ->
``["criterion 'ecom': industry == Ecommerce matches no account; did you mean 'E-commerce'?"]``
"""

from __future__ import annotations

import difflib
from typing import Any

import numpy as np
import pandas as pd

from bullseye.strategy.icp import ICP, Condition

__all__ = ["icp_warnings"]

EMPTY_ICP = (
    "the ICP has no criteria, so every account gets the same score (tier C, 50); add criteria to "
    "strategy/icp.yaml or draft them with `bullseye discover`"
)


def icp_warnings(icp: ICP, accounts: pd.DataFrame) -> list[str]:
    """One line per problem: an ICP without criteria, and each condition that matches none of ``accounts``."""
    found = [] if icp.criteria else [EMPTY_ICP]
    if accounts.empty:
        return found
    for kind, rules in (("criterion", icp.criteria), ("disqualifier", icp.disqualifiers)):
        for rule in rules:
            for condition in rule.conditions:
                if condition.attribute not in accounts.columns:
                    found.append(f"{kind} '{rule.id}': the accounts have no attribute '{condition.attribute}'")
                elif not condition.mask(accounts).any():
                    found.append(f"{kind} '{rule.id}': {_matches_nothing(condition, accounts[condition.attribute])}")
    return found


def _matches_nothing(condition: Condition, column: pd.Series) -> str:
    line = f"{condition.label} matches no account"
    if condition.op not in ("==", "in", "contains"):
        return line
    values = _distinct_text(column)
    wanted = condition.value if isinstance(condition.value, list) else [condition.value]
    by_fold = {value.casefold(): value for value in values}
    close = [
        hit
        for value in wanted
        if str(value).casefold() not in by_fold
        for hit in difflib.get_close_matches(str(value).casefold(), list(by_fold), n=3, cutoff=0.6)
    ]
    if close:
        line += "; did you mean " + " or ".join(f"'{by_fold[hit]}'" for hit in dict.fromkeys(close)) + "?"
    return line


def _distinct_text(column: pd.Series) -> list[str]:
    """The distinct values of a column as text; list cells (a tech stack) give each of their items."""
    seen: dict[str, None] = {}
    for cell in column.dropna():
        items: Any = cell if isinstance(cell, (list, tuple, np.ndarray)) else [cell]
        for item in items:
            seen.setdefault(str(item), None)
    return list(seen)
