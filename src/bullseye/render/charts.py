"""Charts as bytes: each function draws on its own matplotlib ``Figure`` (no pyplot, no backend
switch, so a notebook's plots and backend are untouched) and returns PNG or SVG bytes; results
write them only to a path their caller gives."""

from __future__ import annotations

import io
import math
from typing import TYPE_CHECKING, Any

import numpy as np

from bullseye.render.inert import for_mathtext

if TYPE_CHECKING:
    from bullseye.market.sizing import MarketSize

__all__ = ["figure", "svg", "png", "funnel_chart"]


def figure(width: float, height: float, dpi: int = 100) -> Any:
    """A new figure with an Agg canvas of its own (the caller's matplotlib backend is left alone)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=dpi)
    FigureCanvasAgg(fig)
    return fig


def svg(fig: Any) -> str:
    """The figure as an inline ``<svg>`` element (for an HTML page)."""
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", bbox_inches="tight")
    text = buffer.getvalue()
    return text[text.index("<svg") :]


def png(fig: Any) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return buffer.getvalue()


def funnel_chart(result: MarketSize, format: str = "png") -> bytes:
    """The waterfall drawn as a funnel, one centred bar per step, widths in proportion: PNG or SVG
    bytes. Draws on its own figure (no pyplot, no backend switch), so a notebook's plots are untouched."""
    from matplotlib import colormaps
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    steps = result.waterfall[result.waterfall["step"] != "Could fit, data missing"]
    fig = Figure(figsize=(8, 0.5 * len(steps) + 1.2))
    FigureCanvasAgg(fig)
    ax = fig.subplots()
    # Square-root widths: the last steps are a small fraction of the universe and would vanish.
    widest = math.sqrt(max(float(steps["companies"].max()), 1.0))
    colours = colormaps["Greens"](np.linspace(0.35, 0.9, len(steps)))
    for i, row in enumerate(steps.itertuples()):
        width = max(math.sqrt(row.companies) / widest, 0.01)
        ax.barh(i, width, left=(1 - width) / 2, color=colours[i], height=0.8)
        ax.text(
            0.5,
            i,
            f"{for_mathtext(row.step)}: {int(row.companies):,}",
            ha="center",
            va="center",
            fontsize=9,
            bbox={"facecolor": "white", "alpha": 0.85, "edgecolor": "none", "pad": 1.5},
        )
    ax.set_ylim(len(steps) - 0.5, -0.5)
    ax.set_xlim(0, 1)
    ax.axis("off")
    ax.set_title(f"The market, from the universe to the customers (as of {result.as_of})", fontsize=11, loc="left")
    ax.text(
        0,
        -0.02,
        "Bar widths: square root of the number of companies.",
        transform=ax.transAxes,
        fontsize=7,
        color="grey",
        va="top",
    )
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format=format, dpi=120)
    return buffer.getvalue()
