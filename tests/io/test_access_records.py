"""Readers of imported access logs (JSON lines and CSV), staff directories and work
assignments."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from balise.errors import InputRejected
from balise.io.access_log import ACCESS_CSV, ACCESS_JSONL, access_log_format, read_access_log
from balise.io.staff_directory import read_staff_directory
from balise.io.work_assignments import read_work_assignments
from balise.model.batch import ReadOptions
from balise.model.record_batch import RecordBatch
from balise.model.records import ACCESS_SCHEMA, MAX_AUDIT_RECORDS, STAFF_SCHEMA, WORK_SCHEMA

RECORDS = Path(__file__).parents[1] / "data" / "records"
OPTIONS = ReadOptions()
READ = {"time": "2024-03-01T10:00:00Z", "user": "ana", "action": "read"}


def access(data: bytes, name: str = "log") -> RecordBatch:
    (batch,) = read_access_log(io.BytesIO(data), name, access_log_format(data), OPTIONS)
    return batch


def jsonl(*entries: dict[str, Any]) -> bytes:
    return b"".join(json.dumps(entry).encode() + b"\n" for entry in entries)


def test_the_format_is_told_from_the_content() -> None:
    assert access_log_format(b'\n  {"time": 1}\n') is ACCESS_JSONL
    assert access_log_format(b"time,user,action\n") is ACCESS_CSV


def test_json_lines_fixture() -> None:
    batch = access((RECORDS / "access-log.jsonl").read_bytes(), "access-log.jsonl")
    assert batch.records.schema == pl.Schema(ACCESS_SCHEMA)
    frame = batch.records
    assert frame["action"].to_list() == ["sign_in", "read", "read", "read"]
    assert frame["records"].to_list()[:2] == [[], ["REL-0001", "REL-0002"]]
    assert frame["count"].to_list() == [0, 2, 1, 1]
    assert frame["time"][2] == datetime(2024, 3, 1, 9, 2, 11, tzinfo=UTC)
    assert set(frame["source"]) == {"access-log.jsonl"}
    assert batch.quarantine.select("source_line", "reason").rows() == [
        (6, "bad_action"),
        (7, "bad_json"),
    ]
    assert batch.skipped == {"blank_line": 1}


def test_csv_fixture() -> None:
    batch = access((RECORDS / "access-log.csv").read_bytes(), "access-log.csv")
    assert batch.records["records"].to_list() == [["REL-0001", "REL-0002"], ["REL-0001"]]
    assert batch.records["count"].to_list() == [2, 250]
    assert batch.quarantine.select("source_line", "reason").rows() == [(4, "bad_count")]


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"action": "peek"}, "bad_action"),
        ({"action": None}, "missing_field"),
        ({"user": ""}, "missing_field"),
        ({"time": "10:00"}, "bad_time"),
        ({"time": 1709287200}, "bad_time"),
        ({"user": ["ana"]}, "bad_value"),
        ({"records": {"a": 1}}, "bad_records"),
        ({"records": [["nested"]]}, "bad_records"),
        ({"records": ["a", "b"], "count": 1}, "bad_count"),
        ({"count": -1}, "bad_count"),
        ({"count": 2.5}, "bad_count"),
        ({"count": True}, "bad_count"),
    ],
)
def test_each_bad_entry_is_quarantined(changes: dict[str, Any], reason: str) -> None:
    entry = {k: v for k, v in (READ | changes).items() if v is not None}
    batch = access(jsonl(READ, entry))
    assert batch.records.height == 1
    assert batch.quarantine.select("source_line", "reason").rows() == [(2, reason)]


def test_hostile_lines_are_quarantined() -> None:
    nested = b"[" * 30_000 + b"]" * 30_000
    batch = access(
        jsonl(READ)
        + nested
        + b"\n"
        + b'{"time": "\xff\xfe", "user": "ana", "action": "read"}\n'
        + jsonl(READ)
    )
    assert batch.records.height == 2
    assert batch.quarantine.select("source_line", "reason").rows() == [
        (2, "bad_json"),
        (3, "bad_time"),
    ]


def test_keys_are_case_insensitive_and_records_may_be_numbers_or_text() -> None:
    entry = {"TIME": "2024-03-01T10:00:00", "User": "ana", "ACTION": "Read", "records": [215810000]}
    row = access(jsonl(entry, READ | {"records": "R1; R2;"})).records.rows(named=True)
    assert (row[0]["action"], row[0]["records"], row[0]["count"]) == ("read", ["215810000"], 1)
    assert row[1]["records"] == ["R1", "R2"]


def test_records_beyond_the_cap_are_cut_and_still_counted() -> None:
    ids = [f"R{i}" for i in range(MAX_AUDIT_RECORDS + 5)]
    row = access(jsonl(READ | {"records": ids})).records.row(0, named=True)
    assert len(row["records"]) == MAX_AUDIT_RECORDS
    assert row["count"] == MAX_AUDIT_RECORDS + 5


def test_a_csv_log_without_its_required_columns_is_rejected() -> None:
    with pytest.raises(InputRejected, match="missing column action"):
        access(b"time,user\n2024-03-01T10:00:00Z,ana\n")


def staff(text: str) -> RecordBatch:
    (batch,) = read_staff_directory(io.BytesIO(text.encode()), "staff.csv", OPTIONS)
    return batch


def test_staff_fixture() -> None:
    batch = staff((RECORDS / "staff.csv").read_text())
    assert batch.records.schema == pl.Schema(STAFF_SCHEMA)
    assert batch.records.select("user", "ports", "timezone").rows() == [
        ("jvries", ["NLRTM-ECT"], "Europe/Amsterdam"),
        ("pbakker", ["NLRTM-ECT", "NLRTM-APMII"], "Europe/Amsterdam"),
        ("mjanssens", ["BEANR"], "UTC"),
    ]
    assert batch.quarantine.select("source_line", "reason").rows() == [
        (5, "bad_port"),
        (6, "unknown_timezone"),
    ]


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        ("ana,customs,analyst,nlrtm; beanr-dgd ,America/Curacao", None),
        ("ana,customs,analyst,,", None),
        ("ana,customs,analyst,NLRTM,Mars/Olympus", "unknown_timezone"),
        ("ana,customs,analyst,NLRTM,../../etc/passwd", "unknown_timezone"),
        ("ana,customs,analyst,NL-RTM,UTC", "bad_port"),
        (",customs,analyst,NLRTM,UTC", "missing_field"),
    ],
)
def test_each_bad_staff_row_is_quarantined(row: str, reason: str | None) -> None:
    batch = staff(f"user,agency,role,ports,timezone\n{row}\n")
    assert batch.quarantine["reason"].to_list() == ([] if reason is None else [reason])


def test_staff_ports_are_upper_case_and_the_time_zone_defaults_to_utc() -> None:
    row = staff("User,Ports\nana,nlrtm; beanr-dgd ;\n").records.row(0, named=True)
    assert (row["ports"], row["timezone"], row["agency"]) == (["NLRTM", "BEANR-DGD"], "UTC", None)


def test_a_staff_directory_needs_its_ports_column() -> None:
    with pytest.raises(InputRejected, match="missing column ports"):
        staff("time,user,action\n2024-03-01T10:00:00Z,ana,read\n")


def work(text: str) -> RecordBatch:
    (batch,) = read_work_assignments(io.BytesIO(text.encode()), "work.csv", OPTIONS)
    return batch


def test_work_fixture() -> None:
    batch = work((RECORDS / "work.csv").read_text())
    assert batch.records.schema == pl.Schema(WORK_SCHEMA)
    assert batch.records.select("user", "record").rows() == [
        ("jvries", "CSQU3054383"),
        ("jvries", "AL-000417"),
        ("pbakker", "REL-0001"),
        ("pbakker", "Tropical Goods, Ltd"),
        ("mjanssens", "215810000"),
        ("jvries", "CSQU3054383"),  # repeated: the store counts it a duplicate
        ("jvries", "csqu 305438-3"),  # free text: not normalised, not checked
    ]
    assert set(batch.records["source"]) == {"work.csv"}
    assert batch.quarantine.select("source_line", "reason", "detail").rows() == [
        (8, "missing_field", "user"),
        (9, "missing_field", "record"),
    ]
    assert (batch.records_read, batch.skipped) == (9, {"blank_line": 1})


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        ("ana,AL-000001", None),
        ("ana,  ", "missing_field"),
        ("  ,AL-000001", "missing_field"),
        ("ana", "wrong_field_count"),
        ('ana,"AL-000001', "bad_csv"),
    ],
)
def test_each_bad_work_row_is_quarantined(row: str, reason: str | None) -> None:
    batch = work(f"user,record\n{row}\n")
    assert batch.quarantine["reason"].to_list() == ([] if reason is None else [reason])
    assert batch.records.height == (1 if reason is None else 0)


@pytest.mark.parametrize(
    "header",
    [
        "user,agency,role,ports,timezone",  # a staff directory
        "time,user,action,records",  # an access log in CSV: `records`, not `record`
        "release_id,container_number,terminal,issued_at",
    ],
)
def test_work_assignments_need_their_record_column(header: str) -> None:
    missing = r"not a work CSV header \(missing column (user, )?record;"
    with pytest.raises(InputRejected, match=missing):
        work(f"{header}\n")


def test_a_work_file_is_neither_a_staff_directory_nor_an_access_log() -> None:
    data = "user,record\nana,AL-000001\n"
    with pytest.raises(InputRejected, match="missing column ports"):
        staff(data)
    with pytest.raises(InputRejected, match="missing column time, action"):
        access(data.encode())
