"""The detectors on Apache Spark: the same pure cores as the local engine, over a position lake.

The local engine (`balise.engine.detect`) runs every detector on all vessels at once. Here the
work is cut the two ways the detectors allow, and each piece runs the same core functions:

1. **By vessel.** Vessels are dealt into `vessel_groups` groups of consecutive MMSIs, cut so
   that each holds about as many positions (`vessel_ranges`, from the positions per MMSI
   counted by Spark). Spark moves only each group's MMSI range: the group's Python worker reads
   its positions and identity snapshots from the lake's Parquet parts itself
   (`read_mmsi_range`: the parts of the MMSI buckets the range touches, the row groups of the
   range), segments them and runs them through `vessel_detectors`, which find on any set of
   whole vessels what they find on all (identity changes, which may join two MMSIs, run on the
   driver over every snapshot). The group also gives its shipping-lane counts (`lane_counts`,
   summed over groups: the coastal drops' lanes are measured on every vessel) and its tracks
   resampled onto the encounter grid.
2. **By place.** Encounter grid points are dealt into tiles of `tile_cells` × `tile_cells`
   neighbour-search cells per UTC day; a point near a tile's border is copied into the next
   tiles as a halo one cell wide (`neighbour_tiles`), and each tile finds the close pairs whose
   first point it owns (`close_pairs`), so a pair across a border is found once. The pairs are
   then gathered by pair of tracks and turned into encounters (`encounters_of_pairs`).
3. **By vessel again**, when the geography asks for it: each group reads and segments its
   positions again (tracks are not kept between stages: they are the lake's size) for the
   coastal drops, with the lanes of every vessel broadcast, and for the at-anchor filter, with
   the encounters near a port broadcast: each group gives the share of its vessels' positions at
   anchor during them (`anchored_shares`), a row per encounter and side, and the driver drops
   the encounters of two anchored ships (`without_anchored_together`). The driver receives
   events and those shares, never positions.

Rows between the stages are Arrow IPC blobs (one per group, tile or pair bucket): Spark moves
and shuffles them, the cores read them as Polars frames. The events are those of the local
engine, id for id (tests/spark). pyspark is the `spark` extra, imported here only.

What every task needs but the data (the geography: anchorages, ports, zones, the shore grid;
the thresholds) is not captured in the stages' functions, which Spark would ship and unpickle
with every task (the anchorage index alone pickles to about 58 MB): it is broadcast once
(`Shared`), fetched once per executor and unpickled once per Python worker process, which
Spark keeps for the next tasks (`spark.python.worker.reuse`). The 200 MB shore-distance grid
is read by each worker process from its cache file (`ShoreDistance`), once.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl

from balise.engine.detect import DETECTED_TYPES, DetectReport, Geography, fingerprint
from balise.engine.spark_encounters import tile_encounters
from balise.engine.spark_lake import (
    BLOB,
    LakeParts,
    collect_blobs,
    each_group,
    from_blob,
    group_keys,
    positions_per_vessel,
    vessel_ranges,
)
from balise.engine.spark_session import Shared, SparkPlan, World, require_pyspark, spark_session
from balise.engine.spark_vessels import second_vessel_stage, vessel_stage
from balise.io.lake import read_identities, read_manifest
from balise.maritime.encounter_filters import (
    SHARES_SCHEMA,
    near_port,
    off_the_quay,
    without_anchored_together,
)
from balise.maritime.identity import detect_identity_changes
from balise.maritime.lanes import lanes_of_counts
from balise.maritime.params import DetectorParams
from balise.model.events import as_events, empty_events
from balise.store.base import Store

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession


def detect_lake(
    spark: SparkSession,
    lake: Path,
    preset: str,
    geo: Geography,
    params: DetectorParams | None = None,
    plan: SparkPlan | None = None,
) -> tuple[pl.DataFrame, int, int]:
    """Every event of `DETECTED_TYPES` in the position lake `lake`, found on `spark`, and the
    numbers of positions and vessels examined."""
    from pyspark import StorageLevel

    params = params or DetectorParams()
    lake = lake.absolute()  # the workers read it too
    if plan is None:
        rows = read_manifest(lake).positions
        plan = SparkPlan.sized(rows, spark.sparkContext.defaultParallelism)
    coastal = geo.shore_nm is not None and geo.anchorage_km is not None
    ranges = vessel_ranges(positions_per_vessel(spark, lake), plan.vessel_groups)
    world, parts = Shared(spark, (geo, params)), Shared(spark, LakeParts(lake))
    stage = vessel_stage(world, parts, preset, plan, coastal)
    first = (
        group_keys(spark, ranges)
        .mapInArrow(each_group(stage), BLOB)
        .persist(StorageLevel.MEMORY_AND_DISK)
    )
    lanes: Shared[Any] | None = None
    try:
        frames = collect_blobs(first.filter(first.kind == "events"))
        frames.append(_identity_changes(lake, frames, params))
        extent = pl.concat(collect_blobs(first.filter(first.kind == "extent")))
        encounters = tile_encounters(first, world, preset, plan)
        kept = off_the_quay(encounters, geo.shore_nm, params.encounter_filter)
        near = near_port(kept, geo.anchorage_km, params.encounter_filter)
        if coastal:
            lanes = Shared(spark, _lanes(first, extent, params))
        if lanes is not None or not near.is_empty():
            found, shares = _second_pass(spark, ranges, world, parts, lanes, near)
            frames.append(found)
            kept = without_anchored_together(kept, shares, params.encounter_filter)
    finally:
        first.unpersist()
        for value in (world, parts, lanes):
            if value is not None:
                value.release()
    examined, vessels = int(extent["positions"].sum()), int(extent["vessels"].sum())
    return pl.concat([empty_events(), *frames, as_events(kept)]), examined, vessels


def _second_pass(
    spark: SparkSession,
    ranges: list[tuple[int, int]],
    world: Shared[World],
    parts: Shared[LakeParts],
    lanes: Shared[Any] | None,
    near: pl.DataFrame,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Stage 3 (`second_vessel_stage`): the coastal drops and the at-anchor shares of the encounters
    `near` a port. Without coastal drops only the groups of those encounters' vessels run."""
    candidates = near.select("id", "mmsi", "other_mmsi", "start", "end")
    if lanes is None:
        vessels = pl.concat([candidates["mmsi"], candidates["other_mmsi"]]).to_numpy()
        ranges = [(lo, hi) for lo, hi in ranges if ((vessels >= lo) & (vessels <= hi)).any()]
    shared = Shared(spark, candidates)
    try:
        stage = second_vessel_stage(world, parts, lanes, shared)
        done = group_keys(spark, ranges).mapInArrow(each_group(stage), BLOB)
        rows = done.select("kind", "data").collect()
    finally:
        shared.release()
    events = [from_blob(row["data"]) for row in rows if row["kind"] == "events"]
    shares = [from_blob(row["data"]) for row in rows if row["kind"] == "shares"]
    return (
        pl.concat([empty_events(), *events]),
        pl.concat([pl.DataFrame(schema=SHARES_SCHEMA), *shares]),
    )


def _identity_changes(
    lake: Path, frames: list[pl.DataFrame], params: DetectorParams
) -> pl.DataFrame:
    """Identity changes on the driver, over every vessel's identity snapshots (an IMO number
    under a new MMSI concerns two vessels, maybe in two groups): snapshots are few, a handful
    per vessel, and the shared MMSIs found per group explain some changes away."""
    events = pl.concat([empty_events(), *frames])
    shared = events.filter(pl.col("type") == "shared_mmsi")
    return as_events(detect_identity_changes(read_identities(lake), params.identity, shared))


def _lanes(first: DataFrame, extent: pl.DataFrame, params: DetectorParams) -> Any:
    """The shipping lanes of every vessel: the groups' counts summed by cell."""
    counts = pl.concat(collect_blobs(first.filter(first.kind == "lanes")))
    cells = counts.group_by("cell").agg(pl.col("vessels").sum())
    first_seen, last_seen = extent["first"].min(), extent["last"].max()
    days = 1.0
    if isinstance(first_seen, datetime) and isinstance(last_seen, datetime):
        days = max(1.0, (last_seen - first_seen).total_seconds() / 86_400)
    return lanes_of_counts(cells, params.coastal_drop, days)


def spark_detector(lake: Path, master: str = "local[2]") -> Callable[..., DetectReport]:
    """A detector for `run_pipeline`: `detect_on_spark` on a session of `master`, through
    `lake` (pyspark is checked at once: a missing extra is a clear error, not a traceback)."""
    require_pyspark()

    def run(
        store: Store,
        preset: str,
        geo: Geography,
        *,
        full: bool = False,
        params: DetectorParams | None = None,
    ) -> DetectReport:
        spark = spark_session(master)
        try:
            return detect_on_spark(store, preset, geo, lake=lake, spark=spark, params=params)
        finally:
            spark.stop()

    return run


def detect_on_spark(
    store: Store,
    preset: str,
    geo: Geography,
    *,
    lake: Path,
    spark: SparkSession,
    params: DetectorParams | None = None,
    plan: SparkPlan | None = None,
) -> DetectReport:
    """`balise detect --engine spark`: export the workspace to `lake`, detect there on `spark`,
    save the events as a full local run would (every stored event of `DETECTED_TYPES` decided
    again: inserted, revised or retracted)."""
    from balise.engine.lake import export_lake

    started = time.perf_counter()
    seq, stamp = store.last_change(), fingerprint(preset, params)
    export_lake(store, lake)
    events, examined, vessels = detect_lake(spark, lake, preset, geo, params, plan)
    changes = store.save_events(events, list(DETECTED_TYPES))
    store.record_detect_run(seq, stamp, "full", examined)
    counts = dict(events.group_by("type").len().sort("type").iter_rows())
    return DetectReport(examined, time.perf_counter() - started, changes, counts, "full", vessels)
