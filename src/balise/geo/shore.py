"""Distance to shore, offline, from the GLOBE 30" land mask.

What: `ShoreDistance()(lat, lon)` gives, for arrays of positions, the great-circle distance in
nautical miles to the nearest land cell of the mask (0 on land).

Why: "far offshore", "close to a remote beach", "rendezvous outside territorial waters" and
similar detector rules need the distance to shore for millions of AIS positions, without a network.

Source: the GLOBE 30-arc-second land mask (NOAA GLOBE project, public domain) shipped in the
`global-land-mask` package, read by `balise.geo.landmask` (lakes count as land).

How: coast cells are the land cells of the mask with a water cell beside them (the nearest land to
a water point is always one). They are bucketed in a 0.1° grid (1800 x 3600). A jump-flooding
distance transform over that grid, with longitudes wrapping and cell sizes shrinking with latitude
(distances compared as great-circle angles), gives each grid cell the grid cell holding coast that
is nearest to its centre. A query then measures the exact distance to every coast cell in and
around the cells named by its own grid cell and its 8 neighbours: exact near the coast, and off
by at most a few hundred metres far out, where the nearest coast is ambiguous only between nearly
equidistant shores. Distances are to the nearest point of a land cell's rectangle. Grid cells
that cannot hold the nearest coast (bounded below farther than one coast cell already measured)
are skipped before their coast cells are measured, and so are the coast cells of a row whose
latitude gap alone exceeds that bound, which changes no answer. Positions are taken grouped by
grid cell, whose candidate cells they share.

Cost: building reads the mask (~1 GB for ~10 s), finds ~1.5 M coast cells and floods the grid,
about a minute in all; what is kept (coast cells, grid seeds, the mask packed to bits) is
~190 MB. The build can be cached to a file under a directory given by the caller. Queries ran
at about 280,000 positions a second for random positions worldwide, and about 800,000 a second
for the slow legs of a simulated national day (many on land, where the answer is 0), on a
shared 2-core machine.
"""

from __future__ import annotations

import functools
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import numpy as np
import numpy.typing as npt

from balise.geo.landmask import CELLS_PER_DEGREE, MASK_COLUMNS, MASK_ROWS, read_ocean_grid
from balise.geo.sphere import EARTH_RADIUS_KM, KM_PER_NM
from balise.model.arrays import BoolArray, FloatArray, IntArray, UInt8Array

__all__ = ["ShoreDistance"]


COARSE: Final = 12
"""Mask cells per side of a search-grid cell: 12 x 30" = 0.1°."""
GRID_ROWS: Final = MASK_ROWS // COARSE
GRID_COLUMNS: Final = MASK_COLUMNS // COARSE
_CACHE_NAME: Final = "shore-distance-v1.npz"
_CHUNK: Final = 4096
"""Queries measured together: bounds the (query, coast cell) pairs held at once."""
_MASK_BAND: Final = 1200
"""Mask rows scanned at once when looking for coast cells."""


def _coast_cells(ocean: BoolArray) -> tuple[IntArray, IntArray]:
    """Rows and columns of the land cells with an ocean cell above, below, left or right
    (columns wrap at the antimeridian)."""
    found_r: list[IntArray] = []
    found_c: list[IntArray] = []
    for r0 in range(0, MASK_ROWS, _MASK_BAND):
        r1 = min(MASK_ROWS, r0 + _MASK_BAND)
        lo, hi = max(0, r0 - 1), min(MASK_ROWS, r1 + 1)
        water = ocean[lo:hi]
        near = np.roll(water, 1, axis=1) | np.roll(water, -1, axis=1)
        near[1:] |= water[:-1]
        near[:-1] |= water[1:]
        coast = (~water & near)[r0 - lo : r0 - lo + (r1 - r0)]
        rows, cols = np.nonzero(coast)
        found_r.append(rows.astype(np.int64) + r0)
        found_c.append(cols.astype(np.int64))
    return np.concatenate(found_r), np.concatenate(found_c)


@dataclass(frozen=True)
class _ShoreData:
    """What a `ShoreDistance` answers from.

    `packed`: the mask packed to bits (1 = ocean). `coast_r`, `coast_c`: mask cells of the coast,
    sorted by search-grid cell; `offsets[g]:offsets[g + 1]` are those in grid cell `g`.
    `seed`: for each grid cell, the grid cell holding coast nearest to its centre.
    """

    packed: UInt8Array
    coast_r: npt.NDArray[np.uint16]
    coast_c: npt.NDArray[np.uint16]
    offsets: IntArray
    seed: npt.NDArray[np.int32]

    @classmethod
    def build(cls) -> _ShoreData:
        """Read the mask, find its coast and flood the search grid (tens of seconds)."""
        ocean = read_ocean_grid()
        rows, cols = _coast_cells(ocean)
        packed = np.packbits(ocean, axis=1)
        del ocean
        cells = (rows // COARSE) * GRID_COLUMNS + cols // COARSE
        order = np.argsort(cells, kind="stable")
        counts = np.bincount(cells, minlength=GRID_ROWS * GRID_COLUMNS)
        offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
        seed = _jump_flood(counts.reshape(GRID_ROWS, GRID_COLUMNS) > 0)
        return cls(
            packed=packed,
            coast_r=rows[order].astype(np.uint16),
            coast_c=cols[order].astype(np.uint16),
            offsets=offsets,
            seed=seed,
        )

    @classmethod
    def load(cls, path: Path) -> _ShoreData:
        """A build saved by `save`."""
        with np.load(path) as data:
            return cls(**{name: data[name] for name in cls.__dataclass_fields__})

    def save(self, path: Path) -> None:
        """Write the build to `path` (an .npz, written whole then renamed into place)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(path.name + ".partial.npz")
        np.savez(partial, **{name: getattr(self, name) for name in self.__dataclass_fields__})
        partial.replace(path)


def _grid_trig() -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """sin/cos of the latitudes of the search-grid rows and the longitudes of its columns."""
    lat = np.radians(90.0 - (np.arange(GRID_ROWS) + 0.5) * COARSE / CELLS_PER_DEGREE)
    lon = np.radians((np.arange(GRID_COLUMNS) + 0.5) * COARSE / CELLS_PER_DEGREE - 180.0)
    return np.sin(lat), np.cos(lat), np.sin(lon), np.cos(lon)


def _jump_flood(sources: BoolArray) -> npt.NDArray[np.int32]:
    """For each cell of the search grid, the flat number of the source cell whose centre is
    nearest (great-circle) to its centre, by jump flooding.

    Each pass lets a cell adopt the seed of a cell `step` away in any of 8 directions when that
    seed is nearer; steps halve from 2048 to 1, then 2 and 1 again, which mends the rare cells
    plain jump flooding gets wrong. Nearness is the cosine of the angle between centres.
    """
    sin_lat, cos_lat, sin_lon, cos_lon = _grid_trig()
    n_rows, n_cols = sources.shape
    seed = np.where(sources.ravel(), np.arange(sources.size), -1).reshape(sources.shape)
    seed = seed.astype(np.int32)
    row_sin, row_cos = sin_lat[:, None], cos_lat[:, None]

    def closeness(candidate: npt.NDArray[np.int32]) -> FloatArray:
        """Cosine of the angle from each cell's centre to its candidate seed (-2: none)."""
        r, c = np.divmod(np.maximum(candidate, 0), n_cols)
        cos_dlon = cos_lon[None, :] * cos_lon[c] + sin_lon[None, :] * sin_lon[c]
        value = row_sin * sin_lat[r] + row_cos * cos_lat[r] * cos_dlon
        return np.where(candidate >= 0, value, -2.0)

    best = closeness(seed)
    steps = [2**k for k in range(11, -1, -1)] + [2, 1]
    for step in steps:
        for dr in (-step, 0, step):
            for dc in (-step, 0, step):
                if dr == 0 and dc == 0:
                    continue
                candidate = np.full_like(seed, -1)
                lo, hi = max(0, -dr), min(n_rows, n_rows - dr)
                if lo >= hi:
                    continue
                candidate[lo:hi] = np.roll(seed[lo + dr : hi + dr], -dc, axis=1)
                value = closeness(candidate)
                better = value > best
                seed[better], best[better] = candidate[better], value[better]
    return seed


class ShoreDistance:
    """Distance from positions to the nearest shore, nautical miles (0 on land).

    The data is built on the first call (or read from `cache_dir`, where it is saved after a
    build if given), once per instance; the class keeps one build per process for instances
    without a cache directory too. Answers are exact to the mask's 30" cells within a few
    hundred metres, at any distance offshore.
    """

    _shared: _ShoreData | None = None
    _lock = threading.Lock()

    def __init__(self, cache_dir: Path | str | None = None) -> None:
        self._cache = Path(cache_dir) / _CACHE_NAME if cache_dir is not None else None

    def __call__(self, lat: npt.ArrayLike, lon: npt.ArrayLike) -> FloatArray:
        """Distance to shore of each position (degrees), nm; arrays of the input's shape."""
        lat_a, lon_a = np.broadcast_arrays(
            np.asarray(lat, dtype=np.float64), np.asarray(lon, dtype=np.float64)
        )
        flat_lat = lat_a.ravel()
        flat_lon = (lon_a.ravel() + 180.0) % 360.0 - 180.0
        if flat_lat.size and not (np.abs(flat_lat) <= 90.0).all():
            raise ValueError("latitudes must lie within [-90, 90]")
        data = self._data()
        rows = np.minimum(((90.0 - flat_lat) * CELLS_PER_DEGREE).astype(np.int64), MASK_ROWS - 1)
        cols = np.minimum(
            ((flat_lon + 180.0) * CELLS_PER_DEGREE).astype(np.int64), MASK_COLUMNS - 1
        )
        packed = data.packed.reshape(-1)[rows * data.packed.shape[1] + (cols >> 3)]
        ocean = (packed >> (7 - (cols & 7))) & 1
        out = np.zeros(flat_lat.size)
        sea = np.flatnonzero(ocean)
        # chunks of positions in few grid cells share the most work (see `_nearest_coast_km`)
        sea = sea[np.argsort((rows[sea] // COARSE) * GRID_COLUMNS + cols[sea] // COARSE)]
        for start in range(0, sea.size, _CHUNK):
            part = sea[start : start + _CHUNK]
            out[part] = _nearest_coast_km(
                data, flat_lat[part], flat_lon[part], rows[part], cols[part]
            )
        return np.asarray(out / KM_PER_NM, np.float64).reshape(lat_a.shape)

    def _data(self) -> _ShoreData:
        """The build: from the cache file, the process-wide build, or built now."""
        with ShoreDistance._lock:
            if ShoreDistance._shared is not None:
                return ShoreDistance._shared
            if self._cache is not None and self._cache.exists():
                data = _ShoreData.load(self._cache)
            else:
                data = _ShoreData.build()
                if self._cache is not None:
                    data.save(self._cache)
            ShoreDistance._shared = data
            return data


def _nearest_coast_km(
    data: _ShoreData, lat: FloatArray, lon: FloatArray, rows: IntArray, cols: IntArray
) -> FloatArray:
    """Distance, km, from water positions (degrees; mask cells `rows`, `cols`) to the nearest
    coast cell among those around the seeds of their grid cell and its 8 neighbours.

    Positions in one grid cell share their candidate grid cells, so those are found once per
    grid cell and handed out to its positions."""
    groups, group_of = np.unique(
        (rows // COARSE) * GRID_COLUMNS + cols // COARSE, return_inverse=True
    )
    group_cells, group_starts = _candidate_cells(data, groups)
    sizes = np.diff(group_starts)[group_of]
    query, within = _ragged(sizes)
    cell = group_cells[np.repeat(group_starts[:-1][group_of], sizes) + within]
    query, cell, upper = _worth_measuring(data, lat, lon, query, cell)
    counts = data.offsets[cell + 1] - data.offsets[cell]
    pair_q, within = _ragged(counts)
    pair_q = query[pair_q]
    coast = np.repeat(data.offsets[cell], counts) + within
    best = np.full(len(lat), np.inf)
    if not pair_q.size:
        return best
    # the distance grows with the haversine term: the smallest term of each query gives its
    # distance (pairs come grouped by query, `query` ascends), one arcsine per query
    pair_q, term = _terms_below(lat, lon, pair_q, data.coast_r[coast], data.coast_c[coast], upper)
    starts = np.flatnonzero(np.r_[True, pair_q[1:] != pair_q[:-1]])
    nearest = np.minimum.reduceat(term, starts)
    best[pair_q[starts]] = 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(nearest, 0.0, 1.0)))
    return best


def _ragged(sizes: IntArray) -> tuple[IntArray, IntArray]:
    """For runs of lengths `sizes`, each element's run and its place within the run."""
    run = np.repeat(np.arange(sizes.size), sizes)
    within = np.arange(run.size) - np.repeat(np.cumsum(sizes) - sizes, sizes)
    return run, within


def _candidate_cells(data: _ShoreData, groups: IntArray) -> tuple[IntArray, IntArray]:
    """The grid cells holding coast in and around the seeds of grid cells `groups` and their 8
    neighbours, ascending, without repeats: those of `groups[k]` are `cells[starts[k]:starts[k +
    1]]`."""
    g_r, g_c = np.divmod(groups, GRID_COLUMNS)
    around = np.array([(dr, dc) for dr in (-1, 0, 1) for dc in (-1, 0, 1)], dtype=np.int64)
    nr = np.clip(g_r[:, None] + around[None, :, 0], 0, GRID_ROWS - 1)
    nc = (g_c[:, None] + around[None, :, 1]) % GRID_COLUMNS
    seeds = data.seed[nr, nc].astype(np.int64)
    seeds = np.sort(seeds, axis=1)
    seeds[:, 1:][seeds[:, 1:] == seeds[:, :-1]] = -1
    s_r, s_c = np.divmod(np.maximum(seeds, 0), GRID_COLUMNS)
    cr = np.clip(s_r[:, :, None] + around[None, None, :, 0], 0, GRID_ROWS - 1)
    cc = (s_c[:, :, None] + around[None, None, :, 1]) % GRID_COLUMNS
    cells = np.where(seeds[:, :, None] >= 0, cr * GRID_COLUMNS + cc, -1).reshape(len(groups), -1)
    cells = np.sort(cells, axis=1)
    cells[:, 1:][cells[:, 1:] == cells[:, :-1]] = -1
    safe = np.maximum(cells, 0)
    has_coast = (cells >= 0) & (data.offsets[safe + 1] > data.offsets[safe])
    group, column = np.nonzero(has_coast)
    starts = np.concatenate([[0], np.cumsum(np.bincount(group, minlength=len(groups)))])
    return cells[group, column], starts.astype(np.int64)


def _worth_measuring(
    data: _ShoreData, lat: FloatArray, lon: FloatArray, query: IntArray, cell: IntArray
) -> tuple[IntArray, IntArray, FloatArray]:
    """The (query, grid cell) pairs, grouped by query, whose coast cells may hold the query's
    nearest: those whose grid cell is no farther than the query's distance to the first coast
    cell of any of its grid cells (an upper bound of its answer).

    A grid cell's distance is bounded below by the latitude gap to its band of latitudes and by
    the distance to the meridian bounding it (the bounds of `AnchorageIndex`), so no cell that
    holds the nearest coast is dropped and the answer is the same; far out at sea, where the
    candidate cells are many and the nearest shore is in one or two of them, most are skipped.
    Also returns that upper bound of each query as a haversine term (infinite without cells).
    """
    counts = data.offsets[cell + 1] - data.offsets[cell]
    query, cell = query[counts > 0], cell[counts > 0]
    upper_term = np.full(len(lat), np.inf)
    if not query.size:
        return query, cell, upper_term
    first = data.offsets[cell]
    term = _haversine_to_cell(lat, lon, query, data.coast_r[first], data.coast_c[first])
    starts = np.flatnonzero(np.r_[True, query[1:] != query[:-1]])
    upper_term[query[starts]] = np.minimum.reduceat(term, starts)
    upper = upper_term[query]
    upper_km = 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(upper, 0.0, 1.0)))
    g_r, g_c = np.divmod(cell, GRID_COLUMNS)
    step = COARSE / CELLS_PER_DEGREE
    north = 90.0 - g_r * step
    q_lat, q_lon = lat[query], lon[query]
    lat_gap = np.maximum(np.maximum(q_lat - north, (north - step) - q_lat), 0.0)
    west = -180.0 + g_c * step
    east_of_west = (q_lon - west) % 360.0
    lon_gap = np.where(
        east_of_west < step, 0.0, np.minimum(east_of_west - step, 360.0 - east_of_west)
    )
    lon_gap = np.minimum(lon_gap, 90.0)
    by_lon = EARTH_RADIUS_KM * np.arcsin(
        np.cos(np.radians(lat))[query] * np.sin(np.radians(lon_gap))
    )
    lower_km = np.maximum(np.radians(lat_gap) * EARTH_RADIUS_KM, by_lon)
    keep = lower_km <= upper_km * (1 + 1e-9) + 1e-6
    return query[keep], cell[keep], upper_term


def _haversine_to_cell(
    lat: FloatArray,
    lon: FloatArray,
    query: IntArray,
    rows: npt.NDArray[np.uint16],
    cols: npt.NDArray[np.uint16],
) -> FloatArray:
    """The haversine term (sin² of half the angle) from positions `query` of `lat`, `lon`
    (degrees) to the nearest point of mask cells `rows`, `cols`, one per pair.

    The nearest point is taken as the position clamped into the cell's latitude and longitude
    ranges, exact to metres for cells of 30". The term is `along + scale * across`, from
    `_along_terms` and `_across_terms`.
    """
    term = _across_terms(lon, query, cols)
    along, scale = _along_terms(lat, query, rows)
    term *= scale
    term += along
    return term


def _terms_below(
    lat: FloatArray,
    lon: FloatArray,
    query: IntArray,
    rows: npt.NDArray[np.uint16],
    cols: npt.NDArray[np.uint16],
    upper: FloatArray,
) -> tuple[IntArray, FloatArray]:
    """The pairs of `_haversine_to_cell` (and their terms, the same) that may hold the smallest
    term of their query, given `upper`, a term per query no smaller than its smallest.

    Pairs come in runs of one query and one mask row (long ones, as a grid cell's coast cells are
    sorted by rows), whose latitude parts are computed once per run. A run whose `along` part alone
    exceeds its query's `upper` is dropped before its longitude parts are computed: its terms
    exceed the smallest, and the query keeps the pair holding it.
    """
    run_start = np.empty(query.size, dtype=bool)
    run_start[:1] = True
    np.not_equal(rows[1:], rows[:-1], out=run_start[1:])
    run_start[1:] |= query[1:] != query[:-1]
    first = np.flatnonzero(run_start)
    along, scale = _along_terms(lat, query[first], rows[first])
    near = along <= upper[query[first]]
    run = np.cumsum(run_start) - 1
    kept = near[run]
    run, query, cols = run[kept], query[kept], cols[kept]
    term = _across_terms(lon, query, cols)
    term *= scale[run]
    term += along[run]
    return query, term


def _across_terms(lon: FloatArray, query: IntArray, cols: npt.NDArray[np.uint16]) -> FloatArray:
    """The part of the haversine term from positions `query` of `lon` (degrees) to mask
    columns `cols` that depends on longitude: sin² of half the longitude gap to the column."""
    half = 0.5 / CELLS_PER_DEGREE
    d_lon = lon[query]
    d_lon -= _cell_tables()[2][cols]
    d_lon += 180.0
    if d_lon.size and not (d_lon.min() >= 0.0 and d_lon.max() < 360.0):
        # the wrap changes nothing when all gaps lie within it already
        np.remainder(d_lon, 360.0, out=d_lon)
    d_lon -= 180.0
    term = np.clip(d_lon, -half, half)
    np.subtract(d_lon, term, out=term)
    np.radians(term, out=term)
    term /= 2
    np.sin(term, out=term)
    np.square(term, out=term)
    return term


def _along_terms(
    lat: FloatArray, query: IntArray, rows: npt.NDArray[np.uint16]
) -> tuple[FloatArray, FloatArray]:
    """The parts of the haversine term from positions `query` of `lat` (degrees) to mask rows
    `rows` that do not depend on longitude: sin² of half the latitude gap to the row, and the
    product of the cosines of the two latitudes."""
    south, north, _ = _cell_tables()
    p2 = np.radians(np.clip(lat[query], south[rows], north[rows]))
    along = np.subtract(p2, np.radians(lat)[query])
    along /= 2
    np.sin(along, out=along)
    np.square(along, out=along)
    np.cos(p2, out=p2)
    p2 *= np.cos(np.radians(lat))[query]
    return along, p2


@functools.cache
def _cell_tables() -> tuple[FloatArray, FloatArray, FloatArray]:
    """Latitudes of the south and north edges of the mask rows and longitudes of the centres
    of its columns, degrees."""
    half = 0.5 / CELLS_PER_DEGREE
    centre_lat = 90.0 - (np.arange(MASK_ROWS, dtype=np.float64) + 0.5) / CELLS_PER_DEGREE
    centre_lon = (np.arange(MASK_COLUMNS, dtype=np.float64) + 0.5) / CELLS_PER_DEGREE - 180.0
    return centre_lat - half, centre_lat + half, centre_lon
