"""Shipping lanes measured from the data itself, for the coastal-drop detector.

Lanes are where traffic is, so they are counted rather than charted: a grid cell crossed by
enough distinct vessels at transit speed per day of data is a lane. The parameters are those of
`CoastalDropParams` (`lane_cell_deg`, `transit_knots`, `min_lane_vessels_per_day`, and the ship
types that never count).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

import numpy as np
import polars as pl

from balise.model.arrays import BoolArray, FloatArray, IntArray

_BLOCK: Final = 1 << 16
"""Positions whose grid cells are computed at a time."""

if TYPE_CHECKING:
    from balise.maritime.coastal import CoastalDropParams


class LaneDensity:
    """The shipping lanes of the data itself: how many distinct vessels crossed each grid cell at
    transit speed, and whether that makes the cell a lane.

    Lanes are where traffic is, so they are measured rather than charted: a cell of `cell_deg`
    crossed by distinct vessels at `transit_knots` or more at least `min_per_day` times per day
    of data is a lane (the ship being judged counts too, once). Columns of cells wrap at the
    antimeridian. Call it with (lat, lon) arrays for the lane flags; `vessels` gives the counts.
    """

    def __init__(self, keys: IntArray, counts: IntArray,
                 cell_deg: float, min_vessels: float) -> None:  # fmt: skip
        order = np.argsort(keys)
        self._keys, self._counts = keys[order], counts[order]
        self.cell_deg, self.min_vessels = cell_deg, min_vessels

    def vessels(self, lat: FloatArray, lon: FloatArray) -> IntArray:
        """Distinct vessels that crossed the cell of each position at transit speed."""
        keys = _cell_keys(np.asarray(lat, np.float64), np.asarray(lon, np.float64), self.cell_deg)
        at = np.clip(np.searchsorted(self._keys, keys), 0, max(len(self._keys) - 1, 0))
        if not len(self._keys):
            return np.zeros(len(keys), np.int64)
        return np.where(self._keys[at] == keys, self._counts[at], 0).astype(np.int64)

    def __call__(self, lat: FloatArray, lon: FloatArray) -> BoolArray:
        return np.asarray(self.vessels(lat, lon) >= self.min_vessels, np.bool_)


def _cell_keys(lat: FloatArray, lon: FloatArray, cell_deg: float) -> IntArray:
    """One integer per grid cell of `cell_deg` (longitude wrapped to [0, 360)), block by block
    (`_BLOCK` positions: the steps' arrays stay in cache)."""
    keys = np.empty(len(lat), np.int64)
    for start in range(0, len(lat), _BLOCK):
        block = slice(start, start + _BLOCK)
        keys[block] = _block_cell_keys(lat[block], lon[block], cell_deg)
    return keys


def _block_cell_keys(lat: FloatArray, lon: FloatArray, cell_deg: float) -> IntArray:
    """`_cell_keys` of one block; the float modulo (slow) only when a longitude needs it."""
    columns = int(np.ceil(360.0 / cell_deg))
    row = np.floor((lat + 90.0) / cell_deg).astype(np.int64)
    east = lon + 180.0
    if not (east.size and east.min() >= 0.0 and east.max() < 360.0):
        east = np.mod(east, 360.0)
    col = np.floor(east / cell_deg).astype(np.int64) % columns
    return np.asarray(row * columns + col, np.int64)


def measure_lanes(
    positions: pl.DataFrame, params: CoastalDropParams, vessel_types: pl.DataFrame | None
) -> LaneDensity:
    """The lanes of `positions` (columns mmsi, timestamp, lat, lon, sog_knots): cells crossed by
    distinct vessels reporting `transit_knots` or more at least `min_lane_vessels_per_day` times
    per day the data spans (a day at least). With `vessel_types`,
    only vessels that may be sea-going count: a fishing fleet running home along the coast is
    not a shipping lane."""
    return lanes_of_counts(
        lane_counts(positions, params, vessel_types), params, data_days(positions)
    )


def lane_counts(
    positions: pl.DataFrame, params: CoastalDropParams, vessel_types: pl.DataFrame | None
) -> pl.DataFrame:
    """`cell` and `vessels`: the distinct vessels of `positions` that crossed each cell at
    transit speed (see `measure_lanes`). The counts of disjoint sets of vessels add up to
    those of their union, so an engine may count vessel by vessel group and sum."""
    visits = _cell_visits(positions, params)
    if vessel_types is not None:
        visits = visits.join(excluded_vessels(vessel_types, params), on="mmsi", how="anti")
    return visits.group_by("cell").agg(pl.col("mmsi").n_unique().cast(pl.Int64).alias("vessels"))


def lanes_of_counts(cells: pl.DataFrame, params: CoastalDropParams, days: float) -> LaneDensity:
    """The lanes of the per-cell vessel counts `cells` (`lane_counts`) over `days` of data."""
    return LaneDensity(
        cells["cell"].to_numpy().astype(np.int64),
        cells["vessels"].to_numpy().astype(np.int64),
        params.lane_cell_deg,
        params.min_lane_vessels_per_day * days,
    )


def _cell_visits(positions: pl.DataFrame, params: CoastalDropParams) -> pl.DataFrame:
    """(cell, mmsi) of the positions at transit speed, a row kept only where the vessel or the
    cell changes from the row before: a ship reports many times per cell, and repeats add
    nothing to a count of distinct vessels, so the counting works on far fewer rows."""
    located = pl.all_horizontal(pl.col("mmsi", "lat", "lon").is_not_null())
    under_way = positions.select((pl.col("sog_knots") >= params.transit_knots) & located)
    # the rows are picked in the arrays: a filtered copy of the frame would cost more
    rows = np.flatnonzero(under_way.to_series().fill_null(False).to_numpy())
    lat, lon = (positions[c].to_numpy()[rows] for c in ("lat", "lon"))
    cell = _cell_keys(lat, lon, params.lane_cell_deg)
    mmsi = positions["mmsi"].cast(pl.Int32).to_numpy()[rows].astype(np.int32)
    changed = np.ones(len(cell), np.bool_)
    changed[1:] = (cell[1:] != cell[:-1]) | (mmsi[1:] != mmsi[:-1])
    return pl.DataFrame(
        {"cell": cell[changed], "mmsi": mmsi[changed]},
        schema={"cell": pl.Int64, "mmsi": pl.Int32},
    )


def data_days(positions: pl.DataFrame) -> float:
    """Days between the first and last position, one at least."""
    span = positions.select(pl.col("timestamp").max() - pl.col("timestamp").min()).item()
    return max(1.0, span.total_seconds() / 86_400) if span is not None else 1.0


def eligible_vessels(vessel_types: pl.DataFrame, params: CoastalDropParams) -> pl.DataFrame:
    """mmsi and `sea_going` (reported a cargo/tanker type) of vessels not excluded: a vessel is
    excluded when every type it reported is in `excluded_types`."""
    low, high = params.sea_going_types
    out_low, out_high = params.excluded_types
    code = pl.col("ship_type").cast(pl.Int32)
    return (
        vessel_types.select(pl.col("mmsi").cast(pl.Int32), code.alias("ship_type"))
        .group_by("mmsi")
        .agg(
            code.is_between(low, high).any().alias("sea_going"),
            code.is_between(out_low, out_high).fill_null(False).all().alias("excluded"),
            code.drop_nulls().len().alias("reported"),
        )
        .filter(~(pl.col("excluded") & (pl.col("reported") > 0)))
        .select("mmsi", "sea_going")
    )


def excluded_vessels(vessel_types: pl.DataFrame, params: CoastalDropParams) -> pl.DataFrame:
    """The mmsi of vessels that only ever reported a coastal type."""
    known = vessel_types.select(pl.col("mmsi").cast(pl.Int32)).unique()
    return known.join(eligible_vessels(vessel_types, params), on="mmsi", how="anti")
