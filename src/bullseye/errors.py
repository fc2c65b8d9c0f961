"""One error hierarchy. The CLI and web edges translate it into one clear line each.

The five kinds an edge maps (the CLI to an exit code, the web workspace and the API to an HTTP
status): not found (404), invalid input (422), conflict (409), not enough data (422) and a missing
dependency or a problem of the machine (503).
"""

from __future__ import annotations

__all__ = [
    "BullseyeError",
    "NotFoundError",
    "InvalidInputError",
    "ConflictError",
    "NotEnoughDataError",
    "MissingDependencyError",
    "StorageError",
    "WarehouseBusy",
    "ConfigError",
    "WorkspaceNotFound",
    "InputFileError",
    "MappingError",
    "MissingTableError",
    "EXIT_CODES",
    "exit_code",
]


class BullseyeError(Exception):
    """Base of every error Bullseye raises on purpose; its message is meant for the user."""


class NotFoundError(BullseyeError):
    """Something the user named does not exist (a workspace, a table, a version, a file)."""


class InvalidInputError(BullseyeError):
    """Input that cannot be used as given (a file, a setting, a definition, an option)."""


class ConflictError(BullseyeError):
    """The state changed under the user: another write is running, or a definition changed since it was read."""


class NotEnoughDataError(BullseyeError):
    """The data is valid but cannot support the answer asked for (too few deals, no lost deals...)."""


class MissingDependencyError(BullseyeError):
    """An optional package or program is needed and not installed."""


class StorageError(BullseyeError):
    """The machine refused: the disk is full, read-only, or the workspace is not writable."""

    errno: int | None = None


class WarehouseBusy(ConflictError):
    """Another process holds the workspace's write lock."""


class ConfigError(InvalidInputError):
    """A settings or definition file is invalid (the message names the file and the key)."""


class WorkspaceNotFound(NotFoundError):
    """No bullseye.yaml in the given directory or any parent."""


class InputFileError(InvalidInputError):
    """An input file cannot be read at all (empty, binary, wrong format, missing column)."""


class MappingError(InvalidInputError):
    """A column mapping does not fit the file it is applied to."""


class MissingTableError(NotFoundError):
    """A feature needs a canonical table that has not been loaded."""


#: The CLI's exit code per kind of error (the most specific class in an error's MRO wins); 2 is
#: click's usage error and 130 an interrupt. Documented in docs/cli.md.
EXIT_CODES: dict[type[BullseyeError], int] = {
    BullseyeError: 1,
    NotFoundError: 3,
    InvalidInputError: 4,
    ConflictError: 5,
    NotEnoughDataError: 6,
    MissingDependencyError: 7,
    StorageError: 8,
}


def exit_code(error: BaseException) -> int:
    """The CLI's exit code for ``error``: its kind's code from :data:`EXIT_CODES`, 1 for anything else."""
    for klass in type(error).__mro__:
        if klass in EXIT_CODES:
            return EXIT_CODES[klass]
    return 1
