"""Port and access records in every store: latest versions kept, duplicates and outdated
versions counted, imported access logs de-duplicated across inputs only, work assignments stored
once, filters on read."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import polars as pl
import pytest

from balise.model.record_batch import RECORD_SCHEMAS, RecordBatch, RecordKind
from balise.model.schema import QUARANTINE_SCHEMA, conform, empty
from balise.store.base import IngestRecord, Store
from stores import any_store

store = any_store
T0 = datetime(2024, 3, 1, 8, tzinfo=UTC)


def batch(kind: RecordKind, *rows: dict[str, Any], **tallies: Any) -> RecordBatch:
    schema = RECORD_SCHEMAS[kind]
    frame = conform(pl.DataFrame(list(rows)), schema) if rows else empty(schema)
    return RecordBatch(kind, frame, records_read=len(rows), **tallies)


def save(store: Store, ingest_id: str, *batches: RecordBatch) -> dict[str, int]:
    """Store `batches` as the ingest `ingest_id`; its counters (key-less ones)."""
    store.start_ingest(IngestRecord(ingest_id, ingest_id, "test", "running", 0, 100))
    for index, each in enumerate(batches):
        store.store_records(ingest_id, index, each)
    counts = store.ingest_counts(ingest_id).filter(pl.col("key") == "")
    return dict(zip(counts["counter"], counts["count"], strict=True))


def release(release_id: str, hours: float = 0, **fields: Any) -> dict[str, Any]:
    return {
        "release_id": release_id, "container_number": "CSQU3054383", "terminal": "NLRTM-ECT",
        "issued_at": T0 + timedelta(hours=hours), "source": "releases.csv", "source_line": 2,
    } | fields  # fmt: skip


def test_a_later_issue_replaces_a_release_and_an_earlier_one_does_not(store: Store) -> None:
    first = save(store, "a", batch(RecordKind.RELEASES, release("R1"), release("R2")))
    assert first == {"records_read": 2, "records_stored": 2}
    later = release("R1", 24, customs_status="released", source_line=9)
    older = release("R2", -24, customs_status="hold")
    counts = save(store, "b", batch(RecordKind.RELEASES, later, older, release("R3")))
    assert counts == {
        "records_read": 3, "records_stored": 2, "records_replaced": 1, "outdated": 1,
    }  # fmt: skip
    stored = store.releases()
    assert stored["release_id"].to_list() == ["R2", "R3", "R1"]  # by issue time
    r1 = stored.row(2, named=True)
    assert (r1["customs_status"], r1["source_line"]) == ("released", 9)
    assert stored.row(0, named=True)["customs_status"] is None


def test_the_customs_status_time_orders_versions_of_one_issue(store: Store) -> None:
    held = release("R1", customs_status="hold", customs_status_at=T0)
    cleared = release("R1", customs_status="released", customs_status_at=T0 + timedelta(hours=5))
    counts = save(store, "a", batch(RecordKind.RELEASES, cleared, held))
    assert counts == {"records_read": 2, "records_stored": 1, "outdated": 1}
    assert store.releases()["customs_status"].to_list() == ["released"]
    assert save(store, "b", batch(RecordKind.RELEASES, held))["outdated"] == 1
    undated = release("R1", customs_status="hold")  # no status time: older than a dated one
    assert save(store, "c", batch(RecordKind.RELEASES, undated))["outdated"] == 1


def test_the_same_content_elsewhere_is_a_duplicate(store: Store) -> None:
    save(store, "a", batch(RecordKind.RELEASES, release("R1")))
    again = release("R1", source="other.csv", source_line=40)
    counts = save(store, "b", batch(RecordKind.RELEASES, again, again))
    assert counts == {"records_read": 2, "duplicates": 2}
    assert store.releases()["source"].to_list() == ["releases.csv"]


def test_release_filters(store: Store) -> None:
    rows = [
        release("R1"),
        release("R2", 1, container_number="MSKU9070323"),
        release("R3", 2, terminal="NLRTM-APMII"),
        release("R4", 3, terminal="BEANR-DGD"),
        release("R5", 4, terminal="NLRTMX"),
    ]
    save(store, "a", batch(RecordKind.RELEASES, *rows))

    def ids(frame: pl.DataFrame) -> list[str]:
        return [str(i) for i in frame["release_id"]]

    assert ids(store.releases(["msku 907032-3"])) == ["R2"]
    assert ids(store.releases([])) == []
    assert ids(store.releases(terminal="NLRTM-ECT")) == ["R1", "R2"]
    assert ids(store.releases(terminal="nlrtm")) == ["R1", "R2", "R3"]
    assert ids(store.releases(["CSQU3054383"], terminal="BEANR")) == ["R4"]


def gate(tx: str, hours: float, **fields: Any) -> dict[str, Any]:
    return {
        "gate_tx_id": tx, "container_number": "CSQU3054383", "terminal": "NLRTM-ECT",
        "time": T0 + timedelta(hours=hours), "direction": "out", "result": "accepted",
        "source": "gate.csv", "source_line": 2,
    } | fields  # fmt: skip


def test_gate_transactions_latest_input_wins_and_time_filters(store: Store) -> None:
    save(store, "a", batch(RecordKind.GATE, gate("G1", 0), gate("G2", 1), gate("G3", 2)))
    counts = save(store, "b", batch(RecordKind.GATE, gate("G2", 1, result="rejected")))
    assert counts == {"records_read": 1, "records_stored": 1, "records_replaced": 1}
    window = store.gate_transactions(since=T0 + timedelta(hours=1), until=T0 + timedelta(hours=2))
    assert window.select("gate_tx_id", "result").rows() == [("G2", "rejected")]
    assert store.gate_transactions(["MSKU9070323"]).is_empty()
    assert store.gate_transactions(["CSQU3054383"]).height == 3


def access(user: str, minutes: float, *records: str, **fields: Any) -> dict[str, Any]:
    return {
        "time": T0 + timedelta(minutes=minutes), "user": user, "action": "read",
        "resource": "release", "records": list(records), "count": len(records), "source": "log",
    } | fields  # fmt: skip


def test_access_entries_repeat_within_an_input_but_not_across_inputs(store: Store) -> None:
    twice = access("ana", 0, "R1")
    counts = save(store, "a", batch(RecordKind.ACCESS_LOG, twice, twice, access("bob", 5, "R1")))
    assert counts == {"records_read": 3, "records_stored": 3}
    overlap = [twice, access("bob", 5, "R1", "R2"), access("ana", 9, "R2", source="log2")]
    counts = save(store, "b", batch(RecordKind.ACCESS_LOG, *overlap))
    assert counts == {"records_read": 3, "records_stored": 2, "duplicates": 1}
    log = store.access_log()
    assert log.schema == pl.Schema(RECORD_SCHEMAS[RecordKind.ACCESS_LOG])
    assert log.height == 5
    assert store.access_log(user="bob")["records"].to_list() == [["R1"], ["R1", "R2"]]
    assert store.access_log(since=T0 + timedelta(minutes=6))["source"].to_list() == ["log2"]
    assert store.access_log(until=T0 + timedelta(minutes=1)).height == 2


def test_staff_directory_latest_entry_wins(store: Store) -> None:
    def member(user: str, *ports: str, timezone: str = "UTC") -> dict[str, Any]:
        return {"user": user, "agency": "terminal", "role": "clerk", "ports": list(ports),
                "timezone": timezone, "source": "staff.csv"}  # fmt: skip

    counts = save(store, "a", batch(RecordKind.STAFF, member("ana", "NLRTM"), member("bob")))
    assert counts == {"records_read": 2, "records_stored": 2}
    moved = member("ana", "BEANR", timezone="Europe/Brussels")
    counts = save(store, "b", batch(RecordKind.STAFF, member("ana", "NLRTM"), moved, member("bob")))
    assert counts == {
        "records_read": 3, "records_stored": 1, "records_replaced": 1, "outdated": 1,
        "duplicates": 1,
    }  # fmt: skip
    assert store.staff().select("user", "ports", "timezone").rows() == [
        ("ana", ["BEANR"], "Europe/Brussels"),
        ("bob", [], "UTC"),
    ]


def assigned(user: str, record: str, source: str = "work.csv") -> dict[str, Any]:
    return {"user": user, "record": record, "source": source}


def test_a_work_assignment_is_stored_once(store: Store) -> None:
    rows = [assigned("bob", "AL-000001"), assigned("ana", "CSQU3054383"), assigned("ana", "R1")]
    counts = save(store, "a", batch(RecordKind.WORK, *rows, assigned("ana", "R1")))
    assert counts == {"records_read": 4, "records_stored": 3, "duplicates": 1}
    # a later batch of the same ingest, and another input, repeat pairs: nothing new is stored
    again = [assigned("ana", "R1", "other.csv"), assigned("bob", "AL-000002")]
    counts = save(store, "b", batch(RecordKind.WORK, *again), batch(RecordKind.WORK, *again))
    assert counts == {"records_read": 4, "records_stored": 1, "duplicates": 3}
    work = store.work_assignments()
    assert work.schema == pl.Schema(RECORD_SCHEMAS[RecordKind.WORK])
    assert work.rows() == [
        ("ana", "CSQU3054383", "work.csv"),
        ("ana", "R1", "work.csv"),
        ("bob", "AL-000001", "work.csv"),
        ("bob", "AL-000002", "work.csv"),
    ]
    assert store.work_assignments(user="bob")["record"].to_list() == ["AL-000001", "AL-000002"]
    assert store.work_assignments(user="carla").is_empty()


def test_work_assignments_differ_by_user_and_by_record(store: Store) -> None:
    rows = [assigned("ana", "R1"), assigned("bob", "R1"), assigned("ana", "r1")]
    assert save(store, "a", batch(RecordKind.WORK, *rows))["records_stored"] == 3
    assert store.work_assignments().select("user", "record").rows() == [
        ("ana", "R1"), ("ana", "r1"), ("bob", "R1"),
    ]  # fmt: skip


def test_a_batch_stores_its_quarantine_and_tallies_and_moves_the_data_version(
    store: Store,
) -> None:
    bad = conform(
        pl.DataFrame({"source": ["s.csv"], "source_line": [3], "reason": ["bad_port"],
                      "detail": ["ports 'X'"], "raw": ["x,X"]}),
        QUARANTINE_SCHEMA,
    )  # fmt: skip
    before = store.generation
    empty = batch(RecordKind.STAFF, skipped={"blank_line": 2})
    empty.quarantine = bad
    empty.records_read = 1
    save(store, "a", empty)
    assert store.generation > before
    assert store.quarantine("a")["reason"].to_list() == ["bad_port"]
    counts = store.ingest_counts("a").select("counter", "key", "count").rows()
    assert sorted(counts) == [
        ("quarantined", "bad_port", 1), ("records_read", "", 1), ("skipped", "blank_line", 2),
    ]  # fmt: skip
    record = store.ingest("a")
    assert record is not None
    assert record.batches_done == 1


@pytest.mark.parametrize("kind", list(RecordKind))
def test_an_empty_store_reads_back_empty_frames_of_each_schema(
    store: Store, kind: RecordKind
) -> None:
    readers: dict[RecordKind, Callable[[], pl.DataFrame]] = {
        RecordKind.RELEASES: store.releases,
        RecordKind.GATE: store.gate_transactions,
        RecordKind.ACCESS_LOG: store.access_log,
        RecordKind.STAFF: store.staff,
        RecordKind.WORK: store.work_assignments,
        RecordKind.RADAR: store.radar_contacts,
        RecordKind.RADAR_SITES: store.radar_sites,
        RecordKind.CLEARANCES: store.clearances,
        RecordKind.TELEMETRY: store.telemetry,
        RecordKind.CONTAINERS: store.container_events,
        RecordKind.MANIFESTS: store.manifests,
        RecordKind.REGISTRY: store.registry_entities,
        RecordKind.REGISTRY_LINKS: store.registry_links,
    }
    read = readers[kind]()
    assert read.is_empty()
    assert read.schema == pl.Schema(RECORD_SCHEMAS[kind])


def reading(number: str, minutes: float, **fields: Any) -> dict[str, Any]:
    return {"container_number": number, "time": T0 + timedelta(minutes=minutes),
            "source": "t.jsonl", "source_line": 1, **fields}  # fmt: skip


def test_a_telemetry_reading_is_stored_once_per_container_and_time(store: Store) -> None:
    first = batch(
        RecordKind.TELEMETRY,
        reading("CSQU3054383", 0, lat=51.9, lon=4.0, door_open=False),
        reading("CSQU3054383", 0, lat=51.9, lon=4.0, door_open=False),
        reading("MSKU9070323", 0, door_open=True),
    )
    assert save(store, "a", first) == {"records_read": 3, "records_stored": 2, "duplicates": 1}
    again = batch(
        RecordKind.TELEMETRY,
        reading("CSQU3054383", 0, lat=51.9, lon=4.0, door_open=False),
        reading("CSQU3054383", 0, lat=51.9, lon=4.0, door_open=True),
        reading("CSQU3054383", 5, light_lux=300.0),
    )
    counts = save(store, "b", again)
    assert counts == {"records_read": 3, "records_stored": 2, "records_replaced": 1,
                      "outdated": 1}  # fmt: skip
    found = store.telemetry("csqu 305438-3")
    assert found.schema == pl.Schema(RECORD_SCHEMAS[RecordKind.TELEMETRY])
    assert found.select("time", "door_open", "light_lux").rows() == [
        (T0, True, None), (T0 + timedelta(minutes=5), None, 300.0),
    ]  # fmt: skip
    assert store.telemetry(since=T0 + timedelta(minutes=1))["container_number"].to_list() == [
        "CSQU3054383"
    ]
    assert store.telemetry(until=T0 + timedelta(minutes=1)).height == 2
