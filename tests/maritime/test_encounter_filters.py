"""The at-anchor filter on encounters, whole and in the pieces the Spark engine runs apart."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import polars as pl
from polars.testing import assert_frame_equal

from balise.maritime.encounter_filters import (
    EncounterFilterParams,
    anchored_shares,
    near_port,
    not_anchored_together,
    without_anchored_together,
)
from balise.model.arrays import FloatArray
from helpers import track

T0 = datetime(2024, 3, 1, 6, tzinfo=UTC)
PARAMS = EncounterFilterParams()


def _port_km(lat: FloatArray, lon: FloatArray) -> FloatArray:
    """A port at 10° N: 1 km off it along the 10th parallel, 1,000 km elsewhere."""
    return np.where(np.abs(lat - 10.0) < 0.5, 1.0, 1_000.0)


def _encounters() -> pl.DataFrame:
    """Three encounters of two hours: near the port between anchored ships (1-2), near the port
    between an anchored ship and one under way (3-4), far out between anchored ships (5-6)."""
    rows = [("a", 1, 2, 10.0), ("b", 3, 4, 10.0), ("c", 5, 6, 40.0)]
    return pl.DataFrame(
        {
            "id": [r[0] for r in rows],
            "mmsi": [r[1] for r in rows],
            "other_mmsi": [r[2] for r in rows],
            "start": [T0] * 3,
            "end": [T0 + timedelta(hours=2)] * 3,
            "lat": [r[3] for r in rows],
            "lon": [-30.0] * 3,
        }
    )


def _positions() -> pl.DataFrame:
    """Four hours of each vessel, anchored (status 1) but vessel 4 (under way, status 0)."""
    ships = [track(m, 4.0, start=T0, nav_status=0 if m == 4 else 1) for m in range(1, 7)]
    return pl.concat(ships)


def test_only_anchored_neighbours_near_a_port_are_dropped() -> None:
    kept = not_anchored_together(_encounters(), _positions(), _port_km, PARAMS)
    assert kept["id"].to_list() == ["b", "c"]
    assert_frame_equal(
        not_anchored_together(_encounters(), _positions(), None, PARAMS), _encounters()
    )


def test_shares_of_vessels_apart_are_the_shares_of_all() -> None:
    """Each vessel's positions in a frame of their own (as each Spark vessel group reads its
    own): the shares, put together, decide as the whole does."""
    candidates = near_port(_encounters(), _port_km, PARAMS)
    assert candidates["id"].to_list() == ["a", "b"]
    positions = _positions()
    apart = pl.concat(
        [anchored_shares(candidates, v) for _, v in positions.group_by("mmsi", maintain_order=True)]
    )
    whole = anchored_shares(candidates, positions)
    order = ["id", "side"]
    assert_frame_equal(apart.sort(order), whole.sort(order))
    assert whole.height == 4
    assert (
        whole.filter(pl.col("id") == "b", pl.col("side") == "other_mmsi")["anchored"].item() == 0.0
    )
    kept = without_anchored_together(_encounters(), apart, PARAMS)
    assert_frame_equal(kept, not_anchored_together(_encounters(), positions, _port_km, PARAMS))


def test_a_side_without_positions_during_its_encounter_keeps_it() -> None:
    candidates = near_port(_encounters(), _port_km, PARAMS)
    positions = _positions()
    later = positions.filter(pl.col("mmsi") == 2).with_columns(
        pl.col("timestamp") + timedelta(hours=3)
    )
    shares = anchored_shares(candidates, pl.concat([positions.filter(pl.col("mmsi") != 2), later]))
    assert shares.filter(pl.col("id") == "a")["side"].to_list() == ["mmsi"]
    assert without_anchored_together(_encounters(), shares, PARAMS).height == 3
