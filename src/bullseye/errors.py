"""One error hierarchy. The CLI and web edges translate it into one clear line each."""

from __future__ import annotations

__all__ = [
    "BullseyeError",
    "ConfigError",
    "WorkspaceNotFound",
    "InputFileError",
    "MappingError",
    "MissingTableError",
]


class BullseyeError(Exception):
    """Base of every error Bullseye raises on purpose; its message is meant for the user."""


class ConfigError(BullseyeError):
    """A settings or definition file is invalid (the message names the file and the key)."""


class WorkspaceNotFound(BullseyeError):
    """No bullseye.yaml in the given directory or any parent."""


class InputFileError(BullseyeError):
    """An input file cannot be read at all (empty, binary, wrong format, missing column)."""


class MappingError(BullseyeError):
    """A column mapping does not fit the file it is applied to."""


class MissingTableError(BullseyeError):
    """A feature needs a canonical table that has not been loaded."""
