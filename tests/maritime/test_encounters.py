"""Encounter detection: resampling, cell neighbour search, runs, filters, merging and presets."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from balise.geo.sphere import haversine_km
from balise.maritime.encounters import (
    CODE,
    PRESETS,
    EncounterParams,
    _runs,
    close_pairs,
    detect_encounters,
)
from balise.model.events import EVENT_SCHEMA
from helpers import everywhere, evidence, track

T0 = datetime(2024, 3, 1, 6, tzinfo=UTC)
METRES_PER_DEGREE = 111_195.0
GFW = PRESETS["gfw"]


def ship(mmsi: int, hours: float, **kwargs: Any) -> pl.DataFrame:
    """A straight track (`helpers.track`) starting at this module's T0 unless `start` says."""
    return track(mmsi, hours, **{"start": T0, **kwargs})


def pair(north_m: float, hours: float = 3.0, **kwargs: Any) -> pl.DataFrame:
    """Two ships on the same course, the second `north_m` metres north of the first."""
    lat = kwargs.pop("lat", 10.0)
    return pl.concat(
        [
            ship(227000002, hours, lat=lat, **kwargs),
            ship(227000001, hours, lat=lat + north_m / METRES_PER_DEGREE, **kwargs),
        ]
    )


def test_side_by_side_ships_meet() -> None:
    events = detect_encounters(pair(150.0), GFW)
    assert events.height == 1
    event = events.row(0, named=True)
    assert (event["type"], event["mmsi"], event["other_mmsi"]) == (
        "encounter",
        227000001,
        227000002,
    )
    assert (event["start"], event["end"]) == (T0, T0 + timedelta(hours=3))
    assert event["confidence"] == 0.5
    seen = evidence(events)
    assert seen["median_distance_m"] == pytest.approx(150.0, abs=1.0)
    assert seen["duration_h"] == 3.0
    assert seen["points"] == 19
    assert seen["median_speed_knots"] == pytest.approx(1.0, rel=1e-2)
    assert seen["other_median_speed_knots"] == pytest.approx(1.0, rel=1e-2)


def test_ships_too_far_apart_do_not_meet() -> None:
    events = detect_encounters(pair(800.0), GFW)
    assert events.is_empty()
    assert events.schema == pl.Schema(EVENT_SCHEMA)


def test_crossing_ships_do_not_meet() -> None:
    crossing = pl.concat(
        [
            ship(227000001, 2, knots=12.0, course_deg=90.0, lon=-30.2),
            ship(
                227000002,
                2,
                knots=12.0,
                course_deg=0.0,
                lat=9.8,
                lon=-30.0 + 0.2 / math.cos(math.radians(10)),
            ),
        ]
    )
    for preset in PRESETS.values():
        assert detect_encounters(crossing, preset).is_empty()


def test_fast_pair_is_a_rendezvous_only_without_speed_filter() -> None:
    fast = pair(150.0, knots=12.0)
    assert detect_encounters(fast, GFW).is_empty()
    assert detect_encounters(fast, PRESETS["skylight"]).height == 1


def test_encounter_across_the_antimeridian() -> None:
    events = detect_encounters(pair(150.0, lon=179.98), GFW)
    assert events.height == 1
    assert evidence(events)["median_distance_m"] == pytest.approx(150.0, abs=1.0)
    assert abs(events["lon"][0]) > 179.9


def test_ships_either_side_of_the_antimeridian_meet() -> None:
    west = ship(227000001, 3, lon=179.999, knots=0.0)
    east = ship(227000002, 3, lon=-179.999, knots=0.0)
    events = detect_encounters(pl.concat([west, east]), GFW)
    assert events.height == 1
    assert evidence(events)["median_distance_m"] == pytest.approx(219.0, abs=2.0)


def test_encounter_across_midnight_is_one_event() -> None:
    start = datetime(2024, 3, 1, 23, tzinfo=UTC)
    events = detect_encounters(pair(150.0, start=start), GFW)
    assert events.height == 1
    assert (events["start"][0], events["end"][0]) == (start, start + timedelta(hours=3))


def test_anchorage_filter() -> None:
    assert detect_encounters(pair(150.0), GFW, anchorage=everywhere(5.0)).is_empty()
    offshore = detect_encounters(pair(150.0), GFW, anchorage=everywhere(50.0))
    assert offshore.height == 1
    assert offshore["confidence"][0] == 0.7
    assert (
        detect_encounters(pair(150.0), PRESETS["skylight"], anchorage=everywhere(5.0)).height == 1
    )


def test_same_pair_meeting_again_soon_is_merged() -> None:
    positions = pair(150.0, hours=6.0)
    t = pl.col("timestamp")
    apart = (pl.col("mmsi") == 227000001) & t.is_between(
        T0 + timedelta(hours=2.5), T0 + timedelta(hours=3.5), closed="none"
    )
    positions = positions.with_columns(pl.when(apart).then(pl.col("lat") + 0.02).otherwise("lat"))
    merged = detect_encounters(positions, GFW)
    assert merged.height == 1
    assert evidence(merged)["runs"] == 2
    assert (merged["start"][0], merged["end"][0]) == (T0, T0 + timedelta(hours=6))
    separate = detect_encounters(positions, PRESETS["starboard"])
    assert separate.height == 2


def test_skylight_needs_more_than_thirty_minutes() -> None:
    half_hour = pair(100.0, hours=0.5, every_s=60)
    assert detect_encounters(half_hour, PRESETS["skylight"]).is_empty()
    assert detect_encounters(half_hour, PRESETS["starboard"]).height == 1
    assert (
        detect_encounters(pair(100.0, hours=40 / 60, every_s=60), PRESETS["skylight"]).height == 1
    )


def test_no_interpolation_across_long_silences() -> None:
    sparse = pair(150.0, hours=6.0, every_s=5400)
    assert detect_encounters(sparse, EncounterParams(min_duration_hours=0.0)).is_empty()


def test_out_of_order_input_gives_the_same_events() -> None:
    positions = pl.concat([pair(150.0), ship(227000003, 3, lat=10.001, lon=-30.001)])
    expected = detect_encounters(positions, GFW)
    assert expected.height == 3
    assert detect_encounters(positions.reverse(), GFW).equals(expected)


@settings(max_examples=15, deadline=None)
@given(st.randoms(use_true_random=False))
def test_row_order_does_not_change_events(random: Any) -> None:
    positions = pl.concat(
        [pair(150.0, every_s=600), ship(227000003, 3, lat=10.001, lon=-30.001, every_s=600)]
    )
    order = list(range(positions.height))
    random.shuffle(order)
    expected = detect_encounters(positions, GFW)
    assert detect_encounters(positions[order], GFW).equals(expected)


# The pair search of the encounter detector finds every pair within the distance, and runs do
# not depend on the order of the pairs; pairs too short-lived for an encounter are dropped before
# the anchorage look-up, but never an encounter merged from runs each too short.


STEP_US = 600_000_000


def _grid(seed: int, points: int) -> pl.DataFrame:
    """`points` grid points of 12 vessels at 4 grid times, packed in a few km (many pairs near
    the distance limit), one of them by the antimeridian."""
    rng = np.random.default_rng(seed)
    mmsi = rng.integers(0, 12, points)
    t = rng.integers(0, 4, points) * STEP_US
    lon = np.where(mmsi % 2 == 0, 179.995, 10.0) + rng.normal(0, 0.01, points)
    frame = pl.DataFrame(
        {
            CODE: mmsi.astype(np.uint32),
            "mmsi": (mmsi + 227000000).astype(np.int32),
            "t": t,
            "lat": 60.0 + rng.normal(0, 0.01, points),
            "lon": (lon + 180.0) % 360.0 - 180.0,
            "speed_knots": rng.uniform(0, 3, points),
        }
    )
    return frame.unique([CODE, "t"], keep="first", maintain_order=True)


def _all_pairs(grid: pl.DataFrame, max_distance_m: float) -> set[tuple[int, int, int]]:
    """(mmsi, other mmsi, t) of every pair within `max_distance_m`, by comparing all points."""
    rows = grid.rows(named=True)
    found = set()
    for a in rows:
        for b in rows:
            if a["t"] == b["t"] and a["mmsi"] < b["mmsi"]:
                km = haversine_km(a["lat"], a["lon"], b["lat"], b["lon"])
                if km * 1000 <= max_distance_m:
                    found.add((a["mmsi"], b["mmsi"], a["t"]))
    return found


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), points=st.integers(2, 48))
def test_close_pairs_finds_every_pair_within_the_distance(seed: int, points: int) -> None:
    grid = _grid(seed, points)
    pairs = close_pairs(grid, 500.0)
    found = set(pairs.select("mmsi", "other_mmsi", "t").iter_rows())
    assert found == _all_pairs(grid, 500.0)


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**32 - 1))
def test_runs_do_not_depend_on_the_order_of_pairs(seed: int) -> None:
    pairs = close_pairs(_grid(seed, 48), 800.0)
    shuffled = pairs[np.random.default_rng(seed).permutation(pairs.height)]
    assert_frame_equal(_runs(shuffled, STEP_US), _runs(pairs, STEP_US))


def test_two_short_runs_merged_into_a_long_enough_encounter_are_kept() -> None:
    positions = pair(150.0, hours=3.0)
    t = pl.col("timestamp")
    apart = (pl.col("mmsi") == 227000001) & t.is_between(
        T0 + timedelta(hours=1.2), T0 + timedelta(hours=1.8), closed="none"
    )
    positions = positions.with_columns(pl.when(apart).then(pl.col("lat") + 0.02).otherwise("lat"))
    merged = detect_encounters(positions, GFW)
    assert merged.height == 1
    assert evidence(merged)["runs"] == 2
    assert (merged["start"][0], merged["end"][0]) == (T0, T0 + timedelta(hours=3))


def _crowded_grid(seed: int, points: int, lat: float) -> pl.DataFrame:
    """`points` grid points of 40 vessels at 3 grid times in an anchorage a few km wide at `lat`
    (by the antimeridian for half the seeds), some vessels on two tracks."""
    rng = np.random.default_rng(seed)
    track = rng.integers(0, 60, points)
    lon = (180.0 if seed % 2 else -61.0) + rng.normal(0, 0.02, points)
    frame = pl.DataFrame(
        {
            CODE: track.astype(np.uint32),
            "mmsi": (track % 40 + 227000000).astype(np.int32),
            "t": rng.integers(0, 3, points) * STEP_US,
            "lat": lat + rng.normal(0, 0.01, points),
            "lon": (lon + 180.0) % 360.0 - 180.0,
            "speed_knots": rng.uniform(0, 3, points),
        }
    )
    return frame.unique([CODE, "t"], keep="first", maintain_order=True)


@settings(max_examples=30, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    points=st.integers(2, 400),
    lat=st.sampled_from([0.0, 14.6, 51.9, 69.7, -33.9]),
    max_distance_m=st.sampled_from([200.0, 500.0, 1500.0]),
)
def test_search_over_a_grid_finds_the_pairs_of_the_tile_search(
    seed: int, points: int, lat: float, max_distance_m: float
) -> None:
    # the whole grid is searched from the cells ahead in small cells, a tile from every
    # neighbouring cell in larger ones: the same pairs, at the same distances to the bit
    grid = _crowded_grid(seed, points, lat)
    order = [CODE, "t", f"other_{CODE}"]
    ahead = close_pairs(grid, max_distance_m).sort(order)
    every = close_pairs(grid, max_distance_m, np.ones(grid.height, dtype=bool)).sort(order)
    assert_frame_equal(ahead, every)
