"""KML 2.2 writers for Google Earth: events as timed placemarks, a vessel track as `gx:Track`.

A track is a `gx:MultiTrack` of `gx:Track`s, each with paired `<when>` / `<gx:coord>` elements
(the Google extension, namespace `http://www.google.com/kml/ext/2.2`), which is what drives
Google Earth's time slider. The track is cut at the antimeridian as for GeoJSON
(`balise.io.exports.antimeridian`: a seam vertex with an interpolated time at each side),
so that no segment is drawn round the world. Speed and course over ground travel with each fix
as `gx:SimpleArrayData`, declared by a `Schema` in the document (Google Earth shows them in the
elevation profile).

Events are Point placemarks with a `TimeSpan` from start to end, grouped in one folder per event
type, their fields in `ExtendedData`. Their wording is that of risk, not proof: the description
says what was observed, never what it means.

The text is written directly (every value escaped), not built with `xml.etree`, whose namespace
prefixes are a process-wide registry.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any, Final
from xml.sax.saxutils import escape, quoteattr

import polars as pl

from balise.io.exports.antimeridian import DECIMALS, Vertex, split_at_antimeridian, track_vertices
from balise.io.exports.records import iso_time, json_text
from balise.model.events import decode_event_json

KML_NS: Final = "http://www.opengis.net/kml/2.2"
GX_NS: Final = "http://www.google.com/kml/ext/2.2"
MEDIA_TYPE: Final = "application/vnd.google-earth.kml+xml"
_EVENT_FIELDS: Final = ("id", "type", "mmsi", "other_mmsi", "confidence", "score", "status")
_WRITTEN: Final = (*_EVENT_FIELDS, "start", "end", "evidence", "params", "lat", "lon")
_TRACK_ARRAYS: Final = (("sog_knots", "Speed over ground (kn)"),
                        ("cog_deg", "Course over ground (°)"))  # fmt: skip


def _text(value: Any) -> str:
    return escape("" if value is None else str(value))


def _head(title: str, description: str) -> Iterator[str]:
    yield '<?xml version="1.0" encoding="UTF-8"?>'
    yield f"<kml xmlns={quoteattr(KML_NS)} xmlns:gx={quoteattr(GX_NS)}>"
    yield f"<Document><name>{_text(title)}</name>"
    if description:
        yield f"<description>{_text(description)}</description>"


def _tail() -> Iterator[str]:
    yield "</Document></kml>"


def _number(value: float) -> str:
    return repr(round(value, DECIMALS))


def _data(name: str, value: Any) -> str:
    return f"<Data name={quoteattr(name)}><value>{_text(value)}</value></Data>"


def _time(moment: datetime | None) -> str:
    return iso_time(moment) if moment is not None else ""


def _plain(value: Any) -> Any:
    """A further column's value as text: times as ISO 8601, structs and lists as JSON."""
    if isinstance(value, datetime):
        return iso_time(value)
    return json_text(value) if isinstance(value, dict | list) else value


def _event_placemark(row: dict[str, Any]) -> Iterator[str]:
    vessels = str(row["mmsi"]) + (f" · {row['other_mmsi']}" if row.get("other_mmsi") else "")
    yield f"<Placemark><name>{_text(row['type'])} · {_text(vessels)}</name>"
    evidence = decode_event_json({"evidence": row.get("evidence")})["evidence"]
    lines = [f"{key}: {value}" for key, value in sorted(evidence.items()) if value is not None]
    yield f"<description>{_text(chr(10).join(lines))}</description>"
    yield f"<TimeSpan><begin>{_time(row['start'])}</begin>"
    yield f"<end>{_time(row['end'] or row['start'])}</end></TimeSpan>"
    yield "<ExtendedData>"
    yield from (_data(name, row.get(name)) for name in _EVENT_FIELDS)
    yield _data("start", _time(row["start"]))
    yield _data("end", _time(row["end"]))
    yield _data("evidence", row.get("evidence"))
    yield _data("params", row.get("params"))
    yield from (_data(name, _plain(value)) for name, value in row.items() if name not in _WRITTEN)
    yield "</ExtendedData>"
    if row["lat"] is not None and row["lon"] is not None:
        point = f"{_number(row['lon'])},{_number(row['lat'])}"
        yield f"<Point><coordinates>{point}</coordinates></Point>"
    yield "</Placemark>"


def _event_folders(events: pl.DataFrame) -> Iterator[str]:
    ordered = events.sort("type", "start", "id")
    for (kind,), group in ordered.group_by("type", maintain_order=True):
        yield f"<Folder><name>{_text(kind)} ({group.height})</name>"
        for row in group.iter_rows(named=True):
            yield from _event_placemark(row)
        yield "</Folder>"


def events_kml(events: pl.DataFrame, title: str, description: str = "") -> str:
    """`events` (`EVENT_SCHEMA`) as a KML document: one folder per type, one timed point each;
    further columns of the frame are carried in each placemark's `ExtendedData`."""
    return "\n".join([*_head(title, description), *_event_folders(events), *_tail()])


def _array(name: str, values: Iterable[float | None]) -> str:
    items = "".join(f"<gx:value>{'' if v is None else _number(v)}</gx:value>" for v in values)
    return f"<gx:SimpleArrayData name={quoteattr(name)}>{items}</gx:SimpleArrayData>"


def _track(part: list[Vertex]) -> Iterator[str]:
    yield "<gx:Track><altitudeMode>clampToGround</altitudeMode>"
    yield "".join(f"<when>{iso_time(v[2])}</when>" for v in part)
    yield "".join(f"<gx:coord>{_number(v[0])} {_number(v[1])} 0</gx:coord>" for v in part)
    yield '<ExtendedData><SchemaData schemaUrl="#track-fix">'
    yield _array("sog_knots", (v[3] for v in part))
    yield _array("cog_deg", (v[4] for v in part))
    yield "</SchemaData></ExtendedData></gx:Track>"


def _schema() -> Iterator[str]:
    yield '<Schema id="track-fix" name="track-fix">'
    for name, label in _TRACK_ARRAYS:
        yield f'<gx:SimpleArrayField name={quoteattr(name)} type="float">'
        yield f"<displayName>{_text(label)}</displayName></gx:SimpleArrayField>"
    yield "</Schema>"


def track_kml(
    track: pl.DataFrame, title: str, description: str = "", events: pl.DataFrame | None = None
) -> str:
    """A vessel track (`timestamp`, `lat`, `lon`, optional `sog_knots`, `cog_deg`) as a KML
    document with one `gx:MultiTrack` (cut at the antimeridian), plus the vessel's `events`
    (`EVENT_SCHEMA`) in folders when given."""
    parts = split_at_antimeridian(track_vertices(track))
    lines = [*_head(title, description), *_schema()]
    lines.append(f"<Placemark><name>{_text(title)}</name>")
    lines.append("<gx:MultiTrack><gx:interpolate>0</gx:interpolate>")
    for part in parts:
        lines.extend(_track(part))
    lines.append("</gx:MultiTrack></Placemark>")
    if events is not None and not events.is_empty():
        lines.extend(_event_folders(events))
    return "\n".join([*lines, *_tail()])
