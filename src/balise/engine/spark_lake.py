"""The position lake on Spark: vessel groups by MMSI range, and the Arrow blobs between stages."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Final

import numpy as np
import polars as pl
import pyarrow as pa

from balise.io.lake import (
    IDENTITIES,
    POSITIONS,
    SNAPSHOT_SCHEMA,
    fold_identities,
    fold_positions,
    list_parts,
    read_mmsi_range,
)
from balise.model.schema import POSITION_SCHEMA

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

BLOB: Final = "kind string, key long, data binary"
"""Rows between stages: what the blob holds, the key it is shuffled on, Arrow IPC bytes."""
MMSI_LOWEST: Final = -(2**31)
MMSI_HIGHEST: Final = 2**31 - 1
"""The bounds of the lake's MMSI column (32-bit): the vessel groups' ranges cover them all."""


def to_blob(frame: pl.DataFrame) -> bytes:
    """`frame` as Arrow IPC bytes (LZ4)."""
    sink = io.BytesIO()
    frame.write_ipc(sink, compression="lz4")
    return sink.getvalue()


def from_blob(data: bytes) -> pl.DataFrame:
    """The frame of a blob (`to_blob`)."""
    return pl.read_ipc(io.BytesIO(data))


def blob_rows(kind: str, keys: list[int], blobs: list[bytes]) -> pa.Table:
    """Rows between stages (`BLOB`): one per blob, each with its kind and key."""
    return pa.table(
        {
            "kind": pa.array([kind] * len(keys), pa.string()),
            "key": pa.array(keys, pa.int64()),
            "data": pa.array(blobs, pa.binary()),
        }
    )


def collect_blobs(frame: DataFrame) -> list[pl.DataFrame]:
    """The frames of the blobs of `frame`'s rows, on the driver."""
    return [from_blob(row["data"]) for row in frame.select("data").collect()]


class LakeParts:
    """The lake's Parquet parts of positions and identity snapshots, listed once on the driver
    and broadcast (`Shared`): each vessel group reads its MMSI range from them."""

    def __init__(self, lake: Path) -> None:
        self.positions = list_parts(lake, POSITIONS)
        self.identities = list_parts(lake, IDENTITIES)

    def vessels(self, first: int, last: int) -> tuple[pl.DataFrame, pl.DataFrame]:
        """The positions (`fold_positions`) and identity snapshots (`fold_identities`) of the
        vessels whose MMSI is from `first` to `last`."""
        positions = read_mmsi_range(self.positions, POSITION_SCHEMA, first, last)
        identities = read_mmsi_range(self.identities, SNAPSHOT_SCHEMA, first, last)
        return fold_positions(positions), fold_identities(identities)


def positions_per_vessel(spark: SparkSession, lake: Path) -> pl.DataFrame:
    """`mmsi`, `positions`: the lake's positions counted per vessel by Spark (reports heard
    twice counted twice: it is for balance only), a row per vessel to the driver."""
    counts = spark.read.parquet(str(lake / POSITIONS)).groupBy("mmsi").count()
    frame = pl.from_arrow(counts.toArrow())
    assert isinstance(frame, pl.DataFrame)
    return frame.select(pl.col("mmsi").cast(pl.Int64), pl.col("count").alias("positions"))


def vessel_ranges(counts: pl.DataFrame, groups: int) -> list[tuple[int, int]]:
    """At most `groups` ranges of consecutive MMSIs (first, last) that cover every MMSI, each
    starting at a vessel (`counts`: `mmsi`, `positions`) and holding about as many positions:
    a range starts at the first vessel with at least k / `groups` of all positions before it.
    Fewer when there are fewer vessels, or one vessel holds more than a group's share."""
    ordered = counts.sort("mmsi")
    sizes = ordered["positions"].to_numpy()
    before = np.cumsum(sizes) - sizes
    targets = np.arange(1, groups) * (sizes.sum() / groups)
    at = np.unique(np.searchsorted(before, targets, side="left"))
    starts = ordered["mmsi"].to_numpy()[at[(at > 0) & (at < len(sizes))]].tolist()
    return list(zip([MMSI_LOWEST, *starts], [s - 1 for s in starts] + [MMSI_HIGHEST], strict=True))


def group_keys(spark: SparkSession, ranges: list[tuple[int, int]]) -> DataFrame:
    """A row per vessel group (`first`, `last` MMSI), each in a partition of its own: a task
    per group, whatever `spark.sql.shuffle.partitions` says."""
    rows = spark.sparkContext.parallelize(ranges, max(1, len(ranges)))
    return spark.createDataFrame(rows, "first long, last long")


def each_group(
    stage: Callable[[int, int], pa.Table],
) -> Callable[[Iterator[pa.RecordBatch]], Iterator[pa.RecordBatch]]:
    """`stage` over the vessel groups of a partition (`group_keys`: one a partition)."""

    def run(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        for batch in batches:
            firsts, lasts = batch.column("first").to_pylist(), batch.column("last").to_pylist()
            for first, last in zip(firsts, lasts, strict=True):
                yield from stage(first, last).to_batches()

    return run
