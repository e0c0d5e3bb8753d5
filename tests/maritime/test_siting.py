"""The siting geometry and demand on grids small enough to check by hand."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest
import shapely

from balise.geo.sphere import distance_nm
from balise.maritime.siting import (
    OnLand,
    build_grid,
    coverage_matrix,
    radar_horizon_nm,
    site_reach_nm,
)
from balise.maritime.siting_demand import (
    SitingParams,
    combine_demand,
    corridor_counts,
    count_in_cells,
)
from balise.model.arrays import BoolArray, FloatArray
from balise.model.coastal import RADAR_SITE_SCHEMA

BOX = shapely.box(0.0, 0.0, 0.5, 0.5)
"""Half a degree of open sea on the equator: 56 x 56 cells of 1 km."""


def _sites(*rows: tuple[float, float, float, float]) -> pl.DataFrame:
    """Sites (lat, lon, antenna_height_m, range_nm) named S0, S1, ..."""
    return pl.DataFrame(
        [(f"S{k}", f"S{k}", *row) for k, row in enumerate(rows)],
        schema=RADAR_SITE_SCHEMA,
        orient="row",
    )


def _wall(lon_west: float, lon_east: float) -> OnLand:
    def on_land(lat: FloatArray, lon: FloatArray) -> BoolArray:
        return np.asarray((lon >= lon_west) & (lon <= lon_east), np.bool_)

    return on_land


@pytest.mark.parametrize(
    ("antenna_m", "target_m", "expected_nm"),
    [(100.0, 1.0, 24.48), (4.0, 1.0, 6.68), (0.0, 0.0, 0.0), (25.0, 4.0, 15.58)],
)
def test_radar_horizon_is_2_226_nm_per_root_metre(
    antenna_m: float, target_m: float, expected_nm: float
) -> None:
    assert float(radar_horizon_nm(antenna_m, target_m)) == pytest.approx(expected_nm, abs=0.005)


def test_radar_horizon_refuses_negative_heights() -> None:
    with pytest.raises(ValueError, match="negative"):
        radar_horizon_nm(-1.0, 1.0, strict=True)
    sites = _sites((0.25, 0.25, -4.0, 24.0))
    with pytest.raises(ValueError, match="negative"):
        site_reach_nm(sites, 1.0)


def test_reach_is_the_smaller_of_horizon_and_range() -> None:
    sites = _sites((0.25, 0.25, 4.0, 24.0), (0.25, 0.25, 400.0, 24.0))
    assert site_reach_nm(sites, 1.0).tolist() == pytest.approx([6.68, 24.0], abs=0.005)


def test_grid_cells_are_about_one_km_and_fill_the_zone() -> None:
    grid = build_grid(BOX, 1.0)
    assert grid.index.shape == (56, 56)
    assert len(grid) == 56 * 56
    assert grid.cells_of([0.0005, 0.7], [0.0005, 0.2]).tolist() == [0, -1]


def test_grid_leaves_land_out_and_finds_the_coast() -> None:
    grid = build_grid(BOX, 1.0, _wall(0.2, 0.3))
    assert not ((grid.lon >= 0.2) & (grid.lon <= 0.3)).any()
    coast = grid.coast_cells()
    assert coast.size == 2 * 56  # one column of cells on each side of the strip
    lon = grid.lon[coast]
    west, east = (
        (lon < 0.2) & (lon > 0.2 - grid.dlon_deg),
        (lon > 0.3) & (lon < 0.3 + grid.dlon_deg),
    )
    assert (west | east).all()
    assert west.sum() == east.sum() == 56


def test_coverage_is_the_disc_of_reach() -> None:
    grid = build_grid(BOX, 1.0)
    covered = coverage_matrix(grid, _sites((0.25, 0.25, 4.0, 24.0)), 1.0)[0]
    away = distance_nm(0.25, 0.25, grid.lat, grid.lon)
    assert (away[covered] <= 6.677).all()
    assert (away[~covered] > 6.677).all()
    # pi (6.677 nm x 1.852)^2 = 480 km^2 of 1.0 x 0.99 km cells
    assert covered.sum() == pytest.approx(487, rel=0.03)


def test_land_hides_what_lies_behind_it() -> None:
    grid = build_grid(BOX, 1.0, _wall(0.27, 0.28))
    sites = _sites((0.25, 0.25, 100.0, 24.0))
    seen = coverage_matrix(grid, sites, 1.0, _wall(0.27, 0.28), shadow_skip_km=0.5)[0]
    assert seen[grid.lon < 0.27].all()
    assert not seen[grid.lon > 0.28].any()
    blind = coverage_matrix(grid, sites, 1.0)[0]
    assert blind[grid.lon > 0.28].all()


def test_counts_per_cell_with_and_without_weights() -> None:
    grid = build_grid(BOX, 1.0)
    lat, lon = [0.0005, 0.0006, 0.49, 3.0], [0.0005, 0.0007, 0.49, 3.0]
    counted = count_in_cells(grid, lat, lon)
    assert counted.sum() == 3
    assert counted[0] == 2
    weighted = count_in_cells(grid, lat, lon, [0.5, 0.25, 1.0, 9.0])
    assert weighted[0] == 0.75
    assert weighted.sum() == 1.75


def test_a_corridor_counts_each_crossed_cell_once() -> None:
    grid = build_grid(BOX, 1.0)
    target = grid.cells_of([0.2505], [0.4995])
    line = corridor_counts(grid, [("X", 0.2505, -3.0)], target)
    crossed = np.flatnonzero(line)
    assert line[crossed].tolist() == [1.0] * crossed.size  # one line, weight 1, once per cell
    assert crossed.size == 56  # the whole row from the west edge to the target
    assert np.allclose(grid.lat[crossed], grid.lat[target[0]])


def test_a_corridor_stops_at_its_first_landfall() -> None:
    grid = build_grid(BOX, 1.0, _wall(0.3, 0.31))
    target = grid.cells_of([0.2505], [0.4995])
    line = corridor_counts(grid, [("X", 0.2505, -3.0)], target)
    assert line.sum() > 0
    assert (grid.lon[line > 0] < 0.3).all()


def test_countries_weigh_the_same_whatever_their_ports() -> None:
    grid = build_grid(BOX, 1.0)
    targets = grid.cells_of([0.2505], [0.4995])
    origins = [("A", 0.2505, -3.0), ("A", 0.2505, -4.0), ("B", 0.2505, -2.0)]
    lines = corridor_counts(grid, origins, targets)
    # the three lines run along the same row: A's two ports 1/4 each, B's one port 1/2
    assert lines[lines > 0].tolist() == pytest.approx([1.0] * 56)
    only_a = corridor_counts(grid, origins[:2], targets)
    assert only_a.sum() == pytest.approx(56.0)  # one country: its ports share its weight


def test_demand_sums_to_one_and_drops_empty_components() -> None:
    grid = build_grid(BOX, 1.0)
    traffic = np.zeros(len(grid))
    traffic[:2] = [3.0, 1.0]
    corridors = np.zeros(len(grid))
    corridors[5] = 2.0
    demand = combine_demand(grid, SitingParams(), traffic, None, corridors)
    assert demand.weights.sum() == pytest.approx(1.0)
    # shares 0.3 and 0.5 over 0.8 in use: 0.375 and 0.625
    assert demand.weights[:2].tolist() == pytest.approx([0.375 * 0.75, 0.375 * 0.25])
    assert demand.weights[5] == pytest.approx(0.625)
