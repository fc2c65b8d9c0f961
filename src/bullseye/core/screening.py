"""Which account attributes discovery may search: not bookkeeping, not empty, not a date, and not
an identifier (a hash, a generated key, a running number, a code with nearly one value per
account). Each attribute left out is listed with the reason, and ``attributes.use`` in
``bullseye.yaml`` brings an identifier-like one back.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections.abc import Iterable

import numpy as np
import pandas as pd

from bullseye.config import AttributeSettings
from bullseye.errors import ConfigError

__all__ = [
    "usable_attributes",
    "identifier_reason",
    "check_attribute_names",
    "EXCLUDED_ATTRIBUTES",
    "MAX_DISTINCT_SHARE",
    "BRING_BACK",
]

#: Account columns that describe identity or bookkeeping, not the kind of company.
EXCLUDED_ATTRIBUTES = {"account_id", "name", "domain", "owner", "created_at", "email", "website", "stage_raw"}
#: A text attribute with more distinct values than this share of its filled rows is an identifier, not a trait.
MAX_DISTINCT_SHARE = 0.5
#: Below this many distinct values a column is never called an identifier by its count alone.
MIN_IDENTIFIER_VALUES = 30
#: Share of a column's distinct values that must look generated (hashes, UUIDs) to call it a key.
GENERATED_SHARE = 0.9
#: Integers this unique, packed this densely, are a running number (row or record numbers).
RUNNING_DISTINCT_SHARE = 0.95
RUNNING_SPAN = 2.0  # (max - min + 1) / distinct values at most
#: Appended to every identifier reason: how to overrule it.
BRING_BACK = "bring it back with `attributes: use: [{name}]` in bullseye.yaml"

_GENERATED = re.compile(
    r"^(?:[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}"  # UUID
    r"|(?=[0-9a-f]*[0-9])(?=[0-9a-f]*[a-f])[0-9a-f]{16,}"  # hex digest: digits and letters, 16+ long
    r"|(?=[0-9A-Za-z]*[0-9])(?=[0-9A-Za-z]*[A-Za-z])[0-9A-Za-z]{18,})$",  # e.g. Salesforce ids
    re.IGNORECASE,
)


def identifier_reason(column: pd.Series) -> str | None:
    """Why a column looks like an identifier rather than a trait of the company, or None."""
    values = column.dropna()
    if values.empty or isinstance(values.iloc[0], (list, np.ndarray)):
        return None
    distinct = values.nunique()
    if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
        numbers = values.to_numpy(float)
        if (
            distinct > MIN_IDENTIFIER_VALUES
            and np.all(numbers == np.round(numbers))
            and distinct >= RUNNING_DISTINCT_SHARE * len(numbers)
            and numbers.max() - numbers.min() + 1 <= RUNNING_SPAN * distinct
        ):
            return (
                f"{distinct:,} distinct whole numbers packed from {numbers.min():.0f} to {numbers.max():.0f} "
                f"over {len(values):,} accounts: a running number"
            )
        return None
    text = values.astype(str).str.strip()
    unique = pd.Series(text.unique())
    generated = unique.str.match(_GENERATED)
    if len(unique) >= 2 and generated.mean() >= GENERATED_SHARE:
        example = unique[generated].iloc[0]
        return (
            f"values look generated (hashes or keys such as '{example[:12]}...', {distinct:,} of them "
            f"over {len(values):,} accounts): a code, not a trait"
        )
    if distinct > MIN_IDENTIFIER_VALUES and distinct > MAX_DISTINCT_SHARE * len(values):
        return (
            f"{distinct:,} distinct values over {len(values):,} accounts (nearly one per account): "
            "an identifier or free text"
        )
    return None


def usable_attributes(
    accounts: pd.DataFrame, attribute_columns: list[str], settings: AttributeSettings | None = None
) -> tuple[list[str], dict[str, str]]:
    """The attributes discovery may search, and attribute -> why not for the others.

    ``settings.use`` brings back bookkeeping and identifier-like attributes; nothing brings back
    an attribute that has no usable values (always empty, one value, a date)."""
    use = set(settings.use) if settings else set()
    usable, skipped = [], {}
    for name in attribute_columns:
        column = accounts[name]
        filled = column.dropna()
        if name in EXCLUDED_ATTRIBUTES and name not in use:
            skipped[name] = "identity or bookkeeping, not a trait of the company"
            continue
        if filled.empty:
            skipped[name] = "always empty"
            continue
        if pd.api.types.is_datetime64_any_dtype(column) or isinstance(filled.iloc[0], (dt.date, dt.datetime)):
            skipped[name] = "a date (use a derived number such as age instead)"
            continue
        if isinstance(filled.iloc[0], (list, np.ndarray)):
            if column.map(lambda cell: len(cell) if isinstance(cell, (list, np.ndarray)) else 0).max() == 0:
                skipped[name] = "always empty"
                continue
            usable.append(name)
            continue
        if filled.nunique() <= 1:
            skipped[name] = "the same value everywhere"
            continue
        reason = identifier_reason(column) if name not in use else None
        if reason is not None:
            skipped[name] = reason + "; " + BRING_BACK.format(name=name)
            continue
        usable.append(name)
    return usable, skipped


def check_attribute_names(settings: AttributeSettings, known: Iterable[str]) -> None:
    """Refuse a name in ``attributes.use``/``attributes.exclude`` that is no account attribute:
    a typo must not silently leave a leaking field in the search."""
    known = sorted(set(known))
    for key in ("use", "exclude"):
        for name in getattr(settings, key):
            if name not in known:
                close = difflib.get_close_matches(name, known, n=1)
                hint = f"did you mean '{close[0]}'?" if close else "the account attributes are: " + ", ".join(known)
                raise ConfigError(
                    f"bullseye.yaml: attributes.{key} names '{name}', which is not an account attribute; {hint}"
                )
