"""The territorial sea of the French Caribbean and French Guiana, computed from the land mask.

What: `territorial_sea()` is the sea within 12 nm of the coast of Martinique, Guadeloupe (with
Marie-Galante, Les Saintes, La Désirade and Petite-Terre), Saint-Martin (French part),
Saint-Barthélemy and French Guiana, with the islands themselves and their internal waters, as
one shapely MultiPolygon (lon/lat degrees); `inside(lat, lon)` answers for arrays of positions.
`territory_of(lat, lon)` says which territory's sea a position is in (its ISO 3166 code, e.g.
"MQ"). A zone the user draws of kind `territorial_sea` overrides the computed limit (see
`TERRITORIAL_SEA_KIND`).

Why: a vessel must declare an arrival from abroad to French customs once it enters French
waters; the clearance checks (`balise.maritime.clearance`) need "was she in French waters?" for
track positions and stops away from ports.

Sources and approximations:
- Breadth: 12 nm from the baseline (UNCLOS art. 3; France: loi n° 71-1060 of 24 December 1971).
- Baseline: the normal baseline is the low-water line (UNCLOS art. 5); it is approximated here by
  the coastline of the GLOBE 30" land mask shipped with `global-land-mask` (`balise.geo.landmask`),
  measured from the nearest edge of a coast cell (cells are ~0.9 km; the tidal range of the Lesser
  Antilles is well under a metre, so the cells dominate the error: about ±1 km on the limit).
  Straight baselines and bay closing lines that France may have decreed (UNCLOS art. 7, 10) are
  not modelled: where they exist the true limit lies farther out; draw it as a zone.
- Neighbours: where the 12 nm belts of France and a neighbour overlap (Saint Lucia Channel,
  Dominica Passage, Anguilla Channel, Sint Maarten), the limit is the median line, every point
  nearer French land than foreign land (UNCLOS art. 15), computed on the same mask; treaties that
  depart from it are not modelled.
- French land is told from foreign land by a hand-drawn box per territory (`TERRITORIES`); on
  Saint-Martin the border with Sint Maarten is a straight line from Cupecoy to Oyster Pond, and
  in Guiana the Maroni and the Oyapock are taken as meridians at their mouths.

How: on each territory's window of the mask, the distance from every cell to the nearest French
and foreign coast cell (their rectangles, in a local flat projection, exact to metres at these
scales); the cells within 12 nm of French coast and nearer it than any foreign coast, with the
French land cells, are joined row by row into rectangles and merged into polygons. Built once
per process (about a second, after the mask is read).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt
import shapely
from shapely.geometry import MultiPolygon, Polygon

from balise.geo.landmask import CELLS_PER_DEGREE, cell_centre, ocean_grid
from balise.geo.sphere import EARTH_RADIUS_KM, KM_PER_NM
from balise.geo.zones import Zone
from balise.model.arrays import BoolArray, FloatArray, ObjectArray

__all__ = [
    "BREADTH_NM",
    "TERRITORIAL_SEA_KIND",
    "TERRITORIES",
    "Territory",
    "inside",
    "territorial_sea",
    "territory_of",
    "territory_seas",
]

BREADTH_NM: Final = 12.0
"""Breadth of the territorial sea from the baseline (UNCLOS art. 3)."""
TERRITORIAL_SEA_KIND: Final = "territorial_sea"
"""Kind of a user zone that overrides the computed territorial sea: a zone of this kind whose id
is `territorial-sea-<code>` (e.g. `territorial-sea-MQ`) replaces that territory's computed sea;
one with any other id is added to the jurisdiction."""
_SEARCH_NM: Final = 2 * BREADTH_NM + 2.0
"""Foreign coast this far from French coast can move the median line."""
_KM_PER_DEG: Final = math.radians(1.0) * EARTH_RADIUS_KM
_CHUNK: Final = 2048


@dataclass(frozen=True)
class Territory:
    """A French territory whose sea is computed: ISO 3166 code, name, and the box holding its
    land and no foreign land (lat/lon degrees), less what lies south of `border` (a segment
    (lat, lon) to (lat, lon): the land border on a shared island)."""

    code: str
    name: str
    south: float
    north: float
    west: float
    east: float
    border: tuple[tuple[float, float], tuple[float, float]] | None = None


TERRITORIES: Final = (
    Territory("MQ", "Martinique", 14.35, 14.90, -61.30, -60.78),
    Territory("GP", "Guadeloupe", 15.80, 16.55, -61.85, -60.95),
    Territory("BL", "Saint-Barthélemy", 17.85, 17.98, -62.96, -62.77),
    Territory("MF", "Saint-Martin", 18.00, 18.14, -63.16, -62.96,
              border=((18.045, -63.145), (18.058, -63.012))),
    Territory("GF", "French Guiana", 3.80, 5.85, -53.98, -51.62),
)  # fmt: skip
"""The French Caribbean territories and French Guiana (their UN/LOCODE country codes)."""


def _window(territory: Territory) -> tuple[int, int, int, int]:
    """Mask rows and columns [r0, r1) x [c0, c1) of the territory's box padded by `_SEARCH_NM`."""
    pad_lat = _SEARCH_NM * KM_PER_NM / _KM_PER_DEG
    pad_lon = pad_lat / math.cos(math.radians(max(abs(territory.south), abs(territory.north))))
    r0 = math.floor((90.0 - territory.north - pad_lat) * CELLS_PER_DEGREE)
    r1 = math.ceil((90.0 - territory.south + pad_lat) * CELLS_PER_DEGREE)
    c0 = math.floor((territory.west - pad_lon + 180.0) * CELLS_PER_DEGREE)
    c1 = math.ceil((territory.east + pad_lon + 180.0) * CELLS_PER_DEGREE)
    return r0, r1, c0, c1


def _french(territory: Territory, lat: FloatArray, lon: FloatArray) -> BoolArray:
    """Which cell centres lie in the territory's box (and north of its border)."""
    within = (
        (lat >= territory.south)
        & (lat <= territory.north)
        & (lon >= territory.west)
        & (lon <= territory.east)
    )
    if territory.border is not None:
        (lat_a, lon_a), (lat_b, lon_b) = territory.border
        border_lat = lat_a + (lon - lon_a) * (lat_b - lat_a) / (lon_b - lon_a)
        within &= lat >= border_lat
    return within


def _coast(land: BoolArray) -> BoolArray:
    """Land cells with a water cell beside them (the nearest land to any water cell is one)."""
    water = ~land
    near = np.zeros_like(land)
    near[1:] |= water[:-1]
    near[:-1] |= water[1:]
    near[:, 1:] |= water[:, :-1]
    near[:, :-1] |= water[:, 1:]
    return land & near


def _nearest_km(
    x: FloatArray, y: FloatArray, cx: FloatArray, cy: FloatArray, half_x_km: float
) -> FloatArray:
    """Distance (km) from points (x, y) to the nearest of the cell rectangles centred on (cx, cy)
    (half width `half_x_km`, half height half a 30" cell), in one flat projection in km."""
    out = np.full(x.size, np.inf)
    if cx.size == 0:
        return out
    half_y = 0.5 * _KM_PER_DEG / CELLS_PER_DEGREE
    for start in range(0, x.size, _CHUNK):
        part = slice(start, start + _CHUNK)
        dx = np.maximum(np.abs(x[part, None] - cx[None, :]) - half_x_km, 0.0)
        dy = np.maximum(np.abs(y[part, None] - cy[None, :]) - half_y, 0.0)
        out[part] = np.sqrt((dx * dx + dy * dy).min(axis=1))
    return out


def _near_box(
    x: FloatArray, y: FloatArray, cx: FloatArray, cy: FloatArray, pad_km: float
) -> BoolArray:
    """Which points lie within `pad_km` of the bounding box of (cx, cy)."""
    if cx.size == 0:
        return np.zeros(x.size, dtype=bool)
    near = (x >= cx.min() - pad_km) & (x <= cx.max() + pad_km)
    near &= (y >= cy.min() - pad_km) & (y <= cy.max() + pad_km)
    return np.asarray(near, dtype=np.bool_)


def _sea_cells(territory: Territory) -> tuple[BoolArray, int, int]:
    """The window's cells in the territory's sea or on its land (French land, or water within 12
    nm of French coast and no nearer foreign coast), and the window's first row and column."""
    r0, r1, c0, c1 = _window(territory)
    land = ~ocean_grid()[r0:r1, c0:c1]
    rows, cols = np.mgrid[r0:r1, c0:c1]
    lat, lon = cell_centre(rows, cols)
    french_land = land & _french(territory, lat, lon)
    coast = _coast(land)
    scale_x = math.cos(math.radians(0.5 * (territory.south + territory.north)))
    x, y = lon * _KM_PER_DEG * scale_x, lat * _KM_PER_DEG
    half_x = 0.5 * _KM_PER_DEG * scale_x / CELLS_PER_DEGREE
    french = coast & french_land
    fx, fy = x[french], y[french]
    breadth_km = BREADTH_NM * KM_PER_NM
    candidate = ~land & _near_box(x, y, fx, fy, breadth_km + 1.0)
    foreign = coast & ~french_land & _near_box(x, y, fx, fy, 2 * breadth_km + 2.0)
    px, py = x[candidate], y[candidate]
    to_french = _nearest_km(px, py, fx, fy, half_x)
    to_foreign = _nearest_km(px, py, x[foreign], y[foreign], half_x)
    sea = french_land.copy()
    sea[candidate] = (to_french <= breadth_km) & (to_french <= to_foreign)
    return sea, r0, c0


def _polygon(cells: BoolArray, r0: int, c0: int) -> MultiPolygon:
    """The cells as polygons (lon/lat): each row's runs as rectangles, merged."""
    step = 1.0 / CELLS_PER_DEGREE
    padded = np.zeros((cells.shape[0], cells.shape[1] + 2), dtype=np.int8)
    padded[:, 1:-1] = cells
    change = np.diff(padded, axis=1)
    run_rows, starts = np.nonzero(change == 1)
    _, ends = np.nonzero(change == -1)
    north = 90.0 - (run_rows + r0) * step
    west = (starts + c0) * step - 180.0
    east = (ends + c0) * step - 180.0
    boxes = shapely.box(west, north - step, east, north)
    merged = shapely.union_all(boxes, grid_size=step / 1000)
    parts = list(getattr(merged, "geoms", [merged]))
    return MultiPolygon([p for p in parts if isinstance(p, Polygon) and not p.is_empty])


@functools.cache
def territory_seas() -> dict[str, MultiPolygon]:
    """Each territory's computed sea (with its land), by ISO 3166 code; built once per process."""
    return {t.code: _polygon(*_sea_cells(t)) for t in TERRITORIES}


def _override_code(zone: Zone) -> str | None:
    """The territory a `territorial_sea` zone replaces, from its id `territorial-sea-<code>`."""
    code = zone.id.removeprefix("territorial-sea-").upper()
    return code if zone.id.lower().startswith("territorial-sea-") else None


def _seas(zones: Sequence[Zone]) -> dict[str, shapely.Geometry]:
    """The computed seas with the user's `territorial_sea` zones laid over them."""
    seas: dict[str, shapely.Geometry] = dict(territory_seas())
    for zone in zones:
        if zone.kind == TERRITORIAL_SEA_KIND:
            seas[_override_code(zone) or zone.id] = zone.geometry
    return seas


def territorial_sea(zones: Sequence[Zone] = ()) -> MultiPolygon:
    """The French territorial sea of the Caribbean and Guiana with the land it surrounds, one
    MultiPolygon (lon/lat); `zones` of kind `territorial_sea` override or extend it."""
    if not any(z.kind == TERRITORIAL_SEA_KIND for z in zones):
        return _joined()
    return _as_multi(shapely.union_all(list(_seas(zones).values())))


@functools.cache
def _joined() -> MultiPolygon:
    geometry = _as_multi(shapely.union_all(list(territory_seas().values())))
    shapely.prepare(geometry)
    return geometry


def _as_multi(geometry: shapely.Geometry) -> MultiPolygon:
    parts = getattr(geometry, "geoms", [geometry])
    return MultiPolygon([p for p in parts if isinstance(p, Polygon) and not p.is_empty])


def inside(lat: npt.ArrayLike, lon: npt.ArrayLike, zones: Sequence[Zone] = ()) -> BoolArray:
    """Which positions (degrees) lie in the territorial sea or on the land it surrounds
    (element-wise, same shape; a position on the limit counts as inside)."""
    geometry = territorial_sea(zones)
    lats = np.asarray(lat, dtype=np.float64)
    lons = np.asarray(lon, dtype=np.float64)
    west, south, east, north = shapely.bounds(geometry) if not geometry.is_empty else (0, 0, -1, -1)
    near = (lons >= west) & (lons <= east) & (lats >= south) & (lats <= north)
    out = np.zeros(lats.shape, dtype=bool)
    if near.any():
        out[near] = shapely.intersects_xy(geometry, lons[near], lats[near])
    return out


def territory_of(lat: npt.ArrayLike, lon: npt.ArrayLike, zones: Sequence[Zone] = ()) -> ObjectArray:
    """The code of the territory whose sea (or land) holds each position ("MQ", ...; the id of
    an added zone), None outside every one."""
    lats = np.atleast_1d(np.asarray(lat, dtype=np.float64))
    lons = np.atleast_1d(np.asarray(lon, dtype=np.float64))
    out = np.full(lats.shape, None, dtype=object)
    found = np.zeros(lats.shape, dtype=bool)
    for code, geometry in _seas(zones).items():
        west, south, east, north = shapely.bounds(geometry)
        near = (lons >= west) & (lons <= east) & (lats >= south) & (lats <= north) & ~found
        if near.any():
            hit = np.flatnonzero(near)[shapely.intersects_xy(geometry, lons[near], lats[near])]
            out[hit], found[hit] = code, True
    return out
