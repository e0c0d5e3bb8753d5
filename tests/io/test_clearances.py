"""Clearance declarations: read leniently, an invalid MMSI cleared to null and counted, bad
times, ports and head counts quarantined."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import polars as pl

from balise.io.clearances import read_clearances
from balise.model.batch import ReadOptions
from balise.model.coastal import CLEARANCE_SCHEMA

RADAR = Path(__file__).parents[1] / "data" / "radar"


def test_the_fixture() -> None:
    with (RADAR / "clearances.csv").open("rb") as stream:
        (batch,) = read_clearances(stream, "clearances.csv", ReadOptions())
    assert batch.records.schema == pl.Schema(CLEARANCE_SCHEMA)
    first = batch.records.row(0, named=True)
    assert first["flag"] == "FR"
    assert first["call_sign"] == "FAB1234"
    assert first["arrival_port"] == "MQFDF"
    assert first["expected_arrival"] == datetime(2024, 3, 1, 20, tzinfo=UTC)
    assert first["persons_on_board"] == 4
    assert batch.records.select("declaration_id", "mmsi").rows() == [
        ("DEC-1", 227123450),
        ("DEC-2", None),  # 12345: not an MMSI, kept without it
        ("DEC-1", 227123450),
        ("DEC-6", 235000001),
    ]
    assert batch.cleared == {"invalid_mmsi": 1}
    assert batch.quarantine.select("source_line", "reason").rows() == [
        (5, "bad_time"),
        (6, "bad_port"),
        (7, "bad_persons_on_board"),
    ]
