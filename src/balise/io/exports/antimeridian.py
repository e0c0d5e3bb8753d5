"""A vessel track as time-ordered vertices, cut at the antimeridian: the geometry shared by the
GeoJSON and KML track writers (MF-JSON writes the vertices uncut).

RFC 7946 §3.1.9: geometries that cross ±180° are cut there, so that a map does not draw a line
round the world. Each cut adds a vertex on ±180° at each side, at the latitude and time
interpolated the "short way round" (linear in longitude, which is what a chart draws between
two fixes); a seam vertex has null speed and course, since it was not reported.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import Any, Final

import polars as pl

DECIMALS: Final = 6
"""Coordinates are rounded to 6 decimals (about 0.1 m), within RFC 7946's advice of 7."""

Vertex = tuple[float, float, datetime, float | None, float | None]
"""lon, lat, time, speed over ground (kn), course over ground (degrees)."""


def rounded(value: float) -> float:
    return round(value, DECIMALS)


def _finite(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and math.isfinite(value) else None


def track_vertices(track: pl.DataFrame) -> list[Vertex]:
    """The track's fixes (`lon`, `lat`, `timestamp`, optional `sog_knots`, `cog_deg`) in time
    order, whatever the input order; a missing or non-finite speed or course is None."""
    ordered = track.sort("timestamp")
    columns = [ordered[c] if c in ordered.columns else None for c in ("sog_knots", "cog_deg")]
    values = [c.to_list() if c is not None else [None] * ordered.height for c in columns]
    return [
        (lon, lat, time, _finite(sog), _finite(cog))
        for lon, lat, time, sog, cog in zip(
            ordered["lon"], ordered["lat"], ordered["timestamp"], *values, strict=True
        )
    ]


def _seam(a: Vertex, b: Vertex) -> tuple[Vertex, Vertex]:
    """The two seam vertices (at `a`'s side of ±180° and at `b`'s) between fixes `a` and `b` that
    lie on either side of the antimeridian, interpolated linearly the short way round."""
    side = 180.0 if a[0] > 0 else -180.0
    b_lon = b[0] + (360.0 if side > 0 else -360.0)
    span = b_lon - a[0]
    fraction = (side - a[0]) / span if span else 0.0
    lat = a[1] + (b[1] - a[1]) * fraction
    time = a[2] + timedelta(seconds=(b[2] - a[2]).total_seconds() * fraction)
    return (side, lat, time, None, None), (-side, lat, time, None, None)


def split_at_antimeridian(vertices: list[Vertex]) -> list[list[Vertex]]:
    """The track cut into parts wherever consecutive fixes are more than 180° of longitude
    apart (the short way round crosses ±180°), each part ending or starting on the seam."""
    parts: list[list[Vertex]] = [[]]
    for vertex in vertices:
        current = parts[-1]
        if current and abs(vertex[0] - current[-1][0]) > 180.0:
            end, start = _seam(current[-1], vertex)
            current.append(end)
            parts.append([start])
        parts[-1].append(vertex)
    return [part for part in parts if part]
