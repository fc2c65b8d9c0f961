"""The names users type for ``--outcome``, in a module without dependencies, so the command line's
help can name them without importing pandas (see :mod:`bullseye.core.units` for what they measure)."""

from __future__ import annotations

__all__ = ["OUTCOME_GROUPS", "TARGET_PREFIX"]

#: The names users type for --outcome, and the outcomes each stands for.
OUTCOME_GROUPS = {
    "win": ("win",),
    "velocity": ("days_to_close", "discount"),
    "value": ("acv",),
    "retention": ("retention",),
    "stickiness": ("usage", "nps"),
}
OUTCOME_GROUPS["all"] = tuple(o for group in OUTCOME_GROUPS.values() for o in group)
#: ``target:<attribute>``: an account attribute searched as a yes/no outcome of won accounts.
TARGET_PREFIX = "target:"
