"""Tracks, segments and sampling at the ITU reporting rates."""

from __future__ import annotations

import numpy as np
import pytest

from balise.sim.motion import (
    ANCHORED,
    MOORED,
    Segments,
    TrackBuilder,
    haversine_nm,
    offset,
    sample,
)
from balise.sim.transponder import report_interval_s


def test_sailing_takes_distance_over_speed() -> None:
    builder = TrackBuilder.at(0.0, 10.0, -60.0)
    lat, lon = offset(10.0, -60.0, 90.0, 12.0)
    builder.go_to(lat, lon, 12.0)
    assert builder.now_s == pytest.approx(3600.0, rel=1e-3)
    segments = Segments.of([builder.build()])
    assert segments.speed_kn[0] == pytest.approx(12.0, rel=1e-3)
    assert segments.course_deg[0] == pytest.approx(90.0, abs=0.1)


def test_stays_keep_position_and_status() -> None:
    builder = TrackBuilder.at(0.0, 10.0, -60.0)
    builder.stay(7200.0, ANCHORED)
    track = builder.build()
    assert track.status[0] == ANCHORED
    assert track.lat[0] == track.lat[1]
    assert track.t_s[1] == 7200.0


def test_dark_segments_are_marked() -> None:
    builder = TrackBuilder.at(0.0, 10.0, -60.0)
    builder.go_to(*offset(10.0, -60.0, 0.0, 5.0), 10.0)
    builder.ais_on = False
    builder.go_to(*offset(10.0, -60.0, 0.0, 10.0), 10.0)
    assert builder.build().transmitting.tolist() == [True, False, False]


def test_samples_lie_on_the_segment_at_the_interval() -> None:
    builder = TrackBuilder.at(0.0, 0.0, 0.0)
    builder.go_to(0.0, 1.0, 10.0)
    segments = Segments.of([builder.build()])
    chosen = np.array([0])
    found = sample(segments, chosen, np.array([10.0]), np.array([3.0]), (100.0, 200.0))
    assert found.t_s.tolist() == [103.0 + 10 * k for k in range(10)]
    expected_lon = found.t_s / segments.t1[0]
    assert np.allclose(found.lon, expected_lon)


def test_reporting_intervals_follow_itu_rates() -> None:
    tracks = []
    for speed, status in ((0.0, MOORED), (10.0, 0), (18.0, 0), (30.0, 0), (1.0, 0), (10.0, 0)):
        builder = TrackBuilder.at(0.0, 0.0, 0.0)
        if speed:
            builder.go_to(*offset(0.0, 0.0, 0.0, speed), speed, status)
        else:
            builder.stay(3600.0, status)
        tracks.append(builder.build())
    segments = Segments.of(tracks)
    class_b = np.array([False, False, False, False, True, True])
    intervals = report_interval_s(segments, np.arange(6), class_b)
    assert intervals.tolist() == [180.0, 10.0, 6.0, 2.0, 180.0, 30.0]


def test_haversine_of_one_degree_of_latitude() -> None:
    assert haversine_nm(np.array([0.0]), np.array([0.0]), np.array([1.0]), np.array([0.0]))[
        0
    ] == pytest.approx(60.04, abs=0.05)
