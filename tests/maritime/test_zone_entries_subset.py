"""Zone entries found on the rows near zones only give the events of every row."""

from __future__ import annotations

from datetime import timedelta

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from balise.geo.zones import Zone, zone_from_feature
from balise.maritime import zones
from balise.maritime.zones import ZoneParams, detect_zone_entries
from helpers import T0, track

leg = st.tuples(
    st.sampled_from([0.5, 5.0, 12.0]),  # knots
    st.sampled_from([0.0, 90.0, 270.0]),  # course, degrees
    st.sampled_from([0.5, 2.0]),  # hours
    st.sampled_from([0.0, 0.0, 7.0]),  # hours of silence before the leg
)


def box(zone_id: str, west: float, east: float) -> Zone:
    ring = [[west, 9.9], [east, 9.9], [east, 10.1], [west, 10.1], [west, 9.9]]
    rules = [{"trigger": "entry", "score": 0.3}, {"trigger": "dwell", "min_dwell_minutes": 30}]
    return zone_from_feature(
        {
            "type": "Feature",
            "id": zone_id,
            "properties": {"rules": rules},
            "geometry": {"type": "Polygon", "coordinates": [ring]},
        }
    )


def voyage(mmsi: int, legs: list[tuple[float, float, float, float]]) -> pl.DataFrame:
    """Legs from 30° W along 10° N, each its own segment (numbered so text order is not time
    order), in and out of the boxes."""
    parts: list[pl.DataFrame] = []
    start, lat, lon = T0, 10.0, -30.0
    for number, (knots, course, hours, silence_h) in enumerate(legs, start=1):
        start += timedelta(hours=silence_h)
        part = track(mmsi, hours, lat, lon, knots, course, start, every_s=300, sog_knots=knots)
        parts.append(part.with_columns(pl.lit(f"{mmsi}-{number * 3 % 11}").alias("segment_id")))
        start = part["timestamp"][-1] + timedelta(minutes=5)
        lat, lon = part["lat"][-1], part["lon"][-1]
    return pl.concat(parts)


def every_row(positions: pl.DataFrame, watched: list[Zone]) -> pl.DataFrame:
    """The events found with no row left out before the visits are numbered."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(zones, "_touching", lambda rows, _zones: rows)
        patch.setattr(zones, "_around_inside", lambda rows, _zones: rows)
        return detect_zone_entries(positions, watched, params=ZoneParams())


@settings(max_examples=40, deadline=None)
@given(st.lists(leg, min_size=1, max_size=6), st.lists(leg, min_size=1, max_size=6))
def test_rows_near_zones_give_the_events_of_every_row(
    first: list[tuple[float, float, float, float]],
    second: list[tuple[float, float, float, float]],
) -> None:
    watched = [box("west", -29.95, -29.8), box("east", -29.85, -29.6)]
    positions = pl.concat([voyage(227000001, first), voyage(227000002, second)])
    positions = positions.sort("mmsi", "timestamp")
    for rows in (positions, positions.drop("segment_id")):
        found = detect_zone_entries(rows, watched, params=ZoneParams())
        assert found.equals(every_row(rows, watched))
