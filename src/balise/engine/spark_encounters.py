"""The encounters on Spark: grid points by tile with a halo, close pairs by tile, encounters."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Final

import numpy as np
import polars as pl
import pyarrow as pa

from balise.engine.spark_lake import BLOB, blob_rows, collect_blobs, from_blob, to_blob
from balise.engine.spark_session import Shared, SparkPlan, World
from balise.maritime.encounters import CODE, PRESETS, close_pairs, encounters_of_pairs, resample
from balise.maritime.kernel import TRACK
from balise.maritime.neighbours import neighbour_tiles
from balise.model.events import as_events, empty_events

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

DAY_US: Final = 86_400_000_000


def grid_rows(
    clean: pl.DataFrame, max_distance_m: float, encounter: Any, plan: SparkPlan
) -> pa.Table:
    """The group's encounter grid points, one blob per tile (halo copies included), each point
    with its track's global code: the MMSI and the track's rank among the vessel's tracks."""
    grid = resample(clean, encounter.resample_minutes, encounter.max_interpolation_gap_hours)
    if grid.is_empty():
        return blob_rows("grid", [], [])
    rank = pl.col(TRACK).rank("dense").over("mmsi").cast(pl.Int64)
    grid = grid.with_columns((pl.col("mmsi").cast(pl.Int64) * (1 << 24) + rank).alias(CODE))
    point, tile, owned = neighbour_tiles(grid, max_distance_m, plan.tile_cells, DAY_US)
    copies = grid[point].with_columns(pl.Series("tile", tile), pl.Series("owned", owned))
    keys, blobs = [], []
    for (key,), rows in copies.group_by("tile"):
        keys.append(int(str(key)))
        blobs.append(to_blob(rows.drop("tile")))
    return blob_rows("grid", keys, blobs)


def _tile_stage(max_distance_m: float, plan: SparkPlan) -> Callable[[pa.Table], pa.Table]:
    """Stage 2, per tile: the close pairs whose first point the tile owns, one blob per pair
    bucket (pairs of tracks dealt by their codes)."""

    def run(rows: pa.Table) -> pa.Table:
        grid = pl.concat([from_blob(b) for b in rows.column("data").to_pylist()])
        owned = grid["owned"].to_numpy()
        pairs = close_pairs(grid, max_distance_m, owned)
        names = grid.select(CODE, TRACK).unique(CODE)
        pairs = pairs.join(names, on=CODE, how="left").join(
            names.rename({CODE: f"other_{CODE}", TRACK: f"other_{TRACK}"}),
            on=f"other_{CODE}",
            how="left",
        )
        bucket = (pl.col(CODE) * 31 + pl.col(f"other_{CODE}")) % plan.pair_buckets
        keys, blobs = [], []
        for (key,), part in pairs.with_columns(bucket.alias("_bucket")).group_by("_bucket"):
            keys.append(int(str(key)))
            blobs.append(to_blob(part.drop("_bucket")))
        return blob_rows("pairs", keys, blobs)

    return run


def _pair_stage(world: Shared[World], preset: str) -> Callable[[pa.Table], pa.Table]:
    """Stage 3, per pair bucket: the encounters of the pairs' close points."""
    encounter = PRESETS[preset]

    def run(rows: pa.Table) -> pa.Table:
        geo = world.value[0]
        pairs = pl.concat([from_blob(b) for b in rows.column("data").to_pylist()])
        names = pl.concat(
            [
                pairs.select(CODE, TRACK),
                pairs.select(
                    pl.col(f"other_{CODE}").alias(CODE), pl.col(f"other_{TRACK}").alias(TRACK)
                ),
            ]
        ).unique(CODE)
        codes = np.unique(names[CODE].to_numpy())
        dense = pairs.select(
            pl.Series(CODE, np.searchsorted(codes, pairs[CODE].to_numpy())),
            "mmsi", "t", "lat", "lon", "speed_knots",
            pl.Series(f"other_{CODE}", np.searchsorted(codes, pairs[f"other_{CODE}"].to_numpy())),
            "other_mmsi", "other_lat", "other_lon", "other_speed_knots", "distance_m",
        )  # fmt: skip
        names = names.with_columns(pl.Series(CODE, np.searchsorted(codes, names[CODE].to_numpy())))
        found = encounters_of_pairs(dense, names, encounter, geo.anchorage_km)
        return blob_rows("events", [0], [to_blob(as_events(found))])

    return run


def tile_encounters(
    first: DataFrame, world: Shared[World], preset: str, plan: SparkPlan
) -> pl.DataFrame:
    """The encounters of the groups' grid points, found by tile, then by pair bucket."""
    pairs = (
        first.filter(first.kind == "grid")
        .repartition(plan.pair_buckets, "key")
        .groupBy("key")
        .applyInArrow(_tile_stage(PRESETS[preset].max_distance_m, plan), BLOB)
    )
    found = (
        pairs.repartition(plan.pair_buckets, "key")
        .groupBy("key")
        .applyInArrow(_pair_stage(world, preset), BLOB)
    )
    return pl.concat([empty_events(), *collect_blobs(found)])
