"""Charts as bytes or SVG text, drawn on ``matplotlib.figure.Figure`` objects: no pyplot, no
backend switch, nothing written unless the caller writes the result."""

from __future__ import annotations

import io
from typing import Any

__all__ = ["figure", "svg", "png"]


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
    return text[text.index("<svg"):]


def png(fig: Any) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return buffer.getvalue()
