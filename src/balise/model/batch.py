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

MAX_LINE_BYTES = 4 * 1024
"""An AIS sentence is at most 82 characters (IEC 61162-1), a tag block adds under 100 and a CSV
archive row is under 1 KB: 4 KiB leaves room for any real line and bounds a line with no end."""
MAX_RECORD_LINE_BYTES = 64 * 1024
"""A line of a port or access record file (a CSV row, a JSON line): an access log entry may list
up to `records.MAX_AUDIT_RECORDS` (1,000) identifiers of a dozen characters, ~20 KB; 64 KiB holds
it with room and still bounds a line with no end."""
MAX_INPUT_BYTES = 64 * 1024**3
"""Decompressed bytes read from one input: a national archive day (DMA) is 3-5 GB, a year of a
busy receiver's NMEA tens of GB; past 64 GiB an input is more likely a decompression bomb."""
MAX_QUARANTINE_TEXT_BYTES = 1024
"""Original text kept in one quarantine row: a whole sentence or CSV row fits, a junk megabyte
line does not get copied into the store and the quarantine file."""


@dataclass(frozen=True)
class ReadOptions:
    """How to read: the time given to records that carry none, the batch size and the limits.

    `assume_time` (UTC) is used for NMEA sentences with neither a tag block nor a leading
    timestamp; without it such sentences are quarantined with reason `no_time`. The limits bound
    what hostile or broken input can cost (settings `ingest.max_*`, where they are explained): a
    longer line (`max_line_bytes` for AIS, `max_record_line_bytes` for port and access records)
    is quarantined `line_too_long`, reading stops after `max_input_bytes`
    decompressed bytes of one input, and a quarantine row keeps at most
    `max_quarantine_text_bytes` of the original text.
    """

    assume_time: datetime | None = None
    batch_records: int = 200_000
    max_line_bytes: int = MAX_LINE_BYTES
    max_record_line_bytes: int = MAX_RECORD_LINE_BYTES
    max_input_bytes: int = MAX_INPUT_BYTES
    max_quarantine_text_bytes: int = MAX_QUARANTINE_TEXT_BYTES


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
