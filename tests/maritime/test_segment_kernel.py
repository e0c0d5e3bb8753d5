"""The compiled matching of the segmenter (`balise.maritime._segment_kernel`) against the Python
reference (`_assign(..., reference=True)`): the same numbers, point for point, on adversarial
tracks (several hulls on one MMSI, jumps, missing positions, repeated times, long silences,
more segments than may stay open)."""

from __future__ import annotations

import math
import os

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from balise.geo.sphere import destination_point
from balise.maritime import segment as segmenter
from balise.maritime.segment import SegmentParams, _assign, _plain_steps
from balise.model.arrays import FloatArray

pytestmark = pytest.mark.skipif(
    segmenter._KERNEL is None and not os.environ.get("CI"), reason="the kernel is not built"
)

Track = tuple[FloatArray, FloatArray, FloatArray]
"""hours, lat and lon of one MMSI's points in time order."""

REPORT = st.tuples(
    st.integers(0, 2),  # the hull reporting
    st.sampled_from([0.0, 0.0, 0.01, 0.1, 0.5, 2.0, 23.99, 24.0, 24.01, 30.0]),  # hours since
    st.sampled_from([0.0, 5.0, 24.9, 25.0, 25.1, 40.0, 3000.0]),  # knots of the hull
    st.floats(0, 360),  # its course
    st.sampled_from(["both", "both", "both", "both", "no lat", "no lon", "none"]),  # position
)


@st.composite
def shared_tracks(draw: st.DrawFn) -> Track:
    """One MMSI broadcast by up to three hulls in turn, some near a pole or across 180°."""
    starts = [
        (draw(st.sampled_from([-89.99, -60.0, 0.0, 36.7, 45.0, 89.99])),
         draw(st.sampled_from([-179.99, -10.0, 0.0, 179.99])))
        for _ in range(3)
    ]  # fmt: skip
    hulls = [list(p) for p in starts]
    hours, lats, lons, when = [], [], [], 0.0
    for hull, step, knots, course, shown in draw(st.lists(REPORT, min_size=1, max_size=80)):
        when += step
        lat, lon = destination_point(
            np.array(hulls[hull][:1]), np.array(hulls[hull][1:]), np.array([course]), knots * step
        )
        hulls[hull] = [float(lat[0]), float((lon[0] + 180) % 360 - 180)]
        hours.append(when)
        lats.append(hulls[hull][0] if shown in ("both", "no lon") else math.nan)
        lons.append(hulls[hull][1] if shown in ("both", "no lat") else math.nan)
    return np.array(hours), np.array(lats), np.array(lons)


PARAMS = st.builds(
    SegmentParams,
    max_gap_hours=st.sampled_from([24.0, 1.0]),
    max_speed_knots=st.sampled_from([25.0, 5.0]),
    lookback=st.integers(1, 7),
    lookback_factor=st.sampled_from([2.0, 1.0, 0.5]),
    max_open_segments=st.sampled_from([100, 1, 2, 3]),
)


@settings(max_examples=400, deadline=None)
@given(shared_tracks(), PARAMS, st.booleans())
def test_compiled_matching_gives_the_reference_numbers(
    points: Track, params: SegmentParams, fast_path: bool
) -> None:
    hours, lat, lon = points
    plain = _plain_steps(hours, lat, lon, params)
    plain[0] = False
    if not fast_path:
        plain[:] = False
    compiled = _assign(hours, lat, lon, params, plain)
    assert np.array_equal(compiled, _assign(hours, lat, lon, params, plain, reference=True))


def test_kernel_is_built_where_it_is_tested() -> None:
    assert segmenter._KERNEL is not None, "pip install -e . builds balise.maritime._segment_kernel"


def test_two_hulls_on_a_long_track_give_the_reference_numbers() -> None:
    """20,000 reports of two hulls 500 nm apart, each drifting with noise, some unpositioned."""
    rng = np.random.default_rng(5)
    n = 20_000
    hours = np.cumsum(rng.choice([0.0, 0.01, 0.1, 0.3], n))
    north = rng.integers(0, 2, n).astype(bool)
    lat = np.where(north, 45.0, 36.7) + np.cumsum(rng.normal(0, 0.002, n))
    lon = -10.0 + rng.normal(0, 0.02, n)
    lat[rng.integers(0, n, 50)] = math.nan
    params = SegmentParams(max_open_segments=3)
    compiled = _assign(hours, lat, lon, params)
    assert np.array_equal(compiled, _assign(hours, lat, lon, params, reference=True))
    assert compiled.max() > 2  # jumps and noise detach points: the look back is exercised


def test_an_infinite_latitude_raises_as_in_python() -> None:
    hours, lat, lon = np.array([0.0, 1.0]), np.array([0.0, math.inf]), np.array([0.0, 1.0])
    plain = np.zeros(2, np.bool_)
    with pytest.raises(ValueError, match="math domain error"):
        _assign(hours, lat, lon, SegmentParams(), plain, reference=True)
    with pytest.raises(ValueError, match="math domain error"):
        _assign(hours, lat, lon, SegmentParams(), plain)


@pytest.mark.parametrize(
    "params",
    [
        SegmentParams(lookback=0),
        SegmentParams(lookback_factor=1e300),
        SegmentParams(lookback_factor=3),  # Python computes integer powers
        SegmentParams(max_open_segments=2**80),
    ],
)
def test_parameters_the_kernel_does_not_take_run_in_python(params: SegmentParams) -> None:
    assert not segmenter._compiled_fits(params)
    hours, lat, lon = np.arange(6.0), np.array([0.0, 0, 3, 0, 3, 0]), np.zeros(6)
    compiled = _assign(hours, lat, lon, params)
    assert np.array_equal(compiled, _assign(hours, lat, lon, params, reference=True))


def test_a_point_as_cheap_to_two_segments_joins_the_first_opened() -> None:
    """A tie in cost: the point 60 nm east of one segment's last point and west of the other's,
    at the same time, joins the segment first in the open list, as `_best_match` decides."""
    hours, lat, lon = np.array([0.0, 0.0, 3.0]), np.zeros(3), np.array([-1.0, 1.0, 0.0])
    plain = np.zeros(3, np.bool_)
    compiled = _assign(hours, lat, lon, SegmentParams(), plain)
    assert compiled.tolist() == [0, 1, 0]
    assert np.array_equal(
        compiled, _assign(hours, lat, lon, SegmentParams(), plain, reference=True)
    )
