"""Radar contacts, radar sites and declarations in the store: stored once, the latest version
kept, read back by time and sensor."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime
from pathlib import Path

import polars as pl

from balise.engine.ingest import Input
from balise.engine.ingest_records import RadarDefaults, ingest_records
from balise.model.batch import ReadOptions
from balise.model.coastal import CLEARANCE_SCHEMA, RADAR_CONTACT_SCHEMA, RADAR_SITE_SCHEMA
from balise.model.record_batch import RecordKind
from balise.store.duckdb import DuckDBStore

RADAR = Path(__file__).parents[1] / "data" / "radar"
OPTIONS = ReadOptions()


def text_input(name: str, text: str) -> Input:
    data = text.encode()
    return Input(name, lambda: io.BytesIO(data), len(data))


def file_input(name: str) -> Input:
    path = RADAR / name
    return Input(name, lambda: path.open("rb"), path.stat().st_size)


HEADER = "time,lat,lon,speed_knots,course_deg,sensor_id,position_error_m\n"
ROWS = [
    "2024-03-01T10:00:00Z,14.1,-61.1,5,90,S1,50",
    "2024-03-01T10:02:00Z,14.1,-61.09,5,90,S1,50",
    "2024-03-01T10:02:00Z,14.1,-61.09,5,90,S1,50",  # a repeat within the input
    "2024-03-01T10:02:00Z,14.1,-61.09,5,90,S2,50",  # another sensor: another contact
]


def test_contacts_are_stored_once_across_inputs_and_batches() -> None:
    store = DuckDBStore(":memory:")
    first = ingest_records(
        RecordKind.RADAR, text_input("a.csv", HEADER + "\n".join(ROWS)), store,
        ReadOptions(batch_records=2),
    )  # fmt: skip
    assert (first.count("records_stored"), first.count("duplicates")) == (3, 1)
    overlapping = HEADER + "\n".join([ROWS[1], "2024-03-01T10:04:00Z,14.1,-61.08,5,90,S1,50"])
    second = ingest_records(RecordKind.RADAR, text_input("b.csv", overlapping), store, OPTIONS)
    assert (second.count("records_stored"), second.count("duplicates")) == (1, 1)
    again = ingest_records(RecordKind.RADAR, text_input("b2.csv", overlapping), store, OPTIONS)
    assert again.status == "already_ingested"
    contacts = store.radar_contacts()
    assert contacts.schema == pl.Schema(RADAR_CONTACT_SCHEMA)
    assert contacts.height == 4
    assert contacts["time"].is_sorted()
    window = store.radar_contacts(
        since=datetime(2024, 3, 1, 10, 1, tzinfo=UTC),
        until=datetime(2024, 3, 1, 10, 4, tzinfo=UTC),
        sensor_ids=["S1"],
    )
    assert window.select("sensor_id", "lon").rows() == [("S1", -61.09)]


def test_sites_and_declarations_keep_their_latest_version() -> None:
    store = DuckDBStore(":memory:")
    ingest_records(RecordKind.RADAR_SITES, file_input("radars.csv"), store, OPTIONS)
    moved = "sensor_id,lat,lon,antenna_height_m\nMQ-DIAMANT,14.48,-61.03,112\n"
    result = ingest_records(RecordKind.RADAR_SITES, text_input("moved.csv", moved), store, OPTIONS)
    assert result.count("records_replaced") == 1
    sites = store.radar_sites()
    assert sites.schema == pl.Schema(RADAR_SITE_SCHEMA)
    assert sites.select("sensor_id", "lat", "antenna_height_m", "name").rows() == [
        ("MQ-CARAVELLE", 14.77, 95.0, "Sémaphore de la Caravelle"),
        ("MQ-DIAMANT", 14.48, 112.0, None),
    ]
    declared = ingest_records(RecordKind.CLEARANCES, file_input("clearances.csv"), store, OPTIONS)
    assert declared.by_key("cleared") == {"invalid_mmsi": 1}
    assert declared.count("outdated") == 1  # DEC-1's first submission, replaced in the input
    clearances = store.clearances()
    assert clearances.schema == pl.Schema(CLEARANCE_SCHEMA)
    assert clearances.select("declaration_id", "persons_on_board").rows() == [
        ("DEC-2", 2),
        ("DEC-1", 5),
        ("DEC-6", None),
    ]
    assert store.clearances(since=datetime(2024, 3, 1, 11, tzinfo=UTC)).height == 1


def test_arpa_sentences_need_their_site_and_are_read_again_once_it_is_declared() -> None:
    store = DuckDBStore(":memory:")
    before = ingest_records(RecordKind.RADAR, file_input("arpa.nmea"), store, OPTIONS)
    assert before.source_format == "arpa_nmea"
    assert before.by_key("quarantined")["unknown_sensor"] == 6
    ingest_records(RecordKind.RADAR_SITES, file_input("radars.csv"), store, OPTIONS)
    after = ingest_records(
        RecordKind.RADAR, file_input("arpa.nmea"), store, OPTIONS,
        radar=RadarDefaults("MQ-DIAMANT", date(2024, 3, 1), position_error_m=80.0),
    )  # fmt: skip
    assert after.status == "ingested"
    # the sentence without a tag block has a sensor and a date now, the one without c: a date
    assert after.count("records_stored") == 6
    assert store.radar_contacts()["position_error_m"].unique().to_list() == [80.0]
