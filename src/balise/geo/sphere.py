"""Spherical geometry on the mean earth sphere: distances, bearings, destination points.

One implementation for the whole project (the simulator, the detectors and the geography), all
vectorised over NumPy arrays of degrees. Haversine distances stay right across the antimeridian:
they use only sin² of half the longitude difference.
"""

from __future__ import annotations

from typing import Final

import numpy as np
import numpy.typing as npt

from balise.model.arrays import FloatArray

EARTH_RADIUS_KM: Final = 6371.0088
"""Mean earth radius (IUGG), km."""
KM_PER_NM: Final = 1.852
"""One international nautical mile, km."""


def distance_nm(
    lat1: npt.ArrayLike, lon1: npt.ArrayLike, lat2: npt.ArrayLike, lon2: npt.ArrayLike
) -> FloatArray:
    """Great-circle (haversine) distance in nautical miles between points given in degrees."""
    return haversine_km(lat1, lon1, lat2, lon2) / KM_PER_NM


def bearing_deg(
    lat1: npt.ArrayLike, lon1: npt.ArrayLike, lat2: npt.ArrayLike, lon2: npt.ArrayLike
) -> FloatArray:
    """Initial great-circle bearing from point 1 to point 2, degrees clockwise from north, 0-360."""
    phi1, phi2 = np.radians(lat1), np.radians(lat2)
    dlon = np.radians(np.asarray(lon2, dtype=np.float64) - np.asarray(lon1, dtype=np.float64))
    y = np.sin(dlon) * np.cos(phi2)
    x = np.cos(phi1) * np.sin(phi2) - np.sin(phi1) * np.cos(phi2) * np.cos(dlon)
    return np.asarray(np.degrees(np.arctan2(y, x)) % 360.0, dtype=np.float64)


def destination_point(
    lat: npt.ArrayLike, lon: npt.ArrayLike, bearing_deg: npt.ArrayLike, distance_nm: npt.ArrayLike
) -> tuple[FloatArray, FloatArray]:
    """The point reached from (`lat`, `lon`) after `distance_nm` on initial bearing `bearing_deg`.

    Latitude and longitude in degrees, longitude wrapped to [-180, 180).
    """
    phi1, lam1 = np.radians(lat), np.radians(lon)
    theta = np.radians(bearing_deg)
    delta = np.asarray(distance_nm, dtype=np.float64) * KM_PER_NM / EARTH_RADIUS_KM
    sin_phi2 = np.sin(phi1) * np.cos(delta) + np.cos(phi1) * np.sin(delta) * np.cos(theta)
    phi2 = np.arcsin(np.clip(sin_phi2, -1.0, 1.0))
    lam2 = lam1 + np.arctan2(
        np.sin(theta) * np.sin(delta) * np.cos(phi1), np.cos(delta) - np.sin(phi1) * sin_phi2
    )
    lon2 = (np.degrees(lam2) + 180.0) % 360.0 - 180.0
    return np.asarray(np.degrees(phi2), dtype=np.float64), np.asarray(lon2, dtype=np.float64)


def haversine_km(
    lat1: npt.ArrayLike, lon1: npt.ArrayLike, lat2: npt.ArrayLike, lon2: npt.ArrayLike
) -> FloatArray:
    """Great-circle (haversine) distance in km between points given in degrees."""
    phi1, phi2 = np.radians(lat1), np.radians(lat2)
    dphi = phi2 - phi1
    dlam = np.radians(np.asarray(lon2, dtype=np.float64) - np.asarray(lon1, dtype=np.float64))
    a = np.sin(dphi / 2) ** 2 + np.cos(phi1) * np.cos(phi2) * np.sin(dlam / 2) ** 2
    return np.asarray(2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0, 1))), np.float64)
