"""The GLOBE land mask of `balise.geo.landmask`: cell arithmetic, fairways carved as water."""

from __future__ import annotations

import numpy as np

from balise.geo.landmask import (
    CELLS_PER_DEGREE,
    MASK_COLUMNS,
    MASK_ROWS,
    Fairway,
    LandMask,
    cell_centre,
    ocean_grid,
    wrap_lon,
)


def test_cells_are_30_arc_seconds_over_the_whole_globe() -> None:
    assert CELLS_PER_DEGREE == 120
    assert (MASK_ROWS, MASK_COLUMNS) == (21_600, 43_200)
    lat, lon = cell_centre([0, MASK_ROWS - 1], [0, MASK_COLUMNS - 1])
    half = 0.5 / CELLS_PER_DEGREE
    np.testing.assert_allclose(lat, [90.0 - half, -90.0 + half])
    np.testing.assert_allclose(lon, [-180.0 + half, 180.0 - half])


def test_longitudes_are_wrapped_only_when_needed() -> None:
    inside = np.array([-180.0, 0.0, 179.5])
    assert wrap_lon(inside) is inside
    np.testing.assert_allclose(wrap_lon(np.array([180.0, 190.0, -190.0])), [-180.0, -170.0, 170.0])


def test_the_shared_grid_is_read_only_and_loaded_once() -> None:
    grid = ocean_grid()
    assert grid is ocean_grid()
    assert grid.shape == (MASK_ROWS, MASK_COLUMNS)
    assert not grid.flags.writeable


def test_a_fairway_turns_land_into_water_along_its_corridor() -> None:
    # a straight corridor across the Paris region, far inland
    canal = Fairway("test canal", ((48.80, 2.20), (48.80, 2.50)), half_width_km=1.0)
    bare, carved = LandMask(), LandMask((canal,))
    on_axis = (np.array([48.80, 48.80]), np.array([2.30, 2.40]))
    beside = (np.array([48.85]), np.array([2.30]))
    assert bare.on_land(*on_axis).all()
    assert not carved.on_land(*on_axis).any()
    assert carved.on_land(*beside).all()
    assert carved.in_fairway(*on_axis).all()
    assert not bare.in_fairway(*on_axis).any()
