"""Neighbour search for encounters: the points of a resampled grid at the same time within a
distance of each other, found by cells (never all pairs).

Cells are `CELL_KM` and twice the distance limit wide at least, in rows of latitude whose number
of columns shrinks toward the poles so that cells wrap exactly at the antimeridian. A point is
joined to the points of its own cell and the 8 around it (`close_points` with `owned`, the tiles
of the Spark engine: `neighbour_tiles`), or over a whole grid to those of the half of them ahead
(`_pairs_ahead`); distances are the great-circle expression of `haversine_km_expr` to the bit.
"""

from __future__ import annotations

import math
from typing import Any, Final

import numpy as np
import numpy.typing as npt
import polars as pl

from balise.geo.sphere import EARTH_RADIUS_KM
from balise.maritime.kernel import haversine_km_of_radians
from balise.model.arrays import BoolArray, FloatArray, IntArray

CELL_KM: Final = 2.0
"""Smallest width of a neighbour-search cell, about that of GFW's S2 level-12 cells."""
AHEAD_CELL_KM: Final = 1.0
"""Smallest width of the cells of the search over a whole grid (`_pairs_ahead`): any width of
twice the distance limit or more finds every pair, and smaller cells fewer pairs to measure in a
crowded anchorage; at 1 km a row has fewer than 2**16 columns (see `_cell_keys`)."""
KM_PER_DEGREE: Final = math.pi * EARTH_RADIUS_KM / 180
"""Length of one degree of latitude (and of longitude at the equator)."""
NEIGHBOURS: Final = (-1, 0, 1)
"""Offsets of the neighbouring rows and columns of cells searched around a point's own cell."""
Offsets = tuple[tuple[int, tuple[int, ...]], ...]
"""Cells around a point's own cell: (row offset, (column offsets in that row...))..."""
NEIGHBOURHOOD: Final[Offsets] = tuple((row, NEIGHBOURS) for row in NEIGHBOURS)
"""A point's own cell and the 8 around it."""
AHEAD: Final[Offsets] = ((0, (0, 1)), (1, NEIGHBOURS))
"""A point's own cell, the next east and the three north: with the same cells of the points in
the other neighbouring cells, every neighbouring cell (see `_pairs_ahead`)."""
_LATITUDE_MARGIN_M: Final = 1.0
"""Margin of the latitude test before distances are computed (`_near`), in metres."""


def _cell_rows(lat: FloatArray, cell_deg: float) -> IntArray:
    """Row of latitude cells, `cell_deg` high, counted from the south pole."""
    return np.floor((lat + 90.0) / cell_deg).astype(np.int64)


def _columns_in_row(row: IntArray, cell_deg: float, cell_km: float) -> IntArray:
    """How many longitude cells row `row` has: as many as fit, each at least `cell_km` wide at
    the row's poleward edge, so that cells wrap exactly at the antimeridian."""
    south, north = row * cell_deg - 90.0, (row + 1) * cell_deg - 90.0
    poleward = np.minimum(np.maximum(np.abs(south), np.abs(north)), 90.0)
    fit = np.floor(360.0 * KM_PER_DEGREE * np.cos(np.radians(poleward)) / cell_km)
    return np.asarray(np.maximum(fit, 1), dtype=np.int64)


def _cell_column(lon: FloatArray, columns: IntArray) -> IntArray:
    """Column of the cell of longitude `lon` in a row of `columns` cells (0 at -180°)."""
    column = np.floor((lon + 180.0) * columns / 360.0).astype(np.int64)
    return np.asarray(column % columns, dtype=np.int64)


def _neighbour_cells(
    lat: FloatArray, lon: FloatArray, cell_deg: float, cell_km: float
) -> tuple[IntArray, IntArray, IntArray]:
    """`point` (row number in `lat`, `lon`), `row` and `col` of each point's neighbourhood: its
    own cell and the 8 around it (see `_cells_around`)."""
    return _cells_around(lat, lon, cell_deg, cell_km, NEIGHBOURHOOD)


def _cells_around(
    lat: FloatArray, lon: FloatArray, cell_deg: float, cell_km: float, offsets: Offsets
) -> tuple[IntArray, IntArray, IntArray]:
    """`point` (row number in `lat`, `lon`), `row` and `col` of the cells at `offsets` from each
    point's own cell.

    The columns are computed in each row (rows have different numbers of columns) and wrap at
    the antimeridian; a cell named twice for one point (in rows of one or two columns, near the
    poles) is kept once.
    """
    own_row = _cell_rows(lat, cell_deg)
    rows, cols, narrow = [], [], False
    for row_offset, column_offsets in offsets:
        row = own_row + row_offset
        columns = _columns_in_row(row, cell_deg, cell_km)
        narrow = narrow or bool((columns < len(NEIGHBOURS)).any())
        centre = _cell_column(lon, columns)
        for column_offset in column_offsets:
            rows.append(row)
            cols.append((centre + column_offset) % columns)
    keep = _first_naming(rows, cols) if narrow else [np.ones(len(lat), dtype=bool)] * len(rows)
    point = np.arange(len(lat), dtype=np.int64)
    return (
        np.concatenate([point[k] for k in keep]),
        np.concatenate([r[k] for r, k in zip(rows, keep, strict=True)]),
        np.concatenate([c[k] for c, k in zip(cols, keep, strict=True)]),
    )


def _first_naming(rows: list[IntArray], cols: list[IntArray]) -> list[BoolArray]:
    """Per cell list (`rows[k]`, `cols[k]`), which points it names a cell that no earlier list
    named for the same point."""
    keep = [np.ones(len(rows[0]), dtype=bool)]
    for k in range(1, len(rows)):
        seen = np.zeros(len(rows[0]), dtype=bool)
        for j in range(k):
            seen |= (rows[j] == rows[k]) & (cols[j] == cols[k])
        keep.append(~seen)
    return keep


def _cell_keys(t: IntArray, row: IntArray, col: IntArray) -> IntArray:
    """One integer per (grid time, cell row, cell column): rows and columns of cells at least
    `AHEAD_CELL_KM` wide are below 2**16 (the row one off the grid either side included)."""
    return np.asarray(((t - t.min(initial=0)) << 32) | ((row + 1) << 16) | col, np.int64)


def _cell_size(max_distance_m: float, least_km: float = CELL_KM) -> tuple[float, float]:
    """Width (km) and height (degrees) of the neighbour-search cells for `max_distance_m`, at
    least `least_km` wide."""
    cell_km = max(least_km, 2 * max_distance_m / 1000)
    return cell_km, cell_km / KM_PER_DEGREE


def neighbour_tiles(
    grid: pl.DataFrame, max_distance_m: float, tile_cells: int, tile_us: int
) -> tuple[IntArray, IntArray, BoolArray]:
    """The tiles each point of `grid` (t, lat, lon) is needed in, to find close pairs tile by
    tile: `point` (row number), `tile` (an integer) and `owned` (the point's own tile).

    A tile is `tile_cells` × `tile_cells` neighbour-search cells over `tile_us` of time. A point
    belongs to the tile of its own cell (owned) and is copied, as a halo, into the tiles of the
    8 cells around it: `close_pairs` over a tile's points with `owned` then finds every pair
    whose first point the tile owns, exactly as over the whole grid, and each pair in one tile.
    """
    cell_km, cell_deg = _cell_size(max_distance_m)
    lat, lon, t = (grid[c].to_numpy() for c in ("lat", "lon", "t"))
    row = _cell_rows(lat, cell_deg)
    col = _cell_column(lon, _columns_in_row(row, cell_deg, cell_km))
    own = _tile_keys(t // tile_us, row, col, tile_cells)
    around, a_row, a_col = _neighbour_cells(lat, lon, cell_deg, cell_km)
    tile = _tile_keys(t[around] // tile_us, a_row, a_col, tile_cells)
    found = pl.DataFrame({"point": around, "tile": tile}).unique(maintain_order=True)
    point, tile = found["point"].to_numpy(), found["tile"].to_numpy()
    return point, tile, np.asarray(tile == own[point], dtype=np.bool_)


def _tile_keys(period: IntArray, row: IntArray, col: IntArray, tile_cells: int) -> IntArray:
    """One integer per (time period, tile row, tile column) of cells (`row`, `col`)."""
    tile_row, tile_col = (row + 1) // tile_cells, col // tile_cells
    return np.asarray((period << 32) | (tile_row << 16) | tile_col, np.int64)


def close_points(
    grid: pl.DataFrame, max_distance_m: float, owned: BoolArray | None = None
) -> tuple[IntArray, IntArray, FloatArray]:
    """Row numbers in `grid` of the pairs of points at the same time within `max_distance_m`
    (`one`, `other`, with mmsi of one < mmsi of other, `one` among the `owned` when given) and
    their distance in metres.

    A point is joined to the points of its own cell and the 8 around it only; over a whole grid
    (no `owned`), in cells as small as `AHEAD_CELL_KM`, to those of the half of them ahead
    (`_pairs_ahead`). The join is on point numbers and one integer key, and the distance is
    computed on the gathered positions alone: frames are built only for the pairs kept.
    """
    lat, lon, t, mmsi = (grid[c].to_numpy() for c in ("lat", "lon", "t", "mmsi"))
    if owned is None:
        cell_km, cell_deg = _cell_size(max_distance_m, AHEAD_CELL_KM)
        row = _cell_rows(lat, cell_deg)
        columns = _columns_in_row(row, cell_deg, cell_km)
        ahead = _columns_in_row(row + 1, cell_deg, cell_km)
        if min(columns.min(initial=3), ahead.min(initial=3)) >= len(NEIGHBOURS):
            own = _cell_keys(t, row, _cell_column(lon, columns))
            one, other = _pairs_ahead(t, lat, lon, own, mmsi, cell_deg, cell_km)
            return _near(lat, lon, one, other, max_distance_m)
    cell_km, cell_deg = _cell_size(max_distance_m)
    row = _cell_rows(lat, cell_deg)
    own = _cell_keys(t, row, _cell_column(lon, _columns_in_row(row, cell_deg, cell_km)))
    around, a_row, a_col = _neighbour_cells(lat, lon, cell_deg, cell_km)
    mine = pl.DataFrame({"point": np.arange(len(lat)), "key": own})
    if owned is not None:
        mine = mine.filter(pl.Series(owned))
    one, other = _joined(mine, around, _cell_keys(t[around], a_row, a_col))
    ordered = np.flatnonzero(mmsi[one] < mmsi[other])
    return _near(lat, lon, one[ordered], other[ordered], max_distance_m)


def _joined(mine: pl.DataFrame, other: IntArray, key: IntArray) -> tuple[IntArray, IntArray]:
    """`point` of `mine` (point, key) and `other` with the same `key`, joined."""
    found = mine.join(pl.DataFrame({"other": other, "key": key}), on="key")
    return found["point"].to_numpy(), found["other"].to_numpy()


def _pairs_ahead(
    t: IntArray,
    lat: FloatArray,
    lon: FloatArray,
    own: IntArray,
    mmsi: npt.NDArray[Any],
    cell_deg: float,
    cell_km: float,
) -> tuple[IntArray, IntArray]:
    """The pairs of points (`one`, `other`, mmsi of one < mmsi of other) in the same cell or in
    neighbouring cells at the same time, each once: a point is joined to the points of its own
    cell, of the next cell east and of the three cells north (`AHEAD`), and a pair of
    neighbouring cells is thus found from the first point's side only, half the rows of the
    whole neighbourhood's join. Within one cell, each pair is found from both points' sides, and
    kept from the side of the smaller mmsi. Needs rows of 3 columns or more (else a cell east
    may be one west too)."""
    ahead, a_row, a_col = _cells_around(lat, lon, cell_deg, cell_km, AHEAD)
    mine = pl.DataFrame({"point": np.arange(len(lat)), "key": own})
    point, slot = _joined(mine, np.arange(len(ahead)), _cell_keys(t[ahead], a_row, a_col))
    holder = ahead[slot]
    apart = slot >= len(lat)  # the first `len(lat)` slots are the points' own cells
    first = mmsi[holder] < mmsi[point]
    kept = np.flatnonzero(first | (apart & (mmsi[holder] != mmsi[point])))
    point, holder, first = point[kept], holder[kept], first[kept]
    return np.where(first, holder, point), np.where(first, point, holder)


def _near(
    lat: FloatArray, lon: FloatArray, one: IntArray, other: IntArray, max_distance_m: float
) -> tuple[IntArray, IntArray, FloatArray]:
    """The pairs of points (`one`, `other`, row numbers in `lat`, `lon`) within `max_distance_m`,
    and their great-circle distance in metres: the expression of `haversine_km_expr`, so that
    distances are the same to the last bit wherever they are computed, with each point's
    latitude in radians and its cosine computed once, not once per pair.

    A pair further apart in latitude alone is dropped before the distance is computed: the
    great-circle distance is at least the radius times the latitude difference (in radians),
    with a margin of `_LATITUDE_MARGIN_M` far above any rounding."""
    points = pl.DataFrame({"lat": lat}).select(pl.col("lat").radians().alias("phi"))
    phi = points["phi"].to_numpy()
    cos_phi = points.select(pl.col("phi").cos())["phi"].to_numpy()
    phi_one, phi_other = phi[one], phi[other]
    reach = (max_distance_m + _LATITUDE_MARGIN_M) / (EARTH_RADIUS_KM * 1000)
    maybe = np.flatnonzero(np.abs(phi_one - phi_other) <= reach)
    one, other = one[maybe], other[maybe]
    pairs = pl.DataFrame(
        {"phi": phi_one[maybe], "cos": cos_phi[one], "lon": lon[one],
         "phi1": phi_other[maybe], "cos1": cos_phi[other], "lon1": lon[other]}
    )  # fmt: skip
    km = haversine_km_of_radians(
        *(pl.col(c) for c in ("phi", "cos", "lon", "phi1", "cos1", "lon1"))
    )
    distance_m = pairs.select(km * 1000).to_series().to_numpy()
    near = np.flatnonzero(distance_m <= max_distance_m)
    return one[near], other[near], distance_m[near]
