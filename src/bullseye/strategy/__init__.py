"""Definitions as code: the target audience, the ICP and the personas, saved as YAML."""

from bullseye.strategy.icp import (
    ICP,
    Condition,
    Criterion,
    Disqualifier,
    Evidence,
    Tiers,
    load_icp,
    save_icp,
)

__all__ = ["ICP", "Condition", "Criterion", "Disqualifier", "Evidence", "Tiers", "load_icp", "save_icp"]
