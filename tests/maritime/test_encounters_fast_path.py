"""The pair search of the encounter detector finds every pair within the distance, and runs do
not depend on the order of the pairs; pairs too short-lived for an encounter are dropped before
the anchorage look-up, but never an encounter merged from runs each too short."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from balise.geo.sphere import haversine_km
from balise.maritime.encounters import CODE, _runs, close_pairs, detect_encounters
from helpers import evidence
from maritime.test_encounters import GFW, T0, pair

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
