"""Loitering's shortcuts (the track order found from row order, the early drop of hours that
cannot be in a long slow run) give the events of the plain method on random voyages."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import numpy as np
import numpy.typing as npt
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from balise.maritime import loitering
from balise.maritime.loitering import LoiteringParams, detect_loitering
from helpers import T0, track

FloatArray = npt.NDArray[np.float64]

stretch = st.tuples(
    st.sampled_from([0.0, 0.4, 1.9, 2.0, 2.1, 9.0]),  # knots, around the 2 kn threshold
    st.sampled_from([0.5, 1.0, 2.5, 4.0, 5.0]),  # hours
    st.sampled_from([60, 300, 1000]),  # seconds between positions
    st.sampled_from([0.0, 0.0, 3.0, 7.0]),  # hours of silence before the stretch
)


def voyage(mmsi: int, stretches: list[tuple[float, float, int, float]]) -> pl.DataFrame:
    """Stretches of (knots, hours, every_s, silence_h) one after the other, from 30° W at T0 + 30
    min, each in a segment of its own numbered 1, 2, ..., 10, ... (text order is not time order)."""
    parts: list[pl.DataFrame] = []
    start, lon = T0 + timedelta(minutes=30), -30.0
    for number, (knots, hours, every_s, silence_h) in enumerate(stretches, start=1):
        start += timedelta(hours=silence_h)
        part = track(mmsi, hours, lon=lon, knots=knots, start=start, every_s=every_s)
        parts.append(part.with_columns(pl.lit(f"{mmsi}-{number * 3 % 11}").alias("segment_id")))
        start, lon = part["timestamp"][-1] + timedelta(seconds=every_s), part["lon"][-1]
    return pl.concat(parts)


def shore(lat: FloatArray, lon: FloatArray) -> FloatArray:
    """0 nm at 30° W, 30 nm 0.6° east of it: some slow runs are far enough offshore, some not.
    A distance: at 10° N a degree of longitude is 59 nm, more than the 50 nm it adds here."""
    return np.asarray((np.asarray(lon) + 30.0) * 50.0, np.float64)


def plain(positions: pl.DataFrame, **kwargs: Any) -> pl.DataFrame:
    """Events found with every hour kept, every long slow run's distance to shore measured and
    the rows sorted in full."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(loitering, "_candidate_legs", lambda _t, later, _p: np.ones(len(later), bool))
        patch.setattr(loitering, "_SHORE_MARGIN_NM", np.inf)  # every long run measured
        return detect_loitering(positions.sample(fraction=1.0, shuffle=True, seed=1), **kwargs)


@settings(max_examples=40, deadline=None)
@given(
    st.lists(stretch, min_size=1, max_size=6),
    st.lists(stretch, min_size=1, max_size=4),
    st.sampled_from([1.0, 4.0]),
)
def test_shortcuts_give_the_events_of_the_plain_method(
    first: list[tuple[float, float, int, float]],
    second: list[tuple[float, float, int, float]],
    min_hours: float,
) -> None:
    positions = pl.concat([voyage(227000001, first), voyage(227000002, second)])
    positions = positions.sort("mmsi", "timestamp", "lat", "lon")
    params = LoiteringParams(min_hours=min_hours)
    for measure in (None, shore):
        found = detect_loitering(positions, params, shore=measure)
        assert found.equals(plain(positions, params=params, shore=measure))
    unsegmented = positions.drop("segment_id")
    assert detect_loitering(unsegmented, params).equals(plain(unsegmented, params=params))
