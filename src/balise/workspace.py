"""The workspace: a folder with the DuckDB store, `balise.toml`, the zone file, the watchlist,
quarantine files, caches and exports.

`Workspace` is the one place that knows these files' names: the CLI, the engine and the API ask
it for a path (or for the file's content, read as every reader expects) instead of joining names
of their own, so they cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from balise.errors import WorkspaceError
from balise.geo.zones import ZoneLoad, load_zones
from balise.settings import Settings, resolve
from balise.store.base import Store
from balise.store.duckdb import DuckDBStore

STORE_FILE = "balise.duckdb"
SETTINGS_FILE = "balise.toml"
ZONE_FILE = "zones.geojson"
"""The workspace's own zones (GeoJSON): they replace the default zones of the same id."""
WATCHLIST_FILE = "watchlist.csv"
"""The workspace's watchlist (columns name, imo, mmsi, reason, ...): read when present."""
CACHE_DIR = "cache"
EXPORTS_DIR = "exports"
DEMO_WORLD_DIR = "demo-world"


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

    @property
    def cache_dir(self) -> Path:
        """Derived data kept between runs (the distance-to-shore grid)."""
        return self.root / CACHE_DIR

    @property
    def exports_dir(self) -> Path:
        return self.root / EXPORTS_DIR

    @property
    def demo_world_dir(self) -> Path:
        """Where `balise demo` builds its synthetic world (AIS, truth, watchlist)."""
        return self.root / DEMO_WORLD_DIR

    @property
    def zones_path(self) -> Path:
        return self.root / ZONE_FILE

    @property
    def watchlist_path(self) -> Path:
        return self.root / WATCHLIST_FILE

    def settings(self, flags: Mapping[str, Any] | None = None) -> Settings:
        """The settings in force here: `flags`, then `BALISE_*` variables, then the workspace's
        balise.toml, then the defaults."""
        given = {"workspace": self.root, **(flags or {})}
        return resolve(given, toml_path=self.settings_path)

    def zones(self) -> ZoneLoad:
        """The default zones overlaid by the workspace's zone file (a zone there replaces the
        default of the same id), with the file's features that were skipped and why; an
        unreadable file is an `InputRejected`."""
        path = self.zones_path
        return load_zones(path if path.exists() else None)

    def watchlist(self) -> pl.DataFrame | None:
        """The workspace's watchlist (text columns; `mmsi` and `imo` as integers, null when not
        a number), or None when it has none."""
        path = self.watchlist_path
        if not path.exists():
            return None
        listed = pl.read_csv(path, infer_schema=False)
        return listed.with_columns(
            pl.col(c).cast(pl.Int64, strict=False) for c in ("mmsi", "imo") if c in listed.columns
        )

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
