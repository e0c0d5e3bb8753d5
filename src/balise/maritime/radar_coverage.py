"""Radar coverage: the horizon of a coastal radar and the area it watches.

A radar sees a target only above its horizon. With standard atmospheric refraction the radio
horizon is that of an earth of 4/3 its radius (Skolnik, *Introduction to Radar Systems*, 3rd ed.,
§8.2 "propagation over a spherical earth"; ITU-R P.834 for the effective earth-radius factor
k = 4/3): an antenna h metres above the sea sees the sea surface out to √(2 k R h), which is
4.12 km × √h, or 2.226 nm × √h, and a target `t` metres high out to 2.226 (√h + √t) nm. The
coverage of a site is the smaller of that horizon and its instrumented range.

Land is not cut out of the coverage circles: a radar on a headland sees past the coast on most
bearings, and a proper shadow needs a terrain model, not the land mask; the planner and the map
take the circles as an upper bound of what each site sees.
"""

from __future__ import annotations

import math
from typing import Final

import numpy as np
import numpy.typing as npt
import polars as pl
import shapely

from balise.geo.sphere import EARTH_RADIUS_KM, KM_PER_NM, destination_point, haversine_km
from balise.model.arrays import BoolArray, FloatArray

EFFECTIVE_EARTH_FACTOR: Final = 4.0 / 3.0
"""k of the standard-refraction (4/3 earth) model: ITU-R P.834, Skolnik §8.2."""
NM_PER_SQRT_M: Final = math.sqrt(2 * EFFECTIVE_EARTH_FACTOR * EARTH_RADIUS_KM * 1000) / 1852
"""Horizon distance per square root of a height in metres, nm (2.226)."""
DEFAULT_ANTENNA_HEIGHT_M: Final = 30.0
"""Antenna height assumed for a site that declares none (m): a semaphore's mast on a headland."""
DEFAULT_TARGET_HEIGHT_M: Final = 2.0
"""Height of the craft that matters (m): a go-fast's hull and crew; 0.5 for a semi-submersible."""
CIRCLE_VERTICES: Final = 72
"""Vertices of a coverage circle: one every 5°, within 0.1 % of the true area."""


def radar_horizon_nm(
    antenna_height_m: npt.ArrayLike,
    target_height_m: npt.ArrayLike = DEFAULT_TARGET_HEIGHT_M,
    *,
    strict: bool = False,
) -> FloatArray:
    """Distance (nm) to which a radar `antenna_height_m` above the sea sees a target
    `target_height_m` high, with standard refraction: 2.226 (√h_a + √h_t) nm, heights in metres.

    100 m and 1 m: 2.226 × (10 + 1) = 24.48 nm. A negative height is read as 0 (the sea
    surface: a stored site whose height is a datum offset), or raises `ValueError` when
    `strict` (a candidate site typed by the user, `balise plan radars`)."""
    antenna = np.asarray(antenna_height_m, dtype=np.float64)
    target = np.asarray(target_height_m, dtype=np.float64)
    if strict and (np.any(antenna < 0) or np.any(target < 0)):
        raise ValueError("heights must not be negative")
    root = np.sqrt(np.maximum(antenna, 0.0)) + np.sqrt(np.maximum(target, 0.0))
    return np.asarray(NM_PER_SQRT_M * root, dtype=np.float64)


def coverage_range_nm(sites: pl.DataFrame, target_height_m: float) -> FloatArray:
    """Range (nm) at which each site of `sites` (`RADAR_SITE_SCHEMA`) sees a target
    `target_height_m` high: its horizon, capped at its instrumented range when it gives one."""
    antenna = sites["antenna_height_m"].fill_null(DEFAULT_ANTENNA_HEIGHT_M).to_numpy()
    horizon = radar_horizon_nm(antenna, target_height_m)
    instrumented = sites["range_nm"].fill_null(np.inf).to_numpy().astype(np.float64)
    return np.asarray(np.minimum(horizon, instrumented), dtype=np.float64)


def coverage_polygons(
    sites: pl.DataFrame, target_height_m: float = DEFAULT_TARGET_HEIGHT_M
) -> list[tuple[str, shapely.Polygon]]:
    """The coverage of each site as (sensor_id, polygon in lon/lat degrees): the circle on the
    sphere of radius `coverage_range_nm`, as `CIRCLE_VERTICES` destination points (a circle
    crossing the antimeridian keeps continuous longitudes beyond ±180)."""
    radius = coverage_range_nm(sites, target_height_m)
    bearings = np.linspace(0.0, 360.0, CIRCLE_VERTICES, endpoint=False)
    found = []
    for row, radius_nm in zip(sites.iter_rows(named=True), radius, strict=True):
        lat, lon = destination_point(row["lat"], row["lon"], bearings, radius_nm)
        lon = row["lon"] + (lon - row["lon"] + 180.0) % 360.0 - 180.0
        found.append((str(row["sensor_id"]), shapely.Polygon(np.column_stack([lon, lat]))))
    return found


def covered(
    sites: pl.DataFrame,
    lat: npt.ArrayLike,
    lon: npt.ArrayLike,
    target_height_m: float = DEFAULT_TARGET_HEIGHT_M,
) -> BoolArray:
    """Whether each position (degrees) is within the coverage of at least one site."""
    lats = np.asarray(lat, dtype=np.float64)
    lons = np.asarray(lon, dtype=np.float64)
    inside = np.zeros(lats.shape, dtype=np.bool_)
    radius_km = coverage_range_nm(sites, target_height_m) * KM_PER_NM
    for site_lat, site_lon, reach_km in zip(
        sites["lat"].to_numpy(), sites["lon"].to_numpy(), radius_km, strict=True
    ):
        inside |= haversine_km(lats, lons, site_lat, site_lon) <= reach_km
    return inside
