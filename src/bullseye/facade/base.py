"""What the facade's mixins share: the Workspace attributes they use, declared for the type checker,
and the argument checks more than one of them needs.

The attributes are defined by :class:`bullseye.workspace.Workspace`, the only class that composes
the mixins; a mixin is never used on its own.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, cast

from bullseye.config import PRESET_NAMES
from bullseye.errors import InvalidInputError

if TYPE_CHECKING:
    from datetime import date

    import ibis.expr.types as ir

    from bullseye.config import Settings
    from bullseye.core.warehouse import Warehouse
    from bullseye.workspace import Workspace

__all__ = ["FacadeBase", "check_preset", "as_date"]


class FacadeBase:
    """The base of every facade mixin."""

    root: Path
    settings: Settings

    if TYPE_CHECKING:  # defined by Workspace

        @property
        def warehouse(self) -> Warehouse: ...

        @property
        def data_dir(self) -> Path: ...

        @property
        def strategy_dir(self) -> Path: ...

        @property
        def reports_dir(self) -> Path: ...

        def has_table(self, name: str) -> bool: ...

        def table(self, name: str, needed_for: str | None = None) -> ir.Table: ...

    @property
    def _ws(self) -> Workspace:
        """This object as the Workspace it is part of, for the functions that take one."""
        return cast("Workspace", self)


def check_preset(preset: str | None) -> None:
    """An unknown preset is an error listing the known ones, before any file is read."""
    if preset is not None and preset not in PRESET_NAMES:
        raise InvalidInputError(f"unknown preset '{preset}'; the known presets are {', '.join(PRESET_NAMES)}")


def as_date(value: object, name: str) -> date | None:
    """A date argument given as a date or 'YYYY-MM-DD'; a bad string is one line naming the argument."""
    if not isinstance(value, str):
        return cast("date | None", value)
    from datetime import date

    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidInputError(f"{name}: '{value}' is not a date; use YYYY-MM-DD") from None
