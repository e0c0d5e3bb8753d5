"""Smart-container telemetry: one message read the same way from a file, MQTT or the API; the
JSON lines reader keeps the good readings, clears bad positions and sensor values, and
quarantines what cannot be kept."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from balise.io.record_fields import BadRecord
from balise.io.telemetry import (
    Message,
    messages_batch,
    parse_telemetry,
    read_telemetry,
    topic_level,
)
from balise.model.batch import ReadOptions
from balise.model.cargo import TELEMETRY_SCHEMA
from balise.model.record_batch import RecordBatch

RECORDS = Path(__file__).parents[1] / "data" / "records"
T0 = datetime(2024, 3, 1, 8, tzinfo=UTC)
GOOD: dict[str, Any] = {"container_number": "CSQU3054383", "time": "2024-03-01T08:00:00Z"}


def reason(message: dict[str, Any], topic: str | None = None) -> str:
    with pytest.raises(BadRecord) as refused:
        parse_telemetry(message, topic)
    assert refused.value.detail
    return refused.value.reason


def test_the_fixture_is_read_with_its_bad_lines_quarantined() -> None:
    with (RECORDS / "telemetry.jsonl").open("rb") as stream:
        (batch,) = list(read_telemetry(stream, "telemetry.jsonl", ReadOptions()))
    assert batch.records.schema == pl.Schema(TELEMETRY_SCHEMA)
    assert batch.records["source_line"].to_list() == [1, 2, 3, 5, 10, 11]
    second = batch.records.row(1, named=True)
    assert second["container_number"] == "MSKU9070323"
    assert second["time"] == datetime(2024, 3, 1, 8, 15, tzinfo=UTC)
    assert (second["door_open"], second["light_lux"], second["lat"]) == (True, 340.0, None)
    times = batch.records["time"].to_list()
    assert times[2:4] == [T0 + timedelta(minutes=30), T0 + timedelta(minutes=45)]
    assert batch.records.row(3, named=True)["lat"] is None  # latitude 91: cleared
    assert batch.records.row(3, named=True)["temperature_c"] == 13.0
    assert batch.quarantine.select("source_line", "reason").rows() == [
        (6, "bad_container_number"), (7, "bad_time"), (8, "missing_field"), (9, "bad_json"),
    ]  # fmt: skip
    assert batch.cleared == {"bad_position": 2, "bad_humidity": 1, "bad_door_open": 1}
    assert (batch.records_read, batch.skipped) == (10, {"blank_line": 1})


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2024-03-01T08:00:00Z", T0),
        ("2024-03-01T09:00:00+01:00", T0),
        ("2024-03-01T08:00:00", T0),
        (1709280000, T0),
        (1709280000.5, T0 + timedelta(milliseconds=500)),
        ("1709280000", T0),
        (1709280000000, T0),
        ("1709280000250", T0 + timedelta(milliseconds=250)),
    ],
)
def test_times_in_iso_8601_and_epoch_seconds_or_milliseconds(
    value: Any, expected: datetime
) -> None:
    row, cleared = parse_telemetry({**GOOD, "time": value})
    assert (row["time"], cleared) == (expected, [])


@pytest.mark.parametrize(
    "value", ["yesterday", "2024-13-01T00:00:00Z", 0, -5, True, [], 1e300, "1970-01-01T00:00Z",
              (datetime.now(UTC) + timedelta(days=3)).isoformat()],
)  # fmt: skip
def test_unreadable_or_implausible_times_are_bad(value: Any) -> None:
    assert reason({**GOOD, "time": value}) == "bad_time"


def test_required_fields_and_the_container_number() -> None:
    assert reason({"time": GOOD["time"]}) == "missing_field"
    assert reason({"container_number": "CSQU3054383"}) == "missing_field"
    assert reason({**GOOD, "time": " "}) == "missing_field"
    assert reason({**GOOD, "container_number": "CSQU3054384"}) == "bad_container_number"
    assert reason({**GOOD, "container_number": {"id": 1}}) == "bad_value"


def test_the_topic_names_the_box_when_the_message_does_not() -> None:
    row, _ = parse_telemetry({"time": GOOD["time"]}, "msku9070323")
    assert row["container_number"] == "MSKU9070323"
    row, _ = parse_telemetry(GOOD, "CSQU3054383")
    assert row["container_number"] == "CSQU3054383"
    assert reason(GOOD, "MSKU9070323") == "container_mismatch"
    assert reason({"time": GOOD["time"]}, "not-a-box") == "bad_container_number"


@pytest.mark.parametrize(
    ("fields", "cleared"),
    [
        ({"lat": 91, "lon": 4}, ["bad_position"]),
        ({"lat": 51, "lon": -180.5}, ["bad_position"]),
        ({"lat": 51}, ["bad_position"]),
        ({"lat": 0, "lon": 0}, ["bad_position"]),
        ({"lat": "north", "lon": 4}, ["bad_position"]),
        ({"lat": float("nan"), "lon": 4}, ["bad_position"]),
        ({"humidity": 101}, ["bad_humidity"]),
        ({"battery": -1}, ["bad_battery"]),
        ({"temperature_c": "warm"}, ["bad_temperature_c"]),
        ({"shock_g": True}, ["bad_shock_g"]),
        ({"light_lux": [1]}, ["bad_light_lux"]),
        ({"door_open": "ajar"}, ["bad_door_open"]),
        ({"door_open": 2, "humidity": -3}, ["bad_door_open", "bad_humidity"]),
    ],
)
def test_bad_positions_and_sensor_values_are_cleared_and_the_reading_kept(
    fields: dict[str, Any], cleared: list[str]
) -> None:
    row, found = parse_telemetry({**GOOD, **fields})
    assert found == cleared
    assert all(row[name] is None for name in fields if name != "lon" or "lat" in fields)
    assert row["container_number"] == "CSQU3054383"


def test_good_values_of_every_field() -> None:
    sent = {"lat": "-33.9", "lon": 18.4, "door_open": "Closed", "light_lux": 0,
            "temperature_c": -60, "humidity": "55.5", "shock_g": 2.5, "battery": 100}  # fmt: skip
    row, cleared = parse_telemetry({**GOOD, **sent})
    assert cleared == []
    expected = {"lat": -33.9, "lon": 18.4, "door_open": False, "light_lux": 0.0,
                "temperature_c": -60.0, "humidity": 55.5, "shock_g": 2.5,
                "battery": 100.0}  # fmt: skip
    assert {name: row[name] for name in expected} == expected


def test_batches_hold_the_configured_number_of_lines() -> None:
    line = '{"container_number": "CSQU3054383", "time": %d}\n'
    text = "".join(line % (1709280000 + i) for i in range(5)).encode()
    batches: list[RecordBatch] = list(
        read_telemetry(io.BytesIO(text), "t.jsonl", ReadOptions(batch_records=2))
    )
    assert [b.records.height for b in batches] == [2, 2, 1]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(st.sampled_from(["container_number", "time", "lat", "lon", "door_open",
        "humidity", "battery"]), st.one_of(st.none(), st.booleans(), st.integers(),
        st.floats(allow_nan=True), st.text(max_size=12))))  # fmt: skip
def test_any_message_is_kept_or_refused_with_a_reason(message: dict[str, Any]) -> None:
    try:
        row, cleared = parse_telemetry(message)
    except BadRecord as bad:
        refused = bad.reason
    else:
        refused = ""
    if refused:
        assert refused in {"missing_field", "bad_time", "bad_container_number", "bad_value"}
        return
    assert set(row) == set(TELEMETRY_SCHEMA) - {"source", "source_line"}
    assert all(reason.startswith("bad_") for reason in cleared)


def test_live_messages_make_a_batch_numbered_from_the_session_count() -> None:
    topic = "containers/{}/telemetry"
    messages = [
        Message(topic.format("CSQU3054383"), b'{"time": 1709280000, "humidity": 140}'),
        Message(topic.format("MSKU9070323"), b'{"container_number": "CSQU3054383", "time": 1}'),
        Message(topic.format("CSQU3054383"), b"[1, 2]"),
        Message(topic.format("CSQU3054383"), b"{" + b" " * 100 + b"}"),
        Message("other", b'{"container_number": "MSKU9070323", "time": "2024-03-01T08:00Z"}'),
    ]
    options = ReadOptions(max_record_line_bytes=64)
    batch = messages_batch(messages, "mqtt://b/t", 11, options, topic_level("containers/+/x"))
    assert batch.records.select("container_number", "source_line").rows() == [
        ("CSQU3054383", 11), ("MSKU9070323", 15),
    ]  # fmt: skip
    assert batch.quarantine.select("source_line", "reason").rows() == [
        (12, "container_mismatch"), (13, "bad_json"), (14, "line_too_long"),
    ]  # fmt: skip
    assert batch.cleared == {"bad_humidity": 1}
    assert batch.records_read == 5
    assert batch.quarantine["source"].unique().to_list() == ["mqtt://b/t"]


def test_the_topic_level_naming_the_container() -> None:
    assert topic_level("containers/+/telemetry") == 1
    assert topic_level("+/data/+") == 0
    assert topic_level("containers/#") is None
    assert topic_level("containers/CSQU3054383/telemetry") is None
