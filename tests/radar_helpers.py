"""Hand-built radar contacts and AIS fixes along straight lines, for the radar core's tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import polars as pl

from balise.geo.sphere import destination_point
from balise.model.coastal import RADAR_CONTACT_SCHEMA
from balise.model.schema import POSITION_SCHEMA, conform

T0 = datetime(2024, 3, 1, 12, 0, tzinfo=UTC)
"""Noon UTC, 08:00 local in Martinique: daylight."""
NIGHT = datetime(2024, 3, 1, 6, 0, tzinfo=UTC)
"""06:00 UTC, 02:00 local in Martinique: the sun far below the horizon."""


def line(
    lat: float,
    lon: float,
    course_deg: float,
    speed_knots: float,
    start: datetime = T0,
    minutes: float = 30.0,
    every_s: float = 120.0,
) -> tuple[list[datetime], np.ndarray, np.ndarray]:
    """Times and positions of a craft on a straight course, one every `every_s` seconds."""
    seconds = np.arange(0.0, minutes * 60 + 1e-9, every_s)
    lats, lons = destination_point(lat, lon, course_deg, speed_knots * seconds / 3600)
    return [start + timedelta(seconds=float(s)) for s in seconds], lats, lons


def contacts(
    lat: float,
    lon: float,
    course_deg: float,
    speed_knots: float,
    start: datetime = T0,
    minutes: float = 30.0,
    sensor: str = "S1",
    error_m: float = 50.0,
    every_s: float = 120.0,
) -> pl.DataFrame:
    """Radar contacts (`RADAR_CONTACT_SCHEMA`) of a craft on a straight course."""
    times, lats, lons = line(lat, lon, course_deg, speed_knots, start, minutes, every_s)
    n = len(times)
    frame = pl.DataFrame(
        {
            "time": times,
            "lat": lats,
            "lon": lons,
            "speed_knots": [speed_knots] * n,
            "course_deg": [course_deg] * n,
            "sensor_id": [sensor] * n,
            "position_error_m": [error_m] * n,
        }
    )
    return conform(frame, RADAR_CONTACT_SCHEMA)


def ais(
    mmsi: int,
    lat: float,
    lon: float,
    course_deg: float,
    speed_knots: float,
    start: datetime = T0,
    minutes: float = 30.0,
    every_s: float = 10.0,
) -> pl.DataFrame:
    """AIS positions (`POSITION_SCHEMA`) of a vessel on a straight course."""
    times, lats, lons = line(lat, lon, course_deg, speed_knots, start, minutes, every_s)
    n = len(times)
    frame = pl.DataFrame(
        {
            "mmsi": [mmsi] * n,
            "timestamp": times,
            "lat": lats,
            "lon": lons,
            "sog_knots": [speed_knots] * n,
            "cog_deg": [course_deg] * n,
        }
    )
    return conform(frame, POSITION_SCHEMA)
