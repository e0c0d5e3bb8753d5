"""Spoofing detectors: shared MMSIs, position jumps, and jumps left out inside shared periods."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from balise.maritime.identity_params import IdentityParams
from balise.maritime.segment import segment
from balise.maritime.spoofing import (
    detect_position_jumps,
    detect_shared_mmsi,
    detect_spoofing,
    noise_positions,
)
from balise.model.events import EVENT_SCHEMA
from helpers import T0, evidence, positions

FIXTURES = Path(__file__).parent.parent / "data" / "gfw-segmenter-tracks"
EVENING = datetime(2024, 3, 1, 22, tzinfo=UTC)


def line(lat: float, lon: float, n: int, dlon: float = 0.02) -> list[tuple[float, float]]:
    """`n` points heading east from (lat, lon), `dlon` degrees apart."""
    return [(lat, lon + dlon * i) for i in range(n)]


def alternating() -> pl.DataFrame:
    """Two hulls ~500 nm apart answering to one MMSI, reports alternating every 5 minutes."""
    north, south = line(45.0, -10.0, 20), line(36.7, -10.0, 20)
    return positions(416000000, [p for pair in zip(north, south, strict=True) for p in pair], 300)


def excursion(lon: float = -60.0, start: datetime = EVENING - timedelta(hours=5)) -> pl.DataFrame:
    """A track every 30 min whose reports jump ~150 nm north for 3 h (from 5 h after `start`,
    over midnight by default), then come back."""
    points = line(10.0, lon, 40)
    for i in range(10, 16):
        points[i] = (12.5, points[i][1])
    wrapped = [(lat, (x + 180) % 360 - 180) for lat, x in points]
    return positions(309000001, wrapped, 1800, start=start)


def bursts_with_outlier() -> pl.DataFrame:
    """Two hulls on one MMSI heard in turns, 30 min each from 22:00 to 02:00, with four reports
    of the first hull (15 min) thrown 600 nm away: a position jump inside the shared period."""
    points = [(45.0 if i // 6 % 2 == 0 else 36.7, -10.0 + 0.01 * i) for i in range(48)]
    points[13:17] = [(40.0, -20.0 + 0.01 * i) for i in range(4)]
    return positions(416000000, points, 300, start=EVENING)


def test_shared_mmsi_fires_once_with_evidence() -> None:
    events = detect_shared_mmsi(segment(alternating()))
    assert events.schema == pl.Schema(EVENT_SCHEMA)
    assert events.height == 1
    found = evidence(events)
    assert found["segment_ids"] == ["416000000-1", "416000000-2"]
    assert 490 < found["max_distance_nm"] < 510
    assert found["positions_per_segment"] == {"416000000-1": 20, "416000000-2": 20}
    assert events["type"][0] == "shared_mmsi"
    assert events["status"][0] == "active"
    assert 0.5 < events["confidence"][0] <= 1.0
    assert detect_shared_mmsi(segment(alternating()))["id"].equals(events["id"])


def test_shared_mmsi_silent_on_clean_track_and_excursion() -> None:
    assert detect_shared_mmsi(segment(positions(227000001, line(43.0, 5.0, 30)))).is_empty()
    assert detect_shared_mmsi(segment(excursion())).is_empty()


def test_spoof_excursion_across_midnight_is_one_position_jump() -> None:
    events = detect_position_jumps(segment(excursion()))
    assert events.height == 1
    found = evidence(events)
    assert found["kind"] == "excursion"
    assert found["jumped_to"]["lat"] == 12.5
    assert 140 < found["jump_distance_nm"] < 160
    assert found["implied_speed_knots"] > 250
    assert found["positions"] == 6
    assert events["start"][0] == EVENING
    assert events["end"][0] - events["start"][0] == timedelta(hours=2, minutes=30)


def test_excursion_across_the_antimeridian() -> None:
    # the track crosses 180° between its 5th and 6th reports, the excursion is past it
    events = detect_position_jumps(segment(excursion(lon=179.9)))
    assert events.height == 1
    assert 140 < evidence(events)["jump_distance_nm"] < 160
    assert events["lon"][0] < -179.0


def test_jumps_are_measured_across_the_antimeridian() -> None:
    assert detect_position_jumps(segment(positions(309000001, line(10.0, 179.9, 20)))).is_empty()
    across = line(10.0, 179.0, 10) + line(10.0, -179.6, 10)  # 1.22° of longitude in 10 min
    events = detect_position_jumps(segment(positions(309000001, across)))
    assert events.height == 1
    assert evidence(events)["kind"] == "jump"
    assert evidence(events)["jump_distance_nm"] == pytest.approx(72.1, abs=0.2)


def test_single_fix_far_off_is_noise_not_an_event() -> None:
    points = line(10.0, -60.0, 20)
    points[8] = (12.0, -60.0)  # 120 nm off in 10 min, then the track goes on
    segmented = segment(positions(309000001, points))
    assert detect_position_jumps(segmented).is_empty()
    counts = noise_positions(segmented)
    assert counts.to_dicts() == [{"mmsi": 309000001, "positions": 20, "noise_positions": 1}]


def spoofed(fixes: int, every_s: float, n: int = 40) -> pl.DataFrame:
    """A track of `n` reports every `every_s` seconds at 9 kn, `fixes` of them (from the 10th)
    moved 150 nm north, consistent with each other."""
    step = 9.0 * every_s / 3600.0 / 60.0 / 0.985  # degrees of longitude at 10° N for 9 kn
    points = line(10.0, -60.0, n, dlon=step)
    for i in range(10, 10 + fixes):
        points[i] = (12.5, points[i][1])
    return positions(309000001, points, every_s)


def test_sustained_excursion_is_one_event() -> None:
    events = detect_position_jumps(segment(spoofed(4, 600)))  # 4 fixes over 30 min
    assert events.height == 1
    assert evidence(events)["kind"] == "excursion"
    assert evidence(events)["positions"] == 4
    assert evidence(events)["minutes"] == 30.0


def test_a_move_at_the_speed_the_vessel_reports_is_no_jump() -> None:
    """A fast ferry really does 30 kn: 30 nm in an hour while reporting 30 kn is a voyage; the
    same move while reporting 12 kn is not."""
    step = 30.0 / 60.0 / 0.985 / 6  # degrees of longitude at 10° N for 30 kn, every 10 min
    fast = positions(309000002, line(10.0, -60.0, 30, dlon=step), 600)
    gap = fast.filter(pl.int_range(pl.len()) % 6 == 0)  # one report an hour: 30 nm apart
    for reported, found in ((30.0, 0), (12.0, 1)):
        with_sog = gap.with_columns(pl.lit(reported).alias("sog_knots"))
        moved = detect_position_jumps(segment(with_sog), IdentityParams(min_jump_nm=10.0))
        assert moved.height == found, reported


def test_short_excursion_is_noise() -> None:
    # 3 fixes are noise for the segmenter; 4 fixes within 6 min are copies of a bad fix
    assert detect_position_jumps(segment(spoofed(3, 600))).is_empty()
    assert detect_position_jumps(segment(spoofed(4, 120))).is_empty()
    lenient = IdentityParams(min_excursion_minutes=5.0)
    assert detect_position_jumps(segment(spoofed(4, 120)), lenient).height == 1


def test_repeated_jumps_are_one_event() -> None:
    points = line(10.0, -60.0, 60)
    for i in (8, 20, 32):  # away and back three times in 4 h
        points[i] = (12.0, points[i][1])
    segmented = segment(positions(309000001, points))
    events = detect_position_jumps(segmented)
    assert events.height == 1
    found = evidence(events)
    assert (found["kind"], found["jumps"], found["positions"]) == ("repeated", 3, 3)
    assert events["start"][0] == T0 + timedelta(minutes=80)
    assert events["end"][0] == T0 + timedelta(minutes=320)
    assert noise_positions(segmented)["noise_positions"].to_list() == [3]
    points[32] = (10.0, points[32][1])  # twice is not a pattern
    assert detect_position_jumps(segment(positions(309000001, points))).is_empty()
    spread = IdentityParams(repeat_window_hours=1.0)  # 2 h between the jumps
    assert detect_position_jumps(segmented, spread).is_empty()


def test_one_way_jump() -> None:
    points = line(10.0, -60.0, 10) + line(14.0, -60.0, 10)
    events = detect_position_jumps(segment(positions(309000001, points)))
    assert events.height == 1
    assert evidence(events)["kind"] == "jump"


def test_no_jump_for_noise_gap_or_alternating_hulls() -> None:
    jitter = [(43.0 + 0.001 * (i % 3), 5.0 + 0.02 * i) for i in range(30)]
    assert detect_position_jumps(segment(positions(227000001, jitter))).is_empty()
    later = EVENING + timedelta(hours=30)
    gap = pl.concat(
        [
            positions(227000001, line(43.0, 5.0, 5), start=EVENING),
            positions(227000001, line(44.0, 6.0, 5), start=later),
        ]
    )
    assert segment(gap)["segment_id"].n_unique() == 2
    assert detect_position_jumps(segment(gap)).is_empty()
    assert detect_position_jumps(segment(alternating())).is_empty()


def test_jump_threshold_is_a_parameter() -> None:
    points = line(10.0, -60.0, 20)
    for i in range(8, 12):
        points[i] = (10.67, points[i][1])  # 40 nm off for four reports
    segmented = segment(positions(309000001, points))
    assert detect_position_jumps(segmented, IdentityParams(min_jump_nm=50.0)).is_empty()
    events = detect_position_jumps(segmented)
    assert events.height == 1
    assert json.loads(events["params"][0])["min_jump_nm"] == 10.0


def test_jumps_inside_a_shared_period_are_left_out() -> None:
    segmented = segment(bursts_with_outlier())
    shared = detect_shared_mmsi(segmented)
    assert shared.height == 1
    assert shared["start"][0] < datetime(2024, 3, 2, tzinfo=UTC) < shared["end"][0]
    jumps = detect_position_jumps(segmented)
    assert jumps.height == 1
    assert shared["start"][0] <= jumps["start"][0] <= shared["end"][0]
    assert detect_position_jumps(segmented, shared=shared).is_empty()
    assert detect_spoofing(segmented).equals(shared)


def test_jumps_of_other_vessels_or_times_are_kept() -> None:
    shared = detect_shared_mmsi(segment(bursts_with_outlier()))
    other = segment(excursion())  # another MMSI, same evening
    assert detect_position_jumps(other, shared=shared).height == 1
    moved = shared.with_columns(pl.col("start", "end") + timedelta(days=2))
    assert detect_position_jumps(segment(bursts_with_outlier()), shared=moved).height == 1


def test_gfw_shared_mmsi_track_has_no_jump_inside_its_shared_periods() -> None:
    raw = pl.read_ndjson(FIXTURES / "416000000.json").with_columns(
        mmsi=pl.col("ssvid").cast(pl.Int32),
        timestamp=pl.col("timestamp").str.to_datetime(time_zone="UTC", time_unit="us"),
    )
    segmented = segment(raw)
    events = detect_spoofing(segmented)
    shared = events.filter(pl.col("type") == "shared_mmsi")
    jumps = events.filter(pl.col("type") == "position_jump")
    assert shared.height >= 1
    assert max(evidence(shared, i)["max_distance_nm"] for i in range(shared.height)) > 50
    assert jumps.height < detect_position_jumps(segmented).height
    for start, end in jumps.select("start", "end").iter_rows():
        assert shared.filter((pl.col("start") <= end) & (pl.col("end") >= start)).is_empty()


def test_out_of_order_input_gives_the_same_events() -> None:
    mixed = pl.concat([bursts_with_outlier(), excursion(), alternating()])
    expected = detect_spoofing(segment(mixed))
    assert expected["type"].to_list().count("position_jump") == 1
    assert detect_spoofing(segment(mixed.reverse())).equals(expected)


@settings(max_examples=10, deadline=None)
@given(st.randoms(use_true_random=False))
def test_row_order_does_not_change_events(random: Any) -> None:
    mixed = pl.concat([bursts_with_outlier(), excursion()])
    order = list(range(mixed.height))
    random.shuffle(order)
    assert detect_spoofing(segment(mixed[order])).equals(detect_spoofing(segment(mixed)))


@settings(max_examples=10, deadline=None)
@given(st.randoms(use_true_random=False))
def test_segmented_rows_in_any_order_give_the_same_events(random: Any) -> None:
    # hourly times: many reports share an MMSI and a time, their order falls to lat and lon
    segmented = segment(pl.concat([bursts_with_outlier(), excursion(), alternating()]))
    hourly = segmented.with_columns(pl.col("timestamp").dt.truncate("1h"))
    expected = detect_spoofing(hourly.sort("mmsi", "timestamp", "lat", "lon"))
    assert expected.height >= 2
    order = list(range(hourly.height))
    random.shuffle(order)
    assert detect_spoofing(hourly[order]).equals(expected)
    assert detect_spoofing(segmented[order]).equals(detect_spoofing(segmented))


def test_the_dossier_counts_a_lone_fix_off_the_track_as_noise() -> None:
    from balise.engine.dossier import dossier
    from balise.model.batch import ReadBatch
    from balise.store.base import IngestRecord
    from balise.store.duckdb import DuckDBStore

    track = [(45.0, -10.0 + 0.01 * i) for i in range(20)]
    track[10] = (30.0, -40.0)  # one fix an ocean away, then the normal track again
    store = DuckDBStore(":memory:")
    try:
        store.start_ingest(IngestRecord("a", "test", "nmea", "running", 0, 100))
        store.store_batch("a", 0, ReadBatch(positions=positions(227000001, track, 300)))
        record = dossier(store, 227000001)
    finally:
        store.close()
    assert record["positions"]["positions"] == 20
    assert record["positions"]["noise_positions"] == 1
