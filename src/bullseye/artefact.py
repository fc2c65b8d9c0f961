"""Fitted models stored as plain JSON: a published version's scorecard, kept in git and read back
to score exactly as it scored when it was published, with no refit.

The encoding is explicit, not pickle: numbers, text, lists and mappings as themselves; numpy
arrays, data frames, dates, tuples, non-finite floats and pydantic models with a tag; objects only
of the classes registered here, rebuilt field by field (so a stored file can never run code, and a
class keeps its name when its module moves).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from typing import Any

from bullseye.errors import InvalidInputError

__all__ = ["encode", "decode", "register", "FORMAT"]

FORMAT = 1
_CLASSES: dict[str, type] = {}


def register(*classes: type) -> type | None:
    """Allow objects of ``classes`` in artefacts (by class name); as a class decorator
    (``@register``) it returns the class."""
    for cls in classes:
        known = _CLASSES.get(cls.__name__)
        if known is not None and (known.__module__, known.__qualname__) != (cls.__module__, cls.__qualname__):
            raise InvalidInputError(
                f"two classes named {cls.__name__} cannot both be stored in artefacts "
                f"({known.__module__} and {cls.__module__})"
            )
        _CLASSES[cls.__name__] = cls  # a reloaded module replaces its own class
    return classes[0] if len(classes) == 1 else None


def _registered() -> dict[str, type]:
    return _CLASSES


def encode(value: Any) -> Any:
    """``value`` as JSON-ready data (see the module docstring)."""
    import numpy as np
    import pandas as pd
    from pydantic import BaseModel

    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        return int(value)
    if isinstance(value, (float, np.floating)):
        value = float(value)
        return value if math.isfinite(value) else {"$float": repr(value)}
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, np.ndarray):
        if value.dtype == object:
            return {"$array": [encode(v) for v in value.tolist()], "dtype": "object", "shape": list(value.shape)}
        return {
            "$array": [encode(v) for v in value.ravel().tolist()],
            "dtype": value.dtype.str,
            "shape": list(value.shape),
        }
    if isinstance(value, pd.DataFrame):
        return {
            "$frame": {str(c): encode(value[c].to_numpy()) for c in value.columns},
            "columns": [str(c) for c in value.columns],
            "index": encode(value.index.to_numpy()),
        }
    if isinstance(value, pd.Series):
        return {
            "$series": encode(value.to_numpy()),
            "index": encode(value.index.to_numpy()),
            "name": encode(value.name),
        }
    if isinstance(value, (dt.datetime, pd.Timestamp)):
        return {"$datetime": value.isoformat()}
    if isinstance(value, dt.date):
        return {"$date": value.isoformat()}
    if isinstance(value, tuple):
        return {"$tuple": [encode(v) for v in value]}
    if isinstance(value, list):
        return [encode(v) for v in value]
    if isinstance(value, dict):
        if all(isinstance(k, str) and not k.startswith("$") for k in value):
            return {k: encode(v) for k, v in value.items()}
        return {"$dict": [[encode(k), encode(v)] for k, v in value.items()]}
    name = type(value).__name__
    if _registered().get(name) is not type(value):
        raise InvalidInputError(f"cannot store a {type(value).__module__}.{name} in an artefact")
    if isinstance(value, BaseModel):
        return {"$model": name, "data": value.model_dump(mode="json")}
    fields = (
        {f.name: getattr(value, f.name) for f in dataclasses.fields(value)}
        if dataclasses.is_dataclass(value)
        else dict(vars(value))
    )
    return {"$object": name, "fields": {k: encode(v) for k, v in fields.items()}}


def decode(data: Any) -> Any:
    """The value :func:`encode` stored."""
    import numpy as np
    import pandas as pd

    if isinstance(data, list):
        return [decode(v) for v in data]
    if not isinstance(data, dict):
        return data
    if "$float" in data:
        return float(data["$float"])
    if "$array" in data:
        items = [decode(v) for v in data["$array"]]
        if data["dtype"] == "object":
            out = np.empty(len(items), dtype=object)
            out[:] = items
            return out.reshape(data["shape"])
        return np.array(items, dtype=np.dtype(data["dtype"])).reshape(data["shape"])
    if "$frame" in data:
        frame = pd.DataFrame({c: decode(data["$frame"][c]) for c in data["columns"]}, columns=data["columns"])
        frame.index = decode(data["index"])
        return frame
    if "$series" in data:
        return pd.Series(decode(data["$series"]), index=decode(data["index"]), name=decode(data["name"]))
    if "$datetime" in data:
        return pd.Timestamp(data["$datetime"]).to_pydatetime()
    if "$date" in data:
        return dt.date.fromisoformat(data["$date"])
    if "$tuple" in data:
        return tuple(decode(v) for v in data["$tuple"])
    if "$dict" in data:
        return {_hashable(decode(k)): decode(v) for k, v in data["$dict"]}
    if "$model" in data or "$object" in data:
        name = data.get("$model") or data["$object"]
        cls: Any = _registered().get(name)
        if cls is None:
            raise InvalidInputError(f"an artefact holds a '{name}', which this version of Bullseye does not know")
        if "$model" in data:
            return cls.model_validate(data["data"])
        instance = cls.__new__(cls)
        for key, value in data["fields"].items():
            object.__setattr__(instance, key, decode(value))
        return instance
    return {k: decode(v) for k, v in data.items()}


def _hashable(value: Any) -> Any:
    return tuple(_hashable(v) for v in value) if isinstance(value, list) else value
