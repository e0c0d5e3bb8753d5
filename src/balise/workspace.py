"""The workspace: a folder with the DuckDB store, `balise.toml`, the zone file, the watchlist,
quarantine files, caches and exports.

`Workspace` is the one place that knows these files' names: the CLI, the engine and the API ask
it for a path (or for the file's content, read as every reader expects) instead of joining names
of their own, so they cannot drift apart.

A workspace holds what must not leak (targets, watchlists, triage notes), so it is private to
the user who runs Balise: the folder 0700, its store, settings, quarantine and spool files 0600
(`make_private`), whatever the umask; opening an older workspace tightens it the same way.
"""

from __future__ import annotations

import stat
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

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
OTHERS: Final = 0o077
"""The group and other permission bits, which no workspace file or folder keeps."""


def make_private(path: Path) -> Path:
    """Take the group's and others' permissions off `path` (0644 → 0600, 0755 → 0700) when it
    exists and the file system lets us; returns `path`."""
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
        if mode & OTHERS:
            path.chmod(mode & ~OTHERS)
    except OSError:  # gone, not ours, or a file system without modes: nothing to tighten
        pass
    return path


def private_folder(path: Path) -> Path:
    """The folder `path`, created if missing, private to its owner (0700)."""
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return make_private(path)


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
        """The workspace's store; without `create`, a missing workspace is an error. The folder
        is made private (0700), the store and settings files 0600."""
        if not self.store_path.exists():
            if not create:
                raise WorkspaceError(
                    f"no Balise workspace at {self.root}: ingest data first "
                    "(balise ingest ais FILE) or pass --workspace",
                    path=str(self.root),
                )
            try:
                self.root.mkdir(parents=True, exist_ok=True, mode=0o700)
            except OSError as err:
                raise WorkspaceError(f"cannot create workspace {self.root}: {err}") from err
        make_private(self.root)
        store = DuckDBStore(self.store_path)
        wal = self.store_path.with_name(self.store_path.name + ".wal")
        for path in (self.store_path, wal, self.settings_path):
            make_private(path)
        return store
