"""Frame schemas of coastal surveillance: radar contacts, radar sites, radar tracks and their
association with AIS, and clearance declarations.

Readers emit exactly these columns and the store keeps them; the radar core
(`balise.maritime.radar`) reads and writes them.
"""

from __future__ import annotations

from typing import Final

import polars as pl

from balise.model.schema import UTC_TIME

RADAR_CONTACT_SCHEMA: Final[dict[str, pl.DataType]] = {
    "time": UTC_TIME,
    "lat": pl.Float64(),
    "lon": pl.Float64(),
    "speed_knots": pl.Float64(),
    "course_deg": pl.Float64(),
    "sensor_id": pl.String(),
    "position_error_m": pl.Float64(),
    "track_id": pl.String(),
    "source": pl.String(),
    "source_line": pl.Int64(),
}
"""One radar plot or ARPA target report: where and when, the sensor's estimate of speed and
course when it gives one, the 1-sigma position error, and the sensor's own track id when it
tracks (ARPA target number, ASTERIX track number, prefixed by the sensor id); null otherwise."""

RADAR_SITE_SCHEMA: Final[dict[str, pl.DataType]] = {
    "sensor_id": pl.String(),
    "name": pl.String(),
    "lat": pl.Float64(),
    "lon": pl.Float64(),
    "antenna_height_m": pl.Float64(),
    "range_nm": pl.Float64(),
}
"""A coastal radar: position, antenna height above sea level (for the radar horizon) and
instrumented range. The workspace's `radars.csv` holds them."""

RADAR_TRACK_SCHEMA: Final[dict[str, pl.DataType]] = {
    "track_id": pl.String(),
    "time": UTC_TIME,
    "lat": pl.Float64(),
    "lon": pl.Float64(),
    "speed_knots": pl.Float64(),
    "course_deg": pl.Float64(),
    "sensor_id": pl.String(),
    "position_error_m": pl.Float64(),
}
"""A radar contact assigned to a track (the sensor's, or one built by `balise.maritime.radar`)."""

ASSOCIATION_SCHEMA: Final[dict[str, pl.DataType]] = {
    "track_id": pl.String(),
    "mmsi": pl.Int32(),
    "start": UTC_TIME,
    "end": UTC_TIME,
    "contacts": pl.Int64(),
    "matched": pl.Int64(),
    "median_distance_m": pl.Float64(),
}
"""A radar track paired with an AIS vessel over [start, end]: contacts of the track then,
those within the gate of the vessel's dead-reckoned position, and their median distance."""

CLEARANCE_SCHEMA: Final[dict[str, pl.DataType]] = {
    "declaration_id": pl.String(),
    "submitted_at": UTC_TIME,
    "vessel_name": pl.String(),
    "mmsi": pl.Int32(),
    "flag": pl.String(),
    "call_sign": pl.String(),
    "arrival_port": pl.String(),
    "expected_arrival": UTC_TIME,
    "last_port": pl.String(),
    "persons_on_board": pl.Int32(),
    "source": pl.String(),
    "source_line": pl.Int64(),
}
"""A clearance declaration filed for an arrival from abroad (ports as UN/LOCODEs)."""
