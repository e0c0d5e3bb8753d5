"""A batch prepared for the store keeps what was read and adds what the store derives from it."""

from __future__ import annotations

from collections import Counter
from dataclasses import fields

import polars as pl

from balise.model.batch import ReadBatch
from balise.model.schema import IDENTITY_SCHEMA, POSITION_SCHEMA, conform
from balise.store.batch_rows import PreparedBatch, prepare_batch
from helpers import T0


def _batch() -> ReadBatch:
    positions = conform(
        pl.DataFrame({"mmsi": [1, 1, 2], "timestamp": [T0, T0.replace(hour=3), T0]}),
        POSITION_SCHEMA,
    )
    identities = conform(
        pl.DataFrame(
            {"mmsi": [2, 2, 3], "timestamp": [T0.replace(hour=5), T0.replace(hour=6), T0],
             "name": ["A", "A", "B"], "source": ["f", "f", "f"], "source_line": [4, 9, 1]}
        ),
        IDENTITY_SCHEMA,
    )  # fmt: skip
    return ReadBatch(positions=positions, identities=identities, records_read=7,
                     messages_by_type=Counter({1: 3, 5: 3}))  # fmt: skip


def test_a_prepared_batch_keeps_every_field_read() -> None:
    batch = _batch()
    prepared = prepare_batch(batch)
    for read in fields(ReadBatch):
        assert getattr(prepared, read.name) is getattr(batch, read.name)
    assert prepare_batch(prepared) is prepared


def test_snapshots_and_touched_vessels() -> None:
    prepared = prepare_batch(_batch())
    assert isinstance(prepared, PreparedBatch)
    snapshots = prepared.snapshots.sort("mmsi")
    assert snapshots.select("mmsi", "messages", "first_source_line").rows() == [
        (2, 2, 4),
        (3, 1, 1),
    ]
    assert snapshots["last_seen"].to_list()[0] == T0.replace(hour=6)
    touched = prepared.touched.sort("mmsi")
    assert touched.rows() == [
        (1, T0, T0.replace(hour=3)), (2, T0, T0.replace(hour=6)), (3, T0, T0)
    ]  # fmt: skip
