"""One render layer: any result to the terminal (Rich), HTML (Jinja) and JSON (one encoder).

Renderers are registered per result class in the modules of this package (one per feature area:
``render/outcomes.py``, ``render/discovery.py`` ...) with :func:`terminal_renderer` and
:func:`html_renderer`; they are imported on first use, so importing a result class stays cheap.
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

__all__ = ["terminal_renderer", "html_renderer", "to_terminal", "as_text", "as_html", "as_json", "TERMINAL_WIDTH"]

#: Terminal output is laid out to fit this many columns without losing a column or splitting words.
TERMINAL_WIDTH = 80

_TERMINAL: dict[type, Callable[..., Any]] = {}
_HTML: dict[type, Callable[..., str]] = {}
_NOT_AREAS = {"encoder", "inert", "templates"}
_loaded = False


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
    global _loaded
    if not _loaded:
        _loaded = True
        for module in pkgutil.iter_modules(__path__):
            if module.name not in _NOT_AREAS and not module.name.startswith("_"):
                importlib.import_module(f"{__name__}.{module.name}")


def _lookup(table: dict[type, Callable], result: Any) -> Callable | None:
    _load_areas()
    for klass in type(result).__mro__:
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
