"""What every AIS reader yields: batches of fixed-schema frames plus the counts of what it saw.

The readers (`balise.io`) produce these batches and the stores (`balise.store`) and the ingest
job (`balise.engine.ingest`) consume them, so the types live in the model layer below all three.

Readers are lenient: a bad record becomes a quarantine row (reason, original text, file, line) and
every good record around it is kept. Strictness is applied by the caller, which refuses the first
batch holding a quarantine row.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

import polars as pl

from balise.model.schema import IDENTITY_SCHEMA, POSITION_SCHEMA, QUARANTINE_SCHEMA, empty


@dataclass(frozen=True)
class ReadOptions:
    """How to read: the time given to records that carry none, and the batch size.

    `assume_time` (UTC) is used for NMEA sentences with neither a tag block nor a leading
    timestamp; without it such sentences are quarantined with reason `no_time`.
    """

    assume_time: datetime | None = None
    batch_records: int = 200_000


@dataclass
class ReadBatch:
    """One batch of a source: decoded records, rejected records and the tallies behind them.

    `records_read` counts input records (NMEA sentences or CSV rows); `messages_by_type` counts
    decoded AIS messages by type, the ones that are not stored included, so nothing is dropped
    silently; `cleared` counts values turned into nulls ("not available" sentinels, invalid IMO);
    `skipped` counts input that is valid but not AIS (GPS sentences in a receiver log, blank lines);
    `duplicates` and `no_position` count position reports dropped by cleaning, not rejected.
    """

    positions: pl.DataFrame = field(default_factory=lambda: empty(POSITION_SCHEMA))
    identities: pl.DataFrame = field(default_factory=lambda: empty(IDENTITY_SCHEMA))
    quarantine: pl.DataFrame = field(default_factory=lambda: empty(QUARANTINE_SCHEMA))
    records_read: int = 0
    messages_by_type: Counter[int] = field(default_factory=Counter)
    cleared: Counter[str] = field(default_factory=Counter)
    skipped: Counter[str] = field(default_factory=Counter)
    duplicates: int = 0
    no_position: int = 0
