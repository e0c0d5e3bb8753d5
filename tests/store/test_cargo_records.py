"""Container events and manifests in the store: latest versions, queries by box and time, the
same input twice stores nothing new."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import pytest

from balise.engine.ingest import Input
from balise.engine.ingest_records import ingest_records
from balise.model.batch import ReadOptions
from balise.model.cargo import CONTAINER_EVENT_SCHEMA, MANIFEST_SCHEMA
from balise.model.record_batch import RecordKind
from balise.store.base import Store
from balise.store.duckdb import DuckDBStore

CARGO = Path(__file__).parents[1] / "data" / "cargo"
OPTIONS = ReadOptions()


def file_input(name: str) -> Input:
    path = CARGO / name
    return Input(name, lambda: path.open("rb"), path.stat().st_size)


@pytest.fixture
def store() -> Store:
    return DuckDBStore(":memory:")


def test_container_events_by_box_and_time(store: Store) -> None:
    result = ingest_records(RecordKind.CONTAINERS, file_input("dcsa-journey.jsonl"), store, OPTIONS)
    assert result.count("records_read") == 28
    assert result.count("records_stored") == 21  # 22 kept, one an older version of an ETA
    assert result.count("outdated") == 1
    events = store.container_events("mscu 741852-9")
    assert events.schema == pl.Schema(CONTAINER_EVENT_SCHEMA)
    assert events["event_code"].to_list()[:4] == ["STUFFED", "GATED_IN", "GATED_IN", "LOADED"]
    assert events["event_time"].is_sorted()
    november = store.container_events(since=datetime(2024, 11, 1, tzinfo=UTC))
    eta = november.filter(pl.col("event_id") == "evt-0010-eta-antwerp")
    assert eta["event_time"].to_list() == [datetime(2024, 11, 5, 2, tzinfo=UTC)]  # the update
    until = store.container_events(BOX, until=datetime(2024, 10, 9, tzinfo=UTC))
    assert until["event_code"].to_list() == ["STUFFED", "GATED_IN", "GATED_IN"]


BOX = "MSCU7418529"


def test_the_same_events_again_store_nothing(store: Store) -> None:
    ingest_records(RecordKind.CONTAINERS, file_input("dcsa-journey.jsonl"), store, OPTIONS)
    again = ingest_records(RecordKind.CONTAINERS, file_input("dcsa-v2-array.json"), store, OPTIONS)
    assert again.count("duplicates") == 4
    assert again.count("records_stored") == 0
    assert store.container_events().height == 21


def test_manifests_latest_issue_and_by_container(store: Store) -> None:
    result = ingest_records(RecordKind.MANIFESTS, file_input("manifests.csv"), store, OPTIONS)
    assert result.count("records_stored") == 3
    assert result.count("outdated") == 1
    bills = store.manifests()
    assert bills.schema == pl.Schema(MANIFEST_SCHEMA)
    assert bills["bill_of_lading"].to_list() == ["HHL71800000", "MEDUSZ240117", "MEDUSZ240117A"]
    amended = store.manifests("MEDUSZ240117").row(0, named=True)
    assert amended["issued_at"] == datetime(2024, 10, 11, 10, tzinfo=UTC)
    by_box = store.manifests(container_number="TGHU 630274-6")
    assert by_box["bill_of_lading"].to_list() == ["MEDUSZ240117A"]
    assert store.manifests("MEDUSZ240117", container_number="TGHU6302746").is_empty()
