"""Readers of container releases and gate transactions: good rows kept and normalised, each bad
row quarantined with its reason, the header read leniently, batches and caps honoured."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import pytest

from balise.errors import InputRejected
from balise.io.port_records import read_gate_transactions, read_releases
from balise.model.batch import ReadOptions
from balise.model.record_batch import RecordBatch
from balise.model.records import GATE_SCHEMA, RELEASE_SCHEMA

RECORDS = Path(__file__).parents[1] / "data" / "records"
OPTIONS = ReadOptions()
RELEASE_HEADER = (
    "release_id,container_number,terminal,issued_at,valid_from,valid_until,customs_status"
)
GOOD_RELEASE = "R1,CSQU3054383,NLRTM-ECT,2024-03-01T08:00:00Z,,,"


def releases(text: str, options: ReadOptions = OPTIONS) -> list[RecordBatch]:
    return list(read_releases(io.BytesIO(text.encode()), "releases.csv", options))


def one(batches: list[RecordBatch]) -> RecordBatch:
    (batch,) = batches
    return batch


def test_the_fixture_is_read_with_its_bad_rows_quarantined() -> None:
    with (RECORDS / "releases.csv").open("rb") as stream:
        batch = one(list(read_releases(stream, "releases.csv", OPTIONS)))
    assert batch.records.schema == pl.Schema(RELEASE_SCHEMA)
    assert batch.records["release_id"].to_list() == ["REL-0001", "REL-0002", "REL-0003", "REL-0001"]
    second = batch.records.row(1, named=True)
    assert second["container_number"] == "MSKU9070323"  # written "MSKU 907032-3"
    assert second["issued_at"] == datetime(2024, 3, 1, 9, 15, tzinfo=UTC)  # 10:15+01:00
    assert second["issued_to"] == "Tropical Goods, Ltd"
    assert second["customs_status"] == "released"
    assert (second["source"], second["source_line"]) == ("releases.csv", 3)
    assert batch.quarantine.select("source_line", "reason").rows() == [
        (7, "bad_container_number"),
        (8, "bad_time"),
        (9, "missing_field"),
    ]
    assert batch.quarantine["raw"][0].startswith("REL-0004,CSQU3054384,")
    assert batch.records_read == 7
    assert batch.skipped == {"blank_line": 1}


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        ("R1,CSQU3054384,NLRTM-ECT,2024-03-01T08:00:00Z,,,", "bad_container_number"),
        ("R1,CSQU305438,NLRTM-ECT,2024-03-01T08:00:00Z,,,", "bad_container_number"),
        ("R1,CSQU3054383,Rotterdam,2024-03-01T08:00:00Z,,,", "bad_terminal"),
        ("R1,CSQU3054383,NLRTM-ECT,01/03/2024 08:00,,,", "bad_time"),
        ("R1,CSQU3054383,NLRTM-ECT,1970-01-01T00:00:00Z,,,", "bad_time"),
        ("R1,CSQU3054383,NLRTM-ECT,2024-03-01T08:00:00Z,yesterday,,", "bad_time"),
        ("R1,CSQU3054383,NLRTM-ECT,2024-03-01T08:00:00Z,2024-03-02,2024-03-01,", "bad_validity"),
        ("R1,CSQU3054383,NLRTM-ECT,2024-03-01T08:00:00Z,,,seized", "bad_customs_status"),
        (",CSQU3054383,NLRTM-ECT,2024-03-01T08:00:00Z,,,", "missing_field"),
        ("R1,,NLRTM-ECT,2024-03-01T08:00:00Z,,,", "missing_field"),
        ("R1,CSQU3054383,,2024-03-01T08:00:00Z,,,", "missing_field"),
        ("R1,CSQU3054383,NLRTM-ECT,,,,", "missing_field"),
        ("R1,CSQU3054383,NLRTM-ECT,2024-03-01T08:00:00Z,,", "wrong_field_count"),
        ('R1,"CSQU3054383,NLRTM-ECT,2024-03-01T08:00:00Z,,,', "bad_csv"),
    ],
)
def test_each_bad_release_is_quarantined_with_its_reason(row: str, reason: str) -> None:
    batch = one(releases(f"{RELEASE_HEADER}\n{GOOD_RELEASE}\n{row}\n{GOOD_RELEASE}\n"))
    assert batch.records["source_line"].to_list() == [2, 4]
    assert batch.quarantine.select("source_line", "reason", "raw").rows() == [(3, reason, row)]
    assert batch.quarantine["detail"][0]


def test_header_is_case_insensitive_and_optional_columns_may_be_missing() -> None:
    text = (
        "Terminal,ISSUED_AT,Release_Id,Container_Number,Notes\n"
        "nlrtm,2024-03-01 08:00,R9,msku9070323,x\n"
    )
    row = one(releases(text)).records.row(0, named=True)
    assert row["terminal"] == "NLRTM"
    assert row["container_number"] == "MSKU9070323"
    assert row["issued_at"] == datetime(2024, 3, 1, 8, tzinfo=UTC)  # naive: UTC
    assert row["valid_until"] is None
    assert row["customs_status"] is None


def test_validity_may_be_open_ended_or_a_single_instant() -> None:
    text = (
        f"{RELEASE_HEADER}\n"
        "R1,CSQU3054383,NLRTM,2024-03-01T08:00Z,2024-03-01T08:00Z,2024-03-01T08:00Z,\n"
        "R2,CSQU3054383,NLRTM,2024-03-01T08:00Z,,2024-03-09,\n"
    )
    assert one(releases(text)).records.height == 2


def test_a_header_without_a_required_column_rejects_the_input() -> None:
    with pytest.raises(InputRejected, match="missing column issued_at"):
        releases("release_id,container_number,terminal\nR1,CSQU3054383,NLRTM\n")
    with pytest.raises(InputRejected, match="not a releases CSV header"):
        releases('"unclosed,header\n')


def test_empty_and_blank_inputs_give_no_records() -> None:
    assert releases("") == []
    assert releases("\n\n") == []
    assert releases(f"{RELEASE_HEADER}\n") == []
    assert one(releases(f"\n{RELEASE_HEADER}\n")).skipped == {"blank_line": 1}


def test_batches_hold_the_configured_number_of_records() -> None:
    text = RELEASE_HEADER + "\n" + "\n".join([GOOD_RELEASE] * 5) + "\n\n"
    batches = releases(text, ReadOptions(batch_records=2))
    assert [b.records_read for b in batches] == [2, 2, 1]
    assert [b.records.height for b in batches] == [2, 2, 1]
    assert batches[-1].skipped == {"blank_line": 1}
    assert pl.concat([b.records for b in batches])["source_line"].to_list() == [2, 3, 4, 5, 6]


def test_an_over_long_line_is_quarantined_and_the_next_one_read() -> None:
    long = "R2,CSQU3054383,NLRTM," + "x" * 500
    text = f"{RELEASE_HEADER}\n{long}\n{GOOD_RELEASE}\n"
    batch = one(releases(text, ReadOptions(max_record_line_bytes=100)))
    assert batch.records["source_line"].to_list() == [3]
    assert batch.quarantine.select("source_line", "reason").rows() == [(2, "line_too_long")]
    assert len(batch.quarantine["raw"][0]) <= 101


def test_gate_transactions() -> None:
    with (RECORDS / "gate.csv").open("rb") as stream:
        batch = one(list(read_gate_transactions(stream, "gate.csv", OPTIONS)))
    assert batch.records.schema == pl.Schema(GATE_SCHEMA)
    assert batch.records.select("gate_tx_id", "direction", "result").rows() == [
        ("GT-1001", "out", "accepted"),
        ("GT-1002", "out", "accepted"),
        ("GT-1003", "in", None),
    ]
    assert batch.records["release_id"].to_list() == ["REL-0001", "REL-0002", None]
    assert batch.quarantine.select("source_line", "reason").rows() == [(5, "bad_direction")]


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        ("G1,CSQU3054383,NLRTM-ECT,2024-03-01T08:00:00Z,out,accepted", None),
        ("G1,CSQU3054383,NLRTM-ECT,2024-03-01T08:00:00Z,,accepted", "missing_field"),
        ("G1,CSQU3054383,NLRTM-ECT,2024-03-01T08:00:00Z,out,maybe", "bad_result"),
        ("G1,CSQU3054383,NLRTM-ECT,2024-03-01T08:00:00Z,up,accepted", "bad_direction"),
        ("G1,CSQU3054383,NLRTM-ECT,noon,out,accepted", "bad_time"),
        ("G1,CSQU3054380,NLRTM-ECT,2024-03-01T08:00:00Z,out,accepted", "bad_container_number"),
        (",CSQU3054383,NLRTM-ECT,2024-03-01T08:00:00Z,out,accepted", "missing_field"),
    ],
)
def test_each_bad_gate_transaction_is_quarantined(row: str, reason: str | None) -> None:
    text = f"gate_tx_id,container_number,terminal,time,direction,result\n{row}\n"
    (batch,) = read_gate_transactions(io.BytesIO(text.encode()), "gate.csv", OPTIONS)
    assert batch.quarantine["reason"].to_list() == ([] if reason is None else [reason])
    assert batch.records.height == (1 if reason is None else 0)
