"""Readers of radar contacts (CSV, JSON lines) and radar sites: good rows kept, every bad row
quarantined with its reason, track ids prefixed by their sensor."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import pytest

from balise.errors import InputRejected
from balise.io.radar_records import (
    RADAR_CSV,
    RADAR_JSONL,
    read_radar_contacts,
    read_radar_sites,
)
from balise.model.batch import ReadOptions
from balise.model.coastal import RADAR_CONTACT_SCHEMA, RADAR_SITE_SCHEMA
from balise.model.record_batch import RecordBatch

RADAR = Path(__file__).parents[1] / "data" / "radar"
OPTIONS = ReadOptions()


def read(name: str, options: ReadOptions = OPTIONS) -> RecordBatch:
    fmt = RADAR_JSONL if name.endswith(".jsonl") else RADAR_CSV
    with (RADAR / name).open("rb") as stream:
        (batch,) = read_radar_contacts(stream, name, fmt, options)
    return batch


def test_contacts_csv_keeps_good_rows_and_quarantines_each_bad_one() -> None:
    batch = read("contacts.csv")
    assert batch.records.schema == pl.Schema(RADAR_CONTACT_SCHEMA)
    assert batch.records["source_line"].to_list() == [2, 3, 5]
    second = batch.records.row(1, named=True)
    assert second["time"] == datetime(2024, 3, 1, 8, 39, 47, tzinfo=UTC)  # +01:00
    assert second["track_id"] == "MQ-DIAMANT:17"
    third = batch.records.row(2, named=True)
    assert third["track_id"] == "MQ-CARAVELLE:4"  # already prefixed: kept as it is
    assert (third["speed_knots"], third["course_deg"], third["position_error_m"]) == (
        None,
        None,
        None,
    )
    assert batch.quarantine.select("source_line", "reason").rows() == [
        (6, "bad_time"),
        (7, "out_of_range"),
        (8, "null_island"),
        (9, "bad_number"),
        (10, "missing_field"),
        (11, "out_of_range"),
        (12, "wrong_field_count"),
    ]
    assert batch.records_read == 10
    assert batch.skipped == {"blank_line": 1}


def test_optional_columns_may_be_absent_from_the_header() -> None:
    text = "time,lat,lon,sensor_id\n2024-03-01T00:00:00Z,14.2,-61.1,S1\n"
    (batch,) = read_radar_contacts(io.BytesIO(text.encode()), "c.csv", RADAR_CSV, OPTIONS)
    assert batch.records.select("lat", "sensor_id", "track_id").rows() == [(14.2, "S1", None)]


def test_contacts_jsonl() -> None:
    batch = read("contacts.jsonl")
    assert batch.records["track_id"].to_list() == ["MQ-DIAMANT:17", None]
    assert batch.records["course_deg"].to_list() == [9.0, None]
    assert batch.quarantine.select("source_line", "reason").rows() == [
        (3, "bad_json"),
        (4, "bad_number"),
    ]


def test_a_csv_without_a_position_is_not_a_radar_file() -> None:
    text = "time,sensor_id\n2024-03-01T00:00:00Z,S1\n"
    with pytest.raises(InputRejected, match="missing column lat, lon"):
        list(read_radar_contacts(io.BytesIO(text.encode()), "c.csv", RADAR_CSV, OPTIONS))


def test_radar_sites() -> None:
    with (RADAR / "radars.csv").open("rb") as stream:
        (batch,) = read_radar_sites(stream, "radars.csv", OPTIONS)
    assert batch.records.schema == pl.Schema(RADAR_SITE_SCHEMA)
    assert batch.records.select("sensor_id", "antenna_height_m").rows() == [
        ("MQ-DIAMANT", 110.0),
        ("MQ-CARAVELLE", 95.0),
    ]
    assert batch.quarantine["reason"].to_list() == ["null_island", "out_of_range"]


@pytest.mark.parametrize("size", [1, 2, 100])
def test_batches_hold_the_same_records_whatever_their_size(size: int) -> None:
    with (RADAR / "contacts.csv").open("rb") as stream:
        batches = list(
            read_radar_contacts(stream, "contacts.csv", RADAR_CSV, ReadOptions(batch_records=size))
        )
    records = pl.concat([b.records for b in batches])
    assert records.equals(read("contacts.csv").records)
