"""The one JSON encoder for everything Bullseye prints or serves as JSON.

Strict JSON only: NaN and infinities become ``null`` (``allow_nan=False`` guards the rest), dates and
timestamps are ISO strings, numpy and pandas scalars are plain numbers, frames are lists of records.
"""

from __future__ import annotations

import json
import math
from datetime import date, datetime
from pathlib import PurePath
from typing import Any

__all__ = ["jsonable", "to_json"]


def jsonable(value: Any) -> Any:
    """``value`` with numpy, pandas and dates turned into JSON types; NaN, infinity and NaT become None."""
    import numpy as np
    import pandas as pd

    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [jsonable(v) for v in value]
    if isinstance(value, pd.DataFrame):
        return [jsonable(row) for row in value.to_dict("records")]
    if isinstance(value, np.ndarray):
        return [jsonable(v) for v in value.tolist()]
    if isinstance(value, np.generic):
        value = value.item()
    if value is None or value is pd.NaT:
        return None
    if isinstance(value, float):
        return None if math.isnan(value) or math.isinf(value) else value
    if isinstance(value, (datetime, date, pd.Timestamp)):
        return value.isoformat()
    if isinstance(value, (str, int, bool)):
        return value
    if isinstance(value, PurePath):
        return str(value)
    if hasattr(value, "model_dump"):
        return jsonable(value.model_dump(mode="json"))
    if hasattr(value, "to_dict"):
        return jsonable(value.to_dict())
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    return str(value)


def to_json(data: Any, indent: int | None = 1) -> str:
    """``data`` as strict JSON text (never ``NaN`` or ``Infinity``)."""
    return json.dumps(jsonable(data), indent=indent, ensure_ascii=False, allow_nan=False)
