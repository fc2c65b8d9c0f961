"""Compiled counting loops of the conjunction search (numba): each row's cell, and the channels
of every cell of a joint histogram, in one pass over the rows each.

A histogram's cost is its random writes, one per row and channel, so there is one loop per layout
of channels (the rows split by a fold bit or not, and zero to two weights): the rows and weights
of a cell are summed in row order, like ``np.bincount``, and the loops release the GIL, so counting
runs in a worker thread beside the processing of earlier passes.
"""

from __future__ import annotations

import numba
import numpy as np

__all__ = ["cell_keys", "accumulate"]

_jit = numba.njit(nogil=True, cache=True, boundscheck=False)


@_jit
def _keys(codes, groups, radices, out):
    """out[i] = the mixed-radix cell of row i over the codes of ``groups`` (the first the slowest)."""
    first = codes[groups[0]]
    for i in range(out.shape[0]):
        out[i] = first[i]
    for j in range(1, groups.shape[0]):
        row, radix = codes[groups[j]], radices[j]
        for i in range(out.shape[0]):
            out[i] = out[i] * radix + row[i]


# Each loop adds row i to its cell's channels, which lie side by side (cells x channels): one cache
# line per row, where a row of channels per weight costs a line per channel (about 1.5x the time).
@_jit
def _by_fold(prefix, radix, last, fold, out):
    for i in range(last.shape[0]):
        out[prefix[i] * radix + last[i], fold[i]] += 1.0


@_jit
def _by_fold_one_weight(prefix, radix, last, fold, w0, out):
    for i in range(last.shape[0]):
        k = prefix[i] * radix + last[i]
        out[k, fold[i]] += 1.0
        out[k, 2] += w0[i]


@_jit
def _by_fold_two_weights(prefix, radix, last, fold, w0, w1, out):
    for i in range(last.shape[0]):
        k = prefix[i] * radix + last[i]
        out[k, fold[i]] += 1.0
        out[k, 2] += w0[i]
        out[k, 3] += w1[i]


@_jit
def _rows(prefix, radix, last, out):
    for i in range(last.shape[0]):
        out[prefix[i] * radix + last[i], 0] += 1.0


@_jit
def _rows_one_weight(prefix, radix, last, w0, out):
    for i in range(last.shape[0]):
        k = prefix[i] * radix + last[i]
        out[k, 0] += 1.0
        out[k, 1] += w0[i]


@_jit
def _rows_two_weights(prefix, radix, last, w0, w1, out):
    for i in range(last.shape[0]):
        k = prefix[i] * radix + last[i]
        out[k, 0] += 1.0
        out[k, 1] += w0[i]
        out[k, 2] += w1[i]


@_jit
def _weight(prefix, radix, last, w, column, out):
    for i in range(last.shape[0]):
        out[prefix[i] * radix + last[i], column] += w[i]


def cell_keys(codes: np.ndarray, groups: np.ndarray, radices: np.ndarray, out: np.ndarray) -> np.ndarray:
    """Each row's cell over ``groups`` (rows of ``codes``, int32 groups x rows; ``radices``: their
    numbers of atoms), into ``out`` (int32, one per row)."""
    _keys(codes, groups, radices, out)
    return out


def accumulate(
    prefix: np.ndarray,
    radix: int,
    last: np.ndarray,
    fold: np.ndarray | None,
    weights: list[np.ndarray],
    out: np.ndarray,
) -> np.ndarray:
    """Add each row to its cell of ``out`` (cells x channels, float64, zeroed): its count (in channel
    ``fold[i]`` when split by the fold bit, else channel 0), then each weight in the next channels.
    Row i's cell is ``prefix[i] * radix + last[i]`` (the key of the other groups, then the last
    group's code: the prefix is shared by consecutive passes; ``radix`` 0 for a single group)."""
    first = 1 if fold is None else 2
    cell = (prefix, np.int64(radix), last)
    if len(weights) > 2:  # no compiled layout: the rows, then the weights one pass each
        accumulate(prefix, radix, last, fold, [], out)
        for i, w in enumerate(weights):
            _weight(*cell, w, first + i, out)
        return out
    if fold is None:
        (_rows, _rows_one_weight, _rows_two_weights)[len(weights)](*cell, *weights, out)  # type: ignore[call-arg]  # numba's Dispatcher stub hides the jitted signature
    else:
        (_by_fold, _by_fold_one_weight, _by_fold_two_weights)[len(weights)](*cell, fold, *weights, out)  # type: ignore[call-arg]  # numba's Dispatcher stub hides the jitted signature
    return out
