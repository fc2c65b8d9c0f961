"""One render layer: any result to the terminal (Rich), HTML (Jinja) and JSON (one encoder).

Renderers are registered per result class in the modules of this package (one per feature area:
``render/outcomes.py``, ``render/discovery.py`` ...) with :func:`terminal_renderer` and
:func:`html_renderer`. An area module is imported only when a result it renders is first shown
(:data:`AREAS` says which module renders which class), so `bullseye load` does not pay for the
scoring, discovery and market renderers and the statistics they import.
The CLI calls :func:`to_terminal`, the web workspace :func:`as_html` (or its templates directly)
and every ``--json`` and ``.json`` twin :func:`as_json`.

Example:
    >>> from bullseye.results import Result
    >>> class Count(Result):
    ...     def __init__(self, n): self.n = n
    ...     def to_dict(self): return {"n": self.n, "share": float("nan")}
    >>> as_json(Count(3))
    '{"n": 3, "share": null}'
"""

from __future__ import annotations

import importlib
import io
import pkgutil
from collections.abc import Callable
from typing import Any

__all__ = [
    "AREAS",
    "terminal_renderer",
    "html_renderer",
    "to_terminal",
    "as_text",
    "as_html",
    "as_json",
    "TERMINAL_WIDTH",
]

#: Terminal output is laid out to fit this many columns without losing a column or splitting words.
TERMINAL_WIDTH = 80

#: The area module (in this package) that registers the renderers of each result class, by the class's
#: ``module.QualifiedName``. tests/test_render_lazy.py fails when this drifts from the registrations.
AREAS: dict[str, str] = {
    "bullseye.discover.result.DiscoveryResult": "discovery",
    "bullseye.scoring.explain.AccountExplanation": "explain",
    "bullseye.outcomes.funnel.FunnelMetrics": "funnel",
    "bullseye.governance.lifecycle.Preview": "lifecycle",
    "bullseye.governance.lifecycle.PublishResult": "lifecycle",
    "bullseye.governance.lifecycle.History": "lifecycle",
    "bullseye.governance.diff.VersionDiff": "lifecycle",
    "bullseye.governance.lifecycle.RestoredDraft": "lifecycle",
    "bullseye.governance.status.Status": "lifecycle",
    "bullseye.governance.status.CheckResult": "lifecycle",
    "bullseye.governance.triggers.TriggerList": "lifecycle",
    "bullseye.governance.events.Events": "lifecycle",
    "bullseye.governance.events.EventAdded": "lifecycle",
    "bullseye.ingest.loader.LoadReport": "load",
    "bullseye.ingest.quarantine.Quarantine": "quarantine",
    "bullseye.market.sizing.MarketSize": "market",
    "bullseye.market.draft_market.DraftMarket": "market",
    "bullseye.market.signals.SignalRanking": "market",
    "bullseye.market.signal_evidence.SignalReport": "market",
    "bullseye.market.industries.IndustryMapping": "market",
    "bullseye.market.matching.MatchResult": "market",
    "bullseye.market.snapshots.SnapshotComparison": "market",
    "bullseye.outcomes.summary.OutcomeSummary": "outcomes",
    "bullseye.people.committee.CommitteeReport": "people",
    "bullseye.people.theme_report.ThemeReport": "people",
    "bullseye.people.personas.PersonaDrafts": "people",
    "bullseye.people.cards.PersonaCards": "people",
    "bullseye.pipeline.MainJob": "pipeline",
    "bullseye.scoring.scores.Scores": "scoring",
    "bullseye.scoring.scores.ScorecardInUse": "scoring",
    "bullseye.scoring.backtest.Backtest": "scoring",
    "bullseye.people.workshop.WorkshopBoard": "workshop",
    "bullseye.people.empathy.EmpathyBoard": "workshop",
}

_TERMINAL: dict[type, Callable[..., Any]] = {}
_HTML: dict[type, Callable[..., str]] = {}
_NOT_AREAS = {"encoder", "inert", "templates"}


def terminal_renderer(cls: type) -> Callable:
    """Register ``function(result, details: bool) -> Rich renderable`` for ``cls``."""

    def register(function: Callable) -> Callable:
        _TERMINAL[cls] = function
        return function

    return register


def html_renderer(cls: type) -> Callable:
    """Register ``function(result) -> str`` (an HTML fragment) for ``cls``."""

    def register(function: Callable) -> Callable:
        _HTML[cls] = function
        return function

    return register


def _load_areas() -> None:
    """Import every area module, registering every renderer (what :data:`AREAS` is checked against)."""
    for module in pkgutil.iter_modules(__path__):
        if module.name not in _NOT_AREAS and not module.name.startswith("_"):
            importlib.import_module(f"{__name__}.{module.name}")


def _lookup(table: dict[type, Callable], result: Any) -> Callable | None:
    for klass in type(result).__mro__:
        area = AREAS.get(f"{klass.__module__}.{klass.__qualname__}")
        if area is not None:
            importlib.import_module(f"{__name__}.{area}")  # registers its renderers (once: sys.modules)
        if klass in table:
            return table[klass]
    return None


def to_terminal(result: Any, details: bool = False) -> Any:
    """A Rich renderable for ``result``: the most important part first; ``details`` unfolds the rest."""
    function = _lookup(_TERMINAL, result)
    if function is not None:
        return function(result, details)
    from rich.pretty import Pretty

    from bullseye.render.encoder import jsonable

    return Pretty(jsonable(result.to_dict()))


def as_text(result: Any, width: int = TERMINAL_WIDTH, details: bool = False) -> str:
    """``result`` as plain text laid out for ``width`` columns (what ``repr`` shows)."""
    from rich.console import Console

    console = Console(width=width, record=True, color_system=None, force_terminal=False, file=_Discard())
    console.print(to_terminal(result, details))
    return console.export_text().rstrip("\n")


def as_html(result: Any) -> str:
    """``result`` as an HTML fragment; every value from the user's data is escaped."""
    function = _lookup(_HTML, result)
    if function is not None:
        return function(result)
    from bullseye.render.encoder import jsonable
    from bullseye.render.html import render_template

    return render_template("result.html", title=type(result).__name__, data=jsonable(result.to_dict()))


def as_json(result: Any, indent: int | None = None) -> str:
    """Strict JSON for ``result`` (NaN as null, dates ISO) through the one encoder."""
    from bullseye.render.encoder import to_json

    return to_json(result.to_dict() if hasattr(result, "to_dict") else result, indent=indent)


class _Discard(io.StringIO):
    """A text file that keeps nothing (the recording console keeps the text)."""

    def write(self, text: str) -> int:
        return len(text)
