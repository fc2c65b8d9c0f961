"""Bullseye: an open-source ICP engine for B2B go-to-market teams."""

from bullseye.errors import BullseyeError
from bullseye.workspace import Workspace

__all__ = ["Workspace", "BullseyeError", "__version__"]
__version__ = "0.1.0"
