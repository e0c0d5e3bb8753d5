"""A vessel track as GeoJSON (RFC 7946) or OGC Moving Features JSON: pure writers.

GeoJSON: one Feature whose geometry is a `LineString`, or a `MultiLineString` when the track
crosses the antimeridian (RFC 7946 §3.1.9: geometries that cross it are cut there, so that a map
does not draw a line round the world). Each cut adds a vertex on ±180° at each side, at the
latitude and time interpolated along the great-circle-free "short way round" (linear in
longitude, which is what a chart draws between two fixes). Per-vertex values go in parallel
properties arrays, since RFC 7946 forbids extra members in positions: `coordTimes` (the name GPX
and KML converters use), `sog_knots` and `cog_deg`, each nested exactly like the coordinates.
A seam vertex has its interpolated time and null speed and course: it was not reported.

MF-JSON (OGC 19-045r3): one `MovingPoint` with `datetimes`, `coordinates` and
`interpolation: "Linear"`, and speed and course as temporal properties. It is the lossless
exchange form: positions are written as reported, without seam vertices; a reader interpolating
between two fixes on either side of ±180° must take the short way round, as for any track in
CRS84.

Coordinates are rounded to 6 decimals (about 0.1 m), within RFC 7946's advice of at most 7.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from typing import Any, Final

import polars as pl

DECIMALS: Final = 6
CRS84: Final = {"type": "Name", "properties": {"name": "urn:ogc:def:crs:OGC:1.3:CRS84"}}
GREGORIAN_UTC: Final = {
    "type": "Link",
    "properties": {"type": "OGCDEF", "href": "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian"},
}
KNOT: Final = "KNT"
"""UN/CEFACT common code of the knot, as MF-JSON's `form` of a measure."""
DEGREE: Final = "DD"
"""UN/CEFACT common code of the degree (of arc)."""

Vertex = tuple[float, float, datetime, float | None, float | None]
"""lon, lat, time, speed over ground (kn), course over ground (degrees)."""


def iso_time(moment: datetime) -> str:
    """UTC time as ISO 8601 with a `Z`, seconds precision unless the fix has a fraction."""
    moment = moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)
    text = moment.isoformat(timespec="microseconds" if moment.microsecond else "seconds")
    return text.replace("+00:00", "Z")


def _vertices(track: pl.DataFrame) -> list[Vertex]:
    """The track's fixes in time order (input in any order), with speed and course when given."""
    ordered = track.sort("timestamp")
    sog = ordered["sog_knots"] if "sog_knots" in ordered.columns else None
    cog = ordered["cog_deg"] if "cog_deg" in ordered.columns else None
    return [
        (lon, lat, time, _finite(sog[i]) if sog is not None else None,
         _finite(cog[i]) if cog is not None else None)
        for i, (lon, lat, time) in enumerate(
            zip(ordered["lon"], ordered["lat"], ordered["timestamp"], strict=True)
        )
    ]  # fmt: skip


def _finite(value: Any) -> float | None:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return None
    return float(value)


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


def _round(value: float) -> float:
    return round(value, DECIMALS)


def _columns(part: list[Vertex]) -> tuple[list[list[float]], list[str], list[Any], list[Any]]:
    coordinates = [[_round(v[0]), _round(v[1])] for v in part]
    return coordinates, [iso_time(v[2]) for v in part], [v[3] for v in part], [v[4] for v in part]


def track_geojson(track: pl.DataFrame, properties: dict[str, Any] | None = None) -> dict[str, Any]:
    """The track (`lon`, `lat`, `timestamp`, optional `sog_knots`, `cog_deg`) as one GeoJSON
    Feature: a LineString, a MultiLineString when cut at the antimeridian, or a null geometry
    for an empty track; per-vertex `coordTimes`, `sog_knots`, `cog_deg` in `properties`."""
    vertices = _vertices(track)
    extra = dict(properties or {})
    if not vertices:
        empty = {"coordTimes": [], "sog_knots": [], "cog_deg": [], "positions": 0}
        return {"type": "Feature", "geometry": None, "properties": extra | empty}
    if len(vertices) == 1:  # a LineString needs two positions: a single fix is a Point
        coords, times, sog, cog = _columns(vertices)
        geometry: dict[str, Any] = {"type": "Point", "coordinates": coords[0]}
    else:
        parts = [_columns(part) for part in split_at_antimeridian(vertices)]
        if len(parts) == 1:
            coords, times, sog, cog = parts[0]
            geometry = {"type": "LineString", "coordinates": coords}
        else:
            geometry = {"type": "MultiLineString", "coordinates": [p[0] for p in parts]}
            times, sog, cog = ([p[i] for p in parts] for i in (1, 2, 3))  # type: ignore[assignment]
    return {
        "type": "Feature",
        "geometry": geometry,
        "properties": extra | {
            "start": iso_time(vertices[0][2]), "end": iso_time(vertices[-1][2]),
            "positions": len(vertices), "coordTimes": times, "sog_knots": sog, "cog_deg": cog,
        },
    }  # fmt: skip


def _measure(name: str, form: str, values: list[float | None]) -> dict[str, Any]:
    return {name: {"type": "Measure", "form": form, "values": values, "interpolation": "Linear"}}


def track_mfjson(track: pl.DataFrame, properties: dict[str, Any] | None = None) -> dict[str, Any]:
    """The track as an OGC MF-JSON moving feature: a `MovingPoint` (positions as reported, in
    time order) with speed and course over ground as temporal properties."""
    vertices = _vertices(track)
    times = [iso_time(v[2]) for v in vertices]
    feature: dict[str, Any] = {
        "type": "Feature",
        "crs": CRS84,
        "trs": GREGORIAN_UTC,
        "properties": dict(properties or {}),
        "temporalGeometry": {
            "type": "MovingPoint",
            "datetimes": times,
            "coordinates": [[_round(v[0]), _round(v[1])] for v in vertices],
            "interpolation": "Linear",
        },
        "temporalProperties": [
            {"datetimes": times}
            | _measure("sog_knots", KNOT, [v[3] for v in vertices])
            | _measure("cog_deg", DEGREE, [v[4] for v in vertices])
        ],
    }
    if vertices:
        feature["time"] = [times[0], times[-1]]
    return feature
