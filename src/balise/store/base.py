"""The store interface every implementation (DuckDB now, PostgreSQL later) provides."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

import polars as pl

from balise.model.batch import ReadBatch
from balise.store.duckdb_events import EventChanges, RunScope


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

    def identity_history_all(self, mmsis: list[int] | None = None) -> pl.DataFrame:
        """Every identity snapshot (of the vessels `mmsis` when given), timed at its first
        sighting."""
        ...

    def save_events(
        self, events: pl.DataFrame, types: list[str], scope: RunScope | None = None
    ) -> EventChanges:
        """Store a detection run's complete events of `types`; revise and retract the others
        (within `scope` only, for an incremental run)."""
        ...

    def positions_of(
        self, mmsis: list[int] | None, since: datetime | None = None, until: datetime | None = None
    ) -> pl.DataFrame:
        """Positions of the vessels `mmsis` (all when None) within [`since`, `until`), in one
        frame ordered by vessel then time."""
        ...

    def last_change(self) -> int:
        """The sequence number of the last stored batch that changed data (0: none)."""
        ...

    def changes_since(self, seq: int) -> pl.DataFrame:
        """The vessels changed after `seq`: `mmsi`, `first`, `last` (time span touched)."""
        ...

    def last_detect_run(self) -> tuple[int, str] | None:
        """The change sequence and settings fingerprint the last detection run covered."""
        ...

    def record_detect_run(self, seq: int, fingerprint: str, mode: str, positions: int) -> None:
        """Remember that a detection run covered the changes up to `seq`."""
        ...

    def events(
        self, kind: str | None = None, since: datetime | None = None, mmsi: int | None = None
    ) -> pl.DataFrame:
        """Stored events that are not retracted, newest first."""
        ...

    def close(self) -> None: ...
