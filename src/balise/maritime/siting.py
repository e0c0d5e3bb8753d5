"""Radar siting, geometry: the radar horizon, the demand grid over a zone, and which grid cells
each candidate site covers.

What: `radar_horizon_nm` (that of `balise.maritime.radar_coverage`, strict here: a negative
height of a candidate site is an error) gives how far a radar at a given antenna height sees a
target of a given height over a smooth sea; `build_grid` cuts a zone into cells of about
`cell_km` (water cells only, when a land test is given); `coverage_matrix` says which cells
each site covers: within its reach (the smaller of its horizon and its instrumented range) and,
when a land test is given, not behind land.

Why: choosing where to put the next coastal radars is a maximum coverage problem over a weighted
grid (`balise.maritime.siting_select`); the weights say what matters
(`balise.maritime.siting_demand`). A cell of ~1 km is finer than a coastal radar's resolution
at range and coarse enough for a zone of a few hundred km across (tens of thousands of cells).

Sources: the radar horizon with standard refraction (effective earth radius 4/3 of the true one),
d = 4.12 (√h_a + √h_t) km = 2.226 (√h_a + √h_t) nm with heights in metres (Skolnik, *Introduction
to Radar Systems*, 3rd ed., §8.2; IALA Guideline 1111, radar horizon). Land shadow is a line of
sight test on the land mask: a target low on the water behind an island or a headland is hidden
whatever the antenna height, since the mask has no elevations; the first `shadow_skip_km` of the
line are not tested because the site itself stands on land.

Longitudes are taken as given: a zone that crosses the antimeridian is not supported.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt
import polars as pl
import shapely
from shapely.geometry.base import BaseGeometry

from balise.geo.sphere import KM_PER_NM, distance_nm
from balise.maritime.radar_coverage import NM_PER_SQRT_M, radar_horizon_nm
from balise.model.arrays import BoolArray, FloatArray, IntArray

__all__ = [
    "HORIZON_NM_PER_SQRT_M",
    "SITE_COLUMNS",
    "DemandGrid",
    "OnLand",
    "build_grid",
    "coverage_matrix",
    "coverage_polygon",
    "radar_horizon_nm",
    "site_reach_nm",
]

OnLand = Callable[[FloatArray, FloatArray], BoolArray]
"""Whether each position (latitudes, longitudes in degrees) is on land."""

HORIZON_NM_PER_SQRT_M: Final = NM_PER_SQRT_M
"""Radar horizon per square root of height in metres, nm (2.226), with the standard 4/3 earth
radius (Skolnik §8.2: 4.12 km per √m): `balise.maritime.radar_coverage`'s."""
_KM_PER_DEG_LAT: Final = 111.195
"""One degree of latitude on the mean earth sphere, km."""
_SIGHT_BATCH_CELLS: Final = 2_000
"""Lines of sight tested at once (bounds memory: cells x steps of the longest line)."""

SITE_COLUMNS: Final = ("sensor_id", "name", "lat", "lon", "antenna_height_m", "range_nm")
"""The columns of a site frame (those of `balise.model.coastal.RADAR_SITE_SCHEMA`)."""


def site_reach_nm(sites: pl.DataFrame, target_height_m: float) -> FloatArray:
    """How far each site sees the target: the smaller of its horizon and its range, nm."""
    horizon = radar_horizon_nm(sites["antenna_height_m"].to_numpy(), target_height_m, strict=True)
    return np.asarray(np.minimum(horizon, sites["range_nm"].to_numpy().astype(np.float64)))


@dataclass(frozen=True)
class DemandGrid:
    """The cells of a zone on a regular latitude/longitude raster of about `cell_km` square.

    `index[r, c]` is the cell number of raster square (r, c) (row 0 in the south), -1 outside the
    zone or on land; `lat`, `lon` are the cells' centres; `land[r, c]` is True for a raster
    square whose centre is on land (all False without a land test).
    """

    south: float
    west: float
    dlat_deg: float
    dlon_deg: float
    cell_km: float
    index: IntArray
    land: BoolArray
    lat: FloatArray
    lon: FloatArray

    def __len__(self) -> int:
        return len(self.lat)

    def squares(
        self, lat: npt.ArrayLike, lon: npt.ArrayLike
    ) -> tuple[IntArray, IntArray, BoolArray]:
        """Raster row and column of each position, and whether it falls in the raster."""
        rows = np.floor((np.asarray(lat, np.float64) - self.south) / self.dlat_deg).astype(np.int64)
        cols = np.floor((np.asarray(lon, np.float64) - self.west) / self.dlon_deg).astype(np.int64)
        inside = (rows >= 0) & (rows < self.index.shape[0]) & (cols >= 0)
        inside &= cols < self.index.shape[1]
        return np.where(inside, rows, 0), np.where(inside, cols, 0), inside

    def cells_of(self, lat: npt.ArrayLike, lon: npt.ArrayLike) -> IntArray:
        """The cell number of each position, -1 outside the zone's water cells."""
        rows, cols, inside = self.squares(lat, lon)
        return np.where(inside, self.index[rows, cols], -1)

    def on_land(self, lat: npt.ArrayLike, lon: npt.ArrayLike) -> BoolArray:
        """Whether each position falls in a land square of the raster (False outside it)."""
        rows, cols, inside = self.squares(lat, lon)
        return inside & self.land[rows, cols]

    def coast_cells(self) -> IntArray:
        """Cells with a land square among their eight neighbours: where an approach lands."""
        padded = np.pad(self.land, 1)
        near_land = np.zeros(self.land.shape, np.bool_)
        rows, cols = self.land.shape
        for dr in (-1, 0, 1):
            for dc in (-1, 0, 1):
                near_land |= padded[1 + dr : 1 + dr + rows, 1 + dc : 1 + dc + cols]
        found = self.index[near_land & (self.index >= 0)]
        return np.sort(found).astype(np.int64)


def build_grid(zone: BaseGeometry, cell_km: float, on_land: OnLand | None = None) -> DemandGrid:
    """The demand grid of `zone` (a shapely geometry in lon/lat degrees): raster squares of
    `cell_km` (north-south) by about `cell_km` (east-west at the zone's middle latitude) whose
    centre lies in the zone and, with `on_land`, not on land."""
    if cell_km <= 0:
        raise ValueError("cell_km must be positive")
    west, south, east, north = zone.bounds
    dlat = cell_km / _KM_PER_DEG_LAT
    dlon = dlat / max(math.cos(math.radians((south + north) / 2)), 0.05)
    n_rows, n_cols = (
        max(1, math.ceil((north - south) / dlat)),
        max(1, math.ceil((east - west) / dlon)),
    )
    if n_rows * n_cols > 4_000_000:
        raise ValueError(f"{n_rows * n_cols} raster squares: use larger cells or a smaller zone")
    lat_c = south + (np.arange(n_rows) + 0.5) * dlat
    lon_c = west + (np.arange(n_cols) + 0.5) * dlon
    lat2, lon2 = np.meshgrid(lat_c, lon_c, indexing="ij")
    land = (
        on_land(lat2.ravel(), lon2.ravel()).reshape(lat2.shape)
        if on_land
        else np.zeros(lat2.shape, np.bool_)
    )
    inside = shapely.contains_xy(zone, lon2, lat2) & ~land
    index = np.full(lat2.shape, -1, np.int64)
    index[inside] = np.arange(int(inside.sum()))
    return DemandGrid(
        south,
        west,
        dlat,
        dlon,
        cell_km,
        index,
        np.asarray(land, np.bool_),
        lat2[inside],
        lon2[inside],
    )


def coverage_matrix(
    grid: DemandGrid,
    sites: pl.DataFrame,
    target_height_m: float,
    on_land: OnLand | None = None,
    shadow_skip_km: float = 2.0,
) -> BoolArray:
    """Which cells each site covers, (sites, cells): within the site's reach and, with `on_land`,
    seen along a line of sight that crosses no land (past its first `shadow_skip_km`)."""
    reach = site_reach_nm(sites, target_height_m)
    covered = np.zeros((sites.height, len(grid)), np.bool_)
    for k, (lat, lon) in enumerate(sites.select("lat", "lon").iter_rows()):
        away_nm = distance_nm(lat, lon, grid.lat, grid.lon)
        near = np.flatnonzero(away_nm <= reach[k])
        if on_land is not None:
            seen = [
                _in_sight(lat, lon, grid, part, away_nm[part], on_land, shadow_skip_km)
                for part in np.array_split(near, max(1, near.size // _SIGHT_BATCH_CELLS))
            ]
            near = near[np.concatenate(seen)] if seen else near
        covered[k, near] = True
    return covered


def _in_sight(
    lat: float,
    lon: float,
    grid: DemandGrid,
    cells: IntArray,
    away_nm: FloatArray,
    on_land: OnLand,
    shadow_skip_km: float,
) -> BoolArray:
    """Whether the straight line from the site to each cell is clear of land, tested every half
    cell from `shadow_skip_km` out to half a cell before the cell (a few tens of km: a straight
    line in degrees is the great circle to well under a cell)."""
    step_km = grid.cell_km / 2
    away_km = away_nm * KM_PER_NM
    n_steps = int(np.ceil(away_km.max() / step_km)) + 1 if away_km.size else 0
    distance_km = shadow_skip_km + step_km * np.arange(n_steps)
    fraction = distance_km[None, :] / np.maximum(away_km[:, None], 1e-9)
    tested = distance_km[None, :] <= away_km[:, None] - step_km
    lats = lat + fraction * (grid.lat[cells][:, None] - lat)
    lons = lon + fraction * (grid.lon[cells][:, None] - lon)
    blocked = np.zeros(lats.shape, np.bool_)
    blocked[tested] = on_land(lats[tested], lons[tested])
    return np.asarray(~blocked.any(axis=1), np.bool_)


def coverage_polygon(grid: DemandGrid, cells: BoolArray) -> BaseGeometry:
    """The union of the raster squares of the `cells` marked True, in lon/lat degrees."""
    half_lat, half_lon = grid.dlat_deg / 2, grid.dlon_deg / 2
    lat, lon = grid.lat[cells], grid.lon[cells]
    boxes = shapely.box(lon - half_lon, lat - half_lat, lon + half_lon, lat + half_lat)
    return shapely.union_all(boxes).simplify(grid.dlat_deg / 4)
