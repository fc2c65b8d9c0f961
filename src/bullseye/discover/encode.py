"""Attributes to selectors: one packed bitset per human-readable condition on one attribute.

A selector is a condition a person can read ("industry = E-commerce", "employees 51-200",
"deliveries_per_day >= 200", "tech_stack contains SAP") and re-apply to any frame with the same
columns (new accounts, holdout rows). ``encode`` turns a frame into selectors and packs the rows
each covers as bits, with each attribute's atoms, ready for the search kernel
(:mod:`bullseye.discover.bitsets`).

Categorical, string and boolean columns give one selector per value (the rare tail pooled); list
columns (a tech stack) one per frequent element; numeric columns bands, both as intervals and as
thresholds, at fixed cut points for ``employees`` and ``revenue`` and at rounded quantiles plus
round 1-2-5 numbers elsewhere. Datetime columns are skipped: the caller derives numbers from them.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from bullseye.discover.bitsets import Partition, atom_partitions, n_words, pack_bits, popcount, unpack_bits

__all__ = ["Selector", "EncodedAttributes", "encode", "FIXED_BANDS"]

#: Cut points and labels of the known numeric attributes: (cuts, closed side, band labels).
#: ``closed="right"`` means bands ``lo < x <= hi`` (head counts: "11-50"); ``"left"`` means
#: ``lo <= x < hi`` (money: "1-10M"). Same bands as the outcome summary's.
FIXED_BANDS: dict[str, tuple[tuple[float, ...], str, tuple[str, ...]]] = {
    "employees": ((10, 50, 200, 1000, 5000), "right", ("1-10", "11-50", "51-200", "201-1000", "1001-5000", "5001+")),
    "revenue": ((1e6, 1e7, 5e7, 1e8, 1e9), "left", ("<1M", "1-10M", "10-50M", "50-100M", "100M-1B", "1B+")),
}
_QUANTILES = (0.2, 0.4, 0.6, 0.8)
_FEW_VALUES = 5  # a numeric column with at most this many values is treated as categorical
_MASS_AT_MIN = 0.2  # share of rows at the minimum that earns "x = min" / "x > min"
_LIST_CELLS = (list, tuple, set, frozenset, np.ndarray)
_COMPARE = {"<": np.less, "<=": np.less_equal, ">": np.greater, ">=": np.greater_equal}


@dataclass(frozen=True)
class Selector:
    """One condition on one attribute.

    ``op`` is one of ``==``, ``in`` (value: tuple), ``missing``, ``contains`` (list cells),
    ``<``, ``<=``, ``>``, ``>=`` and ``range`` (value: ``(lo, hi, closed)``, ``closed`` "left" for
    ``lo <= x < hi`` or "right" for ``lo < x <= hi``). Missing values never satisfy a comparison.
    """

    attribute: str
    op: str
    value: Any = None
    label: str = ""

    def __str__(self) -> str:
        return self.label or f"{self.attribute} {self.op} {self.value}"

    def mask(self, frame: pd.DataFrame) -> np.ndarray:
        """The rows of ``frame`` (any frame with this column) that satisfy the condition."""
        series = frame[self.attribute]
        op = self.op
        if op == "missing":
            return series.isna().to_numpy(dtype=bool)
        if op == "==":
            return series.isin([self.value]).to_numpy(dtype=bool)
        if op == "in":
            return series.isin(list(self.value)).to_numpy(dtype=bool)
        if op == "contains":
            parents, values, _ = _explode(series)
            out = np.zeros(len(series), dtype=bool)
            out[parents[values == self.value]] = True
            return out
        if op not in _COMPARE and op != "range":
            raise ValueError(f"unknown selector op {op!r}")
        x = _as_float(series)
        with np.errstate(invalid="ignore"):
            if op == "range":
                lo, hi, closed = self.value
                return (x >= lo) & (x < hi) if closed == "left" else (x > lo) & (x <= hi)
            return _COMPARE[op](x, self.value)


@dataclass
class EncodedAttributes:
    """Selectors and the rows each covers, packed as bits.

    ``bits`` has shape (n_selectors, n_words), dtype uint64; ``attribute_index[i]`` is the
    position in ``attributes`` of selector ``i``'s attribute (selectors on the same attribute are
    never conjoined); ``counts[i]`` is the number of rows selector ``i`` covers; ``kinds`` says how
    each attribute was read and ``skipped`` why a requested column gave no selector.
    """

    selectors: list[Selector]
    bits: np.ndarray
    attribute_index: np.ndarray
    n_rows: int
    attributes: list[str]
    counts: np.ndarray
    kinds: dict[str, str] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)
    partitions: list[Partition] | None = None

    def mask(self, i: int) -> np.ndarray:
        """Selector ``i``'s rows as a boolean array (unpacked from the bits)."""
        return unpack_bits(self.bits[i], self.n_rows)

    def restrict(self, rows: np.ndarray) -> EncodedAttributes:
        """The same selectors on a subset of rows (a boolean mask), bits re-packed."""
        rows = np.asarray(rows, dtype=bool)
        if rows.shape != (self.n_rows,):
            raise ValueError(f"rows mask has shape {rows.shape}, expected ({self.n_rows},)")
        n = int(rows.sum())
        bits = np.empty((len(self.selectors), n_words(n)), dtype=np.uint64)
        for start in range(0, len(self.selectors), 64):  # bounded memory: 64 unpacked rows at a time
            block = unpack_bits(self.bits[start : start + 64], self.n_rows)
            bits[start : start + 64] = pack_bits(block[:, rows])
        counts = popcount(bits)
        parts = (
            None
            if self.partitions is None
            else [Partition(p.attribute, p.selectors, p.codes[rows], p.members) for p in self.partitions]
        )
        return EncodedAttributes(
            list(self.selectors),
            bits,
            self.attribute_index.copy(),
            n,
            list(self.attributes),
            counts,
            dict(self.kinds),
            dict(self.skipped),
            parts,
        )


# -- reading columns -------------------------------------------------------------------------------
def _as_float(series: pd.Series) -> np.ndarray:
    if pd.api.types.is_bool_dtype(series.dtype) or not pd.api.types.is_numeric_dtype(series.dtype):
        series = pd.to_numeric(series, errors="coerce")
    return series.to_numpy(dtype=float, na_value=np.nan)


def _explode(series: pd.Series) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(row of each element, element, null cells) of a list column; a non-list cell is one element."""
    null = series.isna().to_numpy(dtype=bool)
    dtype = series.dtype
    if isinstance(dtype, pd.ArrowDtype) and hasattr(dtype.pyarrow_dtype, "value_type"):
        import pyarrow as pa
        import pyarrow.compute as pc

        array = pa.chunked_array(series.array._pa_array).combine_chunks()
        parents = pc.list_parent_indices(array).to_numpy(zero_copy_only=False).astype(np.int64)
        values = pc.list_flatten(array).to_numpy(zero_copy_only=False).astype(object)
    else:
        rows = np.flatnonzero(~null)
        cells = series.to_numpy(dtype=object)[rows]
        if not all(issubclass(t, _LIST_CELLS) for t in set(map(type, cells))):
            cells = np.array([c if isinstance(c, _LIST_CELLS) else [c] for c in cells] + [None], dtype=object)[:-1]
        lengths = np.fromiter(map(len, cells), dtype=np.int64, count=len(cells))
        values = np.fromiter(itertools.chain.from_iterable(cells), dtype=object, count=int(lengths.sum()))
        parents = np.repeat(rows, lengths)
    keep = pd.notna(values)
    return parents[keep], values[keep], null


def _kind(series: pd.Series) -> str:
    """How a column is read: "categorical", "numeric", "list" or "skip" (dates and times)."""
    dtype, types = series.dtype, pd.api.types
    if types.is_datetime64_any_dtype(dtype) or types.is_timedelta64_dtype(dtype) or isinstance(dtype, pd.PeriodDtype):
        return "skip"
    if isinstance(dtype, pd.ArrowDtype):
        import pyarrow as pa

        t = dtype.pyarrow_dtype
        if pa.types.is_list(t) or pa.types.is_large_list(t) or pa.types.is_temporal(t):
            return "list" if not pa.types.is_temporal(t) else "skip"
    if types.is_bool_dtype(dtype) or isinstance(dtype, pd.CategoricalDtype):
        return "categorical"
    if types.is_numeric_dtype(dtype):
        return "numeric"
    sample = series.head(5000).dropna().head(200)
    if len(sample) and sample.map(lambda c: isinstance(c, _LIST_CELLS)).any():
        return "list"
    dates = sample.map(lambda c: isinstance(c, (pd.Timestamp, np.datetime64)) or hasattr(c, "isoformat"))
    return "skip" if len(sample) and dates.all() else "categorical"


def _fmt(v: float) -> str:
    """A number as a person writes it: 200, 0.25, 1500, 12k, 3.5M, 1.2B."""
    for size, divisor, suffix in ((1e9, 1e9, "B"), (1e6, 1e6, "M"), (1e4, 1e3, "k")):
        if math.isfinite(v) and abs(v) >= size:
            return f"{v / divisor:.3g}{suffix}"
    return str(int(v)) if math.isfinite(v) and v == int(v) else f"{v:.3g}"


def _round_sig(v: float, digits: int = 2, spread: float = 0.0) -> float:
    """``v`` to ``digits`` significant figures, finer when that would not resolve ``spread``."""
    if v == 0 or not math.isfinite(v):
        return v
    decimals = digits - 1 - int(math.floor(math.log10(abs(v))))
    if spread > 0:
        decimals = max(decimals, -int(math.floor(math.log10(spread / 10))))
    return float(round(v, decimals))


def _value_text(v: Any) -> str:
    return _fmt(float(v)) if isinstance(v, (int, float, np.number)) and not isinstance(v, bool) else str(v)


def _py(v: Any) -> Any:
    return v.item() if isinstance(v, np.generic) else v


# -- encoders: each returns [(selector, mask)] ----------------------------------------------------
def _categorical(name: str, series: pd.Series, max_values: int) -> tuple[list[tuple[Selector, np.ndarray]], np.ndarray]:
    codes, uniques = pd.factorize(series, use_na_sentinel=True, sort=False)
    counts = np.bincount(codes[codes >= 0], minlength=len(uniques))
    values = [_py(v) for v in np.asarray(uniques, dtype=object)]
    order = [k for k in sorted(range(len(values)), key=lambda k: (-counts[k], str(values[k]))) if counts[k] > 0]
    out = [
        (Selector(name, "==", values[k], f"{name} = {_value_text(values[k])}"), codes == k) for k in order[:max_values]
    ]
    rare = order[max_values:]
    if rare:
        pooled = tuple(sorted((values[k] for k in rare), key=str))
        shown = ", ".join(_value_text(v) for v in pooled) if len(pooled) <= 3 else f"{len(pooled)} other values"
        lut = np.zeros(len(values), dtype=bool)
        lut[rare] = True
        out.append((Selector(name, "in", pooled, f"{name} in {{{shown}}}"), lut[np.maximum(codes, 0)] & (codes >= 0)))
    return out, codes < 0


def _list(name: str, series: pd.Series, max_values: int) -> tuple[list[tuple[Selector, np.ndarray]], np.ndarray]:
    parents, values, null = _explode(series)
    if not len(values):
        return [], null
    codes, uniques = pd.factorize(values)
    counts = np.bincount(codes, minlength=len(uniques))
    order = sorted(range(len(uniques)), key=lambda k: (-counts[k], str(uniques[k])))[:max_values]
    slot = np.full(len(uniques), -1, dtype=np.int64)
    slot[order] = np.arange(len(order))
    row_of = slot[codes]
    masks = np.zeros((len(order), len(series)), dtype=bool)
    masks[row_of[row_of >= 0], parents[row_of >= 0]] = True
    out = [
        (Selector(name, "contains", _py(uniques[k]), f"{name} contains {uniques[k]}"), masks[i])
        for i, k in enumerate(order)
    ]
    return out, null


def _round_numbers(lo: float, hi: float, log: bool) -> list[float]:
    """Round numbers within [lo, hi]: the 1-2-5 sequence on a log scale, else multiples of a 1-2-5 step."""
    if log:
        k = math.floor(math.log10(hi))
        out = [m * 10.0**e for e in range(k - 6, k + 1) for m in (1, 2, 5)]
    else:
        raw = (hi - lo) / 6
        if raw <= 0:
            return []
        e = math.floor(math.log10(raw))
        step = min(m * 10.0**e for m in (1, 2, 5, 10) if m * 10.0**e >= raw)
        out = [i * step for i in range(math.ceil(lo / step), math.floor(hi / step) + 1)]
    return sorted({_round_sig(v, 3) for v in out if lo <= v <= hi})


def _data_cuts(x: np.ndarray, max_cuts: int, integer: bool) -> list[float]:
    """Quantile cuts rounded to 2 significant figures and snapped to a nearby round number, then
    round numbers in the widest gaps, up to ``max_cuts``."""
    qs = np.quantile(x, (0.05, 0.5, 0.95) + _QUANTILES)
    lo_s, mid, hi_s, q = float(qs[0]), float(qs[1]), float(qs[2]), qs[3:]
    lo, hi = float(x.min()), float(x.max())
    log = lo_s > 0 and hi_s / lo_s >= 10  # data spanning an order of magnitude or more

    def gap(a: float, b: float) -> float:
        return abs(math.log(b / a)) if log else abs(b - a) / max(hi_s - lo_s, 1e-12)

    near = math.log(1.25) if log else 0.05  # a quantile cut this close to a round number moves to it
    apart = math.log(1.15) if log else 0.03  # an added round number is at least this far from a cut
    rounds = [c for c in _round_numbers(lo_s, hi_s, log) if lo < c <= hi and (not integer or c == int(c))]
    found: set[float] = set()
    for v in q:
        c = _round_sig(float(v), 2, float(q[-1] - q[0]))
        snapped = min(rounds, key=lambda r: gap(c, r), default=None)
        if snapped is not None and gap(c, snapped) < near:
            c = snapped
        found.add(float(math.ceil(c)) if integer else c)
    cuts = sorted(c for c in found if lo < c <= hi)[:max_cuts]
    candidates = [c for c in rounds if c not in cuts]
    while len(cuts) < max_cuts and candidates:
        ends = cuts + [lo_s, hi_s]
        score = [min(gap(c, e) for e in ends) - 1e-9 * gap(c, mid) for c in candidates]
        best = int(np.argmax(score))
        if score[best] < apart:
            break
        cuts.append(candidates.pop(best))
        cuts.sort()
    return cuts


def _bands(
    name: str, x: np.ndarray, cuts: list[float], closed: str, labels: tuple[str, ...] | None
) -> list[tuple[Selector, np.ndarray]]:
    """Threshold selectors both ways at each cut point, and the intervals between them."""
    left = closed == "left"
    below, above = ("<", ">=") if left else ("<=", ">")
    out = []
    with np.errstate(invalid="ignore"):
        for i, c in enumerate(cuts):
            low = f"{name} {labels[0]}" if labels and i == 0 else f"{name} {below} {_fmt(c)}"
            high = f"{name} {labels[-1]}" if labels and i == len(cuts) - 1 else f"{name} {above} {_fmt(c)}"
            out += [
                (Selector(name, below, c, low), _COMPARE[below](x, c)),
                (Selector(name, above, c, high), _COMPARE[above](x, c)),
            ]
        for i, (lo, hi) in enumerate(zip(cuts, cuts[1:])):
            signs = ("<=", "<") if left else ("<", "<=")
            label = f"{name} {labels[i + 1]}" if labels else f"{_fmt(lo)} {signs[0]} {name} {signs[1]} {_fmt(hi)}"
            mask = (x >= lo) & (x < hi) if left else (x > lo) & (x <= hi)
            out.append((Selector(name, "range", (lo, hi, closed), label), mask))
    return out


def _numeric(
    name: str, series: pd.Series, cuts: list[float] | None, max_selectors: int
) -> tuple[list[tuple[Selector, np.ndarray]], np.ndarray]:
    x = _as_float(series)
    na, xs = np.isnan(x), x[np.isfinite(x)]
    if not len(xs):
        return [], na
    if len(pd.unique(xs[:2000])) <= _FEW_VALUES and len(uniq := pd.unique(xs)) <= _FEW_VALUES:
        values = [int(v) if float(v).is_integer() else float(v) for v in sorted(uniq.tolist())]
        return [(Selector(name, "==", v, f"{name} = {_fmt(v)}"), x == v) for v in values], na
    fixed = FIXED_BANDS.get(name.lower())
    if cuts is not None:
        return _bands(name, x, sorted(float(c) for c in cuts), "left", None), na
    if fixed is not None:
        return _bands(name, x, list(fixed[0]), fixed[1], fixed[2]), na
    budget = max_selectors - 1  # "is missing" may take one
    integer, lo = bool(np.all(xs == np.round(xs))), float(xs.min())
    out: list[tuple[Selector, np.ndarray]] = []
    if np.mean(xs == lo) >= _MASS_AT_MIN:  # zero-inflated: "x = 0" and "x > 0" first
        out = [
            (Selector(name, "==", _py(lo), f"{name} = {_fmt(lo)}"), x == lo),
            (Selector(name, ">", _py(lo), f"{name} > {_fmt(lo)}"), x > lo),
        ]
        xs = xs[xs > lo]
        budget -= 2
    if len(xs):
        out += _bands(name, x, _data_cuts(xs, max((budget + 1) // 3, 1), integer), "left", None)
    return out, na


def encode(
    frame: pd.DataFrame,
    attributes: list[str] | None = None,
    *,
    max_values: int = 25,
    min_count: int = 1,
    bands: dict[str, list[float]] | None = None,
    max_band_selectors: int = 15,
) -> EncodedAttributes:
    """Encode the attributes of ``frame`` as selectors with packed row bitsets.

    Selectors covering fewer than ``min_count`` rows, or every row, are dropped, and so is a
    selector covering exactly the rows of an earlier one on the same attribute. ``bands`` gives
    cut points for numeric columns (overriding the fixed and data-driven ones).

    Example: ``encode(accounts, ["industry", "employees", "tech_stack"], min_count=30)``
    """
    names = list(frame.columns) if attributes is None else list(attributes)
    missing = [a for a in names if a not in frame.columns]
    if missing:
        raise KeyError(f"no column {missing[0]!r} in the frame (columns: {', '.join(map(str, frame.columns))})")
    bands, n = bands or {}, len(frame)
    selectors: list[Selector] = []
    packed: list[np.ndarray] = []
    attr_index: list[int] = []
    kept: list[str] = []
    partitions: list[Partition] = []
    kinds: dict[str, str] = {}
    skipped: dict[str, str] = {}
    for name in names:
        series = frame[name]
        kind = "numeric" if name in bands else _kind(series)
        kinds[name] = kind
        if kind == "skip":
            skipped[name] = "date or time column: derive a number from it first"
            continue
        pairs, na = (
            _categorical(name, series, max_values)
            if kind == "categorical"
            else _list(name, series, max_values)
            if kind == "list"
            else _numeric(name, series, bands.get(name), max_band_selectors)
        )
        if na.any():
            pairs.append((Selector(name, "missing", None, f"{name} is missing"), na))
        seen: set[bytes] = set()
        position = len(kept)
        first = len(selectors)
        kept_masks = []
        for selector, mask in pairs:
            count = int(np.count_nonzero(mask))
            if count < max(min_count, 1) or count == n:
                continue
            bits = pack_bits(mask)
            key = bits.tobytes()
            if key in seen:
                continue
            seen.add(key)
            selectors.append(selector)
            packed.append(bits)
            attr_index.append(position)
            kept_masks.append(mask)
        if kept_masks:
            partitions += atom_partitions(position, np.arange(first, len(selectors)), np.vstack(kept_masks))
            kept.append(name)
        else:
            skipped[name] = "no selector covers some but not all rows"
    bits = np.vstack(packed) if packed else np.zeros((0, n_words(n)), dtype=np.uint64)
    return EncodedAttributes(
        selectors, bits, np.asarray(attr_index, dtype=np.int64), n, kept, popcount(bits), kinds, skipped, partitions
    )
