"""The Spark stages per vessel group: the per-vessel detectors, the coastal drops and shares."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import polars as pl
import pyarrow as pa

from balise.engine.detect import DETECTOR_THREADS, clean_tracks, coastal_drops, vessel_detectors
from balise.engine.spark_encounters import grid_rows
from balise.engine.spark_lake import LakeParts, blob_rows, to_blob
from balise.engine.spark_session import Shared, SparkPlan, World
from balise.maritime.encounter_filters import anchored_shares
from balise.maritime.encounters import PRESETS
from balise.maritime.lanes import lane_counts
from balise.maritime.segment import segment
from balise.model.events import as_events
from balise.model.schema import POSITION_SCHEMA


def vessel_stage(
    world: Shared[World], parts: Shared[LakeParts], preset: str, plan: SparkPlan, lanes: bool
) -> Callable[[int, int], pa.Table]:
    """Stage 1, per vessel group (its MMSIs from `first` to `last`): the events of the
    per-vessel detectors (but coastal drops), the extent, the lane counts (when `lanes`) and
    the encounter grid points by tile."""
    encounter = PRESETS[preset]

    def run(first: int, last: int) -> pa.Table:
        geo, params = world.value
        own, ids = parts.value.vessels(first, last)
        tracks = segment(own, params.segment).rechunk()
        clean = clean_tracks(tracks)
        with ThreadPoolExecutor(DETECTOR_THREADS) as pool:
            frames = vessel_detectors(pool, tracks, clean, ids, geo, params, None, False)
        events = pl.concat([as_events(f) for f in frames])
        # positions and vessels read (as the local report counts them); the time span of the
        # clean ones (as the lanes' rate per day of data counts it)
        extent = clean.select(
            pl.lit(own.height, pl.Int64).alias("positions"),
            pl.lit(own["mmsi"].n_unique(), pl.Int64).alias("vessels"),
            pl.col("timestamp").min().alias("first"),
            pl.col("timestamp").max().alias("last"),
        )
        rows = [
            blob_rows("events", [0], [to_blob(events)]),
            blob_rows("extent", [0], [to_blob(extent)]),
        ]
        if lanes:
            counts = lane_counts(clean, params.coastal_drop, ids.select("mmsi", "ship_type"))
            rows.append(blob_rows("lanes", [0], [to_blob(counts)]))
        rows.append(grid_rows(clean, encounter.max_distance_m, encounter, plan))
        return pa.concat_tables(rows)

    return run


def second_vessel_stage(
    world: Shared[World],
    parts: Shared[LakeParts],
    lanes: Shared[Any] | None,
    near_port: Shared[pl.DataFrame],
) -> Callable[[int, int], pa.Table]:
    """Stage 3, per vessel group again: its tracks, segmented again, for the coastal drops with
    the `lanes` of every vessel (when given), and for the at-anchor shares of its vessels in the
    encounters `near_port` (`anchored_shares`: the positions during them, not sent anywhere)."""

    def run(first: int, last: int) -> pa.Table:
        geo, params = world.value
        own, ids = parts.value.vessels(first, last)
        clean = clean_tracks(segment(own, params.segment))
        rows = [blob_rows("events", [], [])]
        if lanes is not None:
            types = ids.select("mmsi", "ship_type")
            found = coastal_drops(clean, lambda: lanes.value, types, geo, params.coastal_drop)
            rows.append(blob_rows("events", [0], [to_blob(as_events(found))]))
        candidates = near_port.value
        if not candidates.is_empty():
            positions = clean.select(list(POSITION_SCHEMA)).unique(maintain_order=True)
            shares = anchored_shares(candidates, positions)
            rows.append(blob_rows("shares", [0], [to_blob(shares)]))
        return pa.concat_tables(rows)

    return run
