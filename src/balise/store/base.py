"""The store interface every implementation (DuckDB now, PostgreSQL later) provides."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

import polars as pl

from balise.io.batch import ReadBatch
from balise.store.duckdb_events import EventChanges


@dataclass(frozen=True)
class IngestRecord:
    """One input's ingest: identified by the sha256 of its bytes, so a re-run is recognised."""

    ingest_id: str
    source: str
    source_format: str
    status: str
    batches_done: int
    batch_records: int


class Store(Protocol):
    """Where readers' batches go and where queries read them back."""

    def ingest(self, ingest_id: str) -> IngestRecord | None:
        """The ingest of that content, if one was started."""
        ...

    def start_ingest(self, record: IngestRecord) -> IngestRecord:
        """Record the start of an ingest; return the existing record if it was already started."""
        ...

    def store_batch(self, ingest_id: str, batch_index: int, batch: ReadBatch) -> None:
        """Store one batch and its counts atomically; the ingest's progress moves past it."""
        ...

    def finish_ingest(self, ingest_id: str) -> None: ...

    def ingest_counts(self, ingest_id: str) -> pl.DataFrame:
        """Counts of an ingest: columns `counter`, `key`, `count`."""
        ...

    def quarantine(self, ingest_id: str | None = None) -> pl.DataFrame: ...

    def positions(
        self, mmsi: int | None, since: datetime | None, until: datetime | None, limit: int | None
    ) -> Iterator[pl.DataFrame]:
        """Stored positions ordered by vessel then time, in frames of bounded size."""
        ...

    def vessels(self) -> pl.DataFrame:
        """One row per MMSI seen: latest identity, flag, positions and time span."""
        ...

    def identity_history(self, mmsi: int) -> pl.DataFrame:
        """Every identity snapshot of a vessel, with when and how often it was seen."""
        ...

    def identity_history_all(self) -> pl.DataFrame:
        """Every identity snapshot of every vessel, timed at its first sighting."""
        ...

    def save_events(self, events: pl.DataFrame, types: list[str]) -> EventChanges:
        """Store a detection run's complete events of `types`; revise and retract the others."""
        ...

    def events(
        self, kind: str | None = None, since: datetime | None = None, mmsi: int | None = None
    ) -> pl.DataFrame:
        """Stored events that are not retracted, newest first."""
        ...

    def close(self) -> None: ...
