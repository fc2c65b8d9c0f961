"""Rows as packed bits and one attribute's selectors as atoms: the form the search kernel counts.

Row ``r`` of a boolean mask is bit ``r % 64`` of word ``r // 64`` (:func:`pack_bits`). A
:class:`Partition` groups one attribute's selectors by atom (a distinct pattern of them), so the
kernel counts a few atoms instead of every row; partitions with too many atoms are split.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from bullseye.discover.encode import EncodedAttributes

__all__ = [
    "Partition",
    "pack_bits",
    "unpack_bits",
    "n_words",
    "popcount",
    "atom_partitions",
    "build_partitions",
    "split_partition",
    "MAX_ATOMS",
]

MAX_ATOMS = 64  # a partition has at most this many atoms (distinct selector patterns)


@dataclass
class Partition:
    """Selectors of one attribute as unions of atoms: every row has exactly one atom.

    ``codes[r]`` is row ``r``'s atom and ``members[j, a]`` says whether selector
    ``selectors[j]`` covers atom ``a`` (an atom is a distinct pattern of these selectors, so a
    numeric attribute's atoms are its bins). The search kernel counts atoms, not rows.
    """

    attribute: int
    selectors: np.ndarray
    codes: np.ndarray
    members: np.ndarray

    @property
    def n_atoms(self) -> int:
        return int(self.members.shape[1])


def n_words(n_rows: int) -> int:
    """How many 64-bit words hold ``n_rows`` bits."""
    return (n_rows + 63) // 64


def pack_bits(masks: np.ndarray) -> np.ndarray:
    """Pack boolean rows (shape (..., n)) into uint64 words (shape (..., ceil(n / 64)))."""
    packed = np.packbits(np.asarray(masks, dtype=bool), axis=-1, bitorder="little")
    packed = np.pad(packed, [(0, 0)] * (packed.ndim - 1) + [(0, n_words(np.shape(masks)[-1]) * 8 - packed.shape[-1])])
    return np.ascontiguousarray(packed).view("<u8").astype(np.uint64, copy=False)


def unpack_bits(bits: np.ndarray, n_rows: int) -> np.ndarray:
    """Inverse of ``pack_bits``: uint64 words (shape (..., n_words)) to booleans (..., n_rows)."""
    raw = np.ascontiguousarray(bits, dtype="<u8").view(np.uint8)
    return np.unpackbits(raw, axis=-1, count=n_rows, bitorder="little").view(bool)


def popcount(bits: np.ndarray) -> np.ndarray:
    """The number of set bits along the last axis (rows covered per selector)."""
    if hasattr(np, "bitwise_count"):  # numpy >= 2.0; else a byte lookup table
        return np.bitwise_count(bits).sum(axis=-1, dtype=np.int64)
    return np.array([bin(i).count("1") for i in range(256)], np.uint8)[bits.view(np.uint8)].sum(-1, dtype=np.int64)


def split_partition(part: Partition) -> tuple[Partition, Partition]:
    """Split a partition's selectors in two halves, each with its own (fewer) atoms."""
    half = len(part.selectors) // 2
    out = []
    for rows in (slice(None, half), slice(half, None)):
        members = part.members[rows]
        weights = 1 << np.arange(members.shape[0], dtype=np.int64)
        codes, atoms = pd.factorize(weights @ members.astype(np.int64))
        out.append(
            Partition(
                part.attribute,
                part.selectors[rows],
                _small(codes[part.codes]),
                ((atoms[None, :] >> np.arange(members.shape[0])[:, None]) & 1).astype(bool),
            )
        )
    return out[0], out[1]


def _small(codes: np.ndarray) -> np.ndarray:
    top = int(codes.max()) if len(codes) else 0
    return codes.astype(np.uint8 if top < 256 else np.uint16 if top < 65536 else np.int32)


def atom_partitions(
    attribute: int, selectors: np.ndarray, masks: np.ndarray, max_atoms: int = MAX_ATOMS
) -> list[Partition]:
    """Atoms of one attribute's selectors (boolean rows ``masks``), split until at most ``max_atoms``."""
    k = len(selectors)
    if k > 60:
        return atom_partitions(attribute, selectors[:60], masks[:60], max_atoms) + atom_partitions(
            attribute, selectors[60:], masks[60:], max_atoms
        )
    pattern = np.zeros(masks.shape[1], dtype=np.int64)
    for j in range(k):
        pattern |= masks[j].astype(np.int64) << j
    if k <= 16:
        atoms = np.flatnonzero(np.bincount(pattern, minlength=1 << k))
        lut = np.zeros(1 << k, dtype=np.int64)
        lut[atoms] = np.arange(len(atoms))
        codes = lut[pattern]
    else:
        codes, atoms = pd.factorize(pattern)
    members = ((np.asarray(atoms)[None, :] >> np.arange(k)[:, None]) & 1).astype(bool)
    return _split_until(Partition(attribute, np.asarray(selectors, dtype=np.int64), _small(codes), members), max_atoms)


def _split_until(part: Partition, max_atoms: int) -> list[Partition]:
    if part.n_atoms <= max_atoms or len(part.selectors) == 1:
        return [part]
    return [p for half in split_partition(part) for p in _split_until(half, max_atoms)]


def build_partitions(encoded: EncodedAttributes) -> list[Partition]:
    """The atom partitions of ``encoded`` (derived from its bits; ``encode`` stores them)."""
    out = []
    for a in range(len(encoded.attributes)):
        sel = np.flatnonzero(encoded.attribute_index == a)
        out += atom_partitions(a, sel, unpack_bits(encoded.bits[sel], encoded.n_rows))
    return out
