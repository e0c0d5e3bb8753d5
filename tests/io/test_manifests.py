"""Cargo manifests: CSV with other column names, JSON lines and arrays; bad bills quarantined."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path

import polars as pl

from balise.io.manifests import (
    MANIFESTS_CSV,
    MANIFESTS_JSON,
    MANIFESTS_JSONL,
    manifests_format,
    read_manifests,
)
from balise.model.batch import ReadOptions
from balise.model.cargo import MANIFEST_SCHEMA

CARGO = Path(__file__).parents[1] / "data" / "cargo"


def test_a_csv_with_other_column_names() -> None:
    with (CARGO / "manifests.csv").open("rb") as stream:
        (batch,) = read_manifests(stream, "manifests.csv", MANIFESTS_CSV, ReadOptions())
    assert batch.records.schema == pl.Schema(MANIFEST_SCHEMA)
    first = batch.records.row(0, named=True)
    assert first["bill_of_lading"] == "MEDUSZ240117"
    assert first["issued_at"] == datetime(2024, 10, 11, 10, tzinfo=UTC)
    assert (first["vessel_imo"], first["hs_code"], first["packages"]) == (9463217, "080390", 1320)
    assert (first["port_of_loading"], first["place_of_receipt"]) == ("BRSSZ", "Santos")
    assert batch.records["container_numbers"].to_list() == [
        ["MSCU7418529"],
        ["MSCU7418529", "TGHU6302746"],
        ["MSCU7418529"],
        ["SUDU5120939", "CMAU4081258"],
    ]
    assert batch.cleared == {"invalid_imo": 1}
    assert batch.quarantine.select("source_line", "reason").rows() == [
        (6, "bad_container_number"),
        (7, "bad_time"),
        (8, "bad_hs_code"),
        (10, "missing_field"),
        (11, "bad_currency"),
    ]


def test_json_lines_and_arrays() -> None:
    with (CARGO / "manifests.jsonl").open("rb") as stream:
        (batch,) = read_manifests(stream, "m.jsonl", MANIFESTS_JSONL, ReadOptions())
    assert batch.records.select(
        "bill_of_lading", "container_numbers", "port_of_loading"
    ).rows() == [
        ("MEDUSZ240117", ["MSCU7418529"], "BRSSZ"),
        ("HHL71800000", ["SUDU5120939", "CMAU4081258"], "DEBRV"),
    ]
    assert batch.quarantine.select("source_line", "reason").rows() == [
        (3, "bad_json"), (4, "bad_container_number"),
    ]  # fmt: skip
    array = b'[{"bl": "B1", "issued": "2024-01-01", "containers": "MSCU7418529"}, 7]'
    (batch,) = read_manifests(io.BytesIO(array), "m.json", MANIFESTS_JSON, ReadOptions())
    assert batch.records.select("bill_of_lading", "source_line").rows() == [("B1", 1)]
    assert batch.quarantine.select("source_line", "reason").rows() == [(2, "bad_json")]


def test_the_format_is_told_from_the_first_byte() -> None:
    assert manifests_format(b"[") is MANIFESTS_JSON
    assert manifests_format(b"\n{") is MANIFESTS_JSONL
    assert manifests_format(b"bill_of_lading,issued_at") is MANIFESTS_CSV


def test_the_declarant_is_read_from_csv_and_json() -> None:
    text = (b"bl_number,issue_date,shipper,declarant_name,containers\n"
            b"B1,2024-01-01,Kaffee Export GmbH,Rhine Customs Brokers BV,MSCU7418529\n"
            b"B2,2024-01-02,Kaffee Export GmbH,,MSCU7418529\n")  # fmt: skip
    (batch,) = read_manifests(io.BytesIO(text), "m.csv", MANIFESTS_CSV, ReadOptions())
    assert batch.records["declarant"].to_list() == ["Rhine Customs Brokers BV", None]
    line = b'{"bl": "B3", "issued": "2024-01-01", "Declarant": "Scheldt Forwarding NV"}\n'
    (batch,) = read_manifests(io.BytesIO(line), "m.jsonl", MANIFESTS_JSONL, ReadOptions())
    assert batch.records["declarant"].to_list() == ["Scheldt Forwarding NV"]
