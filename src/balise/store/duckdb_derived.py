"""The derived tables of the DuckDB store (`DERIVED_TABLES`): vessel risk, voyage risk and
tracking, each replaced whole after a detection run."""

from __future__ import annotations

import polars as pl

from balise.store.base import DERIVED_TABLES
from balise.store.duckdb_connection import Connected


class DuckDBDerived(Connected):
    """The `DerivedStore` of the DuckDB store."""

    def save_table(self, name: str, frame: pl.DataFrame) -> None:
        """Replace the derived table `name` (vessel risk, tracking) with `frame`, in one
        transaction: readers see the old table or the new one, never a half-written one."""
        if name not in DERIVED_TABLES:
            raise ValueError(f"not a derived table: {name}")
        self._con.register("derived", frame.to_arrow())
        try:
            self._con.begin()
            self._con.execute(f"CREATE OR REPLACE TABLE {name} AS SELECT * FROM derived")
            self._con.commit()
        except BaseException:
            self._con.rollback()
            raise
        finally:
            self._con.unregister("derived")
            self._changed()

    def table(self, name: str, mmsi: int | None = None) -> pl.DataFrame | None:
        """The derived table `name` (of one vessel when `mmsi` is given); None before the
        first detection run made it."""
        if name not in DERIVED_TABLES:
            raise ValueError(f"not a derived table: {name}")
        exists = self._rows(
            "SELECT count(*) FROM information_schema.tables WHERE table_name = ?", name
        )[0][0]
        if not exists:
            return None
        where = "WHERE mmsi = ?" if mmsi is not None else ""
        return self._frame(f"SELECT * FROM {name} {where}", [mmsi] if mmsi is not None else None)
