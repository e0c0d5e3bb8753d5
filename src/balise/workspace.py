"""The workspace: a folder with the DuckDB store, `balise.toml`, quarantine files and exports."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from balise.errors import WorkspaceError
from balise.store.base import Store
from balise.store.duckdb import DuckDBStore

STORE_FILE = "balise.duckdb"
SETTINGS_FILE = "balise.toml"


@dataclass(frozen=True)
class Workspace:
    """Paths of a workspace; `open_store` creates it on first use when asked to."""

    root: Path

    @property
    def store_path(self) -> Path:
        return self.root / STORE_FILE

    @property
    def settings_path(self) -> Path:
        return self.root / SETTINGS_FILE

    @property
    def quarantine_dir(self) -> Path:
        return self.root / "quarantine"

    @property
    def spool_dir(self) -> Path:
        return self.root / "spool"

    def open_store(self, create: bool = False) -> Store:
        """The workspace's store; without `create`, a missing workspace is an error."""
        if not self.store_path.exists():
            if not create:
                raise WorkspaceError(
                    f"no Balise workspace at {self.root}: ingest data first "
                    "(balise ingest ais FILE) or pass --workspace",
                    path=str(self.root),
                )
            try:
                self.root.mkdir(parents=True, exist_ok=True)
            except OSError as err:
                raise WorkspaceError(f"cannot create workspace {self.root}: {err}") from err
        return DuckDBStore(self.store_path)
