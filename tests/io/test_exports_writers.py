"""The export writers: any column of the event frame is carried (structs as objects, lists as
arrays, JSON text in CSV), times are ISO 8601 UTC with nulls kept null, CSV has one header."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime
from typing import Any

import polars as pl

from balise.io.exports.csv import csv_chunks, csv_text
from balise.io.exports.geojson import events_geojson
from balise.io.exports.jsonl import jsonl_text
from balise.io.exports.kml import events_kml
from balise.io.exports.records import event_records, iso_time, iso_times
from balise.model.events import EVENT_SCHEMA

SUBJECT = pl.Struct({"kind": pl.String, "id": pl.String})
SCHEMA = {**EVENT_SCHEMA, "subject": SUBJECT, "related": pl.List(SUBJECT)}
START = datetime(2024, 3, 1, 5, tzinfo=UTC)


def _events() -> pl.DataFrame:
    rows: list[dict[str, Any]] = [
        {"id": "encounter-1", "type": "encounter", "start": START, "end": None, "lat": 10.0,
         "lon": -30.0, "mmsi": 111, "other_mmsi": 222, "confidence": 0.7, "score": None,
         "params": '{"max_distance_m":500}', "evidence": '{"note":"a, \\"quoted\\" one"}',
         "status": "active", "subject": {"kind": "vessel", "id": "111"},
         "related": [{"kind": "vessel", "id": "222"}]},
        {"id": "ais_gap-2", "type": "ais_gap", "start": START.replace(microsecond=250),
         "end": START, "lat": None, "lon": None, "mmsi": 111, "other_mmsi": None,
         "confidence": 0.8, "score": 0.5, "params": None, "evidence": "{}", "status": "revised",
         "subject": None, "related": []},
    ]  # fmt: skip
    return pl.DataFrame(rows, schema=SCHEMA)


def test_times_are_iso_utc_to_the_second_unless_there_is_a_fraction() -> None:
    assert iso_time(START) == "2024-03-01T05:00:00Z"
    assert iso_time(START.replace(tzinfo=None, microsecond=250)) == "2024-03-01T05:00:00.000250Z"
    frame = iso_times(_events())
    assert frame["start"].to_list() == [iso_time(t) for t in _events()["start"]]
    assert frame["end"].to_list() == [None, "2024-03-01T05:00:00Z"]


def test_records_decode_json_columns_and_carry_nested_ones() -> None:
    first, second = event_records(_events())
    assert first["params"] == {"max_distance_m": 500}
    assert first["evidence"] == {"note": 'a, "quoted" one'}
    assert first["subject"] == {"kind": "vessel", "id": "111"}
    assert first["related"] == [{"kind": "vessel", "id": "222"}]
    assert first["end"] is None
    assert second["params"] == {}


def test_geojson_features_carry_every_column_but_the_position() -> None:
    collection = events_geojson(_events())
    first, second = collection["features"]
    assert first["id"] == first["properties"]["id"] == "encounter-1"
    assert first["geometry"] == {"type": "Point", "coordinates": [-30.0, 10.0]}
    assert set(first["properties"]) == set(SCHEMA) - {"lat", "lon"}
    assert first["properties"]["related"] == [{"kind": "vessel", "id": "222"}]
    assert second["geometry"] is None
    json.dumps(collection)  # plain JSON values only


def test_jsonl_is_one_object_per_event() -> None:
    lines = [json.loads(line) for line in jsonl_text(_events()).splitlines()]
    assert [line["id"] for line in lines] == ["encounter-1", "ais_gap-2"]
    assert lines[0]["subject"] == {"kind": "vessel", "id": "111"}
    assert lines[0]["params"] == {"max_distance_m": 500}
    assert lines[1]["start"] == "2024-03-01T05:00:00.000250Z"


def test_csv_streams_one_header_and_nested_columns_as_json_text() -> None:
    events = _events()
    text = b"".join(csv_chunks([events.head(1), events.tail(1)])).decode()
    rows = list(csv.DictReader(io.StringIO(text)))
    assert text.count("id,type,start") == 1
    assert [r["id"] for r in rows] == ["encounter-1", "ais_gap-2"]
    assert json.loads(rows[0]["subject"]) == {"kind": "vessel", "id": "111"}
    assert json.loads(rows[0]["related"]) == [{"kind": "vessel", "id": "222"}]
    assert json.loads(rows[0]["evidence"]) == {"note": 'a, "quoted" one'}
    assert rows[0]["end"] == ""
    assert rows[1]["start"] == "2024-03-01T05:00:00.000250Z"
    header = b"".join(csv_chunks([], EVENT_SCHEMA)).decode()
    assert header.strip() == ",".join(EVENT_SCHEMA)
    assert b"".join(csv_chunks([])) == b""


def test_kml_carries_further_columns() -> None:
    document = events_kml(_events(), "events")
    assert '<Data name="subject"><value>{"kind":"vessel","id":"111"}</value></Data>' in document


HOSTILE = ['=HYPERLINK("http://evil","x")', "+1+1", "-2+3", "@SUM(A1:A9)", "\tTAB", "\rCR"]


def test_csv_cells_that_could_start_a_formula_are_written_as_text() -> None:
    """OWASP CSV injection: a leading `'` makes a spreadsheet show the cell, not run it."""
    names = [*HOSTILE, "NORDIC STAR", "A=B", None]
    frame = pl.DataFrame({"name": names, "lon": [-30.5] * len(names),
                          "mmsi": [-1] * len(names)})  # fmt: skip
    rows = list(csv.DictReader(io.StringIO(csv_text(frame))))
    assert [row["name"] for row in rows[: len(HOSTILE)]] == ["'" + text for text in HOSTILE]
    assert [row["name"] for row in rows[len(HOSTILE) :]] == ["NORDIC STAR", "A=B", ""]
    assert {row["lon"] for row in rows} == {"-30.5"}  # numbers stay numbers
    assert {row["mmsi"] for row in rows} == {"-1"}


def test_categorical_text_is_formula_safe_too() -> None:
    frame = pl.DataFrame({"note": ["=1+1", "ok"]}, schema={"note": pl.Categorical()})
    assert csv_text(frame).splitlines()[1:] == ["'=1+1", "ok"]
