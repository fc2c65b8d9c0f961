"""Bullseye: an open-source ICP engine for B2B go-to-market teams."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bullseye.errors import BullseyeError

if TYPE_CHECKING:
    from bullseye.workspace import Workspace

__all__ = ["Workspace", "BullseyeError", "__version__"]
__version__ = "0.1.0"


def __getattr__(name: str) -> Any:
    # ``Workspace`` is imported on first use, so ``import bullseye.cli`` (and ``bullseye --help``) stays fast.
    if name == "Workspace":
        from bullseye.workspace import Workspace

        return Workspace
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
