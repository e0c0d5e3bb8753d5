"""DCSA 3.0 `isRetracted`: a retraction withdraws the stored event of its `eventID` (kept as a
retraction, not as a new event) and the journeys and detectors no longer see it; the readers
of the store filter by box in SQL."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import duckdb
import polars as pl
import pytest

from balise.engine.cargo import gather
from balise.engine.containers import container_record
from balise.engine.ingest import Input
from balise.engine.ingest_records import ingest_records
from balise.io.dcsa_events import read_event_lines
from balise.model.batch import ReadOptions
from balise.model.record_batch import RecordBatch, RecordKind
from balise.store.base import Store
from balise.store.duckdb import DuckDBStore
from cargo_helpers import at, telemetry

CARGO = Path(__file__).parents[1] / "data" / "cargo"
OPTIONS = ReadOptions()
BOX = "MSCU7418529"
LOADED = "evt-0008-loaded-caucedo"


def file_input(name: str) -> Input:
    path = CARGO / name
    return Input(name, lambda: path.open("rb"), path.stat().st_size)


def lines_input(name: str, *events: dict[str, Any], blank: int = 0) -> Input:
    data = ("".join(json.dumps(e) + "\n" for e in events) + "\n" * blank).encode()
    return Input(name, lambda: io.BytesIO(data), len(data))


def journey_event(event_id: str) -> dict[str, Any]:
    for line in (CARGO / "dcsa-journey.jsonl").read_text().splitlines():
        event: dict[str, Any] = json.loads(line) if line.strip().startswith("{") else {}
        if event.get("eventID") == event_id:
            return event
    raise AssertionError(event_id)


def retraction(event_id: str, updated: str | None = "2024-12-01T00:00:00Z") -> dict[str, Any]:
    event = {**journey_event(event_id), "isRetracted": True}
    if updated is None:
        event.pop("eventUpdatedDateTime", None)
    else:
        event["eventUpdatedDateTime"] = updated
    return event


@pytest.fixture
def store() -> Store:
    return DuckDBStore(":memory:")


def test_the_reader_keeps_a_retraction_that_names_its_event() -> None:
    events = [
        retraction(LOADED),
        {"eventID": "evt-bare", "isRetracted": "TRUE"},  # only the id: enough to withdraw
        {"isRetracted": True, "eventDateTime": "2024-10-01T00:00:00Z"},  # no id: names nothing
        {**journey_event(LOADED), "isRetracted": False},
    ]
    data = "".join(json.dumps(e) + "\n" for e in events).encode()
    (batch,) = read_event_lines(io.BytesIO(data), "retractions", OPTIONS)
    assert batch.records.select("event_id", "retracted", "source_line").rows() == [
        (LOADED, True, 1),
        ("evt-bare", True, 2),
        (LOADED, False, 4),
    ]
    assert batch.quarantine.select("source_line", "reason", "detail").rows() == [
        (3, "missing_field", "eventID")
    ]
    # an event without the attribute is not retracted
    with (CARGO / "dcsa-journey.jsonl").open("rb") as stream:
        (journey,) = read_event_lines(stream, "journey", OPTIONS)
    assert not journey.records["retracted"].any()


def test_a_retraction_withdraws_the_stored_event(store: Store) -> None:
    ingest_records(RecordKind.CONTAINERS, file_input("dcsa-journey.jsonl"), store, OPTIONS)
    before = store.container_events(BOX)
    assert LOADED in before["event_id"].to_list()
    result = ingest_records(
        RecordKind.CONTAINERS, lines_input("retract", retraction(LOADED)), store, OPTIONS
    )
    assert result.count("records_replaced") == 1
    after = store.container_events(BOX)
    assert LOADED not in after["event_id"].to_list()
    assert after.height == before.height - 1
    kept = store.container_events(BOX, retracted=True).filter(pl.col("event_id") == LOADED)
    assert kept["retracted"].to_list() == [True]  # kept as a retraction, one row
    assert store.container_events(retracted=True).height == store.container_events().height + 1
    # the detectors' inputs and the container's journey no longer hold it
    for found in (gather(store), gather(store, frozenset({BOX}))):
        assert found.container_events is not None
        assert LOADED not in found.container_events["event_id"].to_list()
    record = container_record(store, BOX)
    assert record is not None
    assert LOADED not in json.dumps(record, default=str)


def test_a_retraction_is_final_whatever_the_order_of_the_inputs(store: Store) -> None:
    # the retraction first, without an update time, then the original event: still withdrawn
    ingest_records(
        RecordKind.CONTAINERS, lines_input("retract", retraction(LOADED, None)), store, OPTIONS
    )
    again = ingest_records(RecordKind.CONTAINERS, file_input("dcsa-journey.jsonl"), store, OPTIONS)
    assert again.count("outdated") == 2  # the original, and the older ETA as before
    assert LOADED not in store.container_events()["event_id"].to_list()
    # the same retraction again (in another input) stores nothing
    repeated = lines_input("retract-2", retraction(LOADED, None), blank=1)
    same = ingest_records(RecordKind.CONTAINERS, repeated, store, OPTIONS)
    assert same.count("duplicates") == 1
    assert same.count("records_stored") == 0


def test_a_retraction_and_its_event_in_one_batch(store: Store) -> None:
    original = journey_event(LOADED)
    ingest_records(
        RecordKind.CONTAINERS,
        lines_input("both", retraction(LOADED, None), original),
        store,
        OPTIONS,
    )
    assert store.container_events().is_empty()
    assert store.container_events(retracted=True)["retracted"].to_list() == [True]


def test_an_older_store_gets_the_retracted_column(tmp_path: Path) -> None:
    path = tmp_path / "old.duckdb"
    DuckDBStore(path).close()
    con = duckdb.connect(str(path))
    con.execute("DROP INDEX container_events_box")
    con.execute("ALTER TABLE container_events DROP COLUMN retracted")
    con.execute("CREATE INDEX container_events_id ON container_events (event_id)")
    con.close()
    store = DuckDBStore(path)
    ingest_records(RecordKind.CONTAINERS, file_input("dcsa-journey.jsonl"), store, OPTIONS)
    assert store.container_events(BOX).height > 0
    assert not store.container_events(retracted=True)["retracted"].any()
    store.close()
    con = duckdb.connect(str(path))
    indexes = {row[0] for row in con.execute("SELECT index_name FROM duckdb_indexes()").fetchall()}
    con.close()
    assert "container_events_box" in indexes
    assert "container_events_id" not in indexes  # no longer kept: dropped from older stores


def test_readers_filter_by_box(store: Store) -> None:
    ingest_records(RecordKind.CONTAINERS, file_input("dcsa-journey.jsonl"), store, OPTIONS)
    ingest_records(RecordKind.MANIFESTS, file_input("manifests.csv"), store, OPTIONS)
    every = store.container_events()
    boxes = every["container_number"].drop_nulls().unique().sort().to_list()
    assert len(boxes) >= 2
    some = store.container_events(containers=["mscu 741852-9"])
    assert some.equals(every.filter(pl.col("container_number") == BOX))
    assert store.container_events(containers=[]).is_empty()
    assert (
        store.container_events(containers=boxes).height
        == every.filter(pl.col("container_number").is_not_null()).height
    )
    bills = store.manifests()
    listed = bills["container_numbers"].explode().drop_nulls().unique().sort().to_list()
    one = listed[0]
    expected = bills.filter(pl.col("container_numbers").list.contains(one))
    assert store.manifests(containers=[one]).equals(expected)
    assert store.manifests(containers=[one, "NOPE0000000"]).equals(expected)
    assert store.manifests(containers=[]).is_empty()


def test_telemetry_and_gather_by_box(store: Store) -> None:
    other = "TGHU6302746"
    readings = telemetry(
        {"container_number": BOX, "time": at(hours=1), "door_open": False},
        {"container_number": BOX, "time": at(hours=2), "door_open": True},
        {"container_number": other, "time": at(hours=1), "temperature_c": 4.0},
    )
    batch = RecordBatch(RecordKind.TELEMETRY, readings, records_read=readings.height)
    store.store_records("telemetry-1", 0, batch)
    ingest_records(RecordKind.CONTAINERS, file_input("dcsa-journey.jsonl"), store, OPTIONS)
    assert store.telemetry(containers=[f"{BOX[:4]} {BOX[4:]}"])["container_number"].to_list() == [
        BOX,
        BOX,
    ]
    assert store.telemetry(containers=[BOX, other]).height == 3
    assert store.telemetry(containers=[]).is_empty()
    # the live path reads its boxes' rows: the same as the whole tables filtered
    whole, boxed = gather(store), gather(store, frozenset({other}))
    for name in ("container_events", "telemetry", "releases", "gate"):
        every, some = getattr(whole, name), getattr(boxed, name)
        assert some.equals(every.filter(pl.col("container_number") == other)), name
    assert boxed.container_events is not None
    assert boxed.container_events.height > 0
