"""The Workspace: the one object every command, the web app and notebooks use."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bullseye.config import SETTINGS_FILE, Settings
from bullseye.core.schema import TABLES
from bullseye.errors import ConflictError, InvalidInputError, MissingTableError, WorkspaceNotFound
from bullseye.facade import DataMixin, DiscoveryMixin, LifecycleMixin, MarketMixin, PeopleMixin, WorkshopMixin
from bullseye.facade.base import check_preset
from bullseye.yamlio import dump_model, load_model

if TYPE_CHECKING:
    import ibis.expr.types as ir

    from bullseye.core.warehouse import Warehouse
    from bullseye.pipeline import MainJob

__all__ = ["Workspace", "check_preset"]

STATE_DIR = ".bullseye"


class Workspace(DataMixin, DiscoveryMixin, PeopleMixin, WorkshopMixin, MarketMixin, LifecycleMixin):
    """A directory with ``bullseye.yaml``, the exports in ``data/``, definitions in ``strategy/``
    and the warehouse in ``.bullseye/warehouse.duckdb``; and the facade: every feature is a method
    that returns a result holding numbers (see :mod:`bullseye.results`), rendered by
    :mod:`bullseye.render` for the terminal, HTML and JSON. The CLI, the web workspace and
    notebooks call these methods and nothing else.

    The methods live by area in :mod:`bullseye.facade`; this class keeps the construction, the
    warehouse, the layout and the tables every area reads:

    - data (:mod:`bullseye.facade.data`): ``load``, ``remember_load``, ``export_files``,
      ``preview_mapping``, ``quarantine``, ``outcomes``, ``funnel``
    - discovery and the ICP (:mod:`bullseye.facade.discovery`): ``discover``, ``propose``,
      ``save_draft``, ``segment_accounts``, ``add_to_draft``, ``icp``, ``icp_in_use``,
      ``strategy_in_use``, ``backtest``, ``scorecard``, ``explain``, ``score``
    - people (:mod:`bullseye.facade.people`): ``committee``, ``themes``, ``personas``,
      ``save_personas``, ``cards``, ``merge_themes``, ``save_persona_form``, ``comment``, ``comments``
    - the alignment workshop (:mod:`bullseye.facade.workshop`): ``workshop``, ``save_workshop``,
      ``empathy_map``, ``save_empathy_map``
    - market (:mod:`bullseye.facade.market`): ``industries``, ``match``, ``size``, ``draft_market``, ``signals``,
      ``signal_evidence``, ``snapshot_events``
    - lifecycle (:mod:`bullseye.facade.lifecycle`): ``draft_hash``, ``preview``, ``publish``,
      ``history``, ``diff``, ``rollback``, ``restore_draft``, ``status``, ``check``, ``triggers``,
      ``events``, ``add_event``
    - here: ``init``, ``find``, ``warehouse``, ``loaded_tables``, ``has_table``, ``table``,
      ``close``, and the main job ``run_all``
    """

    def __init__(self, path: Path | str) -> None:
        self.root = Path(path).resolve()
        settings_file = self.root / SETTINGS_FILE
        if not settings_file.is_file():
            raise WorkspaceNotFound(
                f"{self.root} is not a Bullseye workspace (no {SETTINGS_FILE}); create one with `bullseye init {path}`"
            )
        self.settings: Settings = load_model(Settings, settings_file)
        self._on_wait: Callable[[str], None] | None = None
        self._warehouse: Warehouse | None = None
        self._warehouse_lock = threading.Lock()  # the web app's threads may all reach for it first

    @property
    def warehouse(self) -> Warehouse:
        """The warehouse, opened on first use: DuckDB and Ibis are imported only by what needs them."""
        if self._warehouse is None:
            with self._warehouse_lock:
                if self._warehouse is None:
                    from bullseye.core.warehouse import Warehouse

                    self._warehouse = Warehouse(
                        self.state_dir / "warehouse.duckdb", self.settings.memory_limit, on_wait=self._on_wait
                    )
        return self._warehouse

    @property
    def on_wait(self) -> Callable[[str], None] | None:
        """Called with a message when the warehouse waits for another process's lock."""
        return self._on_wait

    @on_wait.setter
    def on_wait(self, callback: Callable[[str], None] | None) -> None:
        self._on_wait = callback
        if self._warehouse is not None:
            self._warehouse.on_wait = callback

    # -- construction -------------------------------------------------------------------------
    @classmethod
    def init(
        cls, path: Path | str, name: str | None = None, exist_ok: bool = False, owner: str | None = None
    ) -> Workspace:
        root = Path(path)
        settings_file = root / SETTINGS_FILE
        if settings_file.exists() and not exist_ok:
            raise ConflictError(f"{settings_file} already exists; this is already a workspace")
        if root.exists() and not root.is_dir():
            raise InvalidInputError(f"{root} exists and is not a directory")
        for sub in ("data", "strategy", "reports", STATE_DIR):
            (root / sub).mkdir(parents=True, exist_ok=True)
        if not settings_file.exists():
            dump_model(Settings(name=name or root.resolve().name, owner=owner), settings_file)
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

    # -- the tables every area reads ---------------------------------------------------------------
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
        return self.warehouse.table(name)

    # -- the main job ------------------------------------------------------------------------------
    def run_all(self, progress: Callable[[str, Any], None] | None = None, **options: Any) -> MainJob:
        """Load -> outcomes -> discover -> draft ICP -> backtest -> score -> people -> market -> why now;
        see :func:`bullseye.pipeline.run_all` for ``progress`` and the options.

        Example::

            job = ws.run_all()
            job.backtest.groups["ICP"]["win_rate"], job.scores.tier_counts()
        """
        from bullseye.pipeline import run_all

        return run_all(self, progress, **options)

    def close(self) -> None:
        if self._warehouse is not None:  # never open a warehouse just to close it
            self._warehouse.close()
