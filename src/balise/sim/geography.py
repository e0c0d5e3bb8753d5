"""Geography of the synthetic Atlantic/Caribbean theatre: land mask, great-circle maths, sea routes.

What: `LandMask` answers "is this point ashore?" for arrays of positions; `distance_nm`,
`bearing_deg` and `destination_point` are the spherical-earth formulas the simulator moves ships
with; `SeaRoutes.route(origin, destination)` gives the polyline a ship follows from one berth to
another, densified to at most 5 km between points, with its cumulative distance in nautical miles.
The tables of places (ports, coastal sites, fishing grounds, receivers, ferry lines) live in
`balise.sim.places` and are re-exported here.

Why: a synthetic world is only useful for testing detectors if its ships behave like real ones,
and a ship that sails across a headland or through a town is an obvious artefact.

Land mask: the GLOBE 30-arc-second mask of `global-land-mask` (NOAA GLOBE project), whose ~1 km
cells close every channel narrower than a cell. The channels the theatre needs are carved back
out as `FAIRWAYS` corridors of water: the Panama Canal and the rivers up to Hamburg, Antwerp,
Rotterdam, Guayaquil, Barranquilla and Paramaribo.

How routes are made land-safe: a route is stitched from the origin's approach (berth, river
fairway if any, anchorage), the shortest path over searoute's maritime network between the two
anchorages (each joined to its 8 nearest network nodes, the best total kept; spurs trimmed), and the
destination's approach in reverse. searoute's edges, and the joins to them, sometimes cut across
land at the mask's resolution or skirt a coast within metres, so the stitched polyline is sampled
every 0.5 km and each run of samples on land (a sample, or a quarter point of the chord to the
next) is replaced by a detour: a breadth-first search over the mask's water cells in a window
around the run (widened until a path exists), from the sample just before the run to the one just
after, keeping 2, else 1, else no cell of open water from the coast, diagonal steps never squeezed
between two land cells, then straightened by line of sight ("string pulling"). Runs that are not on
land but within 0.4 km of it get the same treatment where open water allows. Samples within 5 km
of either end port are exempt (berths often lie on a land cell); when a run touches a port, the
search starts from any water cell of that port's 5 km disc. Anchorages less than 300 km apart are
also joined directly (the same repair finds the water path) and the shorter land-safe polyline wins,
so island hops do not detour by distant network nodes. The polyline is then thinned to points at
most 5 km apart, keeping every sample needed for the straight legs between kept points to stay off
the mask (checked every 0.1 km and at every cell corner they pass). Nothing is closed beyond
searoute's default (the North-West Passage): the Pacific ports (Guayaquil, Posorja, Balboa) reach
the Atlantic through the Panama Canal, which the fairway corridors open.

Speed and determinism: a route and its reverse are built once; the network is searched with one
shortest-path tree per anchorage (Dijkstra over searoute's graph, with its closed passages, instead
of `searoute.searoute`, whose search per pair made hundreds of routes slow); detours are memoised
by their end points; the mask (a 1 GB array once decompressed) is loaded once per process, on first
use. About 200 routes take a few seconds of CPU. Ties are broken by fixed orders, so the same call
always gives the same arrays.
"""

from __future__ import annotations

import functools
import heapq
import importlib.util
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import numpy as np
import numpy.typing as npt

from balise.geo.sphere import (
    EARTH_RADIUS_KM,
    KM_PER_NM,
    FloatArray,
    bearing_deg,
    destination_point,
    distance_nm,
    haversine_km,
)
from balise.sim.places import (
    COASTAL_SITES,
    FAIRWAYS,
    FERRY_LINES,
    FISHING_GROUNDS,
    PANAMA_CANAL,
    PORTS,
    RECEIVERS,
    RIVER_FAIRWAYS,
    YACHT_PORTS,
    CoastalSite,
    Fairway,
    FerryLine,
    FishingGround,
    Port,
    Receiver,
    port,
    port_entrance,
)

__all__ = [
    "COASTAL_SITES",
    "EARTH_RADIUS_KM",
    "FAIRWAYS",
    "FERRY_LINES",
    "FISHING_GROUNDS",
    "KM_PER_NM",
    "PANAMA_CANAL",
    "PORTS",
    "PORT_LAND_ALLOWANCE_KM",
    "RECEIVERS",
    "RIVER_FAIRWAYS",
    "ROUTE_SPACING_KM",
    "YACHT_PORTS",
    "CoastalSite",
    "Fairway",
    "FerryLine",
    "FishingGround",
    "LandMask",
    "Port",
    "Receiver",
    "Route",
    "SeaRoutes",
    "bearing_deg",
    "destination_point",
    "distance_nm",
    "port",
    "port_entrance",
]

BoolArray = npt.NDArray[np.bool_]
_Ends = tuple[tuple[float, float], tuple[float, float]]
"""The berths (lat, lon) at the two ends of a route."""

CELLS_PER_DEGREE: Final = 120
"""The GLOBE mask has 30-arc-second cells: 120 per degree of latitude or longitude."""
ROUTE_SPACING_KM: Final = 5.0
"""Largest distance between consecutive points of a `Route`."""
SAMPLE_SPACING_KM: Final = 0.5
"""Spacing at which route polylines are checked against the land mask."""
PORT_LAND_ALLOWANCE_KM: Final = 5.0
"""Route points this close to either end port may lie on land cells (berths often do)."""
RESTRICTED_PASSAGES: Final = ("northwest",)
"""Passages of searoute's network closed to routes: only its default, the North-West Passage."""

DIRECT_LIMIT_KM: Final = 300.0
"""Anchorages closer than this are also joined by a direct water path, kept if shorter."""

COAST_CLEARANCE_KM: Final = 0.4
"""Route samples this close to land (outside ports and fairways) are moved further off."""
_CLEARANCE_CELLS: Final = (2, 1)
"""Open water sought around a detour, in mask cells from land (~1.8 then ~0.9 km), before none."""
_SNAP_NODES: Final = 8
"""Network nodes an anchorage may join the network at (the best one is chosen per route)."""
_DETOUR_MARGINS_DEG: Final = (0.1, 0.3, 1.0, 2.5)
"""Margins around a land run in which a water detour is searched, widened until one exists."""
_RUN_BUFFER_SAMPLES: Final = 4
"""Samples kept clear of a land run on each side: the detour starts 2 km before it (first pass)."""
_REPAIR_PASSES: Final = 4
"""Rounds of detours before a route is given up as it stands (one round nearly always does)."""


def _to_vectors(lat: FloatArray, lon: FloatArray) -> FloatArray:
    """Unit vectors (n, 3) of points given in degrees."""
    phi, lam = np.radians(lat), np.radians(lon)
    return np.stack([np.cos(phi) * np.cos(lam), np.cos(phi) * np.sin(lam), np.sin(phi)], axis=-1)


def _from_vectors(vectors: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Degrees (lat, lon) of vectors (n, 3), normalised on the way."""
    norm = vectors / np.linalg.norm(vectors, axis=-1, keepdims=True)
    lat = np.degrees(np.arcsin(np.clip(norm[:, 2], -1.0, 1.0)))
    lon = np.degrees(np.arctan2(norm[:, 1], norm[:, 0]))
    return lat, lon


def _densify(lat: FloatArray, lon: FloatArray, max_km: float) -> tuple[FloatArray, FloatArray]:
    """The polyline with great-circle points inserted so no two neighbours are over `max_km` apart.

    Repeated points are dropped; the original vertices are kept.
    """
    keep = np.ones(len(lat), dtype=bool)
    keep[1:] = (np.diff(lat) != 0) | (np.diff(lon) != 0)
    lat, lon = lat[keep], lon[keep]
    if len(lat) < 2:
        return lat.copy(), lon.copy()
    seg_km = haversine_km(lat[:-1], lon[:-1], lat[1:], lon[1:])
    pieces = np.maximum(np.ceil(seg_km / max_km).astype(np.int64), 1)
    segment = np.repeat(np.arange(len(seg_km)), pieces)
    start = np.repeat(np.cumsum(pieces) - pieces, pieces)
    fraction = (np.arange(len(segment)) - start) / pieces[segment]
    ends = _to_vectors(lat, lon)
    a, b = ends[:-1][segment], ends[1:][segment]
    omega = np.arccos(np.clip(np.sum(a * b, axis=1), -1.0, 1.0))
    small = omega < 1e-9
    sin_omega = np.where(small, 1.0, np.sin(omega))
    wa = np.where(small, 1.0 - fraction, np.sin((1.0 - fraction) * omega) / sin_omega)
    wb = np.where(small, fraction, np.sin(fraction * omega) / sin_omega)
    out_lat, out_lon = _from_vectors(wa[:, None] * a + wb[:, None] * b)
    # exact vertices (no round trip through vectors), then the last point
    vertex = fraction == 0
    out_lat[vertex], out_lon[vertex] = lat[segment[vertex]], lon[segment[vertex]]
    return np.append(out_lat, lat[-1]), np.append(out_lon, lon[-1])


def _cumulative_km(lat: FloatArray, lon: FloatArray) -> FloatArray:
    """Distance along the polyline from its first point, km."""
    steps = haversine_km(lat[:-1], lon[:-1], lat[1:], lon[1:])
    return np.concatenate([[0.0], np.cumsum(steps)])


# --- land mask ----------------------------------------------------------------------------------


_CELL_INSET_KM: Final = 0.7
"""Half the diagonal of a mask cell (0.93 km high): a centre this deep in a fairway keeps the
whole cell in it."""
MASK_ROWS: Final = 180 * CELLS_PER_DEGREE
MASK_COLUMNS: Final = 360 * CELLS_PER_DEGREE


@functools.cache
def _ocean_grid() -> BoolArray:
    """The GLOBE grid of `global-land-mask` (True = ocean, row 0 at 90 N, column 0 at 180 W).

    Read from the package's own data file, the one `globe.is_land` answers from, and indexed
    directly: the same answers without the per-call copies. The package is located, not imported
    (importing it would decompress a second copy). Decompressing takes seconds and ~1 GB; the
    grid is cached for the process, read-only data every `LandMask` shares.
    """
    spec = importlib.util.find_spec("global_land_mask")
    if spec is None or spec.origin is None:
        raise ModuleNotFoundError("global-land-mask is not installed")
    path = Path(spec.origin).parent / "globe_combined_mask_compressed.npz"
    with np.load(path) as data:
        grid = np.asarray(data["mask"], dtype=bool)
    if grid.shape != (MASK_ROWS, MASK_COLUMNS):
        raise RuntimeError(f"unexpected GLOBE mask shape {grid.shape}")
    grid.flags.writeable = False
    return grid


def _wrap_lon(lon: FloatArray) -> FloatArray:
    """Longitudes brought into [-180, 180) (the same array when they already are)."""
    if lon.size == 0 or (lon.min() >= -180.0 and lon.max() < 180.0):
        return lon
    return (lon + 180.0) % 360.0 - 180.0


@dataclass(frozen=True)
class _Corridor:
    """A fairway prepared for vectorised point-in-corridor tests (local flat projection, km)."""

    lat0: float
    lat_min: float
    lat_max: float
    lon_min: float
    lon_max: float
    x: FloatArray
    y: FloatArray
    half_width_km: float

    @classmethod
    def of(cls, fairway: Fairway) -> _Corridor:
        """The corridor of `fairway`, with a bounding box grown by its half width."""
        lats = np.array([p[0] for p in fairway.points])
        lons = np.array([p[1] for p in fairway.points])
        lat0 = float(lats.mean())
        pad_lat = fairway.half_width_km / 111.0
        pad_lon = pad_lat / max(math.cos(math.radians(lat0)), 0.1)
        x, y = cls._project(lat0, lats, lons)
        return cls(
            lat0,
            float(lats.min()) - pad_lat,
            float(lats.max()) + pad_lat,
            float(lons.min()) - pad_lon,
            float(lons.max()) + pad_lon,
            x,
            y,
            fairway.half_width_km,
        )

    @staticmethod
    def _project(lat0: float, lat: FloatArray, lon: FloatArray) -> tuple[FloatArray, FloatArray]:
        """Equirectangular km around latitude `lat0`: good to a few metres over a fairway."""
        km_per_deg = math.pi * EARTH_RADIUS_KM / 180.0
        return lon * km_per_deg * math.cos(math.radians(lat0)), lat * km_per_deg

    def contains(self, lat: FloatArray, lon: FloatArray, inset_km: float = 0.0) -> BoolArray:
        """Whether each point is within the half width (less `inset_km`) of the polyline."""
        inside = (
            (lat >= self.lat_min)
            & (lat <= self.lat_max)
            & (lon >= self.lon_min)
            & (lon <= self.lon_max)
        )
        if not inside.any():
            return inside
        px, py = self._project(self.lat0, lat[inside], lon[inside])
        ax, ay, bx, by = self.x[:-1], self.y[:-1], self.x[1:], self.y[1:]
        dx, dy = bx - ax, by - ay
        length2 = np.maximum(dx * dx + dy * dy, 1e-12)
        t = np.clip(((px[:, None] - ax) * dx + (py[:, None] - ay) * dy) / length2, 0.0, 1.0)
        gap = np.hypot(px[:, None] - (ax + t * dx), py[:, None] - (ay + t * dy)).min(axis=1)
        inside[inside] = gap <= self.half_width_km - inset_km
        return inside


@dataclass(frozen=True)
class _WaterGrid:
    """Water cells of a window of the mask: `water[r, c]` is cell (`row0` + r, `col0` + c)."""

    row0: int
    col0: int
    water: BoolArray

    def cell(self, lat: FloatArray, lon: FloatArray) -> tuple[npt.NDArray[np.int64], ...]:
        """Window (row, column) of the cells holding each point (may fall outside the window)."""
        rows = np.floor((90.0 - lat) * CELLS_PER_DEGREE).astype(np.int64) - self.row0
        cols = np.floor((_wrap_lon(lon) + 180.0) * CELLS_PER_DEGREE).astype(np.int64) - self.col0
        return rows, cols

    def centre(self, rows: npt.ArrayLike, cols: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
        """Latitude and longitude of the centres of window cells."""
        return _cell_centre(np.asarray(rows) + self.row0, np.asarray(cols) + self.col0)


def _cell_centre(rows: npt.ArrayLike, cols: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Latitude and longitude of the centres of mask cells (row 0 at 90 N, column 0 at 180 W)."""
    lat = 90.0 - (np.asarray(rows) + 0.5) / CELLS_PER_DEGREE
    lon = (np.asarray(cols) + 0.5) / CELLS_PER_DEGREE - 180.0
    return np.asarray(lat, np.float64), np.asarray(lon, np.float64)


class LandMask:
    """Land or water for any position: the GLOBE 30" mask with the theatre's fairways as water.

    The mask grid is loaded once per process, on the first question. Lakes count as land; a
    point belongs to the cell it falls in, as with `global_land_mask.globe.is_land`.
    """

    def __init__(self, fairways: Sequence[Fairway] = FAIRWAYS) -> None:
        self._corridors = tuple(_Corridor.of(f) for f in fairways)

    def on_land(self, lat: npt.ArrayLike, lon: npt.ArrayLike) -> BoolArray:
        """Whether each point (degrees) is on land; arrays of any matching shape, same shape out."""
        return self._on_land(lat, lon, 0.0)

    def _on_land(self, lat: npt.ArrayLike, lon: npt.ArrayLike, inset_km: float) -> BoolArray:
        """`on_land`, with fairways narrowed by `inset_km` on each side."""
        lat_arr, lon_arr = np.broadcast_arrays(
            np.asarray(lat, dtype=np.float64), np.asarray(lon, dtype=np.float64)
        )
        flat_lat, flat_lon = lat_arr.ravel(), _wrap_lon(lon_arr.ravel())
        if flat_lat.size and (flat_lat.min() < -90.0 or flat_lat.max() > 90.0):
            raise ValueError("latitudes must lie within [-90, 90]")
        rows = np.minimum(((90.0 - flat_lat) * CELLS_PER_DEGREE).astype(np.int64), MASK_ROWS - 1)
        cols = ((flat_lon + 180.0) * CELLS_PER_DEGREE).astype(np.int64)
        land = ~_ocean_grid()[rows, np.minimum(cols, MASK_COLUMNS - 1)]
        if land.any():
            candidates = np.flatnonzero(land)
            carved = self.in_fairway(flat_lat[candidates], flat_lon[candidates], inset_km)
            land[candidates[carved]] = False
        return land.reshape(lat_arr.shape)

    def in_fairway(
        self, lat: npt.ArrayLike, lon: npt.ArrayLike, inset_km: float = 0.0
    ) -> BoolArray:
        """Whether each point lies in a fairway corridor (narrowed by `inset_km` on each side)."""
        flat_lat = np.asarray(lat, dtype=np.float64).ravel()
        flat_lon = np.asarray(lon, dtype=np.float64).ravel()
        inside = np.zeros(len(flat_lat), dtype=bool)
        for corridor in self._corridors:
            inside |= corridor.contains(flat_lat, flat_lon, inset_km)
        return inside.reshape(np.shape(lat))

    def distance_to_land_km(
        self, lat: npt.ArrayLike, lon: npt.ArrayLike, search_km: float = 20.0
    ) -> FloatArray:
        """Distance from each point to the nearest land cell's edge, km; 0 on land.

        Cells are searched within `search_km`; a point with no land that near gets infinity.
        """
        lats = np.atleast_1d(np.asarray(lat, dtype=np.float64)).ravel()
        lons = np.atleast_1d(np.asarray(lon, dtype=np.float64)).ravel()
        out = np.empty(len(lats))
        for k, (la, lo) in enumerate(zip(lats, lons, strict=True)):
            out[k] = self._distance_to_land_one(float(la), float(lo), search_km)
        return out.reshape(np.shape(lat))

    def _distance_to_land_one(self, lat: float, lon: float, search_km: float) -> float:
        """`distance_to_land_km` for one point."""
        pad_lat = search_km / 111.0
        pad_lon = pad_lat / max(math.cos(math.radians(lat)), 0.1)
        grid = self.water_grid(lat - pad_lat, lat + pad_lat, lon - pad_lon, lon + pad_lon)
        rows, cols = np.nonzero(~grid.water)
        if len(rows) == 0:
            return math.inf
        clat, clon = grid.centre(rows, cols)
        half = 0.5 / CELLS_PER_DEGREE
        dlat = np.maximum(np.abs(clat - lat) - half, 0.0)
        dlon = np.maximum(np.abs(clon - lon) - half, 0.0)
        km = np.hypot(dlat * 111.195, dlon * 111.195 * math.cos(math.radians(lat)))
        return float(km.min())

    def water_grid(
        self, lat_min: float, lat_max: float, lon_min: float, lon_max: float
    ) -> _WaterGrid:
        """The water cells of the mask covering a latitude/longitude box.

        A fairway makes a cell water only when the whole cell lies in it (its centre is
        `_CELL_INSET_KM` inside the corridor), so that paths over cells stay in the fairway.
        """
        lat_min, lat_max = max(lat_min, -89.99), min(lat_max, 89.99)
        row0 = math.floor((90.0 - lat_max) * CELLS_PER_DEGREE)
        row1 = math.floor((90.0 - lat_min) * CELLS_PER_DEGREE) + 1
        col0 = math.floor((lon_min + 180.0) * CELLS_PER_DEGREE)
        col1 = math.floor((lon_max + 180.0) * CELLS_PER_DEGREE) + 1
        rows, cols = np.mgrid[row0:row1, col0:col1]
        lat, lon = _cell_centre(rows, cols)
        return _WaterGrid(row0, col0, ~self._on_land(lat, lon, _CELL_INSET_KM))


# --- detours over water cells -------------------------------------------------------------------


def _dilate(cells: BoolArray) -> BoolArray:
    """`cells` grown by one cell in the eight directions."""
    padded = np.pad(cells, 1)
    grown = cells.copy()
    for dr in (-1, 0, 1):
        for dc in (-1, 0, 1):
            if dr or dc:
                grown |= padded[
                    1 + dr : padded.shape[0] - 1 + dr, 1 + dc : padded.shape[1] - 1 + dc
                ]
    return grown


_ORTHOGONAL: Final = ((1, 0), (-1, 0), (0, 1), (0, -1))
_DIAGONAL: Final = ((1, 1), (1, -1), (-1, 1), (-1, -1))


def _shifted(padded: BoolArray, dr: int, dc: int) -> BoolArray:
    """From a grid padded by one cell, entry (r, c) is its (r + dr, c + dc) (False outside)."""
    rows, cols = padded.shape[0] - 2, padded.shape[1] - 2
    return padded[1 + dr : 1 + dr + rows, 1 + dc : 1 + dc + cols]


def _diagonal_gates(water: BoolArray) -> list[BoolArray]:
    """For each of `_DIAGONAL`, where a diagonal step into a cell has water on both its sides.

    A diagonal step squeezed between two land cells would pass through a point of land.
    """
    padded = np.pad(water, 1)
    return [_shifted(padded, dr, 0) & _shifted(padded, 0, dc) for dr, dc in _DIAGONAL]


def _grow(front: BoolArray, water: BoolArray, gates: list[BoolArray]) -> BoolArray:
    """Water cells one step from `front`, diagonal steps only through `gates`."""
    padded = np.pad(front, 1)
    grown = front.copy()
    for dr, dc in _ORTHOGONAL:
        grown |= _shifted(padded, dr, dc)
    for (dr, dc), gate in zip(_DIAGONAL, gates, strict=True):
        grown |= _shifted(padded, dr, dc) & gate
    return grown & water


def _open_water(water: BoolArray, clearance: int, ends: BoolArray) -> BoolArray:
    """Water cells at least `clearance` cells from land, plus any water near the `ends` cells.

    Near its ends (within `clearance` + 1 cells) a path may still hug the coast it starts from.
    """
    land = ~water
    near_land = land.copy()
    near_ends = ends.copy()
    for _ in range(clearance):
        near_land = _dilate(near_land)
    for _ in range(clearance + 1):
        near_ends = _dilate(near_ends)
    return water & (~near_land | near_ends)


def _grid_path(
    water: BoolArray, sources: BoolArray, targets: BoolArray
) -> list[tuple[int, int]] | None:
    """Fewest-cells 8-connected path over water from a source cell to a target cell, or None.

    Breadth-first by whole fronts (vectorised); walking back, ties go to the step towards the
    sources' centre of mass, which keeps the path straight and the result deterministic.
    """
    sources = sources & water
    targets = targets & water
    if not sources.any() or not targets.any():
        return None
    steps = np.full(water.shape, -1, dtype=np.int32)
    steps[sources] = 0
    front, step = sources, 0
    gates = _diagonal_gates(water)
    while not (front & targets).any():
        step += 1
        front = _grow(front, water, gates) & (steps < 0)
        if not front.any():
            return None
        steps[front] = step
    centre = tuple(float(v.mean()) for v in np.nonzero(sources))
    r, c = (int(v) for v in np.argwhere(front & targets)[0])
    path = [(r, c)]
    while step > 0:
        step -= 1
        r, c = _step_back(steps, water, (r, c), step, centre)
        path.append((r, c))
    path.reverse()
    return path


def _step_back(
    steps: npt.NDArray[np.int32],
    water: BoolArray,
    cell: tuple[int, int],
    step: int,
    centre: tuple[float, ...],
) -> tuple[int, int]:
    """The neighbour of `cell` reached at `step` it can be entered from, nearest `centre` on a tie.

    As in `_grow`, a diagonal neighbour counts only if the two cells beside the step are water.
    """
    r, c = cell
    rows, cols = steps.shape
    options = [
        ((r + dr - centre[0]) ** 2 + (c + dc - centre[1]) ** 2, r + dr, c + dc)
        for dr in (-1, 0, 1)
        for dc in (-1, 0, 1)
        if (dr or dc)
        and 0 <= r + dr < rows
        and 0 <= c + dc < cols
        and steps[r + dr, c + dc] == step
        and (not (dr and dc) or (water[r + dr, c] and water[r, c + dc]))
    ]
    _, best_r, best_c = min(options)
    return best_r, best_c


def _string_pull(
    clear: Callable[[float, float, float, float], bool], lat: FloatArray, lon: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """The path's points with every point skipped that a `clear` straight chord can jump over.

    Greedy: from each kept point, the farthest point reachable by a clear chord is kept next
    (found by halving from the path's end, then extending while chords stay clear). Neighbouring
    points are always joined.
    """
    keep = [0]
    i, last = 0, len(lat) - 1
    while i < last:
        j = last
        while j > i + 1 and not clear(lat[i], lon[i], lat[j], lon[j]):
            j = i + 1 + (j - i - 1) // 2
        while j < last and clear(lat[i], lon[i], lat[j + 1], lon[j + 1]):
            j += 1
        keep.append(j)
        i = j
    index = np.array(keep)
    return lat[index], lon[index]


# --- routes -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Route:
    """A sea route from the origin's berth to the destination's berth.

    `lat`/`lon` are at most 5 km apart; `distance_nm` is the cumulative distance along them,
    starting at 0 (its last value is the route's length). The arrays are read-only: routes are
    memoised and shared by every ship that sails them.
    """

    origin: str
    destination: str
    lat: FloatArray
    lon: FloatArray
    distance_nm: FloatArray

    def __post_init__(self) -> None:
        for values in (self.lat, self.lon, self.distance_nm):
            values.flags.writeable = False

    def reversed(self) -> Route:
        """The same route sailed from destination to origin."""
        lat, lon = self.lat[::-1].copy(), self.lon[::-1].copy()
        km = _cumulative_km(lat, lon)
        return Route(self.destination, self.origin, lat, lon, km / KM_PER_NM)


def _approach(locode: str) -> list[tuple[float, float]]:
    """Points from a port's berth out to its anchorage: berth, river fairway if any, anchorage."""
    here = port(locode)
    fairway = RIVER_FAIRWAYS.get(locode)
    points = list(fairway.points) if fairway else [(here.lat, here.lon)]
    return [*points, (here.anchorage_lat, here.anchorage_lon)]


def _trim_spur(anchor: tuple[float, float], nodes: list[tuple[float, float]]) -> None:
    """Drop leading network nodes that lead away from `anchor` only to come back (in place)."""
    while len(nodes) > 1:
        first = float(haversine_km(anchor[0], anchor[1], nodes[0][0], nodes[0][1]))
        second = float(haversine_km(anchor[0], anchor[1], nodes[1][0], nodes[1][1]))
        if second >= first:
            return
        del nodes[0]


class SeaRoutes:
    """Land-safe sea routes between the theatre's ports, computed once and memoised."""

    def __init__(self, land: LandMask) -> None:
        self._land = land
        self._routes: dict[tuple[str, str], Route] = {}
        self._detours: dict[tuple[Any, ...], tuple[FloatArray, FloatArray] | None] = {}
        self._network: _Network | None = None

    def route(self, origin: str, destination: str) -> Route:
        """The route from port `origin`'s berth to port `destination`'s (UN/LOCODEs)."""
        if origin == destination:
            raise ValueError(f"a route needs two different ports, got {origin!r} twice")
        key = (origin, destination)
        if key not in self._routes:
            if (destination, origin) in self._routes:
                self._routes[key] = self._routes[(destination, origin)].reversed()
            else:
                first, second = sorted(key)
                built = self._build(first, second)
                self._routes[(first, second)] = built
                self._routes[(second, first)] = built.reversed()
        return self._routes[key]

    def _build(self, origin: str, destination: str) -> Route:
        """Stitch, repair and thin the route between two ports (see the module docstring).

        Between anchorages less than `DIRECT_LIMIT_KM` apart the direct water path is tried as
        well (joining the network near each anchorage can be a long way round for a short hop)
        and the shorter land-safe polyline wins.
        """
        head, tail = _approach(origin), _approach(destination)[::-1]
        ends = (head[0], tail[-1])
        if self._network is None:
            self._network = _Network()
        nodes = self._network.path(head[-1], tail[0])
        _trim_spur(head[-1], nodes)
        nodes.reverse()
        _trim_spur(tail[0], nodes)
        nodes.reverse()
        candidates = [self._repaired(np.array([*head, *nodes, *tail]), ends)]
        gap_km = float(haversine_km(head[-1][0], head[-1][1], tail[0][0], tail[0][1]))
        if gap_km < DIRECT_LIMIT_KM:
            candidates.append(self._repaired(np.array([*head, *tail]), ends))
        safe = [c for c in candidates if self._is_safe(c[0], c[1], ends)] or candidates
        lat, lon = min(safe, key=lambda c: float(_cumulative_km(c[0], c[1])[-1]))
        keep = self._thinned(lat, lon, ends)
        lat, lon = lat[keep], lon[keep]
        return Route(origin, destination, lat, lon, _cumulative_km(lat, lon) / KM_PER_NM)

    def _is_safe(self, lat: FloatArray, lon: FloatArray, ends: _Ends) -> bool:
        """Whether no sample outside the end ports' allowances is on land."""
        return not (self._land.on_land(lat, lon) & ~self._exempt(lat, lon, ends)).any()

    def _exempt(
        self,
        lat: FloatArray,
        lon: FloatArray,
        ends: _Ends,
    ) -> BoolArray:
        """Samples close enough to an end port to be allowed on land cells (0.1 km margin)."""
        limit = PORT_LAND_ALLOWANCE_KM - 0.1
        near = np.zeros(len(lat), dtype=bool)
        for end_lat, end_lon in ends:
            # a degree of latitude is 111 km: only samples within 0.1 deg can be that close
            maybe = np.flatnonzero(np.abs(lat - end_lat) < 0.1)
            close = haversine_km(lat[maybe], lon[maybe], end_lat, end_lon) <= limit
            near[maybe[close]] = True
        return near

    def _repaired(self, points: FloatArray, ends: _Ends) -> tuple[FloatArray, FloatArray]:
        """The polyline sampled every 0.5 km, each run of samples on land replaced by a detour.

        Runs that only come within `COAST_CLEARANCE_KM` of land are moved off when open water
        allows it. A run left on land (rare: a chord grazing a cell corner) is retried with detour
        ends further away, so that a different detour is searched.
        """
        lat, lon = _densify(points[:, 0], points[:, 1], SAMPLE_SPACING_KM)
        ashore, close = self._problems(lat, lon, ends)
        for attempt in range(_REPAIR_PASSES):
            if not (ashore | close).any():
                break
            kept: list[tuple[FloatArray, FloatArray, BoolArray, BoolArray]] = []
            cursor = 0
            for first, last in _spans(ashore | close, _RUN_BUFFER_SAMPLES * (attempt + 1)):
                needed = bool(ashore[first : last + 1].any())
                detour = self._detour(lat, lon, first, last, ends, needed)
                if detour is None:
                    continue
                # a detour keeps its end samples, so only its own samples need checking
                kept.append((lat[cursor:first], lon[cursor:first], ashore[cursor:first],
                             close[cursor:first]))  # fmt: skip
                detour_ashore, detour_close = self._problems(detour[0], detour[1], ends)
                kept.append((detour[0], detour[1], detour_ashore, detour_close))
                cursor = last + 1
            if cursor == 0:
                break  # nothing could be moved: the same runs would come back
            kept.append((lat[cursor:], lon[cursor:], ashore[cursor:], close[cursor:]))
            lat = np.concatenate([piece[0] for piece in kept])
            lon = np.concatenate([piece[1] for piece in kept])
            ashore = np.concatenate([piece[2] for piece in kept])
            close = np.concatenate([piece[3] for piece in kept])
        return lat, lon

    def _problems(
        self, lat: FloatArray, lon: FloatArray, ends: _Ends
    ) -> tuple[BoolArray, BoolArray]:
        """Samples on land, and samples merely too close to land, outside the ports' allowances.

        "On land" counts the sample and the quarter points of the chord to the next sample, so a
        chord clipping a cell corner is caught; "too close" probes eight points around it.
        """
        n = len(lat)
        fractions = np.array([0.25, 0.5, 0.75])
        angles = np.radians(np.arange(8) * 45.0)
        reach_deg = COAST_CLEARANCE_KM / 111.195
        probe_lat = lat[:, None] + reach_deg * np.cos(angles)
        probe_lon = lon[:, None] + reach_deg * np.sin(angles) / np.cos(np.radians(lat))[:, None]
        query_lat = np.concatenate(
            [lat, (lat[:-1, None] + (lat[1:] - lat[:-1])[:, None] * fractions).ravel(),
             probe_lat.ravel()]
        )  # fmt: skip
        query_lon = np.concatenate(
            [lon, (lon[:-1, None] + (lon[1:] - lon[:-1])[:, None] * fractions).ravel(),
             probe_lon.ravel()]
        )  # fmt: skip
        land = self._land.on_land(query_lat, query_lon)
        ashore = land[:n].copy()
        clipped = land[n : n + 3 * (n - 1)].reshape(n - 1, 3).any(axis=1)
        ashore[:-1] |= clipped
        ashore[1:] |= clipped
        close = land[n + 3 * (n - 1) :].reshape(n, 8).any(axis=1) & ~ashore
        if close.any():
            close[close] = ~self._land.in_fairway(lat[close], lon[close])
        exempt = self._exempt(lat, lon, ends)
        return ashore & ~exempt, close & ~exempt

    def _detour(
        self,
        lat: FloatArray,
        lon: FloatArray,
        first: int,
        last: int,
        ends: _Ends,
        needed: bool,
    ) -> tuple[FloatArray, FloatArray] | None:
        """Samples every 0.5 km of a water path from sample `first` to sample `last`, or None.

        An end sample on land (near a berth) joins the path through that port's allowance disc.
        A detour that is not `needed` (the span only grazes the coast) must keep off the coast.
        """
        a = (float(lat[first]), float(lon[first]))
        b = (float(lat[last]), float(lon[last]))
        a_port = self._port_disc(a, ends)
        b_port = self._port_disc(b, ends)
        key = (*(round(v, 6) for v in (*a, *b)), a_port, b_port, needed)
        if key not in self._detours:
            span_lat, span_lon = lat[first : last + 1], lon[first : last + 1]
            clearances = (*_CLEARANCE_CELLS, 0) if needed else _CLEARANCE_CELLS
            found = self._search(span_lat, span_lon, a_port, b_port, clearances)
            if found is not None:
                # from sample `first` to sample `last` inclusive, sampled like the rest
                found = _densify(
                    np.r_[a[0], found[0], b[0]], np.r_[a[1], found[1], b[1]], SAMPLE_SPACING_KM
                )
            self._detours[key] = found
        return self._detours[key]

    def _port_disc(self, point: tuple[float, float], ends: _Ends) -> tuple[float, float] | None:
        """The end port whose allowance disc must stand in for `point`, if `point` is on land."""
        if not self._land.on_land(point[0], point[1]):
            return None
        limit = PORT_LAND_ALLOWANCE_KM
        near = [e for e in ends if haversine_km(point[0], point[1], e[0], e[1]) <= limit]
        return near[0] if near else None

    def _search(
        self,
        lat: FloatArray,
        lon: FloatArray,
        a_port: tuple[float, float] | None,
        b_port: tuple[float, float] | None,
        clearances: tuple[int, ...],
    ) -> tuple[FloatArray, FloatArray] | None:
        """Breadth-first water path between the ends of a span, in windows widened as needed.

        In each window the path keeps the first of `clearances` (cells of open water between it
        and land, away from its two ends) that lets it through.
        """
        box_lat = [float(lat.min()), float(lat.max())]
        box_lon = [float(lon.min()), float(lon.max())]
        for centre in (a_port, b_port):
            if centre is not None:
                box_lat += [centre[0] - 0.05, centre[0] + 0.05]
                box_lon += [centre[1] - 0.05, centre[1] + 0.05]
        # keeping off a coast is worth a local detour only; getting off land, any detour
        margins = _DETOUR_MARGINS_DEG if 0 in clearances else _DETOUR_MARGINS_DEG[:2]
        for margin in margins:
            grid = self._land.water_grid(
                min(box_lat) - margin,
                max(box_lat) + margin,
                min(box_lon) - margin,
                max(box_lon) + margin,
            )
            sources = _end_cells(grid, lat[0], lon[0], a_port)
            targets = _end_cells(grid, lat[-1], lon[-1], b_port)
            for clearance in clearances:
                allowed = _open_water(grid.water, clearance, sources | targets)
                path = _grid_path(allowed, sources, targets)
                if path is not None:
                    return self._pulled(grid, allowed, path, lat, lon, a_port, b_port)
        return None

    def _pulled(
        self,
        grid: _WaterGrid,
        allowed: BoolArray,
        path: list[tuple[int, int]],
        lat: FloatArray,
        lon: FloatArray,
        a_port: tuple[float, float] | None,
        b_port: tuple[float, float] | None,
    ) -> tuple[FloatArray, FloatArray]:
        """A grid path as points, joined to the span's ends and straightened within `allowed`."""
        rows, cols = zip(*path, strict=True)
        path_lat, path_lon = grid.centre(rows, cols)
        if a_port is None:
            path_lat, path_lon = np.r_[lat[0], path_lat], np.r_[lon[0], path_lon]
        if b_port is None:
            path_lat, path_lon = np.r_[path_lat, lat[-1]], np.r_[path_lon, lon[-1]]

        def clear(lat0: float, lon0: float, lat1: float, lon1: float) -> bool:
            steps = int(float(haversine_km(lat0, lon0, lat1, lon1)) / 0.1) + 2
            rows, cols = grid.cell(np.linspace(lat0, lat1, steps), np.linspace(lon0, lon1, steps))
            inside = (rows >= 0) & (rows < allowed.shape[0]) & (cols >= 0)
            inside &= cols < allowed.shape[1]
            if not inside.all() or not allowed[rows, cols].all():
                return False
            # from a cell to a diagonal neighbour the chord passes a corner: both side cells count
            corner = (np.abs(np.diff(rows)) == 1) & (np.abs(np.diff(cols)) == 1)
            if corner.any():
                k = np.flatnonzero(corner)
                if not (
                    allowed[rows[k + 1], cols[k]].all() and allowed[rows[k], cols[k + 1]].all()
                ):
                    return False
            return self._chord_clear(lat0, lon0, lat1, lon1)

        return _string_pull(clear, path_lat, path_lon)

    def _chord_clear(self, lat0: float, lon0: float, lat1: float, lon1: float) -> bool:
        """Whether a chord, sampled exactly as the finished route will be, stays off land."""
        lat, lon = _densify(np.array([lat0, lat1]), np.array([lon0, lon1]), SAMPLE_SPACING_KM)
        return not self._land.on_land(lat, lon).any()

    def _thinned(self, lat: FloatArray, lon: FloatArray, ends: _Ends) -> npt.NDArray[np.int64]:
        """Indices of samples at most 5 km apart whose chords stay off land (outside allowances).

        One sample every 4.5 km of track (samples are at most 0.5 km apart, so kept neighbours are
        at most 5 km apart), plus every sample of a stretch whose chord would clip the mask.
        """
        km = _cumulative_km(lat, lon)
        marks = np.arange(0.0, km[-1], ROUTE_SPACING_KM - SAMPLE_SPACING_KM)
        keep = np.unique(np.r_[np.searchsorted(km, marks, side="right") - 1, len(lat) - 1])
        for _ in range(3):
            chord_lat, chord_lon, owner = _chord_samples(lat, lon, keep)
            bad = self._land.on_land(chord_lat, chord_lon) | self._corner_crossed(
                chord_lat, chord_lon, owner
            )
            bad &= ~self._exempt(chord_lat, chord_lon, ends)
            if not bad.any():
                break
            extra = [np.arange(keep[k] + 1, keep[k + 1]) for k in np.unique(owner[bad])]
            keep = np.unique(np.concatenate([keep, *extra]))
        return keep

    def _corner_crossed(
        self, lat: FloatArray, lon: FloatArray, owner: npt.NDArray[np.int64]
    ) -> BoolArray:
        """Chord samples followed, on the same chord, by a sample in a diagonal cell whose two
        side cells are not both water: between them the chord grazes a corner of land."""
        rows = np.floor((90.0 - lat) * CELLS_PER_DEGREE).astype(np.int64)
        cols = np.floor((_wrap_lon(lon) + 180.0) * CELLS_PER_DEGREE).astype(np.int64)
        diagonal = (np.abs(np.diff(rows)) == 1) & (np.abs(np.diff(cols)) == 1)
        diagonal &= owner[1:] == owner[:-1]
        crossed = np.zeros(len(lat), dtype=bool)
        if diagonal.any():
            k = np.flatnonzero(diagonal)
            side_lat, side_lon = _cell_centre(
                np.r_[rows[k + 1], rows[k]], np.r_[cols[k], cols[k + 1]]
            )
            side_land = self._land.on_land(side_lat, side_lon).reshape(2, -1).any(axis=0)
            crossed[k[side_land]] = True
        return crossed


def _spans(bad: BoolArray, buffer: int) -> list[tuple[int, int]]:
    """Runs of true samples grown by `buffer` on each side and merged, as (first, last) indices.

    `first` and `last`, `buffer` samples outside the run, are where its detour starts and ends.
    """
    edges = np.flatnonzero(np.diff(np.r_[0, bad.astype(np.int8), 0]))
    spans: list[tuple[int, int]] = []
    for run_start, run_end in zip(edges[::2], edges[1::2], strict=True):
        first = max(int(run_start) - buffer, 0)
        last = min(int(run_end) - 1 + buffer, len(bad) - 1)
        if spans and first <= spans[-1][1]:
            spans[-1] = (spans[-1][0], last)
        else:
            spans.append((first, last))
    return spans


def _end_cells(
    grid: _WaterGrid, lat: float, lon: float, port_centre: tuple[float, float] | None
) -> BoolArray:
    """Start or goal cells of a detour: the point's own cell, or a port's allowance disc."""
    cells: BoolArray = np.zeros(grid.water.shape, dtype=bool)
    if port_centre is None:
        rows, cols = grid.cell(np.array([lat]), np.array([lon]))
        if 0 <= rows[0] < cells.shape[0] and 0 <= cols[0] < cells.shape[1]:
            cells[rows[0], cols[0]] = True
        return cells
    rows, cols = np.mgrid[0 : cells.shape[0], 0 : cells.shape[1]]
    clat, clon = grid.centre(rows, cols)
    limit = PORT_LAND_ALLOWANCE_KM - 0.3
    return np.asarray(haversine_km(clat, clon, port_centre[0], port_centre[1]) <= limit)


def _chord_samples(
    lat: FloatArray, lon: FloatArray, keep: npt.NDArray[np.int64]
) -> tuple[FloatArray, FloatArray, npt.NDArray[np.int64]]:
    """Points at most 0.1 km apart along the chords between kept samples, and their chord."""
    a, b = keep[:-1], keep[1:]
    seg_km = haversine_km(lat[a], lon[a], lat[b], lon[b])
    pieces = np.maximum(np.ceil(seg_km / 0.1).astype(np.int64), 1) + 1
    owner = np.repeat(np.arange(len(a)), pieces)
    start = np.repeat(np.cumsum(pieces) - pieces, pieces)
    fraction = (np.arange(len(owner)) - start) / (pieces[owner] - 1)
    chord_lat = lat[a][owner] + (lat[b][owner] - lat[a][owner]) * fraction
    chord_lon = lon[a][owner] + (lon[b][owner] - lon[a][owner]) * fraction
    return chord_lat, chord_lon, owner


class _Network:
    """searoute's maritime network (nodes are (lon, lat) tuples, edge weights in km), searched
    with one shortest-path tree per anchorage so that a port's many routes share one search.

    Same graph and closed passages as `searoute.searoute`, whose search per pair made hundreds of
    routes slow. Where searoute snaps a point to its single nearest node (which can lie across an
    isthmus, or up the Panama Canal from Colón), an anchorage here is joined to its
    `_SNAP_NODES` nearest nodes and the route takes whichever gives the shortest total.
    """

    def __init__(self) -> None:
        import searoute

        graph, _ = searoute.get_graphs()
        closed = set(RESTRICTED_PASSAGES)
        self._edges: dict[Any, list[tuple[Any, float]]] = {
            node: [
                (neighbour, float(edge["weight"]))
                for neighbour, edge in links.items()
                if edge.get("passage") not in closed
            ]
            for node, links in graph.adj.items()
        }
        self._nodes = list(self._edges)
        self._node_lon = np.array([node[0] for node in self._nodes], dtype=np.float64)
        self._node_lat = np.array([node[1] for node in self._nodes], dtype=np.float64)
        self._trees: dict[tuple[float, float], tuple[dict[Any, float], dict[Any, Any]]] = {}

    def path(self, a: tuple[float, float], b: tuple[float, float]) -> list[tuple[float, float]]:
        """Nodes (lat, lon) of the shortest way from point `a` to point `b` over the network."""
        if a not in self._trees:
            self._trees[a] = self._tree(self._near(a))
        best, parents = self._trees[a]
        options = [(best[node] + km, node) for node, km in self._near(b) if node in best]
        if not options:
            return []
        node = min(options)[1]
        nodes = [node]
        while parents[node] is not None:
            node = parents[node]
            nodes.append(node)
        nodes.reverse()
        return [(float(lat), (float(lon) + 180.0) % 360.0 - 180.0) for lon, lat in nodes]

    def _near(self, point: tuple[float, float]) -> list[tuple[Any, float]]:
        """The network nodes nearest `point`, with their great-circle distance in km."""
        km = haversine_km(point[0], point[1], self._node_lat, self._node_lon)
        nearest = np.argsort(km, kind="stable")[:_SNAP_NODES]
        return [(self._nodes[i], float(km[i])) for i in nearest]

    def _tree(self, starts: list[tuple[Any, float]]) -> tuple[dict[Any, float], dict[Any, Any]]:
        """Dijkstra from several start nodes at given distances: each node's best km and parent."""
        best: dict[Any, float] = {}
        parents: dict[Any, Any] = {}
        queue: list[tuple[float, Any]] = []
        for node, km in starts:
            if km < best.get(node, math.inf):
                best[node], parents[node] = km, None
                heapq.heappush(queue, (km, node))
        while queue:
            km, node = heapq.heappop(queue)
            if km > best[node]:
                continue
            for neighbour, weight in self._edges[node]:
                candidate = km + weight
                if candidate < best.get(neighbour, math.inf):
                    best[neighbour] = candidate
                    parents[neighbour] = node
                    heapq.heappush(queue, (candidate, neighbour))
        return best, parents
