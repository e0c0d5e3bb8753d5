"""Radar siting, demand: what each cell of the grid is worth, and the planner's settings.

What: three components, each a weight per cell of a `DemandGrid`:
- traffic: stored AIS positions per cell (`count_in_cells`) — where vessels are;
- events: stored events per cell, each counted with its type's risk weight (`count_in_cells`
  with weights) — where dark targets, drops, gaps and meetings were seen;
- corridors: approach lines from foreign ports to the zone's coast (`corridor_counts`) — where a
  boat without AIS from Saint Lucia, Dominica, Venezuela or Suriname would run.
`combine_demand` scales each non-empty component to sum 1 and mixes them with the shares of
`SitingParams`, so the total is 1 and a covered share reads as a fraction of what matters.

Why corridors: the boats the radars are for carry no AIS, so the AIS traffic alone says little
about where they pass; the straight run from a foreign coast to a beach is the prior a coastal
surveillance planner uses. An approach line is the great circle from a port to a coast cell,
cut at its first landfall inside the grid (a boat lands on the first beach it meets). Each
country weighs the same, split evenly over its ports, each port's weight split evenly over the
coast cells; a line counts once per cell it crosses.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

import numpy as np
import numpy.typing as npt

from balise.geo.sphere import KM_PER_NM, distance_nm
from balise.maritime.siting import DemandGrid
from balise.model.arrays import FloatArray, IntArray
from balise.model.parameters import params_from, settings_of

__all__ = [
    "CORRIDOR_COUNTRIES",
    "PREFIX",
    "Demand",
    "SitingParams",
    "combine_demand",
    "corridor_counts",
    "count_in_cells",
    "siting_params",
    "siting_settings",
]

PREFIX: Final = "plan.radars"
CORRIDOR_COUNTRIES: Final = ("Saint_lucia", "Dominica", "Venezuela", "Suriname")
"""Where the approaches to the French Caribbean come from (gazetteer country names): the
neighbouring islands and the South American coasts of the issue's seed."""


@dataclass(frozen=True)
class SitingParams:
    """The radar siting planner's settings (`plan.radars.<field>`)."""

    cell_km: float = 1.0
    """Side of a demand grid cell, km: about a coastal radar's resolution at 20 nm (Balise)."""
    target_height_m: float = 1.0
    """Height of the target above the sea, metres, for the radar horizon: a go-fast or a
    semi-submersible (Balise: low craft are the ones coastal radars miss)."""
    traffic_share: float = 0.3
    """Share of the demand given to stored AIS positions per cell (Balise: where vessels are,
    but those with AIS are not the radars' first concern)."""
    events_share: float = 0.2
    """Share of the demand given to stored events per cell weighted by their type's risk weight
    (Balise: dark targets and drops already seen)."""
    corridor_share: float = 0.5
    """Share of the demand given to approach corridors from foreign coasts (Balise: the runs
    without AIS the radars exist for, issue 13)."""
    shadow_skip_km: float = 2.0
    """Length of a line of sight not tested for land next to the site, km: the site stands on
    a headland, inside the land mask (Balise; the mask's cells are ~0.9 km)."""
    exact_max_candidates: int = 40
    """`--method auto` solves exactly up to this many candidates, else greedily (Balise: HiGHS
    solves such maximum coverage models in well under a second)."""
    exact_max_count: int = 6
    """`--method auto` solves exactly up to this many new sites, else greedily (Balise)."""


def siting_settings() -> list[dict[str, Any]]:
    """One setting declaration (keyword arguments of `balise.settings.Setting`) per field."""
    return settings_of(PREFIX, SitingParams, f"{SitingParams.__module__}.SitingParams")


def siting_params(values: Mapping[str, Any]) -> SitingParams:
    """The planner's settings in force: the `plan.radars.<field>` entries of resolved settings."""
    return params_from(values, PREFIX, SitingParams)


@dataclass(frozen=True)
class Demand:
    """The weight of each cell (sums to 1 unless every component is empty) and its components
    as given (`traffic`, `events`, `corridors`, raw)."""

    weights: FloatArray
    traffic: FloatArray
    events: FloatArray
    corridors: FloatArray

    def components(self) -> dict[str, FloatArray]:
        """The raw components by name."""
        return {"traffic": self.traffic, "events": self.events, "corridors": self.corridors}


def count_in_cells(
    grid: DemandGrid,
    lat: npt.ArrayLike,
    lon: npt.ArrayLike,
    weights: npt.ArrayLike | None = None,
) -> FloatArray:
    """Positions (or their `weights`) summed per cell; positions outside the cells are ignored."""
    cells = grid.cells_of(lat, lon)
    inside = cells >= 0
    counted = None if weights is None else np.asarray(weights, np.float64)[inside]
    return np.bincount(cells[inside], weights=counted, minlength=len(grid)).astype(np.float64)


def combine_demand(
    grid: DemandGrid,
    params: SitingParams,
    traffic: FloatArray | None = None,
    events: FloatArray | None = None,
    corridors: FloatArray | None = None,
) -> Demand:
    """Each component scaled to sum 1, mixed by its share; shares of empty components are
    given to the others in proportion (the weights still sum to 1)."""
    zero = np.zeros(len(grid))
    parts = [(c if c is not None else zero) for c in (traffic, events, corridors)]
    shares = (params.traffic_share, params.events_share, params.corridor_share)
    weights = zero.copy()
    used = sum(s for s, c in zip(shares, parts, strict=True) if c.sum() > 0)
    for share, part in zip(shares, parts, strict=True):
        if part.sum() > 0 and used > 0:
            weights += share / used * part / part.sum()
    return Demand(weights, *parts)


def corridor_counts(
    grid: DemandGrid,
    origins: Sequence[tuple[str, float, float]],
    targets: IntArray,
) -> FloatArray:
    """Approach corridor weight per cell: lines from each origin (group, lat, lon) to each target
    cell, weighted so that each group sums to 1 over its lines (see the module docstring)."""
    out = np.zeros(len(grid))
    if not origins or targets.size == 0:
        return out
    groups = sorted({group for group, _, _ in origins})
    per_group = {g: sum(1 for o in origins if o[0] == g) for g in groups}
    reach_km = _grid_diagonal_km(grid)
    for group, lat, lon in origins:
        line_weight = 1.0 / (len(groups) * per_group[group] * targets.size)
        crossed = _crossed_cells(grid, lat, lon, targets, reach_km)
        out += line_weight * np.bincount(crossed, minlength=len(grid))
    return out


def _grid_diagonal_km(grid: DemandGrid) -> float:
    rows, cols = grid.index.shape
    north, east = grid.south + rows * grid.dlat_deg, grid.west + cols * grid.dlon_deg
    return float(distance_nm(grid.south, grid.west, north, east)) * KM_PER_NM


def _crossed_cells(
    grid: DemandGrid, lat: float, lon: float, targets: IntArray, reach_km: float
) -> IntArray:
    """The cells crossed by the lines from (lat, lon) to each target cell, each cell once per
    line, up to the line's first landfall: only the last `reach_km` of a line can be in the grid
    (the target is in it), so only those are sampled, every half cell."""
    total_km = np.asarray(distance_nm(lat, lon, grid.lat[targets], grid.lon[targets])) * KM_PER_NM
    step_km = grid.cell_km / 2
    back_km = np.arange(0.0, reach_km + step_km, step_km)[::-1]
    along = np.clip(1.0 - back_km[None, :] / np.maximum(total_km[:, None], 1e-9), 0.0, 1.0)
    lats, lons = _great_circle(lat, lon, grid.lat[targets], grid.lon[targets], along)
    cells = grid.cells_of(lats, lons)
    in_water = cells >= 0
    entered = np.cumsum(in_water, axis=1) > 0
    landed = np.cumsum(grid.on_land(lats, lons) & entered, axis=1) > 0
    keep = in_water & ~landed
    line = np.broadcast_to(np.arange(len(targets))[:, None], cells.shape)
    pairs = np.unique(line[keep] * len(grid) + cells[keep])
    return (pairs % len(grid)).astype(np.int64)


def _great_circle(
    lat1: float, lon1: float, lat2: FloatArray, lon2: FloatArray, along: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """Points at fractions `along` (lines, steps) of the great circles from point 1 to each
    point 2 (spherical linear interpolation of unit vectors)."""
    a = _unit(np.radians(lat1), np.radians(lon1))[:, None]
    b = _unit(np.radians(lat2), np.radians(lon2))
    omega = np.arccos(np.clip(np.einsum("i,ij->j", a[:, 0], b), -1.0, 1.0))[:, None]
    sin_omega = np.where(omega > 1e-12, np.sin(omega), 1.0)
    wa = np.where(omega > 1e-12, np.sin((1 - along) * omega) / sin_omega, 1 - along)
    wb = np.where(omega > 1e-12, np.sin(along * omega) / sin_omega, along)
    x = wa * a[0] + wb * b[0][:, None]
    y = wa * a[1] + wb * b[1][:, None]
    z = wa * a[2] + wb * b[2][:, None]
    lat = np.degrees(np.arctan2(z, np.hypot(x, y)))
    return lat, np.degrees(np.arctan2(y, x))


def _unit(lat_rad: npt.ArrayLike, lon_rad: npt.ArrayLike) -> FloatArray:
    lat, lon = np.asarray(lat_rad, np.float64), np.asarray(lon_rad, np.float64)
    return np.stack([np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)])
