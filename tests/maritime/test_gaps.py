"""AIS gap detection: naive gaps, the likely-intentional rule, open gaps and stable ids."""

from __future__ import annotations

from dataclasses import asdict
from datetime import timedelta
from typing import Any

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from balise.maritime.gaps import GapParams, detect_gaps
from balise.maritime.kernel import TRACK, sorted_tracks
from balise.maritime.segment import SEGMENT_CODE, segment
from balise.model.events import EVENT_SCHEMA, to_json
from balise.model.schema import UTC_TIME
from helpers import T0, everywhere, evidence, track


def cruise(mmsi: int, hours: float, **kwargs: Any) -> pl.DataFrame:
    """A straight eastbound track at 12 kn (and reporting it), one position every 10 min."""
    return track(mmsi, hours, **{"knots": 12.0, "every_s": 600, "sog_knots": 12.0, **kwargs})


def silent(frame: pl.DataFrame, after_h: float, before_h: float) -> pl.DataFrame:
    """`frame` without its positions strictly between `after_h` and `before_h` hours after T0."""
    t = pl.col("timestamp")
    return frame.filter(
        (t <= T0 + timedelta(hours=after_h)) | (t >= T0 + timedelta(hours=before_h))
    )


far = everywhere(100.0)
"""A world where everything is 100 nm from shore."""
near = everywhere(5.0)
"""A world where everything is 5 nm from shore."""


def test_continuous_track_has_no_gap() -> None:
    events = detect_gaps(cruise(227000001, 2, every_s=10), GapParams())
    assert events.is_empty()
    assert events.schema == pl.Schema(EVENT_SCHEMA)


def test_offshore_silence_after_dense_reports_is_likely_intentional() -> None:
    positions = silent(cruise(227000001, 28), 12, 26)
    events = detect_gaps(positions, GapParams(), shore=far)
    assert events.height == 1
    event = events.row(0, named=True)
    assert event["type"] == "ais_gap"
    assert event["status"] == "active"
    assert event["start"] == T0 + timedelta(hours=12)
    assert event["end"] == T0 + timedelta(hours=26)
    assert event["confidence"] == 0.8
    off = positions.filter(pl.col("timestamp") == event["start"])
    assert (event["lat"], event["lon"]) == (off["lat"][0], off["lon"][0])
    seen = evidence(events)
    assert seen["likely_intentional"] is True
    assert seen["open"] is False
    assert seen["duration_h"] == 14.0
    assert seen["positions_before"] == 73
    assert seen["implied_speed_knots"] == pytest.approx(12.0, rel=1e-2)
    assert seen["distance_nm"] == pytest.approx(168.0, rel=1e-2)
    assert seen["off"]["shore_nm"] == 100.0
    assert event["params"] == to_json(asdict(GapParams()))


def test_short_gap_near_shore_is_naive_only() -> None:
    events = detect_gaps(silent(cruise(227000001, 20), 6, 13), GapParams(), shore=near)
    assert events.height == 1
    assert evidence(events)["likely_intentional"] is False
    assert evidence(events)["duration_h"] == 7.0
    assert events["confidence"][0] == 0.3


def test_long_gap_near_shore_is_not_intentional_but_is_without_geography() -> None:
    positions = silent(cruise(227000001, 28), 12, 26)
    assert evidence(detect_gaps(positions, GapParams(), shore=near))["likely_intentional"] is False
    unknown = detect_gaps(positions, GapParams())
    assert evidence(unknown)["likely_intentional"] is True
    assert evidence(unknown)["off"]["shore_nm"] is None
    assert unknown["confidence"][0] == 0.6


def test_sparse_reports_before_are_not_dense() -> None:
    events = detect_gaps(silent(cruise(227000001, 28, every_s=3600), 12, 26), shore=far)
    assert evidence(events)["positions_before"] == 13
    assert evidence(events)["likely_intentional"] is False


def test_gap_below_threshold_is_ignored() -> None:
    assert detect_gaps(silent(cruise(227000001, 12), 2, 7)).is_empty()


def test_open_gap_keeps_its_id_when_closed_by_late_data() -> None:
    early = cruise(227000001, 4)
    now = T0 + timedelta(hours=12)
    opened = detect_gaps(early, GapParams(), now=now)
    assert opened.height == 1
    assert opened["end"][0] == now
    assert evidence(opened)["open"] is True
    assert evidence(opened)["on"] is None
    late = pl.concat([early, cruise(227000001, 1, start=T0 + timedelta(hours=11))])
    closed = detect_gaps(late, GapParams(), now=now)
    assert closed.height == 1
    assert closed["id"][0] == opened["id"][0]
    assert closed["end"][0] == T0 + timedelta(hours=11)
    assert evidence(closed)["open"] is False
    assert detect_gaps(early, GapParams(), now=T0 + timedelta(hours=9)).is_empty()


def test_tracks_are_segments_when_given() -> None:
    first = cruise(227000001, 2).with_columns(pl.lit("a").alias("segment_id"))
    second = cruise(227000001, 2, start=T0 + timedelta(hours=10)).with_columns(
        pl.lit("b").alias("segment_id")
    )
    both = pl.concat([first, second])
    assert detect_gaps(both).is_empty()
    assert detect_gaps(both.drop("segment_id")).height == 1


def test_out_of_order_input_gives_the_same_events() -> None:
    positions = pl.concat(
        [silent(cruise(227000001, 28), 12, 26), silent(cruise(227000002, 20), 6, 13)]
    )
    expected = detect_gaps(positions, shore=far)
    assert expected.height == 2
    assert detect_gaps(positions.reverse(), shore=far).equals(expected)


@settings(max_examples=20, deadline=None)
@given(st.randoms(use_true_random=False))
def test_row_order_does_not_change_events(random: Any) -> None:
    positions = pl.concat(
        [
            silent(cruise(227000001, 28, every_s=1800), 12, 26),
            silent(cruise(227000002, 20, every_s=1800), 6, 13),
        ]
    )
    order = list(range(positions.height))
    random.shuffle(order)
    shuffled = positions[order]
    expected = detect_gaps(positions, shore=far, now=T0 + timedelta(hours=40))
    assert detect_gaps(shuffled, shore=far, now=T0 + timedelta(hours=40)).equals(expected)


def test_gap_across_midnight_and_the_antimeridian_is_measured_the_short_way() -> None:
    """Dark from 18:00 to 08:00 next day while crossing 180°: one gap, its distance the
    great-circle one (14 h at 12 kn = 168 nm), not the way round the world."""
    start = T0 + timedelta(hours=6)  # T0 is midnight: the gap spans the next midnight
    positions = silent(cruise(227000001, 28, lat=0.0, lon=176.0, start=start), 18, 32)
    events = detect_gaps(positions, GapParams(), shore=far)
    assert events.height == 1
    event = events.row(0, named=True)
    assert (event["start"].day, event["end"].day) == (T0.day, T0.day + 1)
    seen = evidence(events)
    assert seen["off"]["lon"] > 170
    assert seen["on"]["lon"] < -170
    assert seen["distance_nm"] == pytest.approx(168.0, rel=0.01)
    assert seen["implied_speed_knots"] == pytest.approx(12.0, rel=0.01)


@st.composite
def vessel_rows(draw: st.DrawFn) -> pl.DataFrame:
    """Positions of a few MMSIs (some of different lengths, so that their text and number orders
    differ), with repeated times and positions, missing positions, and hulls sharing an MMSI."""
    rows = []
    for mmsi in draw(st.lists(st.sampled_from([7, 31, 244000001, 99999]), min_size=1, max_size=3)):
        for _ in range(draw(st.integers(1, 25))):
            minute = draw(st.integers(0, 3000))
            lat = draw(st.sampled_from([None, 1.0, 1.5, 40.0]))
            rows.append(
                (mmsi, T0 + timedelta(minutes=minute), lat, draw(st.sampled_from([2.0, 170.0])))
            )
    return pl.DataFrame(
        rows, schema={"mmsi": pl.Int32, "timestamp": UTC_TIME, "lat": pl.Float64,
                      "lon": pl.Float64}, orient="row",
    )  # fmt: skip


def by_sorting(positions: pl.DataFrame) -> pl.DataFrame:
    """`sorted_tracks` as its definition says: sorted on the four keys."""
    mmsi = pl.col("mmsi").cast(pl.String)
    key = pl.coalesce("segment_id", mmsi) if "segment_id" in positions.columns else mmsi
    return (
        positions.select(key.alias(TRACK), "mmsi", "timestamp", "lat", "lon")
        .drop_nulls(["mmsi", "timestamp", "lat", "lon"])
        .sort(TRACK, "timestamp", "lat", "lon")
    )


@settings(max_examples=200, deadline=None)
@given(vessel_rows(), st.booleans())
def test_track_order_without_sorting_is_the_sorted_order(rows: pl.DataFrame, shuffle: bool) -> None:
    segmented = segment(rows)
    if shuffle:  # not in vessel order: sorted in full
        segmented = segmented.sample(fraction=1.0, shuffle=True, seed=1)
    per_mmsi = segmented.drop("segment_id", SEGMENT_CODE, "noise")
    for positions in (segmented, per_mmsi):
        tracks = sorted_tracks(positions)
        assert tracks.equals(by_sorting(positions))
        # window functions over the tracks take their fast path only on a column known sorted
        assert tracks.is_empty() or tracks[TRACK].flags["SORTED_ASC"]


def test_track_order_of_two_segmented_frames_put_together() -> None:
    # each frame numbers its segments from 0: the codes clash, the names do not
    first = segment(cruise(227000001, 3))
    second = segment(cruise(227000002, 3))
    both = pl.concat([first, second])
    assert sorted_tracks(both).equals(by_sorting(both))
    assert sorted_tracks(both)[TRACK].n_unique() == 2
