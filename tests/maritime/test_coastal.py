"""Coastal drops on hand-built tracks: a cargo ship leaves its way, circles off a coast, goes on."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import numpy as np
import numpy.typing as npt
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from balise.geo.sphere import destination_point
from balise.maritime.coastal import (
    SCORE_BASE,
    SCORE_GAP,
    SCORE_NIGHT,
    SCORE_WATCHED,
    CoastalDropParams,
    detect_coastal_drops,
    lane_density,
)
from balise.model.events import EVENT_SCHEMA
from balise.model.schema import POSITION_SCHEMA, conform
from helpers import evidence, track

FloatArray = npt.NDArray[np.float64]
NIGHT = datetime(2024, 3, 1, 1, 0, tzinfo=UTC)
"""01:00 UTC in Brittany in March: the sun is 45° below the horizon."""
SITE = (47.83, -4.43)
"""A point off a coast (Baie d'Audierne)."""


def off_coast(lat: FloatArray, lon: FloatArray) -> FloatArray:
    return np.full(len(lat), 5.0)


def far_from_ports(lat: FloatArray, lon: FloatArray) -> FloatArray:
    return np.full(len(lat), 30.0)


def _circle(
    mmsi: int, lat: float, lon: float, start: datetime, hours: float, every_s: float = 120
) -> pl.DataFrame:
    """Positions circling (`lat`, `lon`) at 1.5 kn on a 0.4 nm ring, clockwise from north."""
    seconds = np.arange(1, int(hours * 3600 / every_s) + 1) * every_s
    bearings = np.degrees(1.5 * seconds / 3600 / 0.4) % 360
    lats, lons = destination_point(lat, lon, bearings, 0.4)
    frame = pl.DataFrame(
        {
            "mmsi": [mmsi] * len(seconds),
            "timestamp": [start + timedelta(seconds=float(s)) for s in seconds],
            "lat": lats,
            "lon": lons,
            "sog_knots": [1.5] * len(seconds),
        }
    )
    return conform(frame, POSITION_SCHEMA)


def drop_track(
    mmsi: int = 227000001,
    site: tuple[float, float] = SITE,
    slow_at: datetime = NIGHT,
    linger_hours: float = 1.5,
    knots: float = 12.0,
) -> pl.DataFrame:
    """A ship at `knots` heading east for 2 h to `site`, circling there from `slow_at` for
    `linger_hours`, then heading on east for 2 h at `knots`."""
    lat, lon = site
    back = knots * 2 / (60 * math.cos(math.radians(lat)))
    approach = track(mmsi, 2, lat, lon - back, knots, 90, slow_at - timedelta(hours=2),
                     sog_knots=knots)  # fmt: skip
    circle = _circle(mmsi, lat, lon, slow_at, linger_hours)
    start_on = slow_at + timedelta(hours=linger_hours, minutes=2)
    onward = track(mmsi, 2, lat, lon, knots, 90, start_on, sog_knots=knots)
    return pl.concat([approach.head(-1), circle, onward])


def test_a_ship_circling_off_a_coast_at_night_is_a_coastal_drop() -> None:
    events = detect_coastal_drops(drop_track(), shore=off_coast, anchorage=far_from_ports)
    assert events.height == 1
    event, seen = events.row(0, named=True), evidence(events)
    assert event["type"] == "coastal_drop"
    assert event["mmsi"] == 227000001
    assert abs((event["start"] - NIGHT).total_seconds()) <= 600
    assert 1.3 <= seen["duration_h"] <= 1.7
    assert event["lat"] == pytest.approx(SITE[0], abs=0.01)
    assert event["lon"] == pytest.approx(SITE[1], abs=0.01)
    assert seen["night"] is True
    assert seen["gap"] is False
    assert seen["transit_before"] is True
    assert seen["sun_elevation_deg"] < -30
    assert seen["median_speed_knots"] == pytest.approx(1.5, abs=0.2)
    assert event["score"] == pytest.approx(SCORE_BASE + SCORE_NIGHT)
    assert event["confidence"] == 0.5  # no vessel type known
    assert list(events.schema) == list(EVENT_SCHEMA)


def test_by_day_in_a_watched_zone_the_score_changes() -> None:
    noon = NIGHT.replace(hour=12)
    watched = detect_coastal_drops(
        drop_track(slow_at=noon),
        shore=off_coast,
        anchorage=far_from_ports,
        watched=lambda lat, lon: np.ones(len(lat), np.bool_),
    )
    assert evidence(watched)["night"] is False
    assert evidence(watched)["watched"] is True
    assert watched["score"][0] == pytest.approx(SCORE_BASE + SCORE_WATCHED)


def test_a_silence_while_circling_raises_the_score() -> None:
    positions = drop_track()
    silent = (pl.col("timestamp") > NIGHT + timedelta(minutes=20)) & (
        pl.col("timestamp") < NIGHT + timedelta(minutes=65)
    )
    events = detect_coastal_drops(
        positions.filter(~silent), shore=off_coast, anchorage=far_from_ports
    )
    assert events.height == 1
    assert evidence(events)["gap"] is True
    assert evidence(events)["longest_silence_h"] == pytest.approx(0.77, abs=0.05)
    assert events["score"][0] == pytest.approx(SCORE_BASE + SCORE_NIGHT + SCORE_GAP)


def test_near_a_port_or_far_out_at_sea_it_is_not() -> None:
    near_port = detect_coastal_drops(
        drop_track(), shore=off_coast, anchorage=lambda lat, lon: np.full(len(lat), 2.0)
    )
    offshore = detect_coastal_drops(
        drop_track(), shore=lambda lat, lon: np.full(len(lat), 40.0), anchorage=far_from_ports
    )
    assert near_port.is_empty()
    assert offshore.is_empty()


def test_in_a_lane_it_is_not() -> None:
    injected = detect_coastal_drops(
        drop_track(),
        shore=off_coast,
        anchorage=far_from_ports,
        lane=lambda lat, lon: np.ones(len(lat), np.bool_),
    )
    assert injected.is_empty()
    # over the 5.5 h of data (a day at least), 4 vessels or more in a cell make it a lane
    lat, lon = SITE
    traffic = [
        track(227000100 + i, 1, lat + 0.004 * i, lon - 0.1, 12, 90, NIGHT, sog_knots=12.0)
        for i in range(-2, 3)
    ]
    positions = pl.concat([drop_track(), *traffic])
    lanes = lane_density(positions)
    assert lanes.vessels(np.array([lat]), np.array([lon])).tolist() == [6]
    assert detect_coastal_drops(positions, shore=off_coast, anchorage=far_from_ports).is_empty()
    fewer = pl.concat([drop_track(), *traffic[:2]])
    assert detect_coastal_drops(fewer, shore=off_coast, anchorage=far_from_ports).height == 1


def test_fishing_and_pleasure_craft_are_not_judged_cargo_ships_are_more_certain() -> None:
    positions = drop_track()
    for ship_type in (30, 37, 52, 60):
        types = pl.DataFrame({"mmsi": [227000001], "ship_type": [ship_type]})
        kept = detect_coastal_drops(
            positions, shore=off_coast, anchorage=far_from_ports, vessel_types=types
        )
        assert kept.is_empty(), ship_type
    cargo = pl.DataFrame({"mmsi": [227000001, 227000001], "ship_type": [70, None]})
    events = detect_coastal_drops(
        positions, shore=off_coast, anchorage=far_from_ports, vessel_types=cargo
    )
    assert events["confidence"].to_list() == [0.7]


def test_a_craft_that_is_always_slow_is_not_a_drop() -> None:
    slow = drop_track(knots=3.0)
    assert detect_coastal_drops(slow, shore=off_coast, anchorage=far_from_ports).is_empty()


def test_a_short_stop_is_not_a_drop() -> None:
    short = drop_track(linger_hours=0.5)
    assert detect_coastal_drops(short, shore=off_coast, anchorage=far_from_ports).is_empty()


def test_circling_at_speed_counts_without_slowing() -> None:
    lat, lon = SITE
    seconds = np.arange(1, 46) * 120  # 1.5 h at 6 kn on a 0.6 nm ring: 0.9 loop an hour
    lats, lons = destination_point(lat, lon, np.degrees(6 * seconds / 3600 / 0.6) % 360, 0.6)
    circle = conform(
        pl.DataFrame({"mmsi": [1] * len(seconds), "lat": lats, "lon": lons,
                      "timestamp": [NIGHT + timedelta(seconds=float(s)) for s in seconds]}),
        POSITION_SCHEMA,
    )  # fmt: skip
    approach = track(1, 2, lat + 0.6 / 60, lon - 0.4, 12, 90, NIGHT - timedelta(hours=2))
    events = detect_coastal_drops(
        pl.concat([approach, circle]), shore=off_coast, anchorage=far_from_ports
    )
    assert events.height == 1
    assert evidence(events)["median_speed_knots"] > 4
    assert evidence(events)["turn_deg"] >= 270


def test_circling_across_the_utc_day_boundary_is_one_event() -> None:
    late = datetime(2024, 3, 1, 23, 20, tzinfo=UTC)
    events = detect_coastal_drops(
        drop_track(slow_at=late), shore=off_coast, anchorage=far_from_ports
    )
    assert events.height == 1
    assert events["start"][0].day == 1
    assert events["end"][0].day == 2


def test_across_the_antimeridian() -> None:
    site = (-16.7, 179.99)
    events = detect_coastal_drops(
        drop_track(site=site, slow_at=datetime(2024, 3, 1, 13, tzinfo=UTC)),
        shore=off_coast,
        anchorage=far_from_ports,
    )
    assert events.height == 1
    assert abs(events["lon"][0]) == pytest.approx(180.0, abs=0.02)
    assert evidence(events)["night"] is True  # 01:00 local time in Fiji
    assert evidence(events)["drift_nm"] < 1


def test_out_of_order_rows_give_the_same_events() -> None:
    positions = drop_track()
    ordered = detect_coastal_drops(positions, shore=off_coast, anchorage=far_from_ports)
    shuffled = positions.sample(fraction=1.0, shuffle=True, seed=7)
    again = detect_coastal_drops(shuffled, shore=off_coast, anchorage=far_from_ports)
    assert again.equals(ordered)


def test_geography_is_asked_of_candidates_only() -> None:
    asked: list[int] = []

    def counting_shore(lat: FloatArray, lon: FloatArray) -> FloatArray:
        asked.append(len(lat))
        return off_coast(lat, lon)

    positions = drop_track()
    events = detect_coastal_drops(positions, shore=counting_shore, anchorage=far_from_ports)
    assert events.height == 1
    assert asked == [1]


def test_params_are_recorded() -> None:
    params = CoastalDropParams(min_minutes=30.0)
    events = detect_coastal_drops(
        drop_track(linger_hours=0.75), params, shore=off_coast, anchorage=far_from_ports
    )
    assert events.height == 1
    assert '"min_minutes":30.0' in events["params"][0]


# The coastal-drop detector gives the same events whatever the order of its input rows: rows in
# track and time order skip the sort, any other order is sorted first; and the turn of a bucket,
# computed on slow buckets only, is the turn over all its legs.


def _fleet() -> pl.DataFrame:
    """Three ships lingering off the coast at different times, the last with two segments (cut
    on its way onward, after its drop)."""
    ships = [
        drop_track(227000001),
        drop_track(227000002, slow_at=NIGHT + timedelta(hours=3), linger_hours=2.0),
        drop_track(227000003, site=(47.9, -4.6), knots=10.0),
    ]
    fleet = pl.concat(ships)
    later = (pl.col("mmsi") == 227000003) & (pl.col("timestamp") > NIGHT + timedelta(hours=2.5))
    segment = pl.when(later).then(pl.lit("-2")).otherwise(pl.lit("-1"))
    return fleet.with_columns((pl.col("mmsi").cast(pl.String) + segment).alias("segment_id")).sort(
        "mmsi", "timestamp", "lat", "lon"
    )


def _detect(positions: pl.DataFrame) -> pl.DataFrame:
    found = detect_coastal_drops(positions, shore=off_coast, anchorage=far_from_ports)
    return found.sort("id", "lat", "lon")


def test_the_fleet_has_coastal_drops() -> None:
    assert _detect(_fleet()).height >= 3


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 2**32 - 1))
def test_any_row_order_gives_the_events_of_the_sorted_rows(seed: int) -> None:
    fleet = _fleet()
    shuffled = fleet[np.random.default_rng(seed).permutation(fleet.height)]
    assert_frame_equal(_detect(shuffled), _detect(fleet))


def test_segments_interleaved_in_time_are_sorted_apart() -> None:
    fleet = _fleet()
    other = fleet.filter(pl.col("mmsi") == 227000001).with_columns(
        pl.lit("227000001-9").alias("segment_id"), pl.col("lat") + 0.3
    )
    mixed = pl.concat([fleet, other]).sort("mmsi", "timestamp")
    apart = pl.concat([fleet, other]).sort("segment_id", "timestamp", "lat", "lon")
    assert_frame_equal(_detect(mixed), _detect(apart))
    assert _detect(mixed).height > _detect(fleet).height


# The coastal-drop detector finds the same events when the tracks come with their integer
# `segment_code` (as `segment` gives them) as from the segment names alone, in any row order and
# with segments of one MMSI interleaved in time.


def _interleaved() -> pl.DataFrame:
    """The fleet and a second segment of its first ship interleaved in time, sorted by MMSI and
    time (the engine's order), with `segment_code` numbered in (mmsi, segment) order."""
    fleet = _fleet()
    other = fleet.filter(pl.col("mmsi") == 227000001).with_columns(
        pl.lit("227000001-9").alias("segment_id"), pl.col("lat") + 0.3
    )
    mixed = pl.concat([fleet, other]).sort("mmsi", "timestamp", "lat", "lon")
    code = pl.col("segment_id").rank("dense").cast(pl.Int32) - 1
    return mixed.with_columns(code.alias("segment_code"))


def test_integer_track_numbers_give_the_events_of_the_names() -> None:
    mixed = _interleaved()
    found = _detect(mixed)
    assert found.height > 0
    assert_frame_equal(found, _detect(mixed.drop("segment_code")))


@settings(max_examples=10, deadline=None)
@given(seed=st.integers(0, 2**32 - 1))
def test_integer_track_numbers_in_any_row_order(seed: int) -> None:
    mixed = _interleaved()
    shuffled = mixed[np.random.default_rng(seed).permutation(mixed.height)]
    assert_frame_equal(_detect(shuffled), _detect(mixed.drop("segment_code")))


def test_lane_cells_wrap_at_the_antimeridian_block_by_block() -> None:
    """The lane grid's cells are the same whichever side of 180 degrees a longitude is written,
    and whichever block of positions it falls in."""
    from balise.maritime.lanes import _BLOCK, _cell_keys

    lon = np.resize(np.array([179.99, -180.01, 180.01, -179.99, 0.01]), _BLOCK + 3)
    lat = np.full(lon.size, 10.0)
    keys = _cell_keys(lat, lon, 0.05)
    assert keys[0] == keys[1]
    assert keys[2] == keys[3]
    assert np.array_equal(keys[_BLOCK : _BLOCK + 3], keys[np.arange(_BLOCK, _BLOCK + 3) % 5])
