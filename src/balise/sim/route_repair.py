"""Land-safe sea routes: a polyline's runs over land replaced by water detours, then thinned.

What: `RouteRepair(land).repaired(points, ends)` samples a polyline every 0.5 km and replaces each
run of samples on land by a detour over water; `thinned` keeps the samples at most 5 km apart whose
straight chords stay off the mask; `is_safe` tells whether a sampled polyline is off land.

Why: searoute's edges, and the joins to them, sometimes cut across land at the mask's resolution
or skirt a coast within metres, and a ship that sails across a headland or through a town is an
obvious artefact of a synthetic world.

How: a sample is on land if it, or a quarter point of the chord to the next sample, is on a land
cell. Each run of such samples is replaced by a breadth-first search over the mask's water cells
in a window around the run (widened until a path exists), from the sample just before the run to
the one just after, keeping 2, else 1, else no cell of open water from the coast, then
straightened by line of sight ("string pulling", `balise.sim.water_paths`). Runs that are not on
land but within 0.4 km of it get the same treatment where open water allows. Samples within 5 km
of either end port are exempt (berths often lie on a land cell); when a run touches a port, the
search starts from any water cell of that port's 5 km disc. Thinning keeps every sample needed for
the straight legs between kept points to stay off the mask (checked every 0.1 km and at every cell
corner they pass). Detours are memoised by their end points.
"""

from __future__ import annotations

from typing import Any, Final

import numpy as np
import numpy.typing as npt

from balise.geo.landmask import CELLS_PER_DEGREE, LandMask, WaterGrid, cell_centre, wrap_lon
from balise.geo.sphere import haversine_km
from balise.model.arrays import FloatArray
from balise.sim.polyline import chord_samples, cumulative_km, densify
from balise.sim.water_paths import grid_path, open_water, string_pull

__all__ = [
    "COAST_CLEARANCE_KM",
    "PORT_LAND_ALLOWANCE_KM",
    "ROUTE_SPACING_KM",
    "SAMPLE_SPACING_KM",
    "Ends",
    "RouteRepair",
]

BoolArray = npt.NDArray[np.bool_]
Ends = tuple[tuple[float, float], tuple[float, float]]
"""The berths (lat, lon) at the two ends of a route."""

ROUTE_SPACING_KM: Final = 5.0
"""Largest distance between consecutive points of a thinned route."""
SAMPLE_SPACING_KM: Final = 0.5
"""Spacing at which route polylines are checked against the land mask."""
PORT_LAND_ALLOWANCE_KM: Final = 5.0
"""Route points this close to either end port may lie on land cells (berths often do)."""
COAST_CLEARANCE_KM: Final = 0.4
"""Route samples this close to land (outside ports and fairways) are moved further off."""
_CLEARANCE_CELLS: Final = (2, 1)
"""Open water sought around a detour, in mask cells from land (~1.8 then ~0.9 km), before none."""
_DETOUR_MARGINS_DEG: Final = (0.1, 0.3, 1.0, 2.5)
"""Margins around a land run in which a water detour is searched, widened until one exists."""
_RUN_BUFFER_SAMPLES: Final = 4
"""Samples kept clear of a land run on each side: the detour starts 2 km before it (first pass)."""
_REPAIR_PASSES: Final = 4
"""Rounds of detours before a route is given up as it stands (one round nearly always does)."""


class RouteRepair:
    """Repairs and thins polylines against a land mask; detours are memoised per instance."""

    def __init__(self, land: LandMask) -> None:
        self._land = land
        self._detours: dict[tuple[Any, ...], tuple[FloatArray, FloatArray] | None] = {}

    def is_safe(self, lat: FloatArray, lon: FloatArray, ends: Ends) -> bool:
        """Whether no sample outside the end ports' allowances is on land."""
        return not (self._land.on_land(lat, lon) & ~self._exempt(lat, lon, ends)).any()

    def _exempt(
        self,
        lat: FloatArray,
        lon: FloatArray,
        ends: Ends,
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

    def repaired(self, points: FloatArray, ends: Ends) -> tuple[FloatArray, FloatArray]:
        """The polyline sampled every 0.5 km, each run of samples on land replaced by a detour.

        Runs that only come within `COAST_CLEARANCE_KM` of land are moved off when open water
        allows it. A run left on land (rare: a chord grazing a cell corner) is retried with detour
        ends further away, so that a different detour is searched.
        """
        lat, lon = densify(points[:, 0], points[:, 1], SAMPLE_SPACING_KM)
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
        self, lat: FloatArray, lon: FloatArray, ends: Ends
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
        ends: Ends,
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
                found = densify(
                    np.r_[a[0], found[0], b[0]], np.r_[a[1], found[1], b[1]], SAMPLE_SPACING_KM
                )
            self._detours[key] = found
        return self._detours[key]

    def _port_disc(self, point: tuple[float, float], ends: Ends) -> tuple[float, float] | None:
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
                allowed = open_water(grid.water, clearance, sources | targets)
                path = grid_path(allowed, sources, targets)
                if path is not None:
                    return self._pulled(grid, allowed, path, lat, lon, a_port, b_port)
        return None

    def _pulled(
        self,
        grid: WaterGrid,
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

        return string_pull(clear, path_lat, path_lon)

    def _chord_clear(self, lat0: float, lon0: float, lat1: float, lon1: float) -> bool:
        """Whether a chord, sampled exactly as the finished route will be, stays off land."""
        lat, lon = densify(np.array([lat0, lat1]), np.array([lon0, lon1]), SAMPLE_SPACING_KM)
        return not self._land.on_land(lat, lon).any()

    def thinned(self, lat: FloatArray, lon: FloatArray, ends: Ends) -> npt.NDArray[np.int64]:
        """Indices of samples at most 5 km apart whose chords stay off land (outside allowances).

        One sample every 4.5 km of track (samples are at most 0.5 km apart, so kept neighbours are
        at most 5 km apart), plus every sample of a stretch whose chord would clip the mask.
        """
        km = cumulative_km(lat, lon)
        marks = np.arange(0.0, km[-1], ROUTE_SPACING_KM - SAMPLE_SPACING_KM)
        keep = np.unique(np.r_[np.searchsorted(km, marks, side="right") - 1, len(lat) - 1])
        for _ in range(3):
            chord_lat, chord_lon, owner = chord_samples(lat, lon, keep)
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
        cols = np.floor((wrap_lon(lon) + 180.0) * CELLS_PER_DEGREE).astype(np.int64)
        diagonal = (np.abs(np.diff(rows)) == 1) & (np.abs(np.diff(cols)) == 1)
        diagonal &= owner[1:] == owner[:-1]
        crossed = np.zeros(len(lat), dtype=bool)
        if diagonal.any():
            k = np.flatnonzero(diagonal)
            side_lat, side_lon = cell_centre(
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
    grid: WaterGrid, lat: float, lon: float, port_centre: tuple[float, float] | None
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
