"""The GLOBE 30-arc-second land mask: one loader, and `LandMask` for "is this point ashore?".

What: `read_ocean_grid()` reads the GLOBE grid shipped in the `global-land-mask` package (True =
ocean, row 0 at 90 N, column 0 at 180 W); `ocean_grid()` is the same grid loaded once per process,
read-only. `LandMask` answers land or water for arrays of positions, with optional `Fairway`
corridors carved back out as water, gives the distance to the nearest land cell and the water
cells of a window of the mask (`WaterGrid`), over which paths can be searched.

Why: the mask's ~1 km cells close every channel narrower than a cell (rivers up to a port, the
Panama Canal), so a user of the mask that moves ships needs those channels opened; the distance
to shore (`balise.geo.shore`) and the simulator's land-safe routes read the same grid, which is
loaded here only.

Source: the GLOBE 30-arc-second land mask (NOAA GLOBE project, public domain), as packaged by
`global-land-mask`; lakes count as land. The package is located, not imported: importing it would
decompress a second copy (~1 GB).
"""

from __future__ import annotations

import functools
import importlib.util
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import numpy as np
import numpy.typing as npt

from balise.geo.sphere import EARTH_RADIUS_KM
from balise.model.arrays import FloatArray

__all__ = [
    "CELLS_PER_DEGREE",
    "MASK_COLUMNS",
    "MASK_ROWS",
    "Fairway",
    "LandMask",
    "WaterGrid",
    "cell_centre",
    "ocean_grid",
    "read_ocean_grid",
    "wrap_lon",
]

BoolArray = npt.NDArray[np.bool_]

CELLS_PER_DEGREE: Final = 120
"""The GLOBE mask has 30-arc-second cells: 120 per degree of latitude or longitude."""
MASK_ROWS: Final = 180 * CELLS_PER_DEGREE
MASK_COLUMNS: Final = 360 * CELLS_PER_DEGREE
_CELL_INSET_KM: Final = 0.7
"""Half the diagonal of a mask cell (0.93 km high): a centre this deep in a fairway keeps the
whole cell in it."""


def read_ocean_grid() -> BoolArray:
    """The GLOBE grid of `global-land-mask` (True = ocean, row 0 at 90 N, column 0 at 180 W).

    Read from the package's own data file, the one `globe.is_land` answers from, into a new array
    (~1 GB, seconds to decompress) that the caller owns and may drop once done with it.
    """
    spec = importlib.util.find_spec("global_land_mask")
    if spec is None or spec.origin is None:
        raise ModuleNotFoundError("global-land-mask is not installed")
    path = Path(spec.origin).parent / "globe_combined_mask_compressed.npz"
    with np.load(path) as data:
        grid = np.asarray(data["mask"], dtype=bool)
    if grid.shape != (MASK_ROWS, MASK_COLUMNS):
        raise RuntimeError(f"unexpected GLOBE mask shape {grid.shape}")
    return grid


@functools.cache
def ocean_grid() -> BoolArray:
    """`read_ocean_grid()` cached for the process, read-only: the data every `LandMask` shares.

    Indexed directly, it gives the answers of `globe.is_land` without its per-call copies.
    """
    grid = read_ocean_grid()
    grid.flags.writeable = False
    return grid


def wrap_lon(lon: FloatArray) -> FloatArray:
    """Longitudes brought into [-180, 180) (the same array when they already are)."""
    if lon.size == 0 or (lon.min() >= -180.0 and lon.max() < 180.0):
        return lon
    return (lon + 180.0) % 360.0 - 180.0


def cell_centre(rows: npt.ArrayLike, cols: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Latitude and longitude of the centres of mask cells (row 0 at 90 N, column 0 at 180 W)."""
    lat = 90.0 - (np.asarray(rows) + 0.5) / CELLS_PER_DEGREE
    lon = (np.asarray(cols) + 0.5) / CELLS_PER_DEGREE - 180.0
    return np.asarray(lat, np.float64), np.asarray(lon, np.float64)


@dataclass(frozen=True)
class Fairway:
    """A navigable channel narrower than the land mask's cells, as a polyline of (lat, lon).

    The land mask treats every point within `half_width_km` of the polyline as water. For a river
    port the polyline runs from the berth (first point) down to where the mask shows open water.
    """

    name: str
    points: tuple[tuple[float, float], ...]
    half_width_km: float = 1.0


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
class WaterGrid:
    """Water cells of a window of the mask: `water[r, c]` is cell (`row0` + r, `col0` + c)."""

    row0: int
    col0: int
    water: BoolArray

    def cell(self, lat: FloatArray, lon: FloatArray) -> tuple[npt.NDArray[np.int64], ...]:
        """Window (row, column) of the cells holding each point (may fall outside the window)."""
        rows = np.floor((90.0 - lat) * CELLS_PER_DEGREE).astype(np.int64) - self.row0
        cols = np.floor((wrap_lon(lon) + 180.0) * CELLS_PER_DEGREE).astype(np.int64) - self.col0
        return rows, cols

    def centre(self, rows: npt.ArrayLike, cols: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
        """Latitude and longitude of the centres of window cells."""
        return cell_centre(np.asarray(rows) + self.row0, np.asarray(cols) + self.col0)


class LandMask:
    """Land or water for any position: the GLOBE 30" mask with `fairways` as water.

    The mask grid is loaded once per process, on the first question. Lakes count as land; a
    point belongs to the cell it falls in, as with `global_land_mask.globe.is_land`.
    """

    def __init__(self, fairways: Sequence[Fairway] = ()) -> None:
        self._corridors = tuple(_Corridor.of(f) for f in fairways)

    def on_land(self, lat: npt.ArrayLike, lon: npt.ArrayLike) -> BoolArray:
        """Whether each point (degrees) is on land; arrays of any matching shape, same shape out."""
        return self._on_land(lat, lon, 0.0)

    def _on_land(self, lat: npt.ArrayLike, lon: npt.ArrayLike, inset_km: float) -> BoolArray:
        """`on_land`, with fairways narrowed by `inset_km` on each side."""
        lat_arr, lon_arr = np.broadcast_arrays(
            np.asarray(lat, dtype=np.float64), np.asarray(lon, dtype=np.float64)
        )
        flat_lat, flat_lon = lat_arr.ravel(), wrap_lon(lon_arr.ravel())
        if flat_lat.size and (flat_lat.min() < -90.0 or flat_lat.max() > 90.0):
            raise ValueError("latitudes must lie within [-90, 90]")
        rows = np.minimum(((90.0 - flat_lat) * CELLS_PER_DEGREE).astype(np.int64), MASK_ROWS - 1)
        cols = ((flat_lon + 180.0) * CELLS_PER_DEGREE).astype(np.int64)
        land = ~ocean_grid()[rows, np.minimum(cols, MASK_COLUMNS - 1)]
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
    ) -> WaterGrid:
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
        lat, lon = cell_centre(rows, cols)
        return WaterGrid(row0, col0, ~self._on_land(lat, lon, _CELL_INSET_KM))
