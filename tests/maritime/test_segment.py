"""Tests of the segmenter on hand-built tracks and on GFW's labelled segmenter tracks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import pairwise
from pathlib import Path

import numpy as np
import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from balise.geo.sphere import destination_point, distance_nm
from balise.maritime.segment import (
    SEGMENT_CODE,
    SegmentParams,
    _assign,
    _noise,
    in_vessel_order,
    segment,
)
from balise.model.schema import UTC_TIME

FIXTURES = Path(__file__).parent.parent / "data" / "gfw-segmenter-tracks"
START = datetime(2024, 3, 1, 12, tzinfo=UTC)


def track(
    mmsi: int,
    points: list[tuple[float, float]],
    *,
    start: datetime = START,
    step_minutes: float = 10.0,
) -> pl.DataFrame:
    """Positions of `mmsi` at `points` (lat, lon), one every `step_minutes` from `start`."""
    return pl.DataFrame(
        {
            "mmsi": [mmsi] * len(points),
            "timestamp": [start + timedelta(minutes=step_minutes * i) for i in range(len(points))],
            "lat": [p[0] for p in points],
            "lon": [p[1] for p in points],
        },
        schema={"mmsi": pl.Int32, "timestamp": UTC_TIME, "lat": pl.Float64, "lon": pl.Float64},
    )


def line(lat: float, lon: float, n: int, dlon: float = 0.02) -> list[tuple[float, float]]:
    """`n` points heading east from (lat, lon), `dlon` degrees apart (0.02° ≈ 1.2 nm)."""
    return [(lat, lon + dlon * i) for i in range(n)]


def gfw_track(name: str) -> pl.DataFrame:
    """A GFW segmenter fixture (newline-delimited JSON) with our column names and types."""
    raw = pl.read_ndjson(FIXTURES / f"{name}.json")
    return raw.with_columns(
        mmsi=pl.col("ssvid").cast(pl.Int32),
        timestamp=pl.col("timestamp").str.to_datetime(time_zone="UTC", time_unit="us"),
    )


def test_straight_track_is_one_segment() -> None:
    out = segment(track(227000001, line(43.0, 5.0, 30)))
    assert out["segment_id"].unique().to_list() == ["227000001-1"]
    assert not out["noise"].any()


def test_two_vessels_are_segmented_separately() -> None:
    both = pl.concat([track(227000001, line(43.0, 5.0, 10)), track(227000002, line(36.0, 3.0, 10))])
    out = segment(both)
    assert out.group_by("mmsi").agg(pl.col("segment_id").n_unique())["segment_id"].to_list() == [
        1,
        1,
    ]


def test_two_hulls_on_one_mmsi_alternating() -> None:
    north, south = line(45.0, -10.0, 20), line(36.7, -10.0, 20)  # 498 nm apart
    points = [p for pair in zip(north, south, strict=True) for p in pair]
    out = segment(track(416000000, points, step_minutes=5))
    sizes = out.group_by("segment_id").len()["len"].sort().to_list()
    assert sizes == [20, 20]
    assert not out["noise"].any()
    first = out.filter(pl.col("segment_id") == "416000000-1")
    assert first["lat"].unique().to_list() == [45.0]


def test_outlier_point_is_noise() -> None:
    points = line(10.0, -60.0, 20)
    points[8] = (12.0, -60.0)  # 120 nm off the track for one report
    out = segment(track(309000001, points))
    assert out.filter(pl.col("noise"))["lat"].to_list() == [12.0]
    assert out.filter(~pl.col("noise"))["segment_id"].n_unique() == 1


def test_spoof_excursion_is_its_own_segment() -> None:
    points = line(10.0, -60.0, 40)
    for i in range(10, 16):  # 6 reports, 1 h, ~150 nm north
        points[i] = (12.5, points[i][1])
    out = segment(track(309000001, points, step_minutes=30))
    assert out["segment_id"].n_unique() == 2
    spoof = out.filter(pl.col("lat") == 12.5)
    assert spoof["segment_id"].n_unique() == 1
    assert not spoof["noise"].any()


def test_antimeridian_crossing_is_continuous() -> None:
    points = [(-16.0, 179.9 + 0.05 * i) for i in range(10)]
    points = [(lat, lon - 360 if lon > 180 else lon) for lat, lon in points]
    out = segment(track(512000001, points))
    assert out["segment_id"].n_unique() == 1
    assert (
        distance_nm(
            *map(
                pl.Series.to_numpy,
                [out["lat"][:1], out["lon"][:1], out["lat"][-1:], out["lon"][-1:]],
            )
        )[0]
        < 30
    )


def test_utc_day_boundary_does_not_split() -> None:
    out = segment(track(227000001, line(43.0, 5.0, 12), start=datetime(2024, 3, 1, 23, tzinfo=UTC)))
    assert out["segment_id"].n_unique() == 1


def test_long_gap_splits_and_short_gap_does_not() -> None:
    before = track(227000001, line(43.0, 5.0, 5))
    after = track(227000001, line(43.0, 5.2, 5), start=START + timedelta(hours=30))
    assert segment(pl.concat([before, after]))["segment_id"].n_unique() == 2
    after = track(227000001, line(43.0, 5.2, 5), start=START + timedelta(hours=20))
    assert segment(pl.concat([before, after]))["segment_id"].n_unique() == 1


def test_out_of_order_input_gives_the_same_result() -> None:
    north, south = line(45.0, -10.0, 15), line(36.7, -10.0, 15)
    frame = track(416000000, [p for pair in zip(north, south, strict=True) for p in pair])
    shuffled = frame.sample(fraction=1.0, shuffle=True, seed=7)
    assert segment(shuffled).equals(segment(frame))
    assert segment(shuffled)["timestamp"].is_sorted()


def test_null_positions_are_kept() -> None:
    frame = track(227000001, line(43.0, 5.0, 6)).with_columns(
        lat=pl.when(pl.int_range(pl.len()) == 3).then(None).otherwise(pl.col("lat"))
    )
    out = segment(frame)
    assert out.height == 6
    assert out["segment_id"].n_unique() == 1


def test_params_change_the_split() -> None:
    frame = track(227000001, line(43.0, 5.0, 10, dlon=0.12))  # 5.3 nm per 10 min = 32 kn
    assert segment(frame)["segment_id"].n_unique() > 1
    assert segment(frame, SegmentParams(max_speed_knots=35.0))["segment_id"].n_unique() == 1


def point_agreement(out: pl.DataFrame) -> float:
    """Share of points whose segment matches GFW's `expected` label up to renaming.

    Each of our non-noise segments stands for its majority label; labels held by fewer than 5
    points are GFW's noise segments, whose points must be our noise.
    """
    sizes = out.group_by("expected").len().rename({"len": "label_size"})
    majority = (
        out.filter(~pl.col("noise"))
        .group_by("segment_id")
        .agg(label=pl.col("expected").mode().sort().first())
    )
    scored = out.join(sizes, on="expected").join(majority, on="segment_id", how="left")
    right = (
        pl.when(pl.col("label_size") < 5)
        .then(pl.col("noise"))
        .otherwise(~pl.col("noise") & (pl.col("label") == pl.col("expected")))
    )
    return float(scored.select(right.mean()).item())


def test_gfw_noise_track_point_agreement() -> None:
    out = segment(gfw_track("338013000"))
    agreement = point_agreement(out)
    assert agreement >= 0.97, agreement


def test_gfw_shared_mmsi_track_has_several_segments() -> None:
    out = segment(gfw_track("416000000"))
    solid = out.filter(~pl.col("noise")).group_by("segment_id").len().filter(pl.col("len") >= 10)
    assert solid.height >= 5


def loop_only(frame: pl.DataFrame, params: SegmentParams) -> pl.DataFrame:
    """`segment` computed by the per-point matching alone, for every MMSI (no fast path)."""
    ordered = frame.sort(["mmsi", "timestamp", "lat", "lon"], nulls_last=True)
    micros = ordered["timestamp"].dt.epoch("us").to_numpy()
    hours = (micros - micros[0]) / 3_600_000_000
    lat = ordered["lat"].fill_null(np.nan).to_numpy()
    lon = ordered["lon"].fill_null(np.nan).to_numpy()
    mmsi = ordered["mmsi"].to_numpy()
    number, noise = np.zeros(len(mmsi), np.int64), np.zeros(len(mmsi), np.bool_)
    for m in np.unique(mmsi):
        at = np.flatnonzero(mmsi == m)
        lo, hi = at[0], at[-1] + 1
        slow = np.zeros(hi - lo, np.bool_)  # no step is plain: point by point throughout
        number[lo:hi] = _assign(hours[lo:hi], lat[lo:hi], lon[lo:hi], params, slow)
        noise[lo:hi] = _noise(number[lo:hi], hours[lo:hi], params)
    ids = [f"{m}-{n + 1}" for m, n in zip(mmsi.tolist(), number.tolist(), strict=True)]
    return ordered.with_columns(segment_id=pl.Series(ids), noise=pl.Series(noise))


STEP = st.tuples(
    st.sampled_from([0.0, 0.5, 5.0, 10.0, 60.0, 23.9 * 60, 25 * 60]),  # minutes
    st.sampled_from([0.0, 5.0, 24.9, 25.0, 25.1, 29.0, 40.0, 60.0, 3000.0]),  # knots
    st.floats(0, 360),  # course
    st.booleans(),  # whether the position is reported
)


@st.composite
def noisy_tracks(draw: st.DrawFn) -> pl.DataFrame:
    """One to three MMSIs with steps mixing plain moves, speeds near the limit, jumps, silences
    around the 24 h limit, repeated times and missing positions, and some across 180°."""
    rows = []
    for mmsi in range(draw(st.integers(1, 3))):
        lat, lon, when = draw(st.floats(-60, 60)), draw(st.sampled_from([0.0, 179.99])), START
        for minutes, knots, course, located in draw(st.lists(STEP, min_size=1, max_size=40)):
            when += timedelta(minutes=minutes)
            a, b = destination_point(
                np.array([lat]), np.array([lon]), np.array([course]), knots * minutes / 60
            )
            lat, lon = float(a[0]), float((b[0] + 180) % 360 - 180)
            rows.append((mmsi, when, lat if located else None, lon if located else None))
    return pl.DataFrame(
        rows,
        schema={"mmsi": pl.Int32, "timestamp": UTC_TIME, "lat": pl.Float64, "lon": pl.Float64},
        orient="row",
    )


@settings(max_examples=300, deadline=None)
@given(noisy_tracks(), st.sampled_from([SegmentParams(), SegmentParams(lookback=2)]))
def test_fast_paths_agree_with_the_point_by_point_matching(
    frame: pl.DataFrame, params: SegmentParams
) -> None:
    out = segment(frame, params)
    assert out.drop(SEGMENT_CODE).equals(loop_only(frame, params))
    # the code numbers the segments in order of (mmsi, n), one code per segment
    named = out.select(
        SEGMENT_CODE, "mmsi", pl.col("segment_id").str.split("-").list.last().cast(pl.Int64)
    ).unique()
    assert named[SEGMENT_CODE].n_unique() == named.height
    assert named.sort("mmsi", "segment_id")[SEGMENT_CODE].to_list() == list(range(named.height))


def test_fast_path_and_loop_agree_on_gfw_tracks() -> None:
    for name in ("263576000", "338013000", "416000000"):
        frame = gfw_track(name)
        assert segment(frame).drop(SEGMENT_CODE).equals(loop_only(frame, SegmentParams()))


@settings(max_examples=80, deadline=None)
@given(st.lists(st.tuples(st.integers(1, 3), st.integers(0, 5), st.integers(0, 2)), max_size=40),
       st.integers(1, 6))  # fmt: skip
def test_vessel_order_is_checked_across_blocks(
    rows: list[tuple[int, int, int]], block: int
) -> None:
    """`in_vessel_order` block by block answers as a comparison of every pair of rows would."""
    mmsi = np.array([r[0] for r in rows], np.int32)
    micros = np.array([r[1] for r in rows], np.int64)
    lat = np.array([float(r[2]) for r in rows])
    lon = np.zeros(len(rows))
    keys = list(zip(mmsi.tolist(), micros.tolist(), lat.tolist(), strict=True))
    expected = all(a <= b for a, b in pairwise(keys))
    assert in_vessel_order(mmsi, micros, lat, lon, block_rows=block) == expected
