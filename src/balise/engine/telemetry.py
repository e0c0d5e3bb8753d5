"""Readings of smart containers posted one request at a time (the API): stored as an ingest of
one batch, through the same path as files and the MQTT listener."""

from __future__ import annotations

import hashlib
import uuid
from datetime import UTC, datetime
from typing import Final

import polars as pl

from balise.model.record_batch import RecordBatch
from balise.store.base import IngestRecord, Store

API_FORMAT: Final = "telemetry_api"


def store_readings(store: Store, batch: RecordBatch, source: str) -> dict[str, int]:
    """Store `batch` (readings of `RecordKind.TELEMETRY`) as an ingest of its own from
    `source`; its counters without key (`records_read`, `records_stored`, `duplicates`, ...)."""
    text = f"{API_FORMAT}\0{source}\0{datetime.now(UTC).isoformat()}\0{uuid.uuid4()}"
    ingest_id = hashlib.sha256(text.encode()).hexdigest()
    store.start_ingest(
        IngestRecord(ingest_id, source, API_FORMAT, "running", 0, batch.records_read)
    )
    store.store_records(ingest_id, 0, batch)
    store.finish_ingest(ingest_id)
    counts = store.ingest_counts(ingest_id).filter(pl.col("key") == "")
    return dict(zip(counts["counter"].to_list(), counts["count"].to_list(), strict=True))
