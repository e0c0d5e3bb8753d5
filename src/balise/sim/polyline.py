"""Polylines on the sphere: great-circle densification, distance along, chord samples.

What: `densify` inserts great-circle points so that no two neighbours of a polyline are more than
a given distance apart, `cumulative_km` gives the distance along it, and `chord_samples` the points
of the straight (lat, lon) chords between chosen vertices, for checking them against a land mask.

Why: a sea route is checked and repaired sample by sample (`balise.sim.route_repair`) and sailed
by distance along it (`balise.sim.voyage`); these are the shared measuring tools.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from balise.geo.sphere import haversine_km
from balise.model.arrays import FloatArray

__all__ = ["chord_samples", "cumulative_km", "densify"]


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


def densify(lat: FloatArray, lon: FloatArray, max_km: float) -> tuple[FloatArray, FloatArray]:
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


def cumulative_km(lat: FloatArray, lon: FloatArray) -> FloatArray:
    """Distance along the polyline from its first point, km."""
    steps = haversine_km(lat[:-1], lon[:-1], lat[1:], lon[1:])
    return np.concatenate([[0.0], np.cumsum(steps)])


def chord_samples(
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
