"""The coastal-drop detector finds the same events when the tracks come with their integer
`segment_code` (as `segment` gives them) as from the segment names alone, in any row order and
with segments of one MMSI interleaved in time."""

from __future__ import annotations

import numpy as np
import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from maritime.test_coastal_fast_path import _detect, _fleet


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
