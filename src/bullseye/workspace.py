"""The Workspace: the one object every command, the web app and notebooks use."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import ibis.expr.types as ir

from bullseye.config import PRESET_NAMES, SETTINGS_FILE, Settings
from bullseye.core.schema import TABLES
from bullseye.core.warehouse import Warehouse
from bullseye.errors import (
    BullseyeError,
    InvalidInputError,
    MissingTableError,
    WorkspaceNotFound,
)
from bullseye.paths import contained, is_inside, workspace_glob
from bullseye.yamlio import dump_model, load_model

if TYPE_CHECKING:
    from bullseye.ingest.loader import LoadReport
    from bullseye.ingest.mapping import MappingFile
    from bullseye.ingest.preview import MappingPreview
    from bullseye.ingest.quarantine_browse import QuarantinePage

__all__ = ["Workspace", "check_preset"]

STATE_DIR = ".bullseye"


class Workspace:
    """A directory with ``bullseye.yaml``, the exports in ``data/``, definitions in ``strategy/``
    and the warehouse in ``.bullseye/warehouse.duckdb``; and the facade: every feature is a method
    that returns a result holding numbers (see :mod:`bullseye.results`), rendered by
    :mod:`bullseye.render` for the terminal, HTML and JSON. The CLI, the web workspace and
    notebooks call these methods and nothing else.

    - data: ``load``, ``quarantine``, ``table``, ``loaded_tables``
    - outcomes and discovery: ``outcomes``, ``funnel``, ``discover``, ``propose``
    - the ICP and its scores: ``icp``, ``icp_in_use``, ``backtest``, ``scorecard``, ``score``
    - people: ``committee``, ``themes``, ``personas``, ``cards``
    - market: ``industries``, ``match``, ``size``, ``signals``
    - lifecycle: ``preview``, ``publish``, ``history``, ``diff``, ``rollback``, ``restore_draft``,
      ``status``, ``check``, ``triggers``, ``events``, ``add_event``
    - the main job: ``run_all``
    """

    def __init__(self, path: Path | str) -> None:
        self.root = Path(path).resolve()
        settings_file = self.root / SETTINGS_FILE
        if not settings_file.is_file():
            raise WorkspaceNotFound(
                f"{self.root} is not a Bullseye workspace (no {SETTINGS_FILE}); create one with `bullseye init {path}`"
            )
        self.settings: Settings = load_model(Settings, settings_file)
        self.warehouse = Warehouse(self.state_dir / "warehouse.duckdb", self.settings.memory_limit)

    # -- construction -------------------------------------------------------------------------
    @classmethod
    def init(cls, path: Path | str, name: str | None = None, exist_ok: bool = False) -> Workspace:
        root = Path(path)
        settings_file = root / SETTINGS_FILE
        if settings_file.exists() and not exist_ok:
            raise BullseyeError(f"{settings_file} already exists; this is already a workspace")
        if root.exists() and not root.is_dir():
            raise BullseyeError(f"{root} exists and is not a directory")
        for sub in ("data", "strategy", "reports", STATE_DIR):
            (root / sub).mkdir(parents=True, exist_ok=True)
        if not settings_file.exists():
            dump_model(Settings(name=name or root.resolve().name), settings_file)
        (root / STATE_DIR / ".gitignore").write_text("*\n", encoding="utf-8")
        workspace = cls(root)
        workspace.warehouse.create_empty()
        return workspace

    @classmethod
    def find(cls, start: Path | str | None = None) -> Workspace:
        """The workspace containing ``start`` (default: the current directory), searching upwards like git."""
        here = Path(start or Path.cwd()).resolve()
        for candidate in (here, *here.parents):
            if (candidate / SETTINGS_FILE).is_file():
                return cls(candidate)
        raise WorkspaceNotFound(
            f"no {SETTINGS_FILE} in {here} or any parent directory; create a workspace with `bullseye init PATH`"
        )

    # -- layout -------------------------------------------------------------------------------
    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    @property
    def strategy_dir(self) -> Path:
        return self.root / "strategy"

    @property
    def reports_dir(self) -> Path:
        return self.root / "reports"

    @property
    def state_dir(self) -> Path:
        return self.root / STATE_DIR

    # -- data ---------------------------------------------------------------------------------
    def loaded_tables(self) -> list[str]:
        """Canonical tables present in the warehouse."""
        present = set(self.warehouse.list_tables())
        return [name for name in TABLES if name in present]

    def has_table(self, name: str) -> bool:
        return name in self.warehouse.list_tables()

    def table(self, name: str, needed_for: str | None = None) -> ir.Table:
        """An Ibis table from the warehouse; a missing table is one clear error naming the feature."""
        if not self.has_table(name):
            purpose = f" {needed_for} needs it;" if needed_for else ""
            raise MissingTableError(
                f"table '{name}' has not been loaded;{purpose} load a file with `bullseye load FILE` "
                f"(see docs/tables.md for its columns)"
            )
        return self.warehouse.con.table(name)

    def load(self, files: list[Path] | None = None, preset: str | None = None,
             mapping: Path | None = None, progress=None) -> LoadReport:
        """Load exports into the canonical tables; see :mod:`bullseye.ingest.loader`."""
        from bullseye.ingest.loader import load_files

        check_preset(preset)
        load_settings = self.settings.load
        if not files:
            source = f"{self.root / SETTINGS_FILE}: load.files"
            files = sorted({p for pattern in load_settings.files for p in workspace_glob(self.root, pattern, source)})
            if not files:
                raise BullseyeError(
                    f"no files to load: nothing matches {', '.join(load_settings.files)} in {self.root}"
                )
        if mapping is None and load_settings.mapping:
            mapping = contained(self.root / load_settings.mapping, [self.root], f"{SETTINGS_FILE}: load.mapping")
        return load_files(self, [Path(f) for f in files], preset=preset or load_settings.preset,
                          mapping_file=mapping, progress=progress)

    def remember_load(self, preset: str | None, mapping: Path | None) -> str | None:
        """Write the preset and mapping of a successful load to ``bullseye.yaml`` (``load.preset``,
        ``load.mapping``) so the next plain ``bullseye load`` reads the exports the same way; what changed, or None."""
        current = self.settings.load
        update: dict[str, str] = {}
        if preset and preset != current.preset:
            update["preset"] = preset
        if mapping is not None:
            resolved = Path(mapping).resolve()
            if not resolved.is_relative_to(self.root):
                return (f"the mapping {mapping} is outside the workspace, so it was not saved in {SETTINGS_FILE}; "
                        f"move it into the workspace to have `bullseye load` use it by default")
            relative = resolved.relative_to(self.root).as_posix()
            if relative != current.mapping:
                update["mapping"] = relative
        if not update:
            return None
        self.settings = self.settings.model_copy(update={"load": current.model_copy(update=update)})
        dump_model(self.settings, self.root / SETTINGS_FILE)
        said = ", ".join(f"load.{key}: {value}" for key, value in update.items())
        return f"Saved {said} in {SETTINGS_FILE}; the next plain `bullseye load` reads the exports the same way."

    # -- data for the web workspace --------------------------------------------------------------
    def export_files(self) -> list[Path]:
        """The exports in ``data/`` a load can read (CSV, Parquet, Excel), by name."""
        from bullseye.ingest.readers import EXTENSIONS

        if not self.data_dir.is_dir():
            return []
        return sorted(p for p in self.data_dir.iterdir()
                      if p.is_file() and p.suffix.lower() in EXTENSIONS and is_inside(p, [self.root]))

    def preview_mapping(self, files: list[Path] | None = None, preset: str | None = None,
                        mapping: Path | MappingFile | None = None, rows: int = 20) -> MappingPreview:
        """The first ``rows`` rows of each export mapped onto the canonical tables, with each column's
        type and the values a load would set aside; loads nothing. Defaults as ``load``."""
        from bullseye.ingest.preview import preview_mapping

        check_preset(preset)
        load_settings = self.settings.load
        if not files:
            source = f"{self.root / SETTINGS_FILE}: load.files"
            files = sorted({p for pattern in load_settings.files for p in workspace_glob(self.root, pattern, source)})
        if mapping is None and load_settings.mapping:
            mapping = contained(self.root / load_settings.mapping, [self.root], f"{SETTINGS_FILE}: load.mapping")
        return preview_mapping(self, [Path(f) for f in files], preset or load_settings.preset, mapping, rows)

    def quarantine(self, table: str | None = None, reason: str | None = None, page: int = 1) -> QuarantinePage:
        """What the loads set aside: counts per table and reason, and one page of the rows.
        TODO(facade): a minimal version for the web's Data page; merge with the facade's own."""
        from bullseye.ingest.quarantine_browse import browse_quarantine

        return browse_quarantine(self, table, reason, page)

    # -- outcomes and discovery ------------------------------------------------------------------

    # -- the ICP and its scores --------------------------------------------------------------------

    # -- people ------------------------------------------------------------------------------------

    # -- market ------------------------------------------------------------------------------------

    # -- lifecycle: versions, reviews, triggers, drift ---------------------------------------------

    # -- personas in the web workspace ------------------------------------------------------------
    def merge_themes(self, label_a: str, label_b: str, by: str, split: bool = False) -> dict:
        """Record that two themes are one (or, with ``split``, that they are not, undoing a merge);
        ``bullseye themes`` and the web pages apply it. Returns the decision as written.

        Example: ``ws.merge_themes("delivery delays", "atrasos nas entregas", by="ana")``
        """
        from bullseye.people.theme_merge import record_merge

        return record_merge(self.root, label_a, label_b, by, "split" if split else "merge")

    def save_persona_form(self, name: str, form: dict, expected_hash: str) -> tuple:
        """Apply edited fields (dotted paths, see :mod:`bullseye.people.persona_edit`) to
        ``strategy/personas/<name>.yaml``; refuses a file changed since ``expected_hash`` was read."""
        from bullseye.people.persona_edit import save_persona_form

        return save_persona_form(self.root, name, form, expected_hash)

    def comment(self, target: str, field: str, text: str, author: str) -> dict:
        """Add a comment on one field of a definition (``strategy/comments/<target>.yaml``).

        Example: ``ws.comment("personas-ops-director", "pains.0.text", "Heard twice this week", "ana")``
        """
        from bullseye.people.comments import add_comment

        return add_comment(self.root, target, field, text, author)

    def comments(self, target: str) -> list[dict]:
        from bullseye.people.comments import read_comments

        return read_comments(self.root, target)

    # -- the main job ------------------------------------------------------------------------------

    def close(self) -> None:
        self.warehouse.close()


def check_preset(preset: str | None) -> None:
    """An unknown preset is an error listing the known ones, before any file is read."""
    if preset is not None and preset not in PRESET_NAMES:
        raise InvalidInputError(f"unknown preset '{preset}'; the known presets are {', '.join(PRESET_NAMES)}")
