"""DCSA Track & Trace events: a container's journey (3.0) and carriers' 2.x events read into the
container event frame, bad events quarantined with their reason, wrong values cleared."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from balise.errors import InputRejected
from balise.io import dcsa_mapping
from balise.io.dcsa_events import dcsa_format, read_event_array, read_event_lines
from balise.model.batch import ReadOptions
from balise.model.cargo import CONTAINER_EVENT_SCHEMA

CARGO = Path(__file__).parents[1] / "data" / "cargo"
BOX = "MSCU7418529"


def journey() -> pl.DataFrame:
    with (CARGO / "dcsa-journey.jsonl").open("rb") as stream:
        (batch,) = read_event_lines(stream, "journey", ReadOptions())
    return batch.records


def test_the_journey_of_a_box_from_santos_to_antwerp() -> None:
    events = journey()
    assert events.schema == pl.Schema(CONTAINER_EVENT_SCHEMA)
    box = events.filter((pl.col("container_number") == BOX) & (pl.col("source_line") < 26))
    assert box.select("event_code", "unlocode", "transshipment").rows() == [
        ("STUFFED", "BRSSZ", False),
        ("GATED_IN", "BRSSZ", False),
        ("LOADED", "BRSSZ", False),
        ("DISCHARGED", "DOCAU", True),
        ("LOADED", "DOCAU", True),
        ("DISCHARGED", "BEANR", False),
        ("CUSTOMS_SELECTED_FOR_SCAN", "BEANR", False),
        ("CUSTOMS_RELEASED", "BEANR", False),
        ("GATED_OUT", "BEANR", False),
    ]
    loaded = box.row(2, named=True)
    assert (loaded["vessel_imo"], loaded["vessel_mmsi"], loaded["vessel_name"]) == (
        9463217, 636019825, "MARIA SANTOS",
    )  # fmt: skip
    assert (loaded["voyage"], loaded["port_call"], loaded["mode"]) == (
        "441N",
        "BRSSZ24P1183",
        "VESSEL",
    )
    assert (loaded["bill_of_lading"], loaded["booking"]) == ("MEDUSZ240117", "SSZ2411087")
    assert loaded["seals"] == ["BR4471203"]
    assert loaded["facility"] == "BTP"
    assert loaded["lat"] == pytest.approx(-23.9214)
    # an offset is read into UTC; a discharge carries the voyage it arrived on (import)
    discharged = box.row(5, named=True)
    assert discharged["event_time"] == datetime(2024, 11, 5, 10, 20, tzinfo=UTC)
    assert discharged["voyage"] == "612E"
    assert box.row(1, named=True)["truck_plate"] == "FJK2D41"


def test_shipment_and_transport_events_are_kept_without_a_box() -> None:
    events = journey().filter(pl.col("container_number").is_null())
    kinds = events.select("event_kind", "event_code", "classifier").rows()
    assert ("SHIPMENT", "CONFIRMED", "ACT") in kinds
    assert ("TRANSPORT", "ARRIVED", "EST") in kinds
    reissued = events.filter(pl.col("event_id") == "evt-0009-bl-reissued").row(0, named=True)
    assert reissued["bill_of_lading"] == "MEDUSZ240117A"
    assert reissued["replaces"] == ["MEDUSZ240117"]


def test_reefer_and_iot_events() -> None:
    events = journey().filter(pl.col("container_number") == "TGHU6302746")
    reefer, door = events.rows(named=True)
    assert reefer["event_code"] == "MEASURED"
    assert reefer["temperature_c"] == pytest.approx(1.0)  # 33.8 °F
    assert reefer["setpoint_c"] == pytest.approx(0.0)  # 32 °F
    assert door["event_code"] == "DOOR_OPENED"
    assert (door["lat"], door["lon"]) == (1.2644, -35.2211)


def test_2x_events_read_into_3_0_codes() -> None:
    events = journey().filter(pl.col("source_line").is_between(22, 25))
    assert events.select("event_kind", "event_code", "classifier", "container_number").rows() == [
        ("EQUIPMENT", "LOADED", "ACT", "SUDU5120939"),
        ("TRANSPORT", "DEPARTED", "PLN", None),
        ("SHIPMENT", "ISSUED", "ACT", None),
        ("EQUIPMENT", "DISCHARGED", "ACT", "CMAU4081258"),
    ]
    loaded = events.row(0, named=True)
    assert (loaded["booking"], loaded["bill_of_lading"]) == ("ABC123123123", "HHL71800000")
    assert (loaded["vessel_imo"], loaded["voyage"], loaded["facility"]) == (9321483, "2208W", "EGH")
    assert events.row(1, named=True)["vessel_imo"] == 9321483  # a JSON number
    assert events.row(2, named=True)["bill_of_lading"] == "HHL71800000"  # documentID of a TRD


def test_bad_events_are_quarantined_and_a_bad_imo_cleared() -> None:
    with (CARGO / "dcsa-journey.jsonl").open("rb") as stream:
        (batch,) = read_event_lines(stream, "journey", ReadOptions())
    assert batch.quarantine.select("source_line", "reason").rows() == [
        (13, "bad_json"),
        (14, "bad_json"),
        (15, "missing_field"),
        (26, "unknown_code"),
        (27, "bad_container_number"),
        (28, "bad_time"),
    ]
    assert batch.quarantine["raw"][3].startswith('{"eventID": "evt-bad-code"')
    # a seal list written as text is read as no seals: the event is kept
    seals = batch.records.filter(pl.col("event_id") == "evt-bad-seals")["seals"].to_list()
    assert seals == [None]
    assert batch.records_read == 28
    assert batch.skipped["blank_line"] == 1
    assert batch.cleared == {"invalid_imo": 1}
    assert batch.records.filter(pl.col("event_id").str.starts_with("0c7e"))[
        "vessel_imo"
    ].to_list() == [None]


def test_a_json_array_numbers_its_events() -> None:
    with (CARGO / "dcsa-v2-array.json").open("rb") as stream:
        (batch,) = read_event_array(stream, "array", ReadOptions())
    assert batch.records["source_line"].to_list() == [1, 2, 3, 4]
    assert batch.quarantine.select("source_line", "reason", "raw").rows() == [(5, "bad_json", "42")]


def test_a_broken_array_is_one_quarantine_row() -> None:
    (batch,) = read_event_array(io.BytesIO(b'[{"eventID": "x"'), "broken", ReadOptions())
    assert batch.records.is_empty()
    assert batch.quarantine.select("source_line", "reason").rows() == [(0, "bad_json")]


def test_batches_split_by_event_count_and_bad_lines_stand_alone() -> None:
    good = (CARGO / "dcsa-journey.jsonl").read_text().splitlines()[0]
    lines = [good.replace("evt-0001", f"evt-{i:04}") for i in range(100)]
    lines[37] = "{not json"
    stream = io.BytesIO("\n".join(lines).encode())
    batches = list(read_event_lines(stream, "many", ReadOptions(batch_records=40)))
    assert [b.records_read for b in batches] == [40, 40, 20]
    assert [b.records.height for b in batches] == [39, 40, 20]
    assert batches[0].quarantine["source_line"].to_list() == [38]


def test_unknown_codes_and_classifiers() -> None:
    def event(**changes: object) -> str:
        base = {"eventID": "e", "eventDateTime": "2024-01-01T00:00:00Z", "eventType": "TRANSPORT",
                "transportEventTypeCode": "ARRI", "eventClassifierCode": "ACT"}  # fmt: skip
        return json.dumps(base | changes)

    lines = [
        event(),
        event(eventType="CARGO"),
        event(transportEventTypeCode="LOAD"),
        event(eventClassifierCode="MAYBE"),
        event(eventDateTime="1970-01-01T00:00:00Z"),
    ]
    (batch,) = read_event_lines(io.BytesIO("\n".join(lines).encode()), "codes", ReadOptions())
    assert batch.records["event_code"].to_list() == ["ARRIVED"]
    assert batch.quarantine.select("reason", "detail").rows() == [
        ("unknown_code", "eventType 'CARGO'"),
        ("unknown_code", "TRANSPORT event type code 'LOADED'"),
        ("unknown_code", "eventClassifier 'MAYBE'"),
        ("bad_time", "eventDateTime '1970-01-01T00:00:00Z'"),
    ]


def test_the_format_is_told_from_the_first_byte() -> None:
    assert dcsa_format(b"  [{", "a") == "dcsa_json"
    assert dcsa_format(b'{"eventID"', "a") == "dcsa_jsonl"
    with pytest.raises(InputRejected):
        dcsa_format(b"eventID,eventType\n", "a.csv")


@pytest.mark.parametrize("size", [1, 3, 7, 1000])
def test_any_batch_size_reads_the_same(size: int) -> None:
    data = (CARGO / "dcsa-journey.jsonl").read_bytes()
    options = ReadOptions(batch_records=size)
    batches = list(read_event_lines(io.BytesIO(data), "journey", options))
    assert all(b.records_read == size for b in batches[:-1])
    records = pl.concat(b.records for b in batches)
    assert records.equals(journey())
    assert sum(b.records_read for b in batches) == 28
    assert sum(b.skipped["blank_line"] for b in batches) == 1
    assert pl.concat(b.quarantine for b in batches)["source_line"].to_list() == [
        13, 14, 15, 26, 27, 28
    ]  # fmt: skip


def test_long_lines_and_crlf_line_ends() -> None:
    good = (CARGO / "dcsa-journey.jsonl").read_text().splitlines()[0]
    data = f"{good}\r\n{'x' * 500}\r\n\r\n{good.replace('evt-0001', 'evt-0002')}".encode()
    (batch,) = read_event_lines(io.BytesIO(data), "crlf", ReadOptions(max_record_line_bytes=400))
    assert batch.records.select("event_id", "source_line").rows() == [
        ("evt-0001-booking-confirmed", 1), ("evt-0002-booking-confirmed", 4),
    ]  # fmt: skip
    assert batch.quarantine.select("source_line", "reason").rows() == [(2, "line_too_long")]
    assert (batch.records_read, batch.skipped["blank_line"]) == (3, 1)


def test_iso_times_in_every_spelling() -> None:
    spellings = {
        "2024-10-08T16:45:00Z": datetime(2024, 10, 8, 16, 45, tzinfo=UTC),
        "2024-10-08T18:45:00.5+02:00": datetime(2024, 10, 8, 16, 45, 0, 500000, tzinfo=UTC),
        "2024-10-08T16:45:00": datetime(2024, 10, 8, 16, 45, tzinfo=UTC),
        "2024-10-08 16:45:00+00:00": datetime(2024, 10, 8, 16, 45, tzinfo=UTC),
    }
    lines = [
        json.dumps(
            {
                "eventID": str(i),
                "eventDateTime": text,
                "eventType": "TRANSPORT",
                "transportEventTypeCode": "ARRI",
            }
        )
        for i, text in enumerate(spellings)
    ]
    (batch,) = read_event_lines(io.BytesIO("\n".join(lines).encode()), "t", ReadOptions())
    assert batch.records["event_time"].to_list() == list(spellings.values())


def _time_text(when: datetime, edits: list[tuple[int, str, bool]]) -> str:
    text = when.strftime("%Y-%m-%dT%H:%M:%SZ")
    for at, piece, replace in edits:
        at %= len(text) + 1
        text = text[:at] + piece + text[at + replace :]
    return text


time_texts = st.builds(
    _time_text,
    st.datetimes(datetime(1, 1, 1), datetime(9999, 12, 31)),
    st.lists(
        st.tuples(st.integers(0, 40), st.text("0123456789:-TZz.+ 6", max_size=2), st.booleans()),
        max_size=3,
    ),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(time_texts, max_size=20))
def test_whole_seconds_in_utc_parse_as_with_a_fraction(texts: list[str]) -> None:
    """The first of the times' formats (no fraction: fast) gives, where it parses a text, the
    time of the format after it (a fraction, possibly none): the chain gives the same times."""
    whole, fraction = dcsa_mapping._ISO_FORMATS[:2]
    column = pl.Series(texts, dtype=pl.String())
    fast = column.str.to_datetime(whole, time_unit="us", time_zone="UTC", strict=False)
    slow = column.str.to_datetime(fraction, time_unit="us", time_zone="UTC", strict=False)
    assert (fast.is_null() | fast.eq_missing(slow)).all()
    assert fast.null_count() >= slow.null_count()


def test_a_line_whose_parse_error_cuts_a_character_is_quarantined_alone() -> None:
    """Malformed JSON whose error message would cut a character in two is quarantined, and the
    lines around it kept (found by the property test)."""
    event = {
        "eventID": "e1",
        "eventDateTime": "2024-03-01T00:00:00Z",
        "eventClassification": {"eventType": "EQUIPMENT", "equipmentEventType": "LOADED",
                                "eventClassifier": "ACTUAL"},
        "equipmentDetails": {"equipmentReference": "CSQU3054383"},
    }  # fmt: skip
    good = json.dumps(event).encode()
    other = json.dumps(event | {"eventID": "e2"}).encode()
    bad = "{000003:DI000,0000000ad00000gi0000000\x80\x80\U00010000\U00010000\x80".encode()
    batches = list(read_event_lines(io.BytesIO(b"\n".join([good, bad, other])), "s", ReadOptions()))
    kept = pl.concat(b.records for b in batches)
    rejected = pl.concat(b.quarantine for b in batches)
    assert kept["event_id"].to_list() == ["e1", "e2"]
    assert rejected["reason"].to_list() == ["bad_json"]
