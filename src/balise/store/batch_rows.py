"""The rows a store derives from one batch alone: its identity snapshots and its change-log rows.

They need nothing stored, so they can be computed before the store's turn, on another thread:
the ingest does it on its read-ahead thread (`prepare_batch`) while the store writes the batch
before, and `DuckDBStore.store_batch` takes the batch prepared or not.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields

import polars as pl

from balise.model.batch import ReadBatch
from balise.model.schema import IDENTITY_KEY


@dataclass
class PreparedBatch(ReadBatch):
    """A batch with its identity snapshots (`snapshots`) and the vessels it touches, with the
    time span of each (`touched`: `mmsi`, `first`, `last`), already computed (made by
    `prepare_batch`)."""

    snapshots: pl.DataFrame = field(default_factory=pl.DataFrame)
    touched: pl.DataFrame = field(default_factory=pl.DataFrame)


def prepare_batch(batch: ReadBatch) -> PreparedBatch:
    """`batch` with the rows a store derives from it alone; a prepared batch is returned as it
    is. Pure (Polars only): safe on a thread other than the store's."""
    if isinstance(batch, PreparedBatch):
        return batch
    given = {read.name: getattr(batch, read.name) for read in fields(ReadBatch)}
    return PreparedBatch(
        **given,
        snapshots=identity_snapshots(batch.identities),
        touched=touched_vessels(batch),
    )


def identity_snapshots(identities: pl.DataFrame) -> pl.DataFrame:
    """Identity reports folded into one row per distinct identity (`IDENTITY_KEY`): first and
    last time seen, message count, and where it was first read."""
    return identities.group_by(IDENTITY_KEY).agg(
        pl.col("timestamp").min().alias("first_seen"),
        pl.col("timestamp").max().alias("last_seen"),
        pl.len().cast(pl.Int64).alias("messages"),
        pl.col("source").first().alias("first_source"),
        pl.col("source_line").first().alias("first_source_line"),
    )


def touched_vessels(batch: ReadBatch) -> pl.DataFrame:
    """The vessels of the batch's positions and identity reports, with the first and last time
    of each: the change log's rows (an incremental detection run re-examines those only)."""
    return (
        pl.concat(
            [
                batch.positions.select("mmsi", "timestamp"),
                batch.identities.select("mmsi", "timestamp"),
            ]
        )
        .group_by("mmsi")
        .agg(pl.col("timestamp").min().alias("first"), pl.col("timestamp").max().alias("last"))
    )
