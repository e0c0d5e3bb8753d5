"""The coastal-drop detector gives the same events whatever the order of its input rows: rows in
track and time order skip the sort, any other order is sorted first; and the turn of a bucket,
computed on slow buckets only, is the turn over all its legs."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from balise.maritime.coastal import detect_coastal_drops
from maritime.test_coastal import NIGHT, drop_track, far_from_ports, off_coast


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
