"""Readers of coastal radar records as tables: radar contacts (CSV or JSON lines) and radar
sites (CSV).

A **radar contact** is one plot or tracker report of a coastal radar, as the synthetic world's
`radar-contacts.csv` holds them and a surveillance system exports them. Columns (case-insensitive,
any order, others ignored; the required ones in bold): **time**, **lat**, **lon**, speed_knots,
course_deg, **sensor_id**, position_error_m (1-sigma, metres), track_id (the sensor's own track
number, stored as `<sensor_id>:<track_id>`). JSON lines carry the same keys.

A **radar site** is one coastal radar: **sensor_id**, name, **lat**, **lon**, antenna_height_m
(above sea level, for the radar horizon), range_nm (instrumented range). A later line or input
for a sensor replaces the stored one.

Values: times ISO 8601 (`Z`, an offset, or none for UTC); latitudes and longitudes in decimal
degrees (WGS84). A record breaking them is quarantined with the reason `missing_field`,
`bad_time`, `bad_number`, `out_of_range` (latitude, longitude, a negative speed, a course
outside 0-360...) or `null_island` (0, 0: a position a broken exporter writes for none).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, BinaryIO, Final

from balise.io.record_fields import BadRecord, Row
from balise.io.record_lines import RecordFormat, read_csv_records, read_jsonl_records
from balise.model.batch import ReadOptions
from balise.model.record_batch import RecordBatch, RecordKind

MAX_SPEED_KNOTS: Final = 150.0
"""A surface craft faster than 150 kn is a radar artefact or an aircraft (the fastest go-fasts
make 60-80 kn)."""
MAX_ANTENNA_HEIGHT_M: Final = 3000.0
"""An antenna higher than 3,000 m above sea level is a typo (the highest coastal radars stand
on mountains of a few hundred metres)."""


def position(row: Row) -> tuple[float, float]:
    """A required latitude and longitude in degrees; `null_island` for (0, 0)."""
    lat = row.required_number("lat", -90.0, 90.0)
    lon = row.required_number("lon", -180.0, 180.0)
    if lat == 0.0 and lon == 0.0:
        raise BadRecord("null_island", "lat 0, lon 0")
    return lat, lon


def sensor_track(sensor_id: str, track: str | None) -> str | None:
    """The stored track id: the sensor's track number prefixed by its id (`MQ-DIAMANT:17`), so
    two sensors' track 17 are not taken for one track."""
    if track is None:
        return None
    return track if track.startswith(f"{sensor_id}:") else f"{sensor_id}:{track}"


def _contact(row: Row) -> dict[str, Any]:
    lat, lon = position(row)
    sensor_id = row.required("sensor_id")
    return {
        "time": row.required_time("time"),
        "lat": lat,
        "lon": lon,
        "speed_knots": row.number("speed_knots", 0.0, MAX_SPEED_KNOTS),
        "course_deg": row.number("course_deg", 0.0, 360.0),
        "sensor_id": sensor_id,
        "position_error_m": row.number("position_error_m", 0.0),
        "track_id": sensor_track(sensor_id, row.text("track_id")),
    }


def _site(row: Row) -> dict[str, Any]:
    lat, lon = position(row)
    return {
        "sensor_id": row.required("sensor_id"),
        "name": row.text("name"),
        "lat": lat,
        "lon": lon,
        "antenna_height_m": row.number("antenna_height_m", 0.0, MAX_ANTENNA_HEIGHT_M),
        "range_nm": row.number("range_nm", 0.0),
    }


_CONTACT_COLUMNS: Final = ("time", "lat", "lon", "sensor_id")
RADAR_CSV: Final = RecordFormat(RecordKind.RADAR, "radar_csv", _CONTACT_COLUMNS, _contact)
RADAR_JSONL: Final = RecordFormat(RecordKind.RADAR, "radar_jsonl", _CONTACT_COLUMNS, _contact)
RADAR_SITES_CSV: Final = RecordFormat(
    RecordKind.RADAR_SITES, "radar_sites_csv", ("sensor_id", "lat", "lon"), _site
)


def read_radar_contacts(
    stream: BinaryIO, source: str, fmt: RecordFormat, options: ReadOptions
) -> Iterator[RecordBatch]:
    """Batches of the radar contacts of a CSV (`RADAR_CSV`) or JSON lines (`RADAR_JSONL`)
    `stream` (see the module's docstring)."""
    read = read_jsonl_records if fmt is RADAR_JSONL else read_csv_records
    yield from read(stream, source, fmt, options)


def read_radar_sites(stream: BinaryIO, source: str, options: ReadOptions) -> Iterator[RecordBatch]:
    """Batches of the radar sites of a CSV `stream` (see the module's docstring)."""
    yield from read_csv_records(stream, source, RADAR_SITES_CSV, options)
