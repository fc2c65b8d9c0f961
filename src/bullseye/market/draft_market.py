"""The market under the draft definitions beside the market under the version in use: what
publishing the draft would change in the waterfall and in TAM/SAM/SOM (the ICP preview shows it).

Both sides are sized by :func:`bullseye.market.sizing.size_market` on one dataset; no scorecard is
fitted (the waterfall and the sizing do not need one, only the whitespace's fit scores would).

Example::

    compared = ws.draft_market()
    compared.waterfall.set_index("step").loc["ICP fit (no disqualifier)", ["in_use", "draft"]]
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from bullseye.market.sizing import MarketSize
from bullseye.results import Result

if TYPE_CHECKING:
    from bullseye.workspace import Workspace

__all__ = ["DraftMarket", "draft_market", "aligned_steps"]


def aligned_steps(first: list[str], second: list[str]) -> list[str]:
    """The steps of both waterfalls in one order: ``first``'s, with each step only ``second`` has
    placed after the step it follows there (audiences may differ in their criteria)."""
    order = list(first)
    for i, step in enumerate(second):
        if step in order:
            continue
        before = next((s for s in reversed(second[:i]) if s in order), None)
        order.insert(order.index(before) + 1 if before is not None else 0, step)
    return order


@dataclass(repr=False)
class DraftMarket(Result):
    """The draft's market (``draft``) and the version in use's (``in_use``; None before any publish).

    ``waterfall``: one row per step, columns ``step``, ``in_use``, ``draft``, ``change`` (companies;
    missing where a side has no such step); ``sizing``: TAM/SAM/SOM companies and value on each side."""

    draft: MarketSize
    in_use: MarketSize | None
    in_use_label: str | None

    @property
    def waterfall(self) -> pd.DataFrame:
        draft = self.draft.waterfall.set_index("step")["companies"]
        used = (
            self.in_use.waterfall.set_index("step")["companies"] if self.in_use is not None else pd.Series(dtype=float)
        )
        steps = aligned_steps(list(draft.index), list(used.index))
        frame = pd.DataFrame(
            {"step": steps, "in_use": used.reindex(steps).to_numpy(), "draft": draft.reindex(steps).to_numpy()}
        )
        frame["change"] = frame["draft"] - frame["in_use"]
        notes = self.draft.waterfall.set_index("step")["note"]
        frame["note"] = notes.reindex(steps).to_numpy()
        return frame

    @property
    def sizing(self) -> pd.DataFrame:
        draft = self.draft.sizing.set_index("name")
        frame = pd.DataFrame(
            {
                "name": draft.index,
                "draft_companies": draft["companies"].to_numpy(),
                "draft_value": draft["value"].to_numpy(),
            }
        )
        if self.in_use is not None:
            used = self.in_use.sizing.set_index("name").reindex(draft.index)
            frame["in_use_companies"] = used["companies"].to_numpy()
            frame["in_use_value"] = used["value"].to_numpy()
        else:
            frame["in_use_companies"] = np.nan
            frame["in_use_value"] = np.nan
        return frame

    def to_dict(self) -> dict[str, Any]:
        from bullseye.render.encoder import jsonable

        return jsonable(
            {
                "in_use": self.in_use_label,
                "currency": self.draft.currency,
                "as_of": self.draft.as_of,
                "waterfall": self.waterfall,
                "sizing": self.sizing,
                "notes": [n for n in self.draft.notes if n],
            }
        )


def draft_market(ws: Workspace) -> DraftMarket:
    """Size the market under the draft ``strategy/`` definitions and under the published version."""
    from bullseye.core.dataset import build_dataset
    from bullseye.market.sizing import size_market
    from bullseye.strategy.audience import AUDIENCE_FILE, Audience
    from bullseye.strategy.icp import load_icp
    from bullseye.yamlio import load_model

    data = build_dataset(ws)
    audience_file = ws.root / AUDIENCE_FILE
    audience = load_model(Audience, audience_file) if audience_file.is_file() else None
    draft = size_market(ws, audience or Audience(), load_icp(ws.root), None, data)
    if audience is None:
        draft.notes.append("no audience definition (strategy/audience.yaml): the whole universe is the target audience")
    in_use = ws.strategy_in_use()
    if in_use is None or in_use.version is None:
        return DraftMarket(draft, None, None)
    used = size_market(ws, in_use.audience or Audience(), in_use.icp, None, data)
    return DraftMarket(draft, used, in_use.label)
