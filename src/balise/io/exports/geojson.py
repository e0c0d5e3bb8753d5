"""GeoJSON (RFC 7946) writers: events as a FeatureCollection of points, a vessel track as one
Feature.

Events: each feature's `id` is the event's stable id; its properties are every column of the
frame but `lat` and `lon` (the id included), with times as ISO 8601 UTC text and `params` and
`evidence` as objects (`records`); an event without a position has a null geometry.

Track: one Feature whose geometry is a `LineString`, a `MultiLineString` when the track crosses
the antimeridian (cut there, see `antimeridian`), a `Point` for a single fix, or null for no fix.
Per-vertex values go in parallel properties arrays, since RFC 7946 forbids extra members in
positions: `coordTimes` (the name GPX and KML converters use), `sog_knots` and `cog_deg`, each
nested exactly like the coordinates.
"""

from __future__ import annotations

from typing import Any, Final

import polars as pl

from balise.io.exports.antimeridian import Vertex, rounded, split_at_antimeridian, track_vertices
from balise.io.exports.records import event_records, iso_time

MEDIA_TYPE: Final = "application/geo+json"
_POSITION: Final = ("lat", "lon")


def _point(row: dict[str, Any]) -> dict[str, Any] | None:
    if row.get("lat") is None or row.get("lon") is None:
        return None
    return {"type": "Point", "coordinates": [row["lon"], row["lat"]]}


def events_geojson(events: pl.DataFrame) -> dict[str, Any]:
    """The events (`EVENT_SCHEMA`, plus any further columns) as a FeatureCollection."""
    features = [
        {"type": "Feature", "id": row["id"], "geometry": _point(row),
         "properties": {k: v for k, v in row.items() if k not in _POSITION}}
        for row in event_records(events)
    ]  # fmt: skip
    return {"type": "FeatureCollection", "features": features}


def _columns(part: list[Vertex]) -> tuple[list[list[float]], list[str], list[Any], list[Any]]:
    coordinates = [[rounded(v[0]), rounded(v[1])] for v in part]
    return coordinates, [iso_time(v[2]) for v in part], [v[3] for v in part], [v[4] for v in part]


def track_geojson(track: pl.DataFrame, properties: dict[str, Any] | None = None) -> dict[str, Any]:
    """The track (`lon`, `lat`, `timestamp`, optional `sog_knots`, `cog_deg`) as one GeoJSON
    Feature: a LineString, a MultiLineString when cut at the antimeridian, or a null geometry
    for an empty track; per-vertex `coordTimes`, `sog_knots`, `cog_deg` in `properties`."""
    vertices = track_vertices(track)
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
