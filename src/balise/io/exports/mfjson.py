"""A vessel track as OGC Moving Features JSON (OGC 19-045r3): the lossless exchange form.

One `MovingPoint` with `datetimes`, `coordinates` and `interpolation: "Linear"`, and speed and
course as temporal properties. Positions are written as reported, without seam vertices; a reader
interpolating between two fixes on either side of ±180° must take the short way round, as for
any track in CRS84.
"""

from __future__ import annotations

from typing import Any, Final

import polars as pl

from balise.io.exports.antimeridian import rounded, track_vertices
from balise.io.exports.records import iso_time

MEDIA_TYPE: Final = "application/json"
CRS84: Final = {"type": "Name", "properties": {"name": "urn:ogc:def:crs:OGC:1.3:CRS84"}}
GREGORIAN_UTC: Final = {
    "type": "Link",
    "properties": {"type": "OGCDEF", "href": "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian"},
}
KNOT: Final = "KNT"
"""UN/CEFACT common code of the knot, as MF-JSON's `form` of a measure."""
DEGREE: Final = "DD"
"""UN/CEFACT common code of the degree (of arc)."""


def _measure(name: str, form: str, values: list[float | None]) -> dict[str, Any]:
    return {name: {"type": "Measure", "form": form, "values": values, "interpolation": "Linear"}}


def track_mfjson(track: pl.DataFrame, properties: dict[str, Any] | None = None) -> dict[str, Any]:
    """The track as an OGC MF-JSON moving feature: a `MovingPoint` (positions as reported, in
    time order) with speed and course over ground as temporal properties."""
    vertices = track_vertices(track)
    times = [iso_time(v[2]) for v in vertices]
    feature: dict[str, Any] = {
        "type": "Feature",
        "crs": CRS84,
        "trs": GREGORIAN_UTC,
        "properties": dict(properties or {}),
        "temporalGeometry": {
            "type": "MovingPoint",
            "datetimes": times,
            "coordinates": [[rounded(v[0]), rounded(v[1])] for v in vertices],
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
