"""The universe as market sizing reads it: column by column, and compared with the CRM only where
a company could match an account.

A universe has millions of companies (bench/bench_sizing.py: 5,000,000), so sizing reads only the
columns the conditions use, keeps text as categories (:func:`read_universe`), and matches with the
accounts only the companies that share a name or web domain key with one (:func:`match_universe`);
whole rows are read only for the companies asked for (:func:`universe_rows`). The answers are those
of the plain definition: every condition row by row, every company matched
(:func:`bullseye.market.matching.match_companies`).
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING

import ibis
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from bullseye.errors import InvalidInputError
from bullseye.market.industries import with_segments
from bullseye.market.matching import domain_keys, fold_text, match_companies, name_keys

if TYPE_CHECKING:
    import ibis.expr.types as ir

__all__ = [
    "UniverseColumns",
    "read_universe",
    "fetch_rows",
    "universe_rows",
    "match_universe",
    "could_share_name",
    "could_share_domain",
    "MATCH_COLUMNS",
]

#: The universe columns matching uses (see bullseye.market.matching).
MATCH_COLUMNS = ("company_id", "name", "domain", "city", "region", "country", "founded_year")
#: How many first characters of a name's first word are compared with the start of account name keys.
_WORD_PREFIX = 12


# -- the universe, read column by column ----------------------------------------------------------
@dataclass
class UniverseColumns:
    """What sizing reads of every universe row: the columns the conditions use (and the industry),
    as :func:`bullseye.market.sizing.universe_frame` would give them but with text and yes/no
    columns as categories, and the id, name and domain as Arrow (for the CRM match)."""

    conditions: pd.DataFrame
    match: pa.Table

    @property
    def rows(self) -> int:
        return self.match.num_rows


def _categories(column: pa.ChunkedArray) -> tuple[np.ndarray, list]:
    """(code per row, distinct values); code -1 is a missing value."""
    encoded = column.combine_chunks().dictionary_encode()
    return pc.fill_null(encoded.indices, -1).to_numpy(zero_copy_only=False), encoded.dictionary.to_pylist()


def read_universe(table: ir.Table, attributes: set[str], numeric: set[str], segments) -> UniverseColumns:
    schema = table.schema()
    wanted = sorted({a for a in attributes if a in schema} | ({"industry"} & set(schema)))
    # Text and yes/no columns compared as categories: per distinct value, as condition_mask does.
    coded = [c for c in wanted if (schema[c].is_string() or schema[c].is_boolean()) and c not in numeric]
    # Numbers and lists converted by pyarrow: the values ibis gives (lists as arrays), ten times faster.
    converted = [
        c
        for c in wanted
        if c not in coded and (schema[c].is_integer() or schema[c].is_floating() or schema[c].is_array())
    ]
    plain = [c for c in wanted if c not in coded and c not in converted]
    keys = [c for c in ("company_id", "name", "domain") if c in schema]
    # One scan for all but the rare other types (DuckDB keeps a table's row order).
    arrow = table.select(*dict.fromkeys([*keys, *coded, *converted])).to_pyarrow()
    frame = arrow.select(converted).to_pandas() if converted else pd.DataFrame(index=pd.RangeIndex(arrow.num_rows))
    if plain:
        frame = pd.concat([frame, table.select(*plain).to_pandas()], axis=1)
    if "industry" in plain:
        frame = with_segments(frame, segments)
    for name in coded:
        codes, values = _categories(arrow[name])
        if name == "industry":
            # Each provider label read through the segments once; labels may merge into one segment.
            mapped = with_segments(pd.DataFrame({"industry": pd.Series(values, dtype=object)}), segments)["industry"]
            merged, segment_names = pd.factorize(mapped.to_numpy(object))
            frame["industry_raw"] = pd.Categorical.from_codes(codes, pd.Index(values, dtype=object))
            codes, values = np.where(codes >= 0, np.append(merged, -1)[codes], -1), list(segment_names)
        frame[name] = pd.Categorical.from_codes(codes, pd.Index(values, dtype=object))
    return UniverseColumns(frame, arrow.select(keys))


def fetch_rows(table: ir.Table, ids: np.ndarray, columns: list[str]) -> pd.DataFrame:
    """``columns`` of the universe rows of ``ids``, in that order (``company_id`` is the table's key)."""
    wanted = ibis.memtable(pa.table({"company_id": pa.array(ids, type=pa.string())}))
    found = table.filter(table.company_id.isin(wanted.company_id)).select(*columns).to_pandas()
    try:
        return found.iloc[pd.Index(found["company_id"]).get_indexer(ids)].reset_index(drop=True)
    except pd.errors.InvalidIndexError:
        raise InvalidInputError(
            "the universe table has repeated company_id values; reload it so each company is listed once"
        ) from None


def universe_rows(table: ir.Table, ids: np.ndarray, segments, missing: list[str], rows: int) -> pd.DataFrame:
    """The universe rows of ``ids`` (in that order) as
    :func:`bullseye.market.sizing.universe_frame` gives them."""
    found = fetch_rows(table, ids, [c for c in table.columns if not c.startswith("_")])
    # A column with a missing value anywhere is float (integers) or object (yes/no) in the whole table.
    schema = table.schema()
    nullable = [c for c in found.columns if schema[c].is_integer() or schema[c].is_boolean()]
    if nullable:
        counts = table.aggregate(**{c: table[c].count() for c in nullable}).to_pyarrow().to_pylist()[0]
        for name in nullable:
            if counts[name] < rows and found[name].notna().all():
                found[name] = found[name].astype(float if schema[name].is_integer() else object)
    found = with_segments(found, segments)
    return found.assign(**{name: np.nan for name in missing})


# -- matching only what can match -----------------------------------------------------------------
def _text(values: pa.Array | pa.ChunkedArray) -> pd.Series:
    """Arrow text as a pandas Series the matching keys read without converting it to Python strings."""
    array = values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values
    return pd.Series(pd.arrays.ArrowExtensionArray(array.cast(pa.large_string())))


def _halves(pool: ThreadPoolExecutor, function, array: pa.Array) -> pa.Array:
    """``function(array)`` in two halves on two threads (the Arrow string kernels release the GIL)."""
    half = (len(array) + 1) // 2
    parts = [pool.submit(function, part) for part in (array.slice(0, half), array.slice(half))]
    return pa.concat_arrays([part.result() for part in parts])


def _in(keys: pa.Array, values: pa.Array) -> np.ndarray:
    found = pc.is_in(keys, value_set=values.drop_null().cast(keys.type))
    return pc.fill_null(found, False).to_numpy(zero_copy_only=False)


def _folded(names: pa.Array) -> pa.Array:
    """The names folded as the name keys fold them; ASCII text only needs lower case."""
    text = names.cast(pa.large_string())
    ascii_only = pc.fill_null(pc.string_is_ascii(text), True)
    folded = pc.utf8_lower(text)
    if not pc.all(ascii_only).as_py():
        other = pc.invert(ascii_only)
        folded = pc.replace_with_mask(folded, other, fold_text(text.filter(other)))
    return folded


def could_share_name(pool: ThreadPoolExecutor, names: pa.Array, account_keys: pa.Array) -> np.ndarray:
    """Rows whose name key could be an account's, or is possibly missing (a superset, cheaply).

    When a folded name starts with a word other than "the", its name key starts with that word:
    brackets, "&", deleted punctuation, a ".com" and legal forms change only what comes after it. If
    the word has two or more characters the key is not missing, and it can be an account's key only if
    the word's first characters start an account's key."""
    keys = account_keys.drop_null()
    lengths = pc.utf8_length(keys)
    starts = pc.unique(
        pa.concat_arrays(
            [
                pc.utf8_slice_codeunits(keys.filter(pc.greater_equal(lengths, size)), 0, size)
                for size in range(2, _WORD_PREFIX + 1)
            ]
        )
    )

    def could(part: pa.Array) -> pa.Array:
        word = pc.struct_field(pc.extract_regex(_folded(part), r"^(?P<word>[a-z0-9]+)"), "word")
        simple = pc.and_(pc.not_equal(word, "the"), pc.greater_equal(pc.utf8_length(word), 2))
        shared = pc.is_in(pc.utf8_slice_codeunits(word, 0, _WORD_PREFIX), value_set=starts.cast(word.type))
        return pc.or_(pc.invert(pc.fill_null(simple, False)), pc.fill_null(shared, False))

    return _halves(pool, could, names).to_numpy(zero_copy_only=False)


def could_share_domain(pool: ThreadPoolExecutor, domains: pa.Array, account_keys: pa.Array) -> np.ndarray:
    """Rows whose domain key could be an account's (a superset): the key's first label is always a
    whole word of the lower-cased domain (what precedes it is cut at a '/', '@', '.' or a character a
    label cannot hold), so the domain must hold a first label of an account's key as a word."""
    labels = pc.unique(pc.replace_substring_regex(account_keys.drop_null(), r"\..*$", ""))

    def has_label(part: pa.Array) -> pa.Array:
        words = pc.split_pattern_regex(pc.utf8_lower(part.cast(pa.large_string())), r"[^a-z0-9-]+")
        hits = _in(pc.list_flatten(words), labels).astype(np.int64)
        return pa.array(np.bincount(pc.list_parent_indices(words).to_numpy(), weights=hits, minlength=len(part)) > 0)

    return _halves(pool, has_label, domains).to_numpy(zero_copy_only=False)


def match_universe(
    pool: ThreadPoolExecutor, names: pa.Array, domains: pa.Array | None, rows_of, accounts: pd.DataFrame
) -> tuple[pd.DataFrame, dict]:
    """``match_companies(universe, accounts)``'s matches and summary, the matching run only on the
    universe rows that share a name key or a domain key with an account (``rows_of(positions)`` gives
    those rows).

    Whether a company matches, or is ambiguous, depends only on the companies and accounts it
    shares keys with, so the others are unmatched without a comparison. Keys are computed only where
    a cheap test (see ``could_share_name``, ``could_share_domain``) cannot rule a shared key out,
    and, for the summary's count of companies without keys, where the name may give none."""
    n = len(names)

    def account_column(name: str) -> pd.Series:
        return accounts[name] if name in accounts.columns else pd.Series(None, index=accounts.index, dtype=object)

    account_names, account_domains = name_keys(account_column("name")), domain_keys(account_column("domain"))
    rows = np.flatnonzero(could_share_name(pool, names, account_names))
    keys = _halves(pool, lambda part: name_keys(_text(part)), names.take(pa.array(rows)))
    by_name, no_name = np.zeros(n, dtype=bool), np.zeros(n, dtype=bool)
    by_name[rows], no_name[rows] = _in(keys, account_names), keys.is_null().to_numpy(zero_copy_only=False)
    by_domain, no_domain = np.zeros(n, dtype=bool), np.ones(n, dtype=bool)
    if domains is not None:
        maybe = could_share_domain(pool, domains, account_domains) | no_name
        rows = np.flatnonzero(maybe & domains.is_valid().to_numpy(zero_copy_only=False))
        keys = domain_keys(_text(domains.take(pa.array(rows))))
        by_domain[rows], no_domain[rows] = _in(keys, account_domains), keys.is_null().to_numpy(zero_copy_only=False)
    result = match_companies(rows_of(np.flatnonzero(by_name | by_domain)), accounts)
    summary = dict(result.summary)
    summary.update(
        universe_rows=n,
        unmatched=n - summary["matched"] - summary["ambiguous"],
        universe_without_keys=int((no_name & no_domain).sum()),
    )
    summary["reconciles"] = summary["matched"] + summary["ambiguous"] + summary["unmatched"] == n
    return result.matches, summary
