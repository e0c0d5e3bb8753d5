"""Named ports and anchorages, and the nearest one to any position.

What: `load_anchorages()` gives Global Fishing Watch's 60,410 hand-reviewed named anchorage points
(columns `lat`, `lon`, `label`, `sublabel`, `iso3`, `s2id`), `load_ports()` the 3,669 ports of the
World Port Index as GFW ships it (`lat`, `lon`, `label`, `sublabel`, `iso3`). `AnchorageIndex`
answers "how far is the nearest of these points?" for arrays of positions.

Why: port calls, loitering off a port, "came from a high-risk port" and many other detectors start
from the distance to the nearest named anchorage or port.

Sources: `balise/data/gfw_ports/` (GlobalFishingWatch/pipe-anchorages, Apache-2.0; see its
SOURCE.md and NOTICE). GFW considers a vessel in port within 3 km of an anchorage point.

How: points are bucketed in a grid of `cell_deg` cells (0.1° by default); a query searches its cell,
then rings of cells around it, until no unsearched cell can hold a nearer point or the search limit
is passed. Columns wrap at the antimeridian. Distances are great-circle, on the mean-radius sphere.
`nearest_clustered` gives the same answers for positions crowded into few small cells (ships on
lanes and in ports) by finding each cell's candidate points once.
"""

from __future__ import annotations

import functools
import math
from importlib import resources
from typing import Final, NamedTuple

import numpy as np
import numpy.typing as npt
import polars as pl

from balise.geo.sphere import EARTH_RADIUS_KM, haversine_km
from balise.model.arrays import FloatArray, IntArray

__all__ = [
    "AnchorageIndex",
    "PortLabel",
    "haversine_km",
    "load_anchorages",
    "load_ports",
]


_DATA: Final = "gfw_ports"
_KM_PER_DEGREE: Final = math.radians(1.0) * EARTH_RADIUS_KM
"""Length of one degree of a great circle, km."""
_CHUNK: Final = 8192
"""Queries searched together: bounds the (query, candidate) pairs held at once."""
_TABLE_CELLS: Final = 2**23
"""Largest table of grid blocks (8 bytes each) in the cell lookup of `AnchorageIndex`."""
_GROUP_CELL_DEG: Final = 0.005
"""Cell (degrees, about 500 m) of `nearest_clustered`: small enough that a cell's candidate
points are few, large enough that positions share cells."""


def _data_text(name: str) -> bytes:
    """The bytes of a file of the packaged GFW port lists."""
    return resources.files("balise.data").joinpath(_DATA, name).read_bytes()


@functools.cache
def load_anchorages() -> pl.DataFrame:
    """GFW's named anchorage points: `lat`, `lon` (degrees), `label`, `sublabel`, `iso3`, `s2id`.

    Rows with impossible coordinates are dropped (the file has one, a longitude of 1001). Read
    once per process; the frame is shared, so treat it as read-only.
    """
    raw = pl.read_csv(
        _data_text("anchorage_overrides.csv"),
        schema_overrides={"s2id": pl.Utf8, "label": pl.Utf8, "sublabel": pl.Utf8, "iso3": pl.Utf8},
    )
    frame = raw.rename({"latitude": "lat", "longitude": "lon"}).select(
        "lat", "lon", "label", "sublabel", "iso3", "s2id"
    )
    return _valid_positions(frame)


@functools.cache
def load_ports() -> pl.DataFrame:
    """World Port Index ports, as GFW lists them: `lat`, `lon` (degrees), `label`, `sublabel`,
    `iso3`.

    A few territories have no `iso3` (null). Read once per process; treat it as read-only.
    """
    raw = pl.read_csv(
        _data_text("WPI_ports.csv"),
        schema_overrides={"label": pl.Utf8, "sublabel": pl.Utf8, "iso3": pl.Utf8},
    )
    frame = raw.rename({"latitude": "lat", "longitude": "lon"}).select(
        "lat", "lon", "label", "sublabel", "iso3"
    )
    return _valid_positions(frame)


def _valid_positions(frame: pl.DataFrame) -> pl.DataFrame:
    """The rows whose latitude and longitude are real positions (degrees)."""
    return frame.filter(
        pl.col("lat").is_between(-90.0, 90.0) & pl.col("lon").is_between(-180.0, 180.0)
    )


class PortLabel(NamedTuple):
    """The name of an anchorage or port: `label` (port name), `sublabel`, `iso3` (country)."""

    label: str
    sublabel: str | None
    iso3: str | None


class AnchorageIndex:
    """Nearest-point search over anchorages (or any named points), for arrays of positions.

    `search_km` is the search limit: a position with no point within it gets index -1 and an
    infinite distance. Below the limit the answer is exact (the true nearest point, great-circle).
    """

    def __init__(
        self, points: pl.DataFrame, *, cell_deg: float = 0.1, search_km: float = 100.0
    ) -> None:
        """Index `points` (a frame with `lat`, `lon` in degrees and optionally `label`,
        `sublabel`, `iso3`) in a grid of `cell_deg` cells."""
        if cell_deg <= 0 or 180.0 / cell_deg != round(180.0 / cell_deg):
            raise ValueError("cell_deg must divide 180 degrees")
        self.points = points
        self.search_km = float(search_km)
        self._cell = float(cell_deg)
        self._row_count = round(180.0 / cell_deg)
        self._column_count = 2 * self._row_count
        self._lat = points["lat"].to_numpy().astype(np.float64)
        self._lon = _wrap(points["lon"].to_numpy().astype(np.float64))
        cells = self._cell_ids(*self._cells_of(self._lat, self._lon))
        self._order = np.argsort(cells, kind="stable")
        self._keys, self._starts, self._counts = np.unique(
            cells[self._order], return_index=True, return_counts=True
        )
        self._block, self._blocks, self._slots_in = self._slot_tables()

    @classmethod
    def anchorages(cls, *, search_km: float = 100.0) -> AnchorageIndex:
        """The index of GFW's named anchorage points (`load_anchorages()`)."""
        return cls(load_anchorages(), search_km=search_km)

    @classmethod
    def ports(cls, *, search_km: float = 100.0) -> AnchorageIndex:
        """The index of World Port Index ports (`load_ports()`)."""
        return cls(load_ports(), search_km=search_km)

    def __len__(self) -> int:
        """Number of indexed points."""
        return len(self._lat)

    def distance_km(self, lat: npt.ArrayLike, lon: npt.ArrayLike) -> FloatArray:
        """Distance from each position (degrees) to the nearest point, km; inf beyond the limit."""
        return self.nearest(lat, lon)[1]

    def nearest(self, lat: npt.ArrayLike, lon: npt.ArrayLike) -> tuple[IntArray, FloatArray]:
        """Row of the nearest point in `points` (-1 if none within `search_km`) and its distance
        in km (inf if none), for positions in degrees; arrays of the input's shape."""
        lat_a, lon_a = np.broadcast_arrays(
            np.asarray(lat, dtype=np.float64), np.asarray(lon, dtype=np.float64)
        )
        flat_lat, flat_lon = lat_a.ravel(), _wrap(lon_a.ravel())
        if flat_lat.size and not (np.abs(flat_lat) <= 90.0).all():
            raise ValueError("latitudes must lie within [-90, 90]")
        index = np.full(flat_lat.size, -1, dtype=np.int64)
        dist = np.full(flat_lat.size, np.inf)
        for start in range(0, flat_lat.size, _CHUNK):
            part = slice(start, start + _CHUNK)
            index[part], dist[part] = self._nearest_chunk(flat_lat[part], flat_lon[part])
        return index.reshape(lat_a.shape), dist.reshape(lat_a.shape)

    def nearest_clustered(
        self, lat: npt.ArrayLike, lon: npt.ArrayLike, *, cell_deg: float = _GROUP_CELL_DEG
    ) -> tuple[IntArray, FloatArray]:
        """`nearest` (the same answer) for many positions crowded into few `cell_deg` cells, as
        ships are on lanes and in ports.

        Why: the ring search costs each position dozens of cell lookups, most for nothing. Here
        the points that can be nearest to some position of a cell are found once per cell (those
        within the cell's own nearest distance plus twice its half-diagonal), and each position
        compares only those."""
        lat_a, lon_a = np.broadcast_arrays(
            np.asarray(lat, dtype=np.float64), np.asarray(lon, dtype=np.float64)
        )
        flat_lat, flat_lon = lat_a.ravel(), _wrap(lon_a.ravel())
        if flat_lat.size and not (np.abs(flat_lat) <= 90.0).all():
            raise ValueError("latitudes must lie within [-90, 90]")
        if cell_deg <= 0 or 180.0 / cell_deg != round(180.0 / cell_deg):
            raise ValueError("cell_deg must divide 180 degrees")
        index = np.full(flat_lat.size, -1, dtype=np.int64)
        dist = np.full(flat_lat.size, np.inf)
        if flat_lat.size and len(self._keys):
            cell, starts, points = self._cell_candidates(flat_lat, flat_lon, cell_deg)
            for start in range(0, flat_lat.size, _CHUNK * 16):
                part = slice(start, start + _CHUNK * 16)
                index[part], dist[part] = self._nearest_among(
                    flat_lat[part], flat_lon[part], cell[part], starts, points
                )
        return index.reshape(lat_a.shape), dist.reshape(lat_a.shape)

    def port_label(self, index: int) -> PortLabel | None:
        """The name and country of point `index` (a row of `points`); None for -1 (no point)."""
        if index < 0:
            return None
        row = self.points.row(int(index), named=True)
        return PortLabel(str(row.get("label")), row.get("sublabel"), row.get("iso3"))

    # --- search -------------------------------------------------------------------------------

    def _cells_of(self, lat: FloatArray, lon: FloatArray) -> tuple[IntArray, IntArray]:
        """Grid row (from 90° S) and column (from 180° W) of positions in degrees."""
        rows = np.clip(((lat + 90.0) / self._cell).astype(np.int64), 0, self._row_count - 1)
        cols = np.clip(((lon + 180.0) / self._cell).astype(np.int64), 0, self._column_count - 1)
        return rows, cols

    def _cell_ids(self, rows: IntArray, cols: IntArray) -> IntArray:
        """Flat cell numbers of grid rows and columns."""
        return rows * self._column_count + cols

    def _unseen_bound_km(self, lat: FloatArray, ring: int) -> FloatArray:
        """Lower bound on the distance, km, from positions to any point outside the rings
        0..`ring` of cells around them.

        Such a point is at least `ring` cells away in latitude, or `ring` cells in longitude; the
        second is bounded by the distance to a meridian that far: asin(cos(lat) sin(dlon)).
        """
        span = ring * self._cell
        by_lat = span * _KM_PER_DEGREE
        if 2 * ring + 1 >= self._column_count:
            return np.full(lat.shape, by_lat)
        dlon = math.radians(min(span, 90.0))
        by_lon = EARTH_RADIUS_KM * np.arcsin(np.cos(np.radians(lat)) * math.sin(dlon))
        return np.asarray(np.minimum(by_lat, by_lon), np.float64)

    def _nearest_chunk(self, lat: FloatArray, lon: FloatArray) -> tuple[IntArray, FloatArray]:
        """`nearest` for flat arrays of positions (longitudes in [-180, 180))."""
        best_i = np.full(lat.size, -1, dtype=np.int64)
        best_d = np.full(lat.size, np.inf)
        rows, cols = self._cells_of(lat, lon)
        active = np.arange(lat.size)
        ring = 0
        while active.size and len(self._keys):
            self._search_ring(ring, active, rows, cols, lat, lon, best_i, best_d)
            bound = self._unseen_bound_km(lat[active], ring)
            done = (best_d[active] <= bound) | (bound >= self.search_km)
            if 2 * ring + 1 >= max(self._column_count, 2 * self._row_count):
                done[:] = True
            active = active[~done]
            ring += 1
        far = best_d > self.search_km
        best_i[far], best_d[far] = -1, np.inf
        return best_i, best_d

    def _slot_tables(self) -> tuple[int, IntArray, npt.NDArray[np.int32]]:
        """Lookup tables from a grid cell to its slot in `_keys`, for `_slots`.

        The grid is cut in square blocks of `block` cells a side, as few as keep the block table
        under `_TABLE_CELLS` entries (blocks of one cell for the default 0.1° grid). `blocks`
        numbers the blocks holding points (-1 elsewhere); `slots` holds, for each of those, the
        slot of each of its cells (-1 for cells without points)."""
        block = max(1, math.ceil(math.sqrt(self._row_count * self._column_count / _TABLE_CELLS)))
        block_cols = -(-self._column_count // block)
        k_rows, k_cols = np.divmod(self._keys, self._column_count)
        of_key = (k_rows // block) * block_cols + k_cols // block
        used, number = np.unique(of_key, return_inverse=True)
        blocks = np.full(-(-self._row_count // block) * block_cols, -1, dtype=np.int64)
        blocks[used] = np.arange(used.size)
        slots = np.full(used.size * block * block, -1, dtype=np.int32)
        within = (k_rows % block) * block + k_cols % block
        slots[number.reshape(-1) * block * block + within] = np.arange(self._keys.size)
        return block, blocks, slots

    def _slots(self, q: IntArray, r: IntArray, c: IntArray) -> tuple[IntArray, IntArray]:
        """The queries `q` whose cell (grid rows `r`, columns `c`) holds points, and the slots of
        those cells in `_keys`: two table lookups instead of a binary search of the keys."""
        size = self._block
        found = self._blocks[(r // size) * -(-self._column_count // size) + c // size]
        occupied = found >= 0
        q, r, c, found = q[occupied], r[occupied], c[occupied], found[occupied]
        slot = self._slots_in[found * size * size + (r % size) * size + c % size]
        hit = slot >= 0
        return q[hit], slot[hit].astype(np.int64)

    def _cell_candidates(
        self, lat: FloatArray, lon: FloatArray, cell_deg: float
    ) -> tuple[IntArray, IntArray, IntArray]:
        """The `cell_deg` cell of each position (numbered 0..n), and for each cell the points
        that can be nearest to one of its positions within `search_km`: `points[starts[k]:
        starts[k + 1]]` for cell k.

        A point p nearest to a position q of a cell with centre c and reach R satisfies
        d(c, p) <= d(q, p) + R <= d(q, p_c) + R <= d(c, p_c) + 2R (p_c nearest to c), and, being
        within `search_km` of q, d(c, p) <= `search_km` + R: points beyond both are skipped."""
        n_rows = round(180.0 / cell_deg)
        n_cols = 2 * n_rows
        rows = np.clip(np.floor((lat + 90.0) / cell_deg).astype(np.int64), 0, n_rows - 1)
        cols = np.clip(np.floor((lon + 180.0) / cell_deg).astype(np.int64), 0, n_cols - 1)
        keys, cell = np.unique(rows * n_cols + cols, return_inverse=True)
        lat0 = (keys // n_cols) * cell_deg - 90.0
        lon0 = (keys % n_cols) * cell_deg - 180.0
        reach = _corner_reach_km(lat0, lon0, cell_deg)
        c_lat, c_lon = lat0 + cell_deg / 2.0, lon0 + cell_deg / 2.0
        _, own_km = self.nearest(c_lat, c_lon)
        radius = np.minimum(self.search_km + reach, own_km + 2.0 * reach)
        c_lon = _wrap(c_lon)
        query, points = [], []
        for start in range(0, keys.size, _CHUNK):
            part = slice(start, start + _CHUNK)
            q, p = self._within_chunk(c_lat[part], c_lon[part], radius[part])
            query.append(q + start)
            points.append(p)
        starts = np.searchsorted(np.concatenate(query), np.arange(keys.size + 1))
        return cell.reshape(-1), starts, np.concatenate(points)

    def _nearest_among(
        self, lat: FloatArray, lon: FloatArray, cell: IntArray, starts: IntArray, points: IntArray
    ) -> tuple[IntArray, FloatArray]:
        """Nearest point (row, km; -1 and inf beyond `search_km`) of each position, compared
        with the candidate points of its cell only (`_cell_candidates`)."""
        best_i = np.full(lat.size, -1, dtype=np.int64)
        best_d = np.full(lat.size, np.inf)
        counts = starts[cell + 1] - starts[cell]
        pair_q = np.repeat(np.arange(lat.size), counts)
        within = np.arange(pair_q.size) - np.repeat(np.cumsum(counts) - counts, counts)
        point = points[np.repeat(starts[cell], counts) + within]
        if point.size:
            d = haversine_km(lat[pair_q], lon[pair_q], self._lat[point], self._lon[point])
            wq, wd, wp = _nearest_of_groups(pair_q, point, d)
            near = wd <= self.search_km
            best_i[wq[near]], best_d[wq[near]] = wp[near], wd[near]
        return best_i, best_d

    def _search_ring(
        self,
        ring: int,
        active: IntArray,
        rows: IntArray,
        cols: IntArray,
        lat: FloatArray,
        lon: FloatArray,
        best_i: IntArray,
        best_d: FloatArray,
    ) -> None:
        """Compare the points in ring `ring` of cells around each active query with its best so
        far, updating `best_i` and `best_d` in place."""
        pair_q, point, d = self._ring_pairs(ring, active, rows, cols, lat, lon)
        if not pair_q.size:
            return
        wq, wd, wp = _nearest_of_groups(pair_q, point, d)
        better = (wd < best_d[wq]) | ((wd == best_d[wq]) & (wp < best_i[wq]))
        best_d[wq[better]], best_i[wq[better]] = wd[better], wp[better]

    def _ring_pairs(
        self,
        ring: int,
        active: IntArray,
        rows: IntArray,
        cols: IntArray,
        lat: FloatArray,
        lon: FloatArray,
    ) -> tuple[IntArray, IntArray, FloatArray]:
        """Each (active query, point in ring `ring` of cells around it) pair: query, point row and
        distance in km, grouped by query in ascending order."""
        dr, dc = _ring_offsets(ring)
        q = np.repeat(active, dr.size)
        r = rows[q] + np.tile(dr, active.size)
        c = (cols[q] + np.tile(dc, active.size)) % self._column_count
        inside = (r >= 0) & (r < self._row_count)
        q, slot = self._slots(q[inside], r[inside], c[inside])
        counts = self._counts[slot]
        pair_q = np.repeat(q, counts)
        firsts = np.repeat(self._starts[slot], counts)
        within = np.arange(pair_q.size) - np.repeat(np.cumsum(counts) - counts, counts)
        point = self._order[firsts + within]
        d = haversine_km(lat[pair_q], lon[pair_q], self._lat[point], self._lon[point])
        return pair_q, point, d

    def _within_chunk(
        self, lat: FloatArray, lon: FloatArray, radius_km: FloatArray
    ) -> tuple[IntArray, IntArray]:
        """Every (query, point) pair at most `radius_km` (finite, per query) apart: query and
        point row, grouped by query. Rings of cells are searched until none unsearched can hold a
        point that near."""
        rows, cols = self._cells_of(lat, lon)
        active = np.arange(lat.size)
        found: list[tuple[IntArray, IntArray]] = []
        ring = 0
        while active.size and len(self._keys):
            pair_q, point, d = self._ring_pairs(ring, active, rows, cols, lat, lon)
            close = d <= radius_km[pair_q]
            found.append((pair_q[close], point[close]))
            done = self._unseen_bound_km(lat[active], ring) > radius_km[active]
            if 2 * ring + 1 >= max(self._column_count, 2 * self._row_count):
                done[:] = True
            active = active[~done]
            ring += 1
        if not found:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
        query = np.concatenate([q for q, _ in found])
        order = np.argsort(query, kind="stable")
        return query[order], np.concatenate([p for _, p in found])[order]


def _corner_reach_km(lat0: FloatArray, lon0: FloatArray, cell_deg: float) -> FloatArray:
    """Upper bound on the distance, km, from the south-west corner plus half a cell (the centre)
    to any position of a `cell_deg` cell: the farthest corner, widened by 1 % and 1 m so that
    rounding cannot make it short (small cells off the poles are nearly flat)."""
    half = cell_deg / 2.0
    c_lat, c_lon = lat0 + half, lon0 + half
    reach = np.zeros(lat0.size)
    for d_lat in (-half, half):
        corner = np.clip(c_lat + d_lat, -90.0, 90.0)
        for d_lon in (-half, half):
            reach = np.maximum(reach, haversine_km(c_lat, c_lon, corner, c_lon + d_lon))
    return np.asarray(reach * 1.01 + 1e-3, np.float64)


def _nearest_of_groups(
    query: IntArray, point: IntArray, km: FloatArray
) -> tuple[IntArray, FloatArray, IntArray]:
    """For (query, point, km) pairs grouped by query: each query, its least distance and the
    lowest point row at that distance (reductions over the groups instead of a sort)."""
    starts = np.flatnonzero(np.r_[True, query[1:] != query[:-1]])
    least = np.minimum.reduceat(km, starts)
    sizes = np.diff(np.r_[starts, query.size])
    tied = np.where(km == np.repeat(least, sizes), point, np.iinfo(np.int64).max)
    return query[starts], least, np.minimum.reduceat(tied, starts)


@functools.cache
def _ring_offsets(ring: int) -> tuple[IntArray, IntArray]:
    """Row and column offsets of the cells at Chebyshev distance `ring` from a cell."""
    if ring == 0:
        return np.zeros(1, dtype=np.int64), np.zeros(1, dtype=np.int64)
    span = np.arange(-ring, ring + 1, dtype=np.int64)
    dr, dc = np.meshgrid(span, span, indexing="ij")
    edge = np.maximum(np.abs(dr), np.abs(dc)) == ring
    return dr[edge], dc[edge]


def _wrap(lon: FloatArray) -> FloatArray:
    """Longitudes (degrees) brought into [-180, 180)."""
    if lon.size == 0 or (lon.min() >= -180.0 and lon.max() < 180.0):
        return lon
    return np.asarray((lon + 180.0) % 360.0 - 180.0, np.float64)
