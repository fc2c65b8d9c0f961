"""The holdout split: whole accounts go to discovery or to the holdout, never to both.

By time when the data can say when each account came: the accounts first seen (their first
new-business deal, or their first subscription when they have no deal) from the cut on are the
holdout, the cut chosen so that about ``holdout_share`` of the accounts fall after it. When dates
cannot be used (none at all, too few accounts dated, or every account on one date) the holdout is a
seeded random share of the accounts, the same for the same seed and accounts whatever their order.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from bullseye.errors import InvalidInputError

__all__ = ["Split", "split_accounts", "MIN_DATED_SHARE", "DISCOVERY", "HOLDOUT"]

DISCOVERY, HOLDOUT = "discovery", "holdout"
#: A time split needs a date for at least this share of the accounts; the undated rest are placed
#: at random. Below it the dates say too little about the accounts, and the whole split is random.
MIN_DATED_SHARE = 0.95
#: A time cut whose holdout share is further than this from the requested share (many accounts on
#: one date, as in a snapshot) cannot be used: the split is random instead.
MAX_SHARE_GAP = 0.5


@dataclass(frozen=True)
class Split:
    """How the accounts were split. ``kind`` is ``time`` or ``random``; ``cutoff`` the first day of
    the holdout for a time split (None for a random one); ``reason`` why a random split was used."""

    kind: str
    holdout_share: float
    accounts: int
    holdout: int
    cutoff: dt.date | None = None
    seed: int = 0
    undated: int = 0  # accounts without a date, placed at random beside a time split
    reason: str = ""

    @property
    def line(self) -> str:
        """One line for the user: which split, and why when it is not by time."""
        share = self.holdout / self.accounts if self.accounts else self.holdout_share
        if self.kind == "random":
            return (
                f"{self.reason}: holdout is a seeded random {share:.0%} of accounts "
                f"({self.holdout:,} of {self.accounts:,}; seed {self.seed})"
            )
        if self.cutoff is None:
            raise InvalidInputError("a time split needs its cutoff date (the first day of the holdout)")
        undated = (
            f"; {self.undated:,} accounts without a date placed at random (seed {self.seed})" if self.undated else ""
        )
        return (
            f"holdout: the {self.holdout:,} of {self.accounts:,} accounts ({share:.0%}) first seen from "
            f"{self.cutoff.isoformat()} on; discovery: the {self.accounts - self.holdout:,} first seen before "
            f"then{undated}"
        )

    def to_dict(self) -> dict:
        return {
            "kind": self.kind,
            "holdout_share": self.holdout_share,
            "accounts": self.accounts,
            "holdout": self.holdout,
            "cutoff": self.cutoff.isoformat() if self.cutoff else None,
            "seed": self.seed,
            "undated": self.undated,
            "reason": self.reason or None,
            "line": self.line,
        }


def _random_holdout(ids: np.ndarray, share: float, seed: int) -> np.ndarray:
    """A seeded random ``share`` of ``ids`` (boolean mask in the order given): the same ids and seed
    give the same accounts whatever the order they come in."""
    order = np.argsort(ids.astype(str), kind="stable")
    chosen = np.random.default_rng(seed).permutation(len(ids))[: int(round(share * len(ids)))]
    mask = np.zeros(len(ids), dtype=bool)
    mask[order[chosen]] = True
    return mask


def _quantile_date(dates: pd.Series, q: float) -> dt.date:
    ordinals = np.sort(dates.map(lambda d: d.toordinal()).to_numpy())
    return dt.date.fromordinal(int(ordinals[min(int(q * len(ordinals)), len(ordinals) - 1)]))


def split_accounts(
    first_seen: pd.Series, holdout_share: float, seed: int = 0, undated_reason: str = "no dates", by_time: bool = True
) -> tuple[pd.Series, Split]:
    """``first_seen``: the date each account was first seen (index: account id; NaT/None when
    unknown). Returns the period of each account (``discovery`` or ``holdout``) and the split.
    ``undated_reason`` says what a random split is for lack of (e.g. "no deal dates");
    ``by_time=False`` asks for the random split whatever the dates."""
    ids = first_seen.index.to_numpy()
    seen = pd.to_datetime(pd.Series(first_seen.to_numpy(), index=ids), errors="coerce")
    dated = seen.notna().to_numpy()
    n = len(ids)
    holdout = np.zeros(n, dtype=bool)
    reason, cutoff = "", None
    if n == 0:
        return pd.Series([], dtype=object), Split("random", holdout_share, 0, 0, seed=seed, reason=undated_reason)
    if not by_time:
        reason = "a random split was asked for"
    elif dated.mean() >= MIN_DATED_SHARE:
        days = seen[dated].dt.date
        cutoff = _quantile_date(days, 1 - holdout_share)
        after = (seen[dated] >= pd.Timestamp(cutoff)).to_numpy()
        if abs(after.mean() - holdout_share) <= MAX_SHARE_GAP * holdout_share:
            holdout[dated] = after
            holdout[~dated] = _random_holdout(ids[~dated], holdout_share, seed)
            period = pd.Series(np.where(holdout, HOLDOUT, DISCOVERY), index=ids)
            return period, Split("time", holdout_share, n, int(holdout.sum()), cutoff, seed, int((~dated).sum()))
        reason = f"{after.mean():.0%} of accounts first seen on or after {cutoff.isoformat()} (one date for many)"
        cutoff = None
    elif dated.any():
        reason = f"only {dated.mean():.0%} of accounts have a date"
    else:
        reason = undated_reason
    holdout = _random_holdout(ids, holdout_share, seed)
    period = pd.Series(np.where(holdout, HOLDOUT, DISCOVERY), index=ids)
    return period, Split("random", holdout_share, n, int(holdout.sum()), None, seed, reason=reason)
