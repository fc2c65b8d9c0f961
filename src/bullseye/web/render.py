"""One structure, two renderings: a Jinja template (HTML) or JSON (its ``.json`` twin).

JSON goes through :mod:`bullseye.render.encoder`, the encoder the CLI uses too. TODO(issue 12): move the
template environment into ``bullseye/render/`` once the render layer exists.
"""

from __future__ import annotations

import math
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from jinja2 import ChoiceLoader, Environment, FileSystemLoader, PackageLoader

from bullseye.render.encoder import jsonable, to_json

__all__ = ["jsonable", "to_json", "template_environment", "TEMPLATES_DIR", "STATIC_DIR"]

TEMPLATES_DIR = Path(__file__).parent / "templates"
STATIC_DIR = Path(__file__).parent / "static"


def _number(value: Any, digits: int = 0) -> str:
    """1234.5 -> '1,234' (digits=0); None/NaN -> an en dash."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return f"{value:,.{digits}f}"


def _percent(value: Any, digits: int = 0) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return f"{100 * value:.{digits}f}%"


def _plain(value: Any) -> str:
    """A data value as a person reads it: 59.0 -> '59', 0.21999999999999997 -> '0.22', a midnight timestamp -> its date, missing -> ''."""
    if value is None or value is pd.NaT or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        return format(float(value), ".6g")  # 0.21999999999999997 -> 0.22
    if isinstance(value, (datetime, pd.Timestamp)) and (value.hour, value.minute, value.second) == (0, 0, 0):
        return value.date().isoformat()
    if isinstance(value, (list, tuple, np.ndarray)):
        return ", ".join(_plain(v) for v in value)
    return str(value)


def _money(value: Any) -> str:
    """17100 -> '17.1k', as the terminal shows money (bullseye.render.market.money)."""
    from bullseye.render.market import money

    return money(value)


def _tier_sentence(explanation: Any) -> str:
    """An account's tier and the cut that set it, as ``bullseye explain`` prints it."""
    from bullseye.render.explain import tier_sentence

    return tier_sentence(explanation) if explanation else ""


def template_environment() -> Environment:
    """Autoescaping on for every template: whatever came from a user's data renders as text."""
    # The result fragments of bullseye/render/templates (e.g. funnel.html) are included by pages.
    loader = ChoiceLoader([FileSystemLoader(TEMPLATES_DIR), PackageLoader("bullseye.render", "templates")])
    env = Environment(loader=loader, autoescape=True, trim_blocks=True, lstrip_blocks=True)
    env.filters["number"] = _number
    env.filters["percent"] = _percent
    env.filters["plain"] = _plain
    env.filters["money"] = _money
    env.filters["tier_sentence"] = _tier_sentence
    return env
