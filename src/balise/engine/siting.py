"""The radar siting planner run: the workspace's traffic and events, the approach corridors and
the land mask put together around the pure core (`balise.maritime.siting*`).

`plan_radars` builds the demand grid over the zone (water cells only), weighs it with the stored
AIS positions, the stored events (each with its type's risk weight) and the approach corridors
from the ports of `countries` (the gazetteer's), computes which cells each candidate and each
existing site covers (horizon, range, land shadow), and selects `count` new sites.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final, Protocol

import numpy as np
import polars as pl
from shapely.geometry.base import BaseGeometry

from balise.geo.gazetteer import Gazetteer
from balise.maritime.siting import DemandGrid, OnLand, build_grid, coverage_matrix
from balise.maritime.siting_demand import (
    CORRIDOR_COUNTRIES,
    Demand,
    SitingParams,
    combine_demand,
    corridor_counts,
    count_in_cells,
)
from balise.maritime.siting_select import Method, Selection, select_sites
from balise.model.arrays import BoolArray, FloatArray
from balise.model.box import Box
from balise.model.event_types import EVENT_TYPES, event_type
from balise.store.base import EventFilter, EventStore, PositionStore

__all__ = [
    "SITING_EVENT_TYPES",
    "SitingPlan",
    "corridor_origins",
    "event_weight",
    "plan_radars",
    "traffic_weight",
]


_NOT_AT_SEA: Final = frozenset({"port_visit", "clearance_missing", "clearance_mismatch"})
"""Event types placed at a port: they say where vessels call, not where a radar is needed."""
SITING_EVENT_TYPES: Final = tuple(
    t.name for t in EVENT_TYPES if t.domain == "maritime" and t.name not in _NOT_AT_SEA
)
"""The events that weigh on the siting: the maritime types of the registry observed at sea."""


class _SitingStore(PositionStore, EventStore, Protocol):
    """What the planner reads: positions and events."""


@dataclass(frozen=True)
class SitingPlan:
    """A planner run: the grid and its demand, the sites, which cells each covers (`coverage`
    for candidates, `existing_coverage` for the fixed sites, any of them), and the selection."""

    grid: DemandGrid
    demand: Demand
    candidates: pl.DataFrame
    existing: pl.DataFrame
    coverage: BoolArray
    existing_coverage: BoolArray
    selection: Selection

    def component_shares(self) -> dict[str, tuple[float, float]]:
        """For each demand component, its share covered before and after the new sites."""
        after = self.existing_coverage.copy()
        for index in self.selection.chosen:
            after |= self.coverage[index]
        shares = {}
        for name, part in self.demand.components().items():
            total = float(part.sum())
            if total > 0:
                shares[name] = (
                    float(part[self.existing_coverage].sum()) / total,
                    float(part[after].sum()) / total,
                )
        return shares


def traffic_weight(store: PositionStore, grid: DemandGrid) -> FloatArray:
    """Stored AIS positions per cell, read frame by frame."""
    counts = np.zeros(len(grid))
    for frame in store.positions():
        if frame.height:
            counts += count_in_cells(grid, frame["lat"].to_numpy(), frame["lon"].to_numpy())
    return counts


def event_weight(store: EventStore, grid: DemandGrid, box: Box) -> FloatArray:
    """Stored events of `SITING_EVENT_TYPES` (not retracted) per cell, each counted with its
    type's risk weight."""
    events = store.find_events(EventFilter(types=SITING_EVENT_TYPES, bbox=box))
    events = events.filter(pl.col("lat").is_not_null())
    weight = [event_type(name).weight for name in events["type"]]
    return count_in_cells(grid, events["lat"].to_numpy(), events["lon"].to_numpy(), weight)


def corridor_origins(countries: Sequence[str]) -> list[tuple[str, float, float]]:
    """The gazetteer's ports of `countries` as (country, lat, lon)."""
    ports = Gazetteer.packaged().ports.filter(pl.col("country").is_in(list(countries)))
    return [(c, la, lo) for c, la, lo in ports.select("country", "lat", "lon").iter_rows()]


def plan_radars(
    store: _SitingStore | None,
    zone: BaseGeometry,
    candidates: pl.DataFrame,
    existing: pl.DataFrame,
    count: int,
    *,
    method: Method = "auto",
    params: SitingParams | None = None,
    countries: Sequence[str] = CORRIDOR_COUNTRIES,
    on_land: OnLand | None = None,
) -> SitingPlan:
    """Choose `count` of `candidates` (`RADAR_SITE_SCHEMA` frames) to add to `existing` over
    `zone`; without a store, the demand is the corridors alone."""
    params = params or SitingParams()
    grid = build_grid(zone, params.cell_km, on_land)
    west, south, east, north = zone.bounds
    traffic = events = None
    if store is not None:
        traffic = traffic_weight(store, grid)
        events = event_weight(store, grid, Box(west, south, east, north))
    targets = grid.coast_cells()
    if targets.size == 0:
        targets = np.arange(len(grid), dtype=np.int64)
    corridors = corridor_counts(grid, corridor_origins(countries), targets)
    demand = combine_demand(grid, params, traffic, events, corridors)
    cover = coverage_matrix(
        grid, candidates, params.target_height_m, on_land, params.shadow_skip_km
    )
    fixed = coverage_matrix(grid, existing, params.target_height_m, on_land, params.shadow_skip_km)
    existing_coverage = np.asarray(fixed.any(axis=0), np.bool_)
    selection = select_sites(cover, demand.weights, existing_coverage, count, method, params)
    return SitingPlan(grid, demand, candidates, existing, cover, existing_coverage, selection)
